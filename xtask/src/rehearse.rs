//! `cargo xtask rehearse [--exact-pins]`: proves the version policy on this machine, offline.
//!
//! On a clone of HEAD (under `target/rehearsal`), exactly as the README's Releasing section
//! says a release is made:
//!
//! 1. every published crate is released at 0.1.0 (`cargo xtask release 0.1.0 --execute
//!    --no-publish`) and packaged: the `.crate` files are the local registry;
//! 2. a change lands that `previsto` needs from `contacts-http` (a new public constant), and
//!    the two are released alone as 0.1.1 (`cargo xtask release patch -p contacts-http -p
//!    previsto --execute --no-publish`) and packaged into the registry;
//! 3. a program that depends on `previsto = "=0.1.1"` and `levers-client = "=0.1.0"` is
//!    resolved and built from that registry, offline (each `.crate` unpacked and served through
//!    `[patch.crates-io]`, every other dependency from cargo's offline cache), and must hold
//!    one copy of `contacts-http` and of `contacts-core`.
//!
//! `--exact-pins` first rewrites our crates' requirements on each other as `=` pins (the
//! round-3 policy): step 3 then fails, as it would for a user.

use std::path::{Path, PathBuf};

use crate::release;
use crate::workspace::{packages, run as sh};

pub fn run(root: &Path, exact_pins: bool) -> Result<(), String> {
    let dir = root.join("target").join("rehearsal");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let ws = dir.join("ws");
    let registry = dir.join("registry");
    for d in [&dir, &registry] {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    step("a clone of HEAD");
    sh(root, "git", &["clone", "-q", "--no-hardlinks", &root.to_string_lossy(), &ws.to_string_lossy()])?;
    for args in [
        &["config", "user.name", "Release Rehearsal"][..],
        &["config", "user.email", "rehearsal@contacts-rs.invalid"],
        &["config", "tag.gpgSign", "false"],
        &["config", "commit.gpgSign", "false"],
    ] {
        sh(&ws, "git", args)?;
    }
    if exact_pins {
        step("--exact-pins: our crates pin each other with `=` (the round-3 policy)");
        edit(&ws.join("Cargo.toml"), |text| {
            text.replace(
                "contacts-core = { path = \"crates/contacts-core\", version = \"0.1.0\"",
                "contacts-core = { path = \"crates/contacts-core\", version = \"=0.1.0\"",
            )
            .replace(
                "contacts-http = { path = \"crates/contacts-http\", version = \"0.1.0\"",
                "contacts-http = { path = \"crates/contacts-http\", version = \"=0.1.0\"",
            )
        })?;
        commit(&ws, "Pin our crates exactly")?;
    }

    step("1. every published crate released at 0.1.0 and packaged into the local registry");
    let published: Vec<String> = packages(&ws)?.into_iter().filter(|p| p.publish).map(|p| p.name).collect();
    release::run(&ws, &release_args("0.1.0", &[], &dir), &mut std::io::stdout())?;
    package(&ws, &published, &published, &registry)?;

    step("2. a change previsto needs from contacts-http; the two released alone as 0.1.1");
    edit(&ws.join("crates/contacts-http/src/lib.rs"), |text| {
        format!(
            "{text}\n/// Added after 0.1.0: what the rehearsal's previsto 0.1.1 needs.\npub const REHEARSAL: &str = \"0.1.1\";\n"
        )
    })?;
    edit(&ws.join("crates/previsto/src/lib.rs"), |text| {
        format!(
            "{text}\n// The rehearsal's change: this release needs contacts-http 0.1.1.\nconst _: &str = contacts_http::REHEARSAL;\n"
        )
    })?;
    edit(&ws.join("crates/contacts-http/public-api.txt"), |text| {
        let mut lines: Vec<&str> = text.lines().collect();
        lines.push("pub const contacts_http::REHEARSAL: &str");
        lines.sort_unstable();
        lines.join("\n") + "\n"
    })?;
    for (krate, entry) in
        [("contacts-http", "`REHEARSAL`, a new constant."), ("previsto", "Uses contacts-http's `REHEARSAL`.")]
    {
        edit(&ws.join("crates").join(krate).join("CHANGELOG.md"), |text| {
            text.replacen("## [Unreleased]\n", &format!("## [Unreleased]\n\n### Added\n- {entry}\n"), 1)
        })?;
    }
    commit(&ws, "What previsto 0.1.1 needs from contacts-http")?;
    let alone = ["contacts-http".to_owned(), "previsto".to_owned()];
    release::run(&ws, &release_args("patch", &alone, &dir), &mut std::io::stdout())?;
    // Packaged with the rest (cargo resolves our unpublished crates from the workspace only
    // when they are packaged together); only the new releases go to the registry.
    package(&ws, &published, &alone, &registry)?;

    step("3. a program with previsto =0.1.1 and levers-client =0.1.0, from the registry, offline");
    let app = program(&dir, &registry)?;
    let target = root.join("target").join("rehearsal-build");
    let cargo = |args: &[&str]| {
        let out = std::process::Command::new("cargo")
            .args(args)
            .current_dir(&app)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .map_err(|e| format!("could not run cargo: {e}"))?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        if out.status.success() {
            Ok(text)
        } else {
            Err(format!("`cargo {}` failed:\n{}", args.join(" "), text.trim_end()))
        }
    };
    cargo(&["generate-lockfile", "--offline"]).map_err(|e| {
        format!("the program does not resolve: previsto 0.1.1 and levers-client 0.1.0 cannot be used together.\n{e}")
    })?;
    let lock = std::fs::read_to_string(app.join("Cargo.lock")).map_err(|e| e.to_string())?;
    for (name, want) in
        [("previsto", "0.1.1"), ("levers-client", "0.1.0"), ("contacts-http", "0.1.1"), ("contacts-core", "0.1.0")]
    {
        let versions = locked_versions(&lock, name);
        if versions != [want] {
            return Err(format!("the lock file holds {name} {versions:?}, not one {want}"));
        }
    }
    cargo(&["build", "--offline", "--locked"])?;
    let ran = std::process::Command::new(target.join("debug").join("rehearsal-app"))
        .output()
        .map_err(|e| format!("could not run the program: {e}"))?;
    if !ran.status.success() {
        return Err(format!("the program failed: {}", String::from_utf8_lossy(&ran.stderr)));
    }
    print!("{}", String::from_utf8_lossy(&ran.stdout));
    println!(
        "ok: previsto 0.1.1 and levers-client 0.1.0 build together from the local registry, sharing contacts-http 0.1.1 and contacts-core 0.1.0"
    );
    Ok(())
}

fn step(what: &str) {
    println!("\n==> rehearsal: {what}");
}

fn edit(path: &Path, f: impl FnOnce(&str) -> String) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::fs::write(path, f(&text)).map_err(|e| format!("{}: {e}", path.display()))
}

fn commit(ws: &Path, message: &str) -> Result<(), String> {
    sh(ws, "git", &["add", "-A"])?;
    sh(ws, "git", &["commit", "-q", "-m", message])?;
    Ok(())
}

fn release_args(level: &str, crates: &[String], dir: &Path) -> release::Args {
    release::Args {
        level: Some(level.to_owned()),
        packages: crates.to_vec(),
        execute: true,
        no_publish: true,
        // The workspace's own CI ran the tests; the packages are made below.
        skip_tests: true,
        skip_package: true,
        // Nothing is on this registry before step 1.
        index_dir: Some(dir.join("empty-index")),
        date: Some("2026-12-01".to_owned()),
        ..release::Args::default()
    }
}

/// `cargo package` of `crates` (no verification build: the program below is the build), the
/// `.crate` files of `released` copied into `registry`.
fn package(ws: &Path, crates: &[String], released: &[String], registry: &Path) -> Result<(), String> {
    let mut args = vec!["package", "--no-verify", "--offline", "--locked"];
    for c in crates {
        args.extend(["-p", c.as_str()]);
    }
    sh(ws, "cargo", &args)?;
    let all = packages(ws)?;
    for c in released {
        let p = all.iter().find(|p| &p.name == c).ok_or("lost a crate")?;
        let file = format!("{}-{}.crate", p.name, p.version);
        let from = ws.join("target").join("package").join(&file);
        std::fs::copy(&from, registry.join(&file)).map_err(|e| format!("{}: {e}", from.display()))?;
        println!("  registry: {file}");
    }
    Ok(())
}

/// The program: each `.crate` of the registry unpacked and offered through `[patch.crates-io]`
/// (two versions of one crate under two keys), as a registry would offer them.
fn program(dir: &Path, registry: &Path) -> Result<PathBuf, String> {
    let unpacked = dir.join("unpacked");
    std::fs::create_dir_all(&unpacked).map_err(|e| e.to_string())?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(registry)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "crate"))
        .collect();
    files.sort();
    let mut patches = String::new();
    for file in &files {
        sh(&unpacked, "tar", &["-xzf", &file.to_string_lossy()])?;
        let stem = file.file_stem().and_then(|s| s.to_str()).ok_or("a .crate without a name")?;
        let (name, version) = stem.rsplit_once('-').ok_or("a .crate without a version")?;
        let key = format!("{name}-{}", version.replace('.', "_"));
        let path = unpacked.join(stem);
        patches.push_str(&format!("{key} = {{ path = {:?}, package = {name:?} }}\n", path.to_string_lossy()));
    }
    let app = dir.join("app");
    std::fs::create_dir_all(app.join("src")).map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"rehearsal-app\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\nprevisto = \"=0.1.1\"\nlevers-client = \"=0.1.0\"\n\n[patch.crates-io]\n{patches}"
    );
    std::fs::write(app.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(
        app.join("src").join("main.rs"),
        r#"//! A user's program with two providers released at different times.
fn main() -> Result<(), previsto::Error> {
    let previsto = previsto::Client::new("sk_rehearsal")?;
    let levers = levers_client::Client::new("https://levers.example.com/api-service/v1", "eyJrehearsal")?;
    // One contacts-core: the two crates' errors are one type.
    let errors: [Option<levers_client::Error>; 2] = [None::<previsto::Error>, None];
    println!("built {} and {} ({} error types)", previsto.base_url(), levers.base_url(), errors.len() / 2);
    Ok(())
}
"#,
    )
    .map_err(|e| e.to_string())?;
    Ok(app)
}

/// The versions of `name` in a lock file.
fn locked_versions(lock: &str, name: &str) -> Vec<String> {
    let header = format!("name = \"{name}\"\n");
    lock.split("[[package]]")
        .filter(|block| block.trim_start().starts_with(&header))
        .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("version = \"")?.strip_suffix('"')))
        .map(str::to_owned)
        .collect()
}
