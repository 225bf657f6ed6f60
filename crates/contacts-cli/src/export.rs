//! `contacts <provider> export`: every contact through the lazy iterator, written as it
//! arrives, so memory stays flat whatever the count.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use contacts_core::Contact;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::failure::CliError;
use crate::{Api, Format, ListArgs};

const CSV_HEADER: [&str; 10] =
    ["provider", "id", "name", "email", "phone", "street", "postal_code", "city", "country", "tax_id"];

/// A spinner on stderr with a rounded rate; hidden when stderr is not a terminal.
pub(crate) fn spinner(what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!("{{spinner}} {{pos}} contacts {what} ({{rate}}, {{elapsed}})"))
            .map(|s| {
                s.with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                })
            })
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar
}

/// A write failure: a reader that went away ends the program quietly (as `ls | head` does);
/// anything else names what was being written.
fn write_failed(output: Option<&Path>, e: io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe && output.is_none() {
        std::process::exit(0);
    }
    match output {
        Some(path) => CliError::io("writing", Some(path), e),
        None => CliError::io("writing to standard output", None, e),
    }
}

fn csv_failed(output: Option<&Path>, e: csv::Error) -> CliError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => write_failed(output, io),
        other => CliError::io("writing CSV", output, io::Error::other(format!("{other:?}"))),
    }
}

pub(crate) fn run(
    api: Api<'_>,
    format: Format,
    output: Option<&Path>,
    raw_csv: bool,
    list: &ListArgs,
) -> Result<u64, CliError> {
    let sink: Box<dyn Write> = match output {
        Some(path) => Box::new(File::create(path).map_err(|e| CliError::io("cannot create", Some(path), e))?),
        None => Box::new(io::stdout().lock()),
    };
    // Server text reaches a terminal escaped in CSV too (control and bidi characters as
    // `\u{…}`); a file or a pipe gets it as sent (formulas neutralised unless --raw-csv).
    let terminal = output.is_none() && io::stdout().is_terminal();
    let mut out = BufWriter::with_capacity(64 * 1024, sink);
    let bar = spinner("exported");
    let provider = api.provider().name();
    let limit = list.limit.unwrap_or(usize::MAX);
    let mut n = 0u64;
    let listed = |e| CliError::provider("export", e);
    // Each contact is written as it arrives: the csv writer and the BufWriter hold a few
    // kilobytes at most, so memory stays flat whatever the count.
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(CSV_HEADER).map_err(|e| csv_failed(output, e))?;
            for contact in api.list(&list.query()).take(limit) {
                let contact = contact.map_err(listed)?;
                let record = row(provider, &contact);
                let written = if raw_csv {
                    w.write_record(record)
                } else {
                    w.write_record(record.iter().map(|v| cell(v, terminal)))
                };
                written.map_err(|e| csv_failed(output, e))?;
                n += 1;
                tick(&bar, n);
            }
            w.flush().map_err(|e| write_failed(output, e))?;
        }
        Format::Jsonl => {
            for contact in api.list(&list.query()).take(limit) {
                let contact = contact.map_err(listed)?;
                let line =
                    serde_json::to_string(&contact).map_err(|e| CliError::io("encoding JSON", output, e.into()))?;
                let line = crate::output::json_safe(line);
                out.write_all(line.as_bytes())
                    .and_then(|()| out.write_all(b"\n"))
                    .map_err(|e| write_failed(output, e))?;
                n += 1;
                tick(&bar, n);
            }
            out.flush().map_err(|e| write_failed(output, e))?;
        }
    }
    bar.set_position(n);
    bar.finish_and_clear();
    if output.is_some() {
        eprintln!("exported {n} {}", if n == 1 { "contact" } else { "contacts" });
    }
    Ok(n)
}

fn tick(bar: &ProgressBar, n: u64) {
    if n.is_multiple_of(256) {
        bar.set_position(n);
    }
}

fn row<'a>(provider: &'a str, c: &'a Contact) -> [&'a str; 10] {
    let a = c.address.as_ref();
    let part = |f: fn(&contacts_core::Address) -> &Option<String>| a.and_then(|a| f(a).as_deref()).unwrap_or("");
    [
        provider,
        &c.id,
        &c.name,
        c.email.as_deref().unwrap_or(""),
        c.phone.as_deref().unwrap_or(""),
        part(|a| &a.street),
        part(|a| &a.postal_code),
        part(|a| &a.city),
        part(|a| &a.country),
        c.tax_id.as_deref().unwrap_or(""),
    ]
}

/// A CSV value as written: formulas neutralised, and on a terminal, characters that move the
/// cursor, set a title or reorder the line escaped.
fn cell(value: &str, terminal: bool) -> String {
    let value = neutralise(value);
    if terminal { contacts_core::escaped(&value).to_string() } else { value.into_owned() }
}

/// OWASP's advice against CSV injection: a value a spreadsheet would run as a formula gets a
/// leading `'`. That is a value whose first character, after any spaces (a space, a
/// non-breaking space, a tab, a line break), is `=`, `+`, `-` or `@` — or their full-width
/// forms `＝ ＋ － ＠` — or that starts with a tab or a carriage return. A `;` followed by such
/// a character (a second cell, for a spreadsheet in a locale that splits on `;`) gets the same
/// `'` after it. A plain phone number (`+` then digits and spaces) cannot hold a formula and is
/// kept as it is.
fn neutralise(value: &str) -> std::borrow::Cow<'_, str> {
    fn formula_start(cell: &str) -> bool {
        let trimmed = cell.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{feff}');
        let phone = trimmed
            .strip_prefix('+')
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit() || c == ' '));
        let starts = matches!(
            trimmed.chars().next(),
            Some('=' | '+' | '-' | '@' | '\u{ff1d}' | '\u{ff0b}' | '\u{ff0d}' | '\u{ff20}')
        );
        (starts && !phone) || cell.starts_with(['\t', '\r'])
    }
    let needs = formula_start(value) || value.split(';').skip(1).any(formula_start);
    if !needs {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 4);
    for (i, cell) in value.split(';').enumerate() {
        if i > 0 {
            out.push(';');
        }
        if formula_start(cell) {
            out.push('\'');
        }
        out.push_str(cell);
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{cell, neutralise};

    #[test]
    fn on_a_terminal_a_csv_cell_is_escaped_and_in_a_file_it_is_as_sent() {
        // Before: `export --format csv` on a terminal carried ESC, OSC, BEL, C1 and bidi
        // characters from a contact's name straight to the screen.
        let name = "Anna\u{1b}]0;pwned\u{7}\u{9b}\u{202e}";
        let shown = cell(name, true);
        assert!(!shown.chars().any(|c| c.is_control() || c == '\u{202e}'), "{shown:?}");
        assert!(shown.starts_with("Anna\\u{1b}]0;pwned"), "{shown}");
        assert_eq!(cell(name, false), name);
        assert_eq!(cell("=1+1", true), "'=1+1");
    }

    #[test]
    fn formulas_are_neutralised_and_phone_numbers_kept() {
        assert_eq!(neutralise("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(neutralise("\t=1"), "'\t=1");
        assert_eq!(neutralise("+4522123456"), "+4522123456");
        // OWASP's further forms: leading spaces, a non-breaking space, full-width signs, and a
        // second cell after `;` for semicolon locales.
        assert_eq!(neutralise(" =1+1"), "' =1+1");
        assert_eq!(neutralise("\u{a0}=1+1"), "'\u{a0}=1+1");
        assert_eq!(neutralise("\u{ff1d}1+1"), "'\u{ff1d}1+1");
        assert_eq!(neutralise("a;=1+1"), "a;'=1+1");
        assert_eq!(neutralise("a; @SUM(A1)"), "a;' @SUM(A1)");
        assert_eq!(neutralise(" +45 22 12 34 56"), " +45 22 12 34 56");
        assert_eq!(neutralise("Nørre Allé; 2"), "Nørre Allé; 2");
        assert_eq!(neutralise("Anna Jensen"), "Anna Jensen");
        assert_eq!(neutralise(""), "");
    }
}
