//! `cargo xtask release <patch|minor|major|X.Y.Z> [-p CRATE…] [--execute]`.
//!
//! Dry run by default: prints the plan (crates, old -> new versions, publish order) and
//! changes nothing. With `--execute`: bumps versions and every dependent's requirement with a
//! TOML editor that keeps formatting and comments, moves each CHANGELOG's `Unreleased` entries
//! under the new version and date, runs the tests, packages, commits, tags
//! `<crate>-v<version>`, and publishes in dependency order (unless `--no-publish`), stopping
//! at the first failure and saying what was and was not published.

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use semver::Version;
use toml_edit::{DocumentMut, Item, value};

use crate::workspace::{Package, packages, publish_order, run as sh, run_visible};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct Args {
    /// `patch`, `minor`, `major`, or an exact version like `1.2.3` (a crate's current version
    /// when it was never published: its first release).
    #[arg(required_unless_present = "resume")]
    pub level: Option<String>,
    /// Finish a release that stopped while publishing: publish, in order, every crate whose
    /// current version is not on the registry yet, and nothing else.
    #[arg(long, conflicts_with = "level")]
    pub resume: bool,
    /// Read the registry index from this directory (one file per crate, sparse-index lines)
    /// instead of crates.io: for rehearsals and tests.
    #[arg(long, hide = true)]
    pub index_dir: Option<std::path::PathBuf>,
    /// Publish with this program instead of `cargo` (a stand-in for rehearsals and tests).
    #[arg(long, hide = true)]
    pub cargo: Option<String>,
    /// The crates to release (repeat). Defaults to every published crate.
    #[arg(short = 'p', long = "package")]
    pub packages: Vec<String>,
    /// Act: without it, only the plan is printed.
    #[arg(long)]
    pub execute: bool,
    /// Do everything but upload to crates.io.
    #[arg(long)]
    pub no_publish: bool,
    /// Skip `cargo test --workspace` (for rehearsals; never for a real release).
    #[arg(long)]
    pub skip_tests: bool,
    /// Skip `cargo package` (for rehearsals; never for a real release).
    #[arg(long)]
    pub skip_package: bool,
    /// The release date for the changelogs (YYYY-MM-DD). Defaults to today (UTC).
    #[arg(long)]
    pub date: Option<String>,
    /// How to wait out a rate limit (tests inject a recorder; the real one sleeps).
    #[arg(skip)]
    pub sleep: Option<fn(std::time::Duration)>,
}

/// One crate's planned release.
#[derive(Debug, Clone, PartialEq)]
struct Bump {
    name: String,
    from: Version,
    to: Version,
}

pub fn run(root: &Path, args: &Args, out: &mut dyn Write) -> Result<(), String> {
    let say = |out: &mut dyn Write, line: String| writeln!(out, "{line}").map_err(|e| e.to_string());
    let all = packages(root)?;
    if args.resume {
        return resume(root, args, &all, out);
    }
    let level = args.level.clone().ok_or("say which version: patch, minor, major or X.Y.Z")?;
    let selected: Vec<&Package> = if args.packages.is_empty() {
        all.iter().filter(|p| p.publish).collect()
    } else {
        args.packages
            .iter()
            .map(|name| match all.iter().find(|p| &p.name == name) {
                Some(p) if p.publish => Ok(p),
                Some(_) => Err(format!("{name} is not published (publish = false)")),
                None => Err(format!("no crate named {name} in the workspace")),
            })
            .collect::<Result<_, _>>()?
    };
    if selected.is_empty() {
        return Err("nothing to release".into());
    }

    let status = sh(root, "git", &["status", "--porcelain"])?;
    if !status.trim().is_empty() {
        return Err(format!("the working tree is not clean; commit or stash first:\n{}", status.trim_end()));
    }

    let mut bumps = Vec::new();
    for p in &selected {
        let changelog = std::fs::read_to_string(p.dir().join("CHANGELOG.md"))
            .map_err(|e| format!("{}: cannot read CHANGELOG.md: {e}", p.name))?;
        if unreleased_entries(&changelog).is_empty() {
            return Err(format!("{}: nothing under `## [Unreleased]` in CHANGELOG.md: say what changed first", p.name));
        }
        let to = match next_version(&p.version, &level) {
            Ok(to) => to,
            // The current version of a crate never published is its first release.
            // (A tag for it means it was released already: then "not newer" is the answer.)
            Err(e) if Version::parse(&level).ok().as_ref() == Some(&p.version) => {
                let tag = format!("{}-v{}", p.name, p.version);
                if !sh(root, "git", &["tag", "--list", &tag])?.trim().is_empty() {
                    return Err(e);
                }
                if published(args, &p.name)?.contains(&p.version) {
                    return Err(format!("{} {} is already on the registry", p.name, p.version));
                }
                p.version.clone()
            }
            Err(e) => return Err(e),
        };
        if let Some(blocked) = semver_check(root, p, &to)? {
            return Err(blocked);
        }
        let tag = format!("{}-v{to}", p.name);
        if !sh(root, "git", &["tag", "--list", &tag])?.trim().is_empty() {
            return Err(format!("tag {tag} already exists"));
        }
        bumps.push(Bump { name: p.name.clone(), from: p.version.clone(), to });
    }
    let names: Vec<String> = bumps.iter().map(|b| b.name.clone()).collect();
    dependencies_released(root, &all, &names)?;
    for b in &bumps {
        let p = selected.iter().find(|p| p.name == b.name).ok_or("lost a crate")?;
        api_gate(root, p, &b.from, &b.to)?;
    }
    let order = publish_order(&all, &names)?;

    say(out, format!("release plan ({} crate(s)):", bumps.len()))?;
    for name in &order {
        if let Some(b) = bumps.iter().find(|b| &b.name == name) {
            if b.from == b.to {
                say(out, format!("  {:<20} {} (first release: not on the registry yet)", b.name, b.to))?;
            } else {
                say(out, format!("  {:<20} {} -> {}", b.name, b.from, b.to))?;
            }
        }
    }
    say(out, format!("publish order: {}", order.join(", ")))?;
    let tags: Vec<String> = order
        .iter()
        .filter_map(|n| bumps.iter().find(|b| &b.name == n))
        .map(|b| format!("{}-v{}", b.name, b.to))
        .collect();
    say(out, format!("tags: {}", tags.join(", ")))?;
    if !args.execute {
        say(
            out,
            "dry run: nothing was changed. Run again with --execute (add --no-publish to stop before uploading)."
                .into(),
        )?;
        return Ok(());
    }

    let date = match &args.date {
        Some(d) => d.clone(),
        None => today(),
    };
    // 1. Versions, and every requirement on them, in every manifest of the workspace.
    for b in &bumps {
        let p = selected.iter().find(|p| p.name == b.name).ok_or("lost a crate")?;
        edit_manifest(&p.manifest, |doc| set_package_version(doc, &b.to))?;
    }
    let mut manifests: Vec<std::path::PathBuf> = all.iter().map(|p| p.manifest.clone()).collect();
    manifests.push(root.join("Cargo.toml"));
    manifests.sort();
    manifests.dedup();
    for manifest in &manifests {
        edit_manifest(manifest, |doc| {
            for b in &bumps {
                update_requirements(doc, &b.name, &b.to);
            }
            Ok(())
        })?;
    }
    // 2. Changelogs.
    for b in &bumps {
        let p = selected.iter().find(|p| p.name == b.name).ok_or("lost a crate")?;
        let path = p.dir().join("CHANGELOG.md");
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        std::fs::write(&path, move_unreleased(&text, &b.to, &date)).map_err(|e| e.to_string())?;
    }
    // 3. The lock file follows the new versions.
    if sh(root, "cargo", &["update", "--workspace", "--offline"]).is_err() {
        sh(root, "cargo", &["update", "--workspace"])?;
    }
    say(out, "bumped versions and requirements, moved changelog entries".into())?;
    // 4. Tests and packages, before anything is committed.
    if !args.skip_tests {
        run_visible(root, "cargo", &["test", "--workspace", "--locked"])?;
    }
    if !args.skip_package {
        let mut pkg = vec!["package", "--locked", "--allow-dirty"];
        for name in &order {
            pkg.extend(["-p", name.as_str()]);
        }
        run_visible(root, "cargo", &pkg)?;
    }
    // 5. One release commit, one tag per crate.
    sh(root, "git", &["add", "-A"])?;
    let summary: Vec<String> = order
        .iter()
        .filter_map(|n| bumps.iter().find(|b| &b.name == n))
        .map(|b| format!("{} {}", b.name, b.to))
        .collect();
    sh(root, "git", &["commit", "-q", "-m", &format!("Release {}", summary.join(", "))])?;
    for (tag, name) in tags.iter().zip(&order) {
        sh(root, "git", &["tag", "-a", tag, "-m", &format!("{name} {}", tag.rsplit("-v").next().unwrap_or_default())])?;
    }
    say(out, format!("committed and tagged {}", tags.join(", ")))?;
    // 6. Publish, one crate at a time in dependency order, so a failure says exactly where.
    if args.no_publish {
        say(out, "--no-publish: nothing uploaded. Push the commit and tags when ready.".into())?;
        return Ok(());
    }
    let done = publish_in_order(root, args, &order, out)?;
    say(out, format!("published {}. Push the commit and tags: git push --follow-tags", done.join(", ")))?;
    Ok(())
}

/// `--resume`: publish, in order, every published crate whose current version the registry
/// does not have yet.
fn resume(root: &Path, args: &Args, all: &[Package], out: &mut dyn Write) -> Result<(), String> {
    let names: Vec<String> = all.iter().filter(|p| p.publish).map(|p| p.name.clone()).collect();
    let order = publish_order(all, &names)?;
    let done = publish_in_order(root, args, &order, out)?;
    writeln!(
        out,
        "resumed: published {}",
        if done.is_empty() { "nothing (all there already)".into() } else { done.join(", ") }
    )
    .map_err(|e| e.to_string())
}

/// Publishes each crate of `order` the registry does not have yet, waiting out crates.io's
/// new-crate rate limit (a 429 with "try again after `<date>`") and trying again. Stops at the
/// first other failure, saying what was and was not published.
fn publish_in_order(root: &Path, args: &Args, order: &[String], out: &mut dyn Write) -> Result<Vec<String>, String> {
    let all = packages(root)?;
    let mut done = Vec::new();
    for (i, name) in order.iter().enumerate() {
        let version = &all.iter().find(|p| &p.name == name).ok_or("lost a crate")?.version;
        if published(args, name)?.contains(version) {
            writeln!(out, "{name} {version} is on the registry already: skipped").map_err(|e| e.to_string())?;
            continue;
        }
        let mut tries = 0;
        loop {
            tries += 1;
            match publish_one(root, args, name, out) {
                Ok(()) => break,
                Err(Publish::RateLimited(wait, until)) if tries <= 12 => {
                    writeln!(
                        out,
                        "crates.io's rate limit for new crates: waiting {}s (until {until}) before publishing {name} again",
                        wait.as_secs()
                    )
                    .map_err(|e| e.to_string())?;
                    args.sleep.unwrap_or(std::thread::sleep)(wait);
                }
                Err(e) => {
                    let rest = &order[i..];
                    return Err(format!(
                        "publishing stopped at {name}: {}\n  published: {}\n  not published: {}\nFix the cause, then run `cargo xtask release --resume`: it publishes exactly what is missing.",
                        e.message(),
                        if done.is_empty() { "none".to_owned() } else { done.join(", ") },
                        rest.join(", ")
                    ));
                }
            }
        }
        done.push(name.clone());
    }
    Ok(done)
}

enum Publish {
    RateLimited(std::time::Duration, String),
    Failed(String),
}

impl Publish {
    fn message(&self) -> String {
        match self {
            Publish::RateLimited(_, until) => format!("still rate limited (until {until})"),
            Publish::Failed(m) => m.clone(),
        }
    }
}

/// Runs `cargo publish -p name`, passing its output on to `out`.
fn publish_one(root: &Path, args: &Args, name: &str, out: &mut dyn Write) -> Result<(), Publish> {
    let program = args.cargo.as_deref().unwrap_or("cargo");
    let output = std::process::Command::new(program)
        .args(["publish", "--locked", "-p", name])
        .current_dir(root)
        .output()
        .map_err(|e| Publish::Failed(format!("could not run {program}: {e}")))?;
    let _ = out.write_all(&output.stdout);
    let _ = out.write_all(&output.stderr);
    if output.status.success() {
        return Ok(());
    }
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if let Some((wait, until)) = rate_limit_wait(&text, SystemTime::now()) {
        return Err(Publish::RateLimited(wait, until));
    }
    Err(Publish::Failed(format!("`{program} publish -p {name}` failed ({})", output.status)))
}

/// When `cargo publish`'s output is crates.io's rate limit (a 429), how long to wait and
/// until when: "Please try again after Mon, 23 Nov 2026 16:30:00 GMT or email …" waits until
/// then (at most an hour); a 429 without a readable date waits ten minutes.
fn rate_limit_wait(text: &str, now: SystemTime) -> Option<(std::time::Duration, String)> {
    if !text.contains("429 Too Many Requests") && !text.contains("status 429") {
        return None;
    }
    let until = text.split("try again after ").nth(1).map(|rest| rest.split(" or ").next().unwrap_or(rest).trim());
    let wait = until
        .and_then(|u| httpdate::parse_http_date(u).ok())
        .map(|t| t.duration_since(now).unwrap_or_default())
        .unwrap_or(std::time::Duration::from_secs(600))
        .min(std::time::Duration::from_secs(3600));
    let until = match until {
        Some(u) if httpdate::parse_http_date(u).is_ok() => u.to_owned(),
        _ => "ten minutes from now".to_owned(),
    };
    Some((wait, until))
}

/// The versions of `name` on the registry (none when it was never published).
fn published(args: &Args, name: &str) -> Result<Vec<Version>, String> {
    let lines = match &args.index_dir {
        Some(dir) => match std::fs::read_to_string(dir.join(name)) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("index {}: {e}", dir.display())),
        },
        None => {
            let lower = name.to_ascii_lowercase();
            let path = match lower.len() {
                1 => format!("1/{lower}"),
                2 => format!("2/{lower}"),
                3 => format!("3/{}/{lower}", &lower[..1]),
                _ => format!("{}/{}/{lower}", &lower[..2], &lower[2..4]),
            };
            let out = std::process::Command::new("curl")
                .args(["-s", "-w", "\n%{http_code}", &format!("https://index.crates.io/{path}")])
                .output()
                .map_err(|e| format!("could not ask the registry index (curl): {e}"))?;
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let (body, code) = text.rsplit_once('\n').unwrap_or(("", ""));
            match code.trim() {
                "200" => body.to_owned(),
                "404" => return Ok(Vec::new()),
                other => return Err(format!("the registry index answered {other} for {name}")),
            }
        }
    };
    Ok(lines
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["vers"].as_str().and_then(|s| Version::parse(s).ok()))
        .collect())
}

/// The version policy (see the README's Releasing section): requirements between our crates
/// are caret requirements, so any combination of the latest releases resolves to one copy of
/// each shared crate. That holds only if a crate is released with whatever it needs of its
/// dependencies: a selected crate's dependency that changed since its own last release (or was
/// never released) is released with it, or the release is refused.
fn dependencies_released(root: &Path, all: &[Package], selected: &[String]) -> Result<(), String> {
    for name in selected {
        let Some(p) = all.iter().find(|p| &p.name == name) else { continue };
        for dep in &p.internal_deps {
            let Some(d) = all.iter().find(|d| &d.name == dep).filter(|d| d.publish) else { continue };
            if selected.contains(&d.name) {
                continue;
            }
            let tag = format!("{}-v{}", d.name, d.version);
            if sh(root, "git", &["tag", "--list", &tag])?.trim().is_empty() {
                return Err(format!(
                    "{name} depends on {} {}, which was never released (no tag {tag}): release it too (-p {})",
                    d.name, d.version, d.name
                ));
            }
            let dir = d.dir().strip_prefix(root).unwrap_or(d.dir()).to_string_lossy().into_owned();
            let changed = sh(root, "git", &["diff", "--name-only", &tag, "--", &dir])?;
            if !changed.trim().is_empty() {
                return Err(format!(
                    "{name} depends on {}, which changed since {tag} ({}): release it too (-p {}), so that {name} never needs an unreleased {}",
                    d.name,
                    changed.lines().take(3).collect::<Vec<_>>().join(", "),
                    d.name,
                    d.name
                ));
            }
        }
    }
    Ok(())
}

/// The semver gate on the committed public-API snapshot (which CI holds to the code): a line
/// of `crates/<crate>/public-api.txt` at the crate's last release tag that is gone now is a
/// breaking change, allowed only in a breaking release (a new minor below 1.0, a new major
/// from 1.0). Additions are allowed in any release.
fn api_gate(root: &Path, p: &Package, from: &Version, to: &Version) -> Result<(), String> {
    let snapshot = p.dir().join("public-api.txt");
    if from == to || !snapshot.exists() {
        return Ok(());
    }
    let tag = format!("{}-v{from}", p.name);
    if sh(root, "git", &["tag", "--list", &tag])?.trim().is_empty() {
        return Ok(());
    }
    let rel = snapshot.strip_prefix(root).unwrap_or(&snapshot).to_string_lossy().replace('\\', "/");
    let before = sh(root, "git", &["show", &format!("{tag}:{rel}")])?;
    let now = std::fs::read_to_string(&snapshot).map_err(|e| format!("{}: {e}", snapshot.display()))?;
    let removed = api_removals(&before, &now);
    if removed.is_empty() || is_breaking_bump(from, to) {
        return Ok(());
    }
    Err(format!(
        "{}: {} line(s) of its public API are gone since {tag} (first: `{}`): a breaking change needs {}",
        p.name,
        removed.len(),
        removed[0],
        if from.major == 0 {
            format!("a new minor version ({}.{}.0)", 0, from.minor + 1)
        } else {
            format!("a new major version ({}.0.0)", from.major + 1)
        }
    ))
}

/// The lines of `before` that `now` no longer has.
pub(crate) fn api_removals<'a>(before: &'a str, now: &str) -> Vec<&'a str> {
    let now: std::collections::BTreeSet<&str> = now.lines().collect();
    before.lines().filter(|l| !l.trim().is_empty() && !now.contains(l)).collect()
}

/// Whether `from` -> `to` may break (Cargo's caret: the leftmost non-zero part changes).
pub(crate) fn is_breaking_bump(from: &Version, to: &Version) -> bool {
    if from.major != 0 {
        to.major != from.major
    } else if from.minor != 0 {
        to.major != 0 || to.minor != from.minor
    } else {
        to != from
    }
}

/// With cargo-semver-checks installed and a previous version published, refuses a release
/// whose version does not match its API changes (a breaking change in a minor or patch).
fn semver_check(root: &Path, p: &Package, to: &Version) -> Result<Option<String>, String> {
    let installed = std::process::Command::new("cargo").args(["semver-checks", "--version"]).output();
    if !installed.is_ok_and(|o| o.status.success()) || *to == p.version {
        return Ok(None);
    }
    let release_type = if to.major != p.version.major || (to.major == 0 && to.minor != p.version.minor) {
        "major"
    } else if to.minor != p.version.minor {
        "minor"
    } else {
        "patch"
    };
    let status = std::process::Command::new("cargo")
        .args(["semver-checks", "check-release", "-p", &p.name, "--release-type", release_type])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cargo semver-checks: {e}"))?;
    Ok(match status.code() {
        Some(0) => None,
        Some(100) => {
            Some(format!("{}: cargo semver-checks finds changes too big for a {release_type} release", p.name))
        }
        _ => {
            println!("notice: cargo semver-checks could not run for {} (no published baseline?)", p.name);
            None
        }
    })
}

/// The version after `current` for `level`.
fn next_version(current: &Version, level: &str) -> Result<Version, String> {
    let next = match level {
        "patch" => Version::new(current.major, current.minor, current.patch + 1),
        "minor" => Version::new(current.major, current.minor + 1, 0),
        "major" => Version::new(current.major + 1, 0, 0),
        exact => {
            Version::parse(exact).map_err(|e| format!("{exact:?} is not patch, minor, major or a version: {e}"))?
        }
    };
    if next <= *current {
        return Err(format!("{next} is not newer than {current}"));
    }
    Ok(next)
}

fn edit_manifest(path: &Path, f: impl FnOnce(&mut DocumentMut) -> Result<(), String>) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("{}: {e}", path.display()))?;
    f(&mut doc)?;
    let new = doc.to_string();
    if new != text {
        std::fs::write(path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn set_package_version(doc: &mut DocumentMut, version: &Version) -> Result<(), String> {
    let package = doc.get_mut("package").and_then(Item::as_table_like_mut).ok_or("no [package] table")?;
    match package.get_mut("version") {
        Some(item) if item.is_str() => {
            let decor = item.as_value().map(|v| v.decor().clone());
            *item = value(version.to_string());
            if let (Some(decor), Some(v)) = (decor, item.as_value_mut()) {
                *v.decor_mut() = decor;
            }
            Ok(())
        }
        _ => Err("the package version must be a plain string (not inherited)".into()),
    }
}

/// Sets `version` on every dependency on `name` that has one (path dependencies to be published
/// carry a version; internal dev-dependencies do not, and stay without), keeping the
/// requirement's operator: `=0.1.0` becomes `=0.1.1`, `0.1.0` becomes `0.1.1`.
fn update_requirements(doc: &mut DocumentMut, name: &str, version: &Version) {
    fn fix(table: &mut dyn toml_edit::TableLike, name: &str, version: &Version) {
        for (key, item) in table.iter_mut() {
            let Some(dep) = item.as_table_like_mut() else { continue };
            let real = dep.get("package").and_then(Item::as_str).unwrap_or(key.get());
            if real != name {
                continue;
            }
            if let Some(v) = dep.get_mut("version").filter(|v| v.is_str()) {
                let decor = v.as_value().map(|x| x.decor().clone());
                // The operator is the policy (`=` pins, `^`/none is caret): only the version moves.
                let old = v.as_str().unwrap_or_default();
                let operator = &old[..old.len() - old.trim_start_matches(['=', '^', '~', '<', '>', ' ']).len()];
                *v = value(format!("{operator}{version}"));
                if let (Some(decor), Some(x)) = (decor, v.as_value_mut()) {
                    *x.decor_mut() = decor;
                }
            }
        }
    }
    for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = doc.get_mut(section).and_then(Item::as_table_like_mut) {
            fix(t, name, version);
        }
    }
    if let Some(t) = doc.get_mut("workspace").and_then(|w| w.get_mut("dependencies")).and_then(Item::as_table_like_mut)
    {
        fix(t, name, version);
    }
    if let Some(targets) = doc.get_mut("target").and_then(Item::as_table_like_mut) {
        for (_, target) in targets.iter_mut() {
            for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(t) = target.get_mut(section).and_then(Item::as_table_like_mut) {
                    fix(t, name, version);
                }
            }
        }
    }
}

fn is_unreleased_heading(line: &str) -> bool {
    let l = line.trim().to_ascii_lowercase();
    l == "## [unreleased]" || l == "## unreleased"
}

/// The non-blank lines under `## [Unreleased]`, up to the next `## ` heading.
fn unreleased_entries(changelog: &str) -> Vec<&str> {
    changelog
        .lines()
        .skip_while(|l| !is_unreleased_heading(l))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// Puts `## [version] - date` under a now-empty `## [Unreleased]`, so the entries move under it.
fn move_unreleased(changelog: &str, version: &Version, date: &str) -> String {
    let mut out = String::with_capacity(changelog.len() + 40);
    let mut done = false;
    for line in changelog.split_inclusive('\n') {
        out.push_str(line);
        if !done && is_unreleased_heading(line) {
            out.push_str(&format!("\n## [{version}] - {date}\n"));
            done = true;
        }
    }
    out
}

/// Today's date (UTC) as YYYY-MM-DD, from the civil-from-days algorithm.
fn today() -> String {
    let days = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests;
