//! What the workspace holds, from `cargo metadata`, and running commands in it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root, from this crate's manifest directory.
pub fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub name: String,
    pub version: semver::Version,
    pub manifest: PathBuf,
    pub publish: bool,
    /// Workspace members this one depends on as normal or build dependencies.
    pub internal_deps: Vec<String>,
}

impl Package {
    pub fn dir(&self) -> &Path {
        self.manifest.parent().unwrap_or(Path::new("."))
    }
}

/// Runs a command in `dir`, returning its stdout, or an error with its stderr.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("could not run {program}: {e}"))?;
    if !out.status.success() {
        return Err(format!("`{program} {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs a command in `dir` with its output shown, failing on a non-zero status.
pub fn run_visible(dir: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("could not run {program}: {e}"))?;
    if !status.success() {
        return Err(format!("`{program} {}` failed ({status})", args.join(" ")));
    }
    Ok(())
}

/// The members of the workspace at `root`.
pub fn packages(root: &Path) -> Result<Vec<Package>, String> {
    let json = run(root, "cargo", &["metadata", "--format-version", "1", "--no-deps", "--offline"])?;
    let meta: serde_json::Value = serde_json::from_str(&json).map_err(|e| format!("cargo metadata: {e}"))?;
    let members = meta["packages"].as_array().ok_or("cargo metadata: no packages")?;
    let names: Vec<&str> = members.iter().filter_map(|p| p["name"].as_str()).collect();
    let mut out = Vec::new();
    for p in members {
        let name = p["name"].as_str().ok_or("package without a name")?.to_owned();
        let version = p["version"].as_str().unwrap_or("0.0.0");
        let version = semver::Version::parse(version).map_err(|e| format!("{name}: bad version {version}: {e}"))?;
        // `publish: null` means anywhere; `[]` (publish = false) means nowhere.
        let publish = !p["publish"].as_array().is_some_and(Vec::is_empty);
        let mut internal_deps: Vec<String> = p["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["kind"].as_str() != Some("dev"))
            .filter_map(|d| d["name"].as_str())
            .filter(|d| names.contains(d))
            .map(str::to_owned)
            .collect();
        internal_deps.sort();
        internal_deps.dedup();
        let manifest = PathBuf::from(p["manifest_path"].as_str().unwrap_or_default());
        out.push(Package { name, version, manifest, publish, internal_deps });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// `selected` in dependency order (dependencies first), ignoring dev-dependencies, as
/// `cargo publish --workspace` orders them.
pub fn publish_order(all: &[Package], selected: &[String]) -> Result<Vec<String>, String> {
    let mut order: Vec<String> = Vec::new();
    let mut visiting = Vec::new();
    fn visit(
        name: &str,
        all: &[Package],
        selected: &[String],
        order: &mut Vec<String>,
        visiting: &mut Vec<String>,
    ) -> Result<(), String> {
        if order.iter().any(|n| n == name) {
            return Ok(());
        }
        if visiting.iter().any(|n| n == name) {
            return Err(format!("dependency cycle through {name}"));
        }
        visiting.push(name.to_owned());
        if let Some(p) = all.iter().find(|p| p.name == name) {
            for dep in &p.internal_deps {
                visit(dep, all, selected, order, visiting)?;
            }
        }
        visiting.pop();
        if selected.iter().any(|s| s == name) {
            order.push(name.to_owned());
        }
        Ok(())
    }
    for name in selected {
        visit(name, all, selected, &mut order, &mut visiting)?;
    }
    Ok(order)
}

/// The workspace's provider crates, from the one list in the root manifest
/// (`[workspace.metadata.contacts-rs] providers`): `(crate, provider name)`.
pub fn providers(root: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    let list = doc["workspace"]["metadata"]["contacts-rs"]["providers"]
        .as_array()
        .ok_or("Cargo.toml has no [workspace.metadata.contacts-rs] providers list")?;
    list.iter()
        .map(|entry| {
            let t = entry.as_inline_table().ok_or("each provider is { crate = .., provider = .. }")?;
            let krate = t.get("crate").and_then(|v| v.as_str()).ok_or("a provider without its crate")?;
            let name = t.get("provider").and_then(|v| v.as_str()).ok_or("a provider without its name")?;
            Ok((krate.to_owned(), name.to_owned()))
        })
        .collect()
}
