//! The release task on a scratch copy of a small workspace (git init in a temp dir).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::{Args, move_unreleased, next_version, rate_limit_wait, run as release, unreleased_entries};
use crate::workspace::run;

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(root: &Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap()
}

const CHANGELOG: &str =
    "# Changelog\n\n## [Unreleased]\n\n### Added\n- Something new.\n\n## [0.1.0] - 2026-01-01\n\n- First.\n";

/// alpha <- beta (normal dep with a version), gamma (unpublished) -> beta, alpha as a dev-dep.
fn scratch() -> Scratch {
    let root = fresh_root();
    write(
        &root,
        "Cargo.toml",
        "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n\n[workspace.dependencies]\n# shared by everyone\nalpha = { path = \"crates/alpha\", version = \"0.1.0\" } # keep me\n",
    );
    write(
        &root,
        "crates/alpha/Cargo.toml",
        "[package]\nname = \"alpha\"\nversion = \"0.1.0\" # the version\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"a\"\n",
    );
    write(
        &root,
        "crates/beta/Cargo.toml",
        "[package]\nname = \"beta\"\nversion = \"0.2.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"b\"\n\n[dependencies]\nalpha = { path = \"../alpha\", version = \"0.1.0\" } # intra-workspace\n",
    );
    write(
        &root,
        "crates/gamma/Cargo.toml",
        "[package]\nname = \"gamma\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nbeta = { path = \"../beta\", version = \"0.2.0\" }\n\n[dev-dependencies]\nalpha = { path = \"../alpha\" }\n",
    );
    for c in ["alpha", "beta", "gamma"] {
        write(&root, &format!("crates/{c}/src/lib.rs"), "//! Scratch crate.\n");
        write(&root, &format!("crates/{c}/CHANGELOG.md"), CHANGELOG);
    }
    init_git(&root);
    Scratch(root)
}

fn fresh_root() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let root =
        std::env::temp_dir().join(format!("xtask-release-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
    let _ = std::fs::remove_dir_all(&root);
    root
}

/// Seven never-published crates at 0.1.0, each depending on the one before (c1 <- c2 <- … c7),
/// like our workspace on its first release: more new crates than crates.io's burst of five.
fn seven_new_crates() -> Scratch {
    let root = fresh_root();
    write(&root, "Cargo.toml", "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n");
    for i in 1..=7 {
        let deps = if i == 1 {
            String::new()
        } else {
            format!("\n[dependencies]\nc{} = {{ path = \"../c{}\", version = \"0.1.0\" }}\n", i - 1, i - 1)
        };
        write(
            &root,
            &format!("crates/c{i}/Cargo.toml"),
            &format!(
                "[package]\nname = \"c{i}\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"c\"\n{deps}"
            ),
        );
        write(&root, &format!("crates/c{i}/src/lib.rs"), "//! Scratch crate.\n");
        write(&root, &format!("crates/c{i}/CHANGELOG.md"), "# Changelog\n\n## [Unreleased]\n\n- First release.\n");
    }
    init_git(&root);
    Scratch(root)
}

/// A stand-in for `cargo` that logs each `publish -p NAME` to `calls`, "publishes" by adding
/// the crate's version to the local index in `index/`, and answers like crates.io would: a 429
/// with "try again after" ten minutes from now on call number `rate_limit_on` (once), and a
/// hard failure for crate `fail` (once).
fn stand_in(root: &Path, rate_limit_on: Option<u32>, fail: Option<&str>) -> String {
    let script = root.join("stand-in.sh");
    let text = format!(
        r#"#!/bin/sh
# called as: publish --locked -p NAME
cd '{root}' || exit 2
name="$4"
echo "$name" >> calls
n=$(wc -l < calls | tr -d ' ')
if [ "$n" = "{limit}" ] && [ ! -e limit.once ]; then
  touch limit.once
  until=$(date -u -d "@$(( $(date +%s) + 600 ))" '+%a, %d %b %Y %H:%M:%S GMT')
  echo "error: failed to publish $name to registry at https://crates.io" >&2
  echo "" >&2
  echo "Caused by:" >&2
  echo "  the remote server responded with an error (status 429 Too Many Requests): You have published too many new crates in a short period of time. Please try again after $until or email help@crates.io to have your limit increased." >&2
  exit 101
fi
if [ "$name" = "{fail}" ] && [ ! -e fail.once ]; then
  touch fail.once
  echo "error: failed to publish $name: the remote server responded with an error (status 500 Internal Server Error)" >&2
  exit 101
fi
mkdir -p index
version=$(sed -n 's/^version = "\(.*\)".*/\1/p' "crates/$name/Cargo.toml" | head -n 1)
echo "{{\"name\":\"$name\",\"vers\":\"$version\"}}" >> "index/$name"
echo "   Uploaded $name v$version"
"#,
        root = root.display(),
        limit = rate_limit_on.map_or(0, |n| n),
        fail = fail.unwrap_or("-"),
    );
    std::fs::write(&script, text).unwrap();
    run(root, "chmod", &["+x", "stand-in.sh"]).unwrap();
    script.display().to_string()
}

fn calls(root: &Path) -> Vec<String> {
    std::fs::read_to_string(root.join("calls")).unwrap_or_default().lines().map(str::to_owned).collect()
}

thread_local! {
    static WAITS: std::cell::RefCell<Vec<std::time::Duration>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn record_wait(d: std::time::Duration) {
    WAITS.with(|w| w.borrow_mut().push(d));
}

/// A real publish (through the stand-in) of a first release at 0.1.0.
fn publish_first_release(root: &Path, cargo: String) -> Args {
    Args {
        level: Some("0.1.0".into()),
        index_dir: Some(root.join("index")),
        cargo: Some(cargo),
        execute: true,
        skip_tests: true,
        skip_package: true,
        date: Some("2026-11-23".into()),
        sleep: Some(record_wait),
        ..Args::default()
    }
}

fn init_git(root: &Path) {
    write(root, ".gitignore", "/target\n/index\n/calls\n/*.once\n/stand-in.sh\n");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["config", "user.name", "Release Test"],
        &["config", "user.email", "release@test.invalid"],
        &["config", "tag.gpgSign", "false"],
        &["config", "commit.gpgSign", "false"],
    ] {
        run(root, "git", args).unwrap();
    }
    run(root, "cargo", &["generate-lockfile", "--offline"]).unwrap();
    run(root, "git", &["add", "-A"]).unwrap();
    run(root, "git", &["commit", "-q", "-m", "initial"]).unwrap();
}

fn args(level: &str, packages: &[&str]) -> Args {
    Args {
        level: Some(level.into()),
        // Never the real registry in a test: an empty local index (nothing published).
        index_dir: Some(std::env::temp_dir().join("xtask-empty-index")),
        packages: packages.iter().map(|s| s.to_string()).collect(),
        date: Some("2026-11-23".into()),
        ..Args::default()
    }
}

fn execute(mut a: Args) -> Args {
    a.execute = true;
    a.no_publish = true;
    a.skip_tests = true;
    a.skip_package = true;
    a
}

fn git(root: &Path, args: &[&str]) -> String {
    run(root, "git", args).unwrap()
}

#[test]
fn dry_run_prints_the_plan_and_changes_nothing() {
    let s = scratch();
    let before: Vec<String> =
        ["Cargo.toml", "crates/alpha/Cargo.toml", "crates/beta/CHANGELOG.md"].iter().map(|p| read(&s.0, p)).collect();
    let mut out = Vec::new();
    release(&s.0, &args("patch", &[]), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("alpha                0.1.0 -> 0.1.1"), "{out}");
    assert!(out.contains("beta                 0.2.0 -> 0.2.1"), "{out}");
    assert!(out.contains("publish order: alpha, beta"), "{out}");
    assert!(out.contains("tags: alpha-v0.1.1, beta-v0.2.1"), "{out}");
    assert!(out.contains("dry run: nothing was changed"), "{out}");
    assert!(!out.contains("gamma"), "unpublished crates are not released");
    let after: Vec<String> =
        ["Cargo.toml", "crates/alpha/Cargo.toml", "crates/beta/CHANGELOG.md"].iter().map(|p| read(&s.0, p)).collect();
    assert_eq!(before, after);
    assert_eq!(git(&s.0, &["status", "--porcelain"]), "");
    assert_eq!(git(&s.0, &["tag", "--list"]), "");
    assert_eq!(git(&s.0, &["rev-list", "--count", "HEAD"]).trim(), "1");
}

#[test]
fn releasing_one_crate_bumps_it_and_every_requirement_on_it() {
    let s = scratch();
    let mut out = Vec::new();
    release(&s.0, &execute(args("patch", &["alpha"])), &mut out).unwrap();

    let alpha = read(&s.0, "crates/alpha/Cargo.toml");
    assert!(alpha.contains("version = \"0.1.1\" # the version"), "formatting and comments kept:\n{alpha}");
    let beta = read(&s.0, "crates/beta/Cargo.toml");
    assert!(beta.contains("version = \"0.2.0\"\n"), "beta itself is not released:\n{beta}");
    assert!(beta.contains("alpha = { path = \"../alpha\", version = \"0.1.1\" } # intra-workspace"), "{beta}");
    let root = read(&s.0, "Cargo.toml");
    assert!(
        root.contains("# shared by everyone\nalpha = { path = \"crates/alpha\", version = \"0.1.1\" } # keep me"),
        "{root}"
    );
    let gamma = read(&s.0, "crates/gamma/Cargo.toml");
    assert!(
        gamma.contains("[dev-dependencies]\nalpha = { path = \"../alpha\" }"),
        "dev-deps stay version-less:\n{gamma}"
    );

    let changelog = read(&s.0, "crates/alpha/CHANGELOG.md");
    assert_eq!(
        changelog,
        "# Changelog\n\n## [Unreleased]\n\n## [0.1.1] - 2026-11-23\n\n### Added\n- Something new.\n\n## [0.1.0] - 2026-01-01\n\n- First.\n"
    );
    assert_eq!(read(&s.0, "crates/beta/CHANGELOG.md"), CHANGELOG);
    assert!(read(&s.0, "Cargo.lock").contains("name = \"alpha\"\nversion = \"0.1.1\""));

    assert_eq!(git(&s.0, &["log", "-1", "--format=%s"]).trim(), "Release alpha 0.1.1");
    assert_eq!(git(&s.0, &["tag", "--list"]).trim(), "alpha-v0.1.1");
    assert_eq!(git(&s.0, &["status", "--porcelain"]), "", "everything is in the release commit");
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("--no-publish: nothing uploaded"), "{out}");
}

#[test]
fn releasing_everything_makes_one_commit_and_a_tag_per_crate() {
    let s = scratch();
    release(&s.0, &execute(args("minor", &[])), &mut Vec::new()).unwrap();
    assert!(read(&s.0, "crates/alpha/Cargo.toml").contains("version = \"0.2.0\""));
    let beta = read(&s.0, "crates/beta/Cargo.toml");
    assert!(beta.contains("version = \"0.3.0\"\n") && beta.contains("version = \"0.2.0\" }"), "{beta}");
    assert!(read(&s.0, "crates/gamma/Cargo.toml").contains("beta = { path = \"../beta\", version = \"0.3.0\" }"));
    assert_eq!(git(&s.0, &["log", "-1", "--format=%s"]).trim(), "Release alpha 0.2.0, beta 0.3.0");
    assert_eq!(git(&s.0, &["tag", "--list"]).trim(), "alpha-v0.2.0\nbeta-v0.3.0");
    assert_eq!(git(&s.0, &["rev-list", "--count", "HEAD"]).trim(), "2");
    // Right after a release, Unreleased is empty: another release needs entries first.
    let err = release(&s.0, &args("patch", &["alpha"]), &mut Vec::new()).unwrap_err();
    assert!(err.contains("alpha: nothing under `## [Unreleased]`"), "{err}");
    write(&s.0, "crates/alpha/CHANGELOG.md", CHANGELOG);
    run(&s.0, "git", &["commit", "-qam", "more"]).unwrap();
    let err = release(&s.0, &args("0.2.0", &["alpha"]), &mut Vec::new()).unwrap_err();
    assert!(err.contains("not newer"), "{err}");
}

#[test]
fn a_dirty_tree_is_refused() {
    let s = scratch();
    write(&s.0, "crates/alpha/src/lib.rs", "//! Changed.\n");
    let err = release(&s.0, &args("patch", &[]), &mut Vec::new()).unwrap_err();
    assert!(err.contains("not clean"), "{err}");
}

#[test]
fn a_crate_with_nothing_unreleased_is_refused() {
    let s = scratch();
    write(&s.0, "crates/beta/CHANGELOG.md", "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-01-01\n\n- First.\n");
    run(&s.0, "git", &["commit", "-qam", "empty"]).unwrap();
    let err = release(&s.0, &args("patch", &[]), &mut Vec::new()).unwrap_err();
    assert!(err.contains("beta: nothing under `## [Unreleased]`"), "{err}");
    assert!(release(&s.0, &args("patch", &["alpha"]), &mut Vec::new()).is_ok());
}

#[test]
fn unknown_and_unpublished_crates_are_refused() {
    let s = scratch();
    assert!(release(&s.0, &args("patch", &["nope"]), &mut Vec::new()).unwrap_err().contains("no crate named nope"));
    assert!(release(&s.0, &args("patch", &["gamma"]), &mut Vec::new()).unwrap_err().contains("not published"));
    assert!(release(&s.0, &args("sideways", &[]), &mut Vec::new()).unwrap_err().contains("not patch, minor, major"));
}

#[test]
fn an_existing_tag_is_refused() {
    let s = scratch();
    run(&s.0, "git", &["tag", "alpha-v0.1.1"]).unwrap();
    let err = release(&s.0, &args("patch", &["alpha"]), &mut Vec::new()).unwrap_err();
    assert!(err.contains("tag alpha-v0.1.1 already exists"), "{err}");
}

#[test]
fn versions_and_changelogs() {
    let v = |s: &str| semver::Version::parse(s).unwrap();
    assert_eq!(next_version(&v("0.1.9"), "patch").unwrap(), v("0.1.10"));
    assert_eq!(next_version(&v("0.1.9"), "minor").unwrap(), v("0.2.0"));
    assert_eq!(next_version(&v("0.1.9"), "major").unwrap(), v("1.0.0"));
    assert_eq!(next_version(&v("0.1.9"), "0.3.0").unwrap(), v("0.3.0"));
    assert!(next_version(&v("0.1.9"), "0.1.9").is_err());
    assert_eq!(unreleased_entries(CHANGELOG), ["### Added", "- Something new."]);
    assert!(unreleased_entries("# Changelog\n\n## Unreleased\n\n## [1.0.0]\n- x\n").is_empty());
    assert_eq!(
        move_unreleased("## Unreleased\n- x\n", &v("1.0.0"), "2026-11-23"),
        "## Unreleased\n\n## [1.0.0] - 2026-11-23\n- x\n"
    );
    let today = super::today();
    assert_eq!((today.len(), &today[4..5], &today[7..8]), (10, "-", "-"));
}

#[test]
fn a_first_release_at_the_current_version_is_planned_when_the_registry_does_not_have_it() {
    let s = seven_new_crates();
    let mut out = Vec::new();
    let mut a = args("0.1.0", &[]);
    a.index_dir = Some(s.0.join("index"));
    release(&s.0, &a, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("c1                   0.1.0 (first release: not on the registry yet)"), "{out}");
    assert!(out.contains("publish order: c1, c2, c3, c4, c5, c6, c7"), "{out}");
    assert!(out.contains("tags: c1-v0.1.0, c2-v0.1.0"), "{out}");

    // Once the registry has a version, it is no first release any more.
    write(&s.0, "index/c3", "{\"name\":\"c3\",\"vers\":\"0.1.0\"}\n");
    let err = release(&s.0, &a, &mut Vec::new()).unwrap_err();
    assert!(err.contains("c3 0.1.0 is already on the registry"), "{err}");
    // And an older version than the current one is still refused.
    let err = release(&s.0, &args("0.0.9", &["c1"]), &mut Vec::new()).unwrap_err();
    assert!(err.contains("not newer"), "{err}");
}

#[test]
fn the_new_crate_rate_limit_is_waited_out_and_the_release_goes_on() {
    let s = seven_new_crates();
    let cargo = stand_in(&s.0, Some(6), None);
    let mut out = Vec::new();
    release(&s.0, &publish_first_release(&s.0, cargo), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();

    // The 6th crate got a 429, was tried again after the wait, and everything is published.
    assert_eq!(calls(&s.0), ["c1", "c2", "c3", "c4", "c5", "c6", "c6", "c7"]);
    let waits = WAITS.with(|w| w.borrow().clone());
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!((590..=600).contains(&waits[0].as_secs()), "waits until the date crates.io gave: {waits:?}");
    assert!(out.contains("crates.io's rate limit for new crates: waiting 5"), "{out}");
    assert!(out.contains("GMT) before publishing c6 again"), "{out}");
    assert!(out.contains("published c1, c2, c3, c4, c5, c6, c7"), "{out}");
    assert!(out.contains("   Uploaded c7 v0.1.0"), "cargo's own output is passed on: {out}");
    assert!(out.contains("status 429 Too Many Requests"), "{out}");
    for i in 1..=7 {
        assert_eq!(read(&s.0, &format!("index/c{i}")), format!("{{\"name\":\"c{i}\",\"vers\":\"0.1.0\"}}\n"));
    }
    assert_eq!(
        git(&s.0, &["log", "-1", "--format=%s"]).trim(),
        "Release c1 0.1.0, c2 0.1.0, c3 0.1.0, c4 0.1.0, c5 0.1.0, c6 0.1.0, c7 0.1.0"
    );
    assert_eq!(git(&s.0, &["tag", "--list"]).lines().count(), 7);
    assert!(
        read(&s.0, "crates/c1/CHANGELOG.md")
            .contains("## [Unreleased]\n\n## [0.1.0] - 2026-11-23\n\n- First release.\n")
    );
}

#[test]
fn a_release_stopped_while_publishing_is_finished_by_resume() {
    let s = seven_new_crates();
    let cargo = stand_in(&s.0, None, Some("c4"));
    let err = release(&s.0, &publish_first_release(&s.0, cargo.clone()), &mut Vec::new()).unwrap_err();
    assert!(err.contains("publishing stopped at c4"), "{err}");
    assert!(err.contains("published: c1, c2, c3\n"), "{err}");
    assert!(err.contains("not published: c4, c5, c6, c7"), "{err}");
    assert!(err.contains("cargo xtask release --resume"), "{err}");
    // The commit and tags were made before publishing: they stay.
    assert_eq!(git(&s.0, &["tag", "--list"]).lines().count(), 7);

    let resume = Args {
        resume: true,
        index_dir: Some(s.0.join("index")),
        cargo: Some(cargo),
        sleep: Some(record_wait),
        ..Args::default()
    };
    let mut out = Vec::new();
    release(&s.0, &resume, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("c1 0.1.0 is on the registry already: skipped"), "{out}");
    assert!(out.contains("resumed: published c4, c5, c6, c7"), "{out}");
    // Exactly what was missing was published, each crate once.
    assert_eq!(calls(&s.0), ["c1", "c2", "c3", "c4", "c4", "c5", "c6", "c7"]);
    for i in 1..=7 {
        assert_eq!(read(&s.0, &format!("index/c{i}")).lines().count(), 1, "c{i} published once");
    }
    // Resuming again has nothing left to do.
    let mut out = Vec::new();
    release(&s.0, &resume, &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("resumed: published nothing (all there already)"));
    assert_eq!(calls(&s.0).len(), 8);
}

#[test]
fn the_rate_limit_answer_is_read_for_how_long_to_wait() {
    use std::time::{Duration, UNIX_EPOCH};
    // Mon, 23 Nov 2026 16:20:00 GMT
    let now = UNIX_EPOCH + Duration::from_secs(1_795_450_800);
    let answer = |until: &str| {
        format!(
            "error: failed to publish to registry at https://crates.io\n\nCaused by:\n  the remote server responded with an error (status 429 Too Many Requests): You have published too many new crates in a short period of time. Please try again after {until} or email help@crates.io to have your limit increased.\n"
        )
    };
    assert_eq!(
        rate_limit_wait(&answer("Mon, 23 Nov 2026 16:30:00 GMT"), now),
        Some((Duration::from_secs(600), "Mon, 23 Nov 2026 16:30:00 GMT".to_owned()))
    );
    // Never more than an hour, whatever the date says; a date already past means now.
    assert_eq!(rate_limit_wait(&answer("Tue, 24 Nov 2026 16:30:00 GMT"), now).unwrap().0, Duration::from_secs(3600));
    assert_eq!(rate_limit_wait(&answer("Mon, 23 Nov 2026 16:00:00 GMT"), now).unwrap().0, Duration::ZERO);
    // A date it cannot read: ten minutes.
    assert_eq!(
        rate_limit_wait(&answer("soon"), now),
        Some((Duration::from_secs(600), "ten minutes from now".to_owned()))
    );
    // Any other failure is not waited out, even one whose text holds "429".
    assert_eq!(rate_limit_wait("error: crate version `0.1.429` is already uploaded", now), None);
    assert_eq!(rate_limit_wait("status 500 Internal Server Error", now), None);
}

#[test]
fn the_requirement_operator_is_kept_on_the_real_manifests() {
    use toml_edit::DocumentMut;
    let real = std::fs::read_to_string(crate::workspace::project_root().join("Cargo.toml")).unwrap();
    // Our policy: caret requirements (no operator). A `=` pin, had anyone written one, stays a
    // pin: the release tool moves the version, never the policy.
    for (given, want) in [("\"0.1.0\"", "\"0.1.1\""), ("\"=0.1.0\"", "\"=0.1.1\""), ("\"^0.1.0\"", "\"^0.1.1\"")] {
        let text = real.replace(
            "contacts-http = { path = \"crates/contacts-http\", version = \"0.1.0\"",
            &format!("contacts-http = {{ path = \"crates/contacts-http\", version = {given}"),
        );
        assert!(real.contains("contacts-http = { path = \"crates/contacts-http\", version = \"0.1.0\""));
        let mut doc: DocumentMut = text.parse().unwrap();
        super::update_requirements(&mut doc, "contacts-http", &semver::Version::new(0, 1, 1));
        let out = doc.to_string();
        let line = out.lines().find(|l| l.starts_with("contacts-http = ")).unwrap();
        assert!(line.contains(&format!("version = {want}")), "{given} -> {line}");
        // Nothing else moved.
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.contains("contacts-core = { path = \"crates/contacts-core\", version = \"0.1.0\" }"));
    }
}

#[test]
fn breaking_versions_and_removed_api_lines() {
    use super::{api_removals, is_breaking_bump};
    use semver::Version;
    let v = |s: &str| Version::parse(s).unwrap();
    assert!(!is_breaking_bump(&v("0.1.0"), &v("0.1.1")));
    assert!(is_breaking_bump(&v("0.1.3"), &v("0.2.0")));
    assert!(!is_breaking_bump(&v("1.2.0"), &v("1.3.0")));
    assert!(is_breaking_bump(&v("1.2.0"), &v("2.0.0")));
    assert!(is_breaking_bump(&v("0.0.1"), &v("0.0.2")));
    let before = "pub fn a()\npub fn b()\n";
    assert!(api_removals(before, "pub fn a()\npub fn b()\npub fn c()\n").is_empty(), "an addition breaks nothing");
    assert_eq!(api_removals(before, "pub fn a()\npub fn b(x: u8)\n"), ["pub fn b()"]);
}

/// alpha's API snapshot at its release tag, then `f` applied to the tree and committed.
fn released_alpha(f: impl FnOnce(&Path)) -> Scratch {
    let s = scratch();
    write(&s.0, "crates/alpha/public-api.txt", "pub fn alpha::one()\npub fn alpha::two()\n");
    git(&s.0, &["add", "-A"]);
    git(&s.0, &["commit", "-q", "-m", "snapshot"]);
    git(&s.0, &["tag", "alpha-v0.1.0"]);
    git(&s.0, &["tag", "beta-v0.2.0"]);
    f(&s.0);
    git(&s.0, &["add", "-A"]);
    git(&s.0, &["commit", "-q", "-m", "change"]);
    s
}

#[test]
fn a_patch_that_removes_public_api_is_refused_and_a_minor_is_planned() {
    let s = released_alpha(|root| write(root, "crates/alpha/public-api.txt", "pub fn alpha::one()\n"));
    let err = release(&s.0, &args("patch", &["alpha"]), &mut Vec::new()).unwrap_err();
    assert!(err.contains("alpha: 1 line(s) of its public API are gone since alpha-v0.1.0"), "{err}");
    assert!(err.contains("`pub fn alpha::two()`") && err.contains("a new minor version (0.2.0)"), "{err}");
    let mut out = Vec::new();
    release(&s.0, &args("minor", &["alpha"]), &mut out).unwrap();
    assert!(String::from_utf8(out).unwrap().contains("alpha                0.1.0 -> 0.2.0"));
    // An addition is a patch.
    let s = released_alpha(|root| {
        write(root, "crates/alpha/public-api.txt", "pub fn alpha::one()\npub fn alpha::three()\npub fn alpha::two()\n")
    });
    release(&s.0, &args("patch", &["alpha"]), &mut Vec::new()).unwrap();
}

#[test]
fn a_crate_is_not_released_without_the_changes_of_its_dependencies() {
    // beta depends on alpha, which changed since alpha-v0.1.0: beta alone would need an
    // unreleased alpha.
    let s = released_alpha(|root| write(root, "crates/alpha/src/lib.rs", "//! Scratch crate.\npub fn new() {}\n"));
    let err = release(&s.0, &args("patch", &["beta"]), &mut Vec::new()).unwrap_err();
    assert!(err.contains("beta depends on alpha, which changed since alpha-v0.1.0"), "{err}");
    assert!(err.contains("release it too (-p alpha)"), "{err}");
    // Released together: planned.
    release(&s.0, &args("patch", &["alpha", "beta"]), &mut Vec::new()).unwrap();
    // A dependency that was never released must come along too.
    let s = scratch();
    let err = release(&s.0, &args("patch", &["beta"]), &mut Vec::new()).unwrap_err();
    assert!(err.contains("beta depends on alpha 0.1.0, which was never released"), "{err}");
}
