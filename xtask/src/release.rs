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
    /// `patch`, `minor`, `major`, or an exact version like `1.2.3`.
    pub level: String,
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
        let to = next_version(&p.version, &args.level)?;
        let tag = format!("{}-v{to}", p.name);
        if !sh(root, "git", &["tag", "--list", &tag])?.trim().is_empty() {
            return Err(format!("tag {tag} already exists"));
        }
        bumps.push(Bump { name: p.name.clone(), from: p.version.clone(), to });
    }
    let names: Vec<String> = bumps.iter().map(|b| b.name.clone()).collect();
    let order = publish_order(&all, &names)?;

    say(out, format!("release plan ({} crate(s)):", bumps.len()))?;
    for name in &order {
        if let Some(b) = bumps.iter().find(|b| &b.name == name) {
            say(out, format!("  {:<20} {} -> {}", b.name, b.from, b.to))?;
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
    let mut published = Vec::new();
    for name in &order {
        if let Err(e) = run_visible(root, "cargo", &["publish", "--locked", "-p", name]) {
            let rest: Vec<&String> = order.iter().skip(published.len()).collect();
            return Err(format!(
                "publishing stopped at {name}: {e}\n  published: {}\n  not published: {}\nFix the cause, then publish the rest with `cargo publish -p …` in that order.",
                if published.is_empty() { "none".to_owned() } else { published.join(", ") },
                rest.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
        published.push(name.clone());
    }
    say(out, format!("published {}. Push the commit and tags: git push --follow-tags", published.join(", ")))?;
    Ok(())
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
/// carry a version; internal dev-dependencies do not, and stay without).
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
                *v = value(version.to_string());
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
