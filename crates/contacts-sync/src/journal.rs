//! The journal: the run's record. A header line with every setting, then one line per write
//! begun, done or failed; held by one run at a time.
//!
//! Format 2 writes a write's lines compactly, numbered: `{"b":7,"a":"c","s":"con_1"}` before
//! it is sent (`a`: `c` create, `u` update, `d` delete; `k` the match key when it is not the
//! source's own `provider:id`; `s` the source id; `t` the target id when known), then
//! `{"d":7,"t":"…"}` done, `{"f":7,"e":"…"}` failed or `{"x":7}` cancelled. Settings, runs and
//! ends keep their `{"event": …}` lines. Readers take format 1's `{"event":"begin",…}` lines too.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use contacts_core::{Field, Provider};
use serde::{Deserialize, Serialize};

use crate::error::SyncError;
use crate::matching::Match;

/// The journal format this version writes; it reads it and format 1.
pub const JOURNAL_VERSION: u32 = 2;

/// The oldest journal format this version reads (a run of an older version resumes).
const OLDEST_READ: u32 = 1;

/// The longest journal line read, in bytes: a longer one is an error, so a corrupt or hostile
/// file cannot make a resume read it all into memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// One side of the sync, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Side {
    /// The provider.
    pub provider: Provider,
    /// The host (and port) the client called, when it said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl Side {
    pub(crate) fn new(provider: Provider, host: Option<String>) -> Self {
        Side { provider, host }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.host {
            Some(host) => write!(f, "{} at {}", self.provider, contacts_core::escaped(host)),
            None => write!(f, "{}", self.provider),
        }
    }
}

/// The journal's first line: what the run was, so a resume replays exactly it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JournalHeader {
    /// Always `contacts-sync`: tells a journal from any other JSON-lines file.
    pub journal: String,
    /// The format version ([`JOURNAL_VERSION`]).
    pub version: u32,
    /// Where the contacts come from.
    pub source: Side,
    /// Where they go.
    pub target: Side,
    /// How contacts were matched.
    #[serde(rename = "match")]
    pub matching: Match,
    /// Whether fields the target cannot store were dropped.
    pub lossy: bool,
    /// The fields compared and copied.
    pub fields: Vec<Field>,
    /// The portal customer ids read.
    #[serde(default)]
    pub customer_ids: Vec<u64>,
    /// Whether target contacts whose source is gone were deleted.
    #[serde(default)]
    pub delete: bool,
    /// The most deletes the run would make.
    #[serde(default)]
    pub max_delete: u64,
    /// Writes a minute, when throttled.
    #[serde(default)]
    pub rate_per_minute: Option<u32>,
    /// Consecutive failures that stop the run.
    #[serde(default)]
    pub max_failures: u32,
    /// Writes in flight at once (a resume may change it: it sets how fast, not what is
    /// written). Journals written before it existed read as 1.
    #[serde(default = "one")]
    pub concurrency: u32,
    /// When the journal was created, in seconds since the Unix epoch.
    pub created_at: u64,
}

fn one() -> u32 {
    1
}

impl JournalHeader {
    /// Reads the header of the journal at `path`.
    ///
    /// # Errors
    /// [`SyncError::Journal`] when the file is missing, unreadable, empty, not a contacts-sync
    /// journal, of another format version, or its first line is too long or cut off.
    pub fn read(path: &Path) -> Result<JournalHeader, SyncError> {
        let file = File::open(path).map_err(|e| journal_error(path, format!("cannot be read: {e}")))?;
        let mut reader = BufReader::new(file);
        let line = read_line(&mut reader, path)?
            .ok_or_else(|| journal_error(path, "is empty: it holds no run to resume".to_owned()))?;
        parse_header(path, &line)
    }
}

fn parse_header(path: &Path, line: &[u8]) -> Result<JournalHeader, SyncError> {
    let value: serde_json::Value = serde_json::from_slice(line)
        .map_err(|e| journal_error(path, format!("is not a contacts-sync journal (first line: {e})")))?;
    if value.get("journal").and_then(serde_json::Value::as_str) != Some("contacts-sync") {
        return Err(journal_error(path, "is not a contacts-sync journal (its first line has no header)".to_owned()));
    }
    let version = value.get("version").and_then(serde_json::Value::as_u64);
    if !version.is_some_and(|v| (u64::from(OLDEST_READ)..=u64::from(JOURNAL_VERSION)).contains(&v)) {
        return Err(journal_error(
            path,
            format!(
                "is format version {}, this contacts-sync reads versions {OLDEST_READ} to {JOURNAL_VERSION}",
                version.map_or_else(|| "?".to_owned(), |v| v.to_string())
            ),
        ));
    }
    serde_json::from_value(value).map_err(|e| journal_error(path, format!("has a damaged header: {e}")))
}

/// A `setting` line: what a resume changed (`{"event":"setting","action":"rate_per_minute","key":"60"}`).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SettingLine {
    pub(crate) event: String,
    pub(crate) action: String,
    pub(crate) key: String,
}

/// What a write line says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    Begin,
    Done,
    Failed,
    Cancelled,
}

/// Which write a line is about: its number (format 2), or its action and key (format 1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum WriteId {
    Seq(u64),
    Named(String, String),
}

/// A line of either format, as the readers need it.
#[derive(Deserialize)]
struct AnyLine<'a> {
    #[serde(default, borrow)]
    event: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    action: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    key: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    b: Option<u64>,
    #[serde(default)]
    d: Option<u64>,
    #[serde(default)]
    f: Option<u64>,
    #[serde(default)]
    x: Option<u64>,
}

/// A write line's event and write, `None` for any other line (header, setting, run, end) or
/// one that is not JSON (a torn last line: `Err`).
pub(crate) fn write_event(line: &[u8]) -> Result<Option<(Event, WriteId)>, ()> {
    let l: AnyLine<'_> = serde_json::from_slice(line).map_err(|_| ())?;
    let compact = [(l.b, Event::Begin), (l.d, Event::Done), (l.f, Event::Failed), (l.x, Event::Cancelled)];
    if let Some((seq, event)) = compact.into_iter().find_map(|(n, e)| n.map(|n| (n, e))) {
        return Ok(Some((event, WriteId::Seq(seq))));
    }
    let event = match l.event.as_deref() {
        Some("begin") => Event::Begin,
        Some("done") => Event::Done,
        Some("failed") => Event::Failed,
        Some("cancelled") => Event::Cancelled,
        _ => return Ok(None),
    };
    let named = WriteId::Named(l.action.unwrap_or_default().into_owned(), l.key.unwrap_or_default().into_owned());
    Ok(Some((event, named)))
}

/// A write's line before it is sent.
#[derive(Serialize)]
pub(crate) struct BeginLine<'a> {
    pub(crate) b: u64,
    /// `c`, `u` or `d`.
    pub(crate) a: &'a str,
    /// The match key, when it is not the source's own `provider:id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) k: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(crate) s: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) t: Option<&'a str>,
}

/// A write's answer: done (with the new target id of a create), failed, or cancelled.
#[derive(Serialize)]
pub(crate) struct DoneLine<'a> {
    pub(crate) d: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) t: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct FailedLine<'a> {
    pub(crate) f: u64,
    pub(crate) e: &'a str,
}

#[derive(Serialize)]
pub(crate) struct CancelledLine {
    pub(crate) x: u64,
}

pub(crate) fn journal_error(path: &Path, message: String) -> SyncError {
    SyncError::Journal { path: path.to_path_buf(), message }
}

/// One line, without its newline, at most [`MAX_LINE_BYTES`]; `None` at the end of the file.
fn read_line(reader: &mut impl BufRead, path: &Path) -> Result<Option<Vec<u8>>, SyncError> {
    let mut line = Vec::new();
    let limit = u64::try_from(MAX_LINE_BYTES).unwrap_or(u64::MAX) + 1;
    reader
        .by_ref()
        .take(limit)
        .read_until(b'\n', &mut line)
        .map_err(|e| journal_error(path, format!("cannot be read: {e}")))?;
    if line.is_empty() {
        return Ok(None);
    }
    if line.len() > MAX_LINE_BYTES && !line.ends_with(b"\n") {
        return Err(journal_error(path, format!("has a line longer than {MAX_LINE_BYTES} bytes: it is not a journal")));
    }
    if line.ends_with(b"\n") {
        line.pop();
    }
    Ok(Some(line))
}

/// The writes the journal shows begun and never answered, read line by line (a journal of
/// millions of writes is never held whole: only the writes still open are).
pub(crate) fn in_flight(path: &Path) -> Result<u64, SyncError> {
    let file = File::open(path).map_err(|e| journal_error(path, format!("cannot be read: {e}")))?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let header = read_line(&mut reader, path)?.ok_or_else(|| journal_error(path, "is empty".to_owned()))?;
    parse_header(path, &header)?;
    let mut open: std::collections::HashSet<WriteId> = std::collections::HashSet::new();
    let mut torn = false;
    while let Some(line) = read_line(&mut reader, path)? {
        if torn {
            return Err(journal_error(
                path,
                "has a damaged line before its end: it was edited or corrupted".to_owned(),
            ));
        }
        match write_event(&line) {
            Ok(Some((Event::Begin, id))) => {
                open.insert(id);
            }
            Ok(Some((_, id))) => {
                open.remove(&id);
            }
            Ok(None) => {}
            // Only the last line may be cut off (the process died writing it).
            Err(()) => torn = true,
        }
    }
    Ok(open.len() as u64)
}

/// The settings a resume changed (`{"event":"setting","action":"rate_per_minute","key":"60"}`
/// lines), in order: a later resume replays them after the header.
pub(crate) fn changed_settings(path: &Path) -> Result<Vec<(String, String)>, SyncError> {
    let file = File::open(path).map_err(|e| journal_error(path, format!("cannot be read: {e}")))?;
    let mut reader = BufReader::new(file);
    let _header = read_line(&mut reader, path)?;
    let mut out = Vec::new();
    while let Some(line) = read_line(&mut reader, path)? {
        if let Ok(entry) = serde_json::from_slice::<SettingLine>(&line)
            && entry.event == "setting"
        {
            out.push((entry.action, entry.key));
        }
    }
    Ok(out)
}

/// The open journal of a run: appends one line per event. A line that must be in the file
/// before a request is sent (`begin`) is written at once; an answer's line waits for the next
/// such line and goes out with it, in one write to the file (and at the end, or when the
/// writer is dropped). A process killed in between leaves that write looking in flight, and
/// a resume looks it up by its key, as for any write whose answer was lost.
#[derive(Debug)]
pub(crate) struct Writer {
    file: File,
    path: PathBuf,
    pending: Vec<u8>,
    /// The last write number in the file: the next write is numbered after it.
    pub(crate) last_seq: u64,
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

impl Writer {
    /// Creates a new journal with its header (mode 0600 on Unix: it holds match keys —
    /// emails, phones). An existing file is refused, never overwritten.
    pub(crate) fn create(path: &Path, header: &JournalHeader) -> Result<Writer, SyncError> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                journal_error(path, "already exists: resume that run with it, or give a new path".to_owned())
            } else {
                journal_error(path, format!("cannot be created: {e}"))
            }
        })?;
        let mut writer = Writer { file, path: path.to_path_buf(), pending: Vec::new(), last_seq: 0 };
        writer.line(header)?;
        Ok(writer)
    }

    /// Opens an existing journal to append to it (its header already checked).
    pub(crate) fn append(path: &Path) -> Result<Writer, SyncError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| journal_error(path, format!("cannot be opened: {e}")))?;
        // A line cut off by a killed process is dropped, so the journal stays whole lines.
        let tail = drop_torn_tail(path).map_err(|e| journal_error(path, format!("cannot be repaired: {e}")))?;
        let last_seq = match last_seq_in(&tail) {
            Some(seq) => seq,
            None => last_seq_scanning(path)?,
        };
        Ok(Writer { file, path: path.to_path_buf(), pending: Vec::new(), last_seq })
    }

    /// Writes `value`'s line now, after any waiting, before the call it records is made: a
    /// process killed at any point leaves whole lines (a torn last line is ignored on resume).
    pub(crate) fn line(&mut self, value: &impl Serialize) -> Result<(), SyncError> {
        self.line_later(value)?;
        self.flush()
    }

    /// Keeps `value`'s line to go out with the next [`line`](Self::line) or [`flush`](Self::flush).
    pub(crate) fn line_later(&mut self, value: &impl Serialize) -> Result<(), SyncError> {
        serde_json::to_writer(&mut self.pending, value)
            .map_err(|e| journal_error(&self.path, format!("cannot be written: {e}")))?;
        self.pending.push(b'\n');
        Ok(())
    }

    /// Writes the lines waiting, in one write.
    pub(crate) fn flush(&mut self) -> Result<(), SyncError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let written = self.file.write_all(&self.pending).and_then(|()| self.file.flush());
        self.pending.clear();
        written.map_err(|e| journal_error(&self.path, format!("cannot be written: {e}")))
    }
}

/// The highest write number among the whole lines of `tail` (numbers only grow down the file,
/// and an answer's number is its begin's): `None` when the tail holds no begin.
fn last_seq_in(tail: &[u8]) -> Option<u64> {
    tail.split(|b| *b == b'\n')
        .rev()
        .filter_map(|line| serde_json::from_slice::<AnyLine<'_>>(line).ok())
        .find_map(|l| l.b)
}

/// The highest write number in the whole file, read line by line (a tail without a begin:
/// a journal of format 1, or settings and ends only).
fn last_seq_scanning(path: &Path) -> Result<u64, SyncError> {
    let file = File::open(path).map_err(|e| journal_error(path, format!("cannot be read: {e}")))?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut last = 0;
    while let Some(line) = read_line(&mut reader, path)? {
        if let Ok(Some((Event::Begin, WriteId::Seq(seq)))) = write_event(&line) {
            last = last.max(seq);
        }
    }
    Ok(last)
}

/// Cuts the file back to its last newline (the tail after it is a line a killed process did
/// not finish: the header check and `in_flight` have already read the file whole), and gives
/// the tail read (up to the longest line, whole lines only).
fn drop_torn_tail(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    let mut f = OpenOptions::new().read(true).write(true).open(path)?;
    let len = f.metadata()?.len();
    let back = len.min(u64::try_from(MAX_LINE_BYTES).unwrap_or(u64::MAX) + 1);
    f.seek(SeekFrom::Start(len - back))?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail)?;
    let start = tail.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let last = &tail[start..];
    if last.is_empty() {
        return Ok(tail);
    }
    // A last line that is whole but lacks its newline (a header written by hand, an editor
    // that strips it) gets one, so the next line does not run on from it; a line cut off by a
    // killed process is dropped.
    if serde_json::from_slice::<serde_json::Value>(last).is_ok() {
        use std::io::Write;
        f.seek(SeekFrom::End(0))?;
        f.write_all(b"\n")?;
    } else {
        f.set_len(len - last.len() as u64)?;
        tail.truncate(start);
    }
    Ok(tail)
}

/// An exclusive hold on a journal: `<journal>.lock`, locked for as long as the run lasts and
/// removed when it ends. The lock is the operating system's, so a run that dies releases it;
/// the pid a run writes into a lock file it created tells the next one who held it.
///
/// Trusts no file it did not make: a lock file that is a symlink (or not a plain file) is
/// refused, never followed; one that is already there (left by a run that died) is locked as
/// it is, read but never written or truncated; the file locked is checked to be the one at the
/// path when the lock is taken.
#[derive(Debug)]
pub(crate) struct Lock {
    file: File,
    path: PathBuf,
}

impl Lock {
    pub(crate) fn acquire(journal: &Path) -> Result<Lock, SyncError> {
        let path = lock_path(journal);
        let refuse = |why: String| journal_error(journal, format!("its lock file {} {why}", path.display()));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // `create_new` never follows a symlink (O_CREAT|O_EXCL): a new lock file is ours.
        let (mut file, created) = match options.open(&path) {
            Ok(file) => (file, true),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let meta = std::fs::symlink_metadata(&path).map_err(|e| refuse(format!("cannot be read: {e}")))?;
                if !meta.file_type().is_file() {
                    return Err(refuse(
                        "is a symlink or not a plain file: it is not followed; remove it if no run is under way"
                            .to_owned(),
                    ));
                }
                // Read only: a file this run did not create is never written.
                let file = File::open(&path).map_err(|e| refuse(format!("cannot be opened: {e}")))?;
                (file, false)
            }
            Err(e) => return Err(refuse(format!("cannot be created: {e}"))),
        };
        let mut previous = String::new();
        if !created {
            let _ = (&file).take(64).read_to_string(&mut previous);
        }
        let holder = previous.trim().parse::<u32>().ok();
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(SyncError::Locked { path: journal.to_path_buf(), pid: holder });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(refuse(format!("cannot be locked: {e}"))),
        }
        // The file locked is the one at the path (not swapped, not removed meanwhile).
        if !same_file(&file, &path) {
            return Err(refuse("changed while it was being locked: try again".to_owned()));
        }
        if created {
            write!(file, "{}", std::process::id())
                .and_then(|()| file.flush())
                .map_err(|e| refuse(format!("cannot be written: {e}")))?;
        }
        if let Some(pid) = holder.filter(|pid| *pid != std::process::id()) {
            log::warn!(
                target: "contacts_sync",
                "took over the lock on {} left by pid {pid}, which is no longer running",
                journal.display()
            );
        }
        Ok(Lock { file, path })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // The lock file goes with the run (only if it is still the file this run locked); the
        // lock itself goes with the handle.
        if same_file(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Whether `file` is the plain file at `path` (same device and inode on Unix).
fn same_file(file: &File, path: &Path) -> bool {
    let (Ok(open), Ok(named)) = (file.metadata(), std::fs::symlink_metadata(path)) else { return false };
    if !named.file_type().is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        open.dev() == named.dev() && open.ino() == named.ino()
    }
    #[cfg(not(unix))]
    {
        open.len() == named.len()
    }
}

/// Refuses a journal another user could have written: not a plain file (a symlink), owned by
/// another user, or writable by its group or others. A resume replays its header (deletes,
/// limits): a journal anyone can edit is anyone's command line.
pub(crate) fn check_trusted(path: &Path) -> Result<(), SyncError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| journal_error(path, format!("cannot be read: {e}")))?;
    if !meta.file_type().is_file() {
        return Err(journal_error(path, "is a symlink or not a plain file: it is not trusted".to_owned()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let mode = meta.permissions().mode();
        if mode & 0o022 != 0 {
            return Err(journal_error(
                path,
                format!(
                    "is writable by its group or others (mode {:o}): anyone could have changed the run it replays. chmod 600 it if you trust it (or --trust-journal)",
                    mode & 0o777
                ),
            ));
        }
        // The user this process runs as owns /proc/self (Linux); elsewhere the mode check stands alone.
        if let Ok(me) = std::fs::metadata("/proc/self").map(|m| m.uid())
            && meta.uid() != me
        {
            return Err(journal_error(
                path,
                format!(
                    "is owned by another user (uid {}): a resume replays its settings, so it is not trusted (--trust-journal if you do)",
                    meta.uid()
                ),
            ));
        }
    }
    Ok(())
}

/// The lock file beside a journal.
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(".lock");
    journal.with_file_name(name)
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// How a run recorded in a journal ended: the line a run's caller appends with
/// [`record_end`], read back by [`history`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunEnd {
    /// In words: `done`, `finished with refusals, conflicts or failed writes`, `stopped`,
    /// `interrupted`, `failed`.
    pub outcome: String,
    /// The exit status the run ended with (the CLI's table).
    pub exit_code: u8,
    /// When, in seconds since the Unix epoch.
    pub at: u64,
    /// The report, as far as the run got (none when it stopped before applying).
    pub report: Option<crate::Report>,
}

/// One run (the first, or a resume) as its journal records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunRecord {
    /// `true` for a `--resume`, `false` for the run that created the journal.
    pub resumed: bool,
    /// When it began, in seconds since the Unix epoch.
    pub started_at: u64,
    /// Writes begun.
    pub begun: u64,
    /// Writes the target answered with success.
    pub done: u64,
    /// Writes that failed.
    pub failed: u64,
    /// Writes begun and never answered by the end of the run (a resume looks each up).
    pub unanswered: u64,
    /// How it ended; `None` when no end was recorded (the process was killed, or is running).
    pub end: Option<RunEnd>,
}

/// The history of the journal at `path`, run by run, read without taking its lock and
/// without any call to a provider: what `contacts sync --status` prints.
///
/// # Errors
/// [`SyncError::Journal`] when the file is missing, unreadable or not a journal.
pub fn history(path: &Path) -> Result<(JournalHeader, Vec<RunRecord>), SyncError> {
    let header = JournalHeader::read(path)?;
    let file = File::open(path).map_err(|e| journal_error(path, format!("cannot be read: {e}")))?;
    let mut reader = BufReader::new(file);
    let _header = read_line(&mut reader, path)?;
    let first = RunRecord {
        resumed: false,
        started_at: header.created_at,
        begun: 0,
        done: 0,
        failed: 0,
        unanswered: 0,
        end: None,
    };
    let mut runs = vec![first];
    let mut open = std::collections::HashSet::new();
    while let Some(line) = read_line(&mut reader, path)? {
        let Some(run) = runs.last_mut() else { break };
        match write_event(&line) {
            Ok(Some((Event::Begin, id))) => {
                run.begun += 1;
                open.insert(id);
                continue;
            }
            Ok(Some((event, id))) => {
                match event {
                    Event::Done => run.done += 1,
                    Event::Failed => run.failed += 1,
                    _ => {}
                }
                open.remove(&id);
                continue;
            }
            Ok(None) => {}
            // A torn last line (a killed process) is no event.
            Err(()) => continue,
        }
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&line) else { continue };
        match value.get("event").and_then(serde_json::Value::as_str) {
            Some("run") => {
                run.unanswered = open.len() as u64;
                open.clear();
                runs.push(RunRecord {
                    resumed: true,
                    started_at: value.get("at").and_then(serde_json::Value::as_u64).unwrap_or(0),
                    begun: 0,
                    done: 0,
                    failed: 0,
                    unanswered: 0,
                    end: None,
                });
            }
            Some("end") => {
                run.end = serde_json::from_value::<EndLine>(value).ok().map(|l| RunEnd {
                    outcome: l.action,
                    exit_code: l.exit_code,
                    at: l.at,
                    report: l.report,
                });
            }
            _ => {}
        }
    }
    if let Some(run) = runs.last_mut() {
        run.unanswered = open.len() as u64;
    }
    Ok((header, runs))
}

/// The `end` line: shaped as every other line (`event`, `action`, `key`), so readers that
/// know only writes pass it by.
#[derive(Serialize, Deserialize)]
struct EndLine {
    event: String,
    action: String,
    key: String,
    exit_code: u8,
    at: u64,
    report: Option<crate::Report>,
}

/// Appends how a run ended to its journal: its outcome, exit status and report, so the
/// journal says in the morning what happened at night ([`history`] reads it back). Called
/// once the run has ended and released the journal.
///
/// # Errors
/// [`SyncError::Journal`] when the journal cannot be opened or written, or is a symlink, not
/// the caller's, or writable by others.
pub fn record_end(path: &Path, outcome: &str, exit_code: u8, report: Option<&crate::Report>) -> Result<(), SyncError> {
    // The run has let go of the journal: what is at its path now is checked again, never
    // written through a symlink or into a file someone else could have put there.
    check_trusted(path)?;
    let mut writer = Writer::append(path)?;
    writer.line(&EndLine {
        event: "end".to_owned(),
        action: outcome.to_owned(),
        key: String::new(),
        exit_code,
        at: now_secs(),
        report: report.cloned(),
    })
}

/// The line a resume starts with, so [`history`] tells its runs apart.
pub(crate) fn run_line(writer: &mut Writer) -> Result<(), SyncError> {
    #[derive(Serialize)]
    struct RunLine {
        event: &'static str,
        action: &'static str,
        key: &'static str,
        at: u64,
    }
    writer.line(&RunLine { event: "run", action: "resume", key: "", at: now_secs() })
}
