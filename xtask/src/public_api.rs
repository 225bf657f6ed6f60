//! `cargo xtask public-api [--write]`: each published crate's public surface as text, one line
//! per item, committed as `crates/<crate>/public-api.txt` and compared in CI, so every change
//! to what users can name is a reviewed line.
//!
//! The surface comes from rustdoc's JSON output (`--output-format json`, unstable: enabled on
//! the pinned stable toolchain with `RUSTC_BOOTSTRAP=1`, as `cargo public-api` does on
//! nightly). It is read as plain JSON, so a new format version only needs new renderings.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

/// The crates whose surface is a promise besides the providers (contacts-http makes none, but
/// is listed so a change there is seen too).
const SHARED: [&str; 3] = ["contacts-core", "contacts-http", "contacts-sync"];

/// Every crate with a public-API snapshot: the shared ones and each provider of the one list
/// (`[workspace.metadata.contacts-rs] providers` in the root manifest).
pub fn crates(root: &Path) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = SHARED.iter().map(|s| (*s).to_owned()).collect();
    out.extend(providers(root)?);
    Ok(out)
}

/// The provider crates, whose surface must name neither the plumbing nor ureq (held by a tidy
/// test), from the one list.
pub fn providers(root: &Path) -> Result<Vec<String>, String> {
    Ok(crate::workspace::providers(root)?.into_iter().map(|(krate, _)| krate).collect())
}

/// Renders `krate`'s public API, building its rustdoc JSON.
pub fn render(root: &Path, krate: &str) -> Result<String, String> {
    // A target directory of its own: the unstable flags would otherwise invalidate the
    // workspace's normal builds.
    let target = root.join("target").join("public-api");
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTC_BOOTSTRAP", "1")
        // Hidden items are surface too (a `#[doc(hidden)] pub` item is callable): documented,
        // and marked in the snapshot.
        .env("RUSTDOCFLAGS", "-Z unstable-options --output-format json --document-hidden-items")
        .args(["doc", "--no-deps", "--quiet", "--lib", "-p", krate])
        .status()
        .map_err(|e| format!("running cargo doc for {krate}: {e}"))?;
    if !status.success() {
        return Err(format!("cargo doc (json) for {krate} failed: {status}"));
    }
    let file = target.join("doc").join(format!("{}.json", krate.replace('-', "_")));
    let text = std::fs::read_to_string(&file).map_err(|e| format!("reading {}: {e}", file.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(render_json(&doc))
}

/// The lines of a rustdoc JSON document's public API, sorted.
pub fn render_json(doc: &Value) -> String {
    let mut r = Renderer { doc, lines: BTreeSet::new(), seen: BTreeSet::new() };
    let root = doc["root"].clone();
    let krate = r.item(&root).and_then(|i| i["name"].as_str()).unwrap_or("crate").to_owned();
    r.module(&root, &krate);
    let mut out = String::new();
    for line in r.lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

struct Renderer<'a> {
    doc: &'a Value,
    lines: BTreeSet<String>,
    seen: BTreeSet<String>,
}

impl Renderer<'_> {
    fn item(&self, id: &Value) -> Option<&Value> {
        let key = match id {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return None,
        };
        self.doc["index"].get(&key)
    }

    fn external_path(&self, id: &Value) -> Option<String> {
        let key = match id {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return None,
        };
        let path = self.doc["paths"].get(&key)?["path"].as_array()?;
        Some(path.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("::"))
    }

    fn module(&mut self, id: &Value, path: &str) {
        if !self.seen.insert(format!("mod {path}")) {
            return;
        }
        let Some(module) = self.item(id).map(|i| i["inner"]["module"].clone()) else { return };
        for child in module["items"].as_array().into_iter().flatten() {
            let Some(item) = self.item(child).cloned() else { continue };
            if !is_public(&item) {
                continue;
            }
            if let Some(u) = item["inner"].get("use") {
                let name = u["name"].as_str().unwrap_or_default();
                let target = &u["id"];
                match self.item(target).cloned() {
                    Some(local) if u["is_glob"].as_bool() != Some(true) => {
                        self.named(&local, target, &format!("{path}::{name}"))
                    }
                    _ => {
                        let from = self
                            .external_path(target)
                            .unwrap_or_else(|| u["source"].as_str().unwrap_or("?").to_owned());
                        self.lines.insert(format!("pub use {path}::{name} = {from}"));
                    }
                }
                continue;
            }
            let name = item["name"].as_str().unwrap_or_default().to_owned();
            self.named(&item, child, &format!("{path}::{name}"));
        }
    }

    fn named(&mut self, item: &Value, id: &Value, path: &str) {
        let inner = &item["inner"];
        let Some((kind, body)) = inner.as_object().and_then(|o| o.iter().next()) else { return };
        let marks = marks(item);
        match kind.as_str() {
            "module" => {
                self.lines.insert(format!("{marks}pub mod {path}"));
                self.module(id, path);
            }
            "function" => {
                let line = format!("{marks}pub fn {path}{}", self.sig(body));
                self.lines.insert(line);
            }
            "struct" | "enum" | "union" => {
                self.lines.insert(format!("{marks}pub {kind} {path}{}", self.generics(&body["generics"])));
                if kind == "struct" {
                    self.struct_fields(body, path);
                }
                if kind == "enum" {
                    for v in body["variants"].as_array().into_iter().flatten() {
                        if let Some(var) = self.item(v) {
                            let fields = self.variant(var);
                            let name = var["name"].as_str().unwrap_or("?");
                            self.lines.insert(format!("{}pub variant {path}::{name}{fields}", marks_of(var)));
                        }
                    }
                }
                self.impls(body, path);
            }
            "trait" => {
                self.lines.insert(format!("{marks}pub trait {path}{}", self.generics(&body["generics"])));
                for m in body["items"].as_array().into_iter().flatten() {
                    if let Some(mi) = self.item(m).cloned() {
                        self.assoc(&mi, path);
                    }
                }
            }
            "constant" => {
                self.lines.insert(format!("{marks}pub const {path}: {}", self.ty(&body["type"])));
            }
            "static" => {
                self.lines.insert(format!("{marks}pub static {path}: {}", self.ty(&body["type"])));
            }
            "type_alias" => {
                self.lines.insert(format!(
                    "pub type {path}{} = {}",
                    self.generics(&body["generics"]),
                    self.ty(&body["type"])
                ));
            }
            "macro" => {
                self.lines.insert(format!("{marks}pub macro {path}!"));
            }
            other => {
                self.lines.insert(format!("pub {other} {path}"));
            }
        }
    }

    fn struct_fields(&mut self, body: &Value, path: &str) {
        let fields = body["kind"]["plain"]["fields"].as_array().cloned().unwrap_or_default();
        for f in fields {
            if let Some(field) = self.item(&f).cloned()
                && is_public(&field)
            {
                let ty = self.ty(&field["inner"]["struct_field"]);
                let name = field["name"].as_str().unwrap_or("?");
                self.lines.insert(format!("{}pub field {path}.{name}: {ty}", marks_of(&field)));
            }
        }
        if let Some(tuple) = body["kind"]["tuple"].as_array() {
            for (i, f) in tuple.iter().enumerate() {
                if let Some(field) = self.item(f).cloned()
                    && is_public(&field)
                {
                    let ty = self.ty(&field["inner"]["struct_field"]);
                    self.lines.insert(format!("pub field {path}.{i}: {ty}"));
                }
            }
        }
    }

    fn variant(&self, var: &Value) -> String {
        let kind = &var["inner"]["variant"]["kind"];
        if let Some(tuple) = kind["tuple"].as_array() {
            let tys: Vec<String> =
                tuple.iter().filter_map(|f| self.item(f)).map(|f| self.ty(&f["inner"]["struct_field"])).collect();
            return format!("({})", tys.join(", "));
        }
        if let Some(fields) = kind["struct"]["fields"].as_array() {
            let fs: Vec<String> = fields
                .iter()
                .filter_map(|f| self.item(f))
                .map(|f| format!("{}: {}", f["name"].as_str().unwrap_or("?"), self.ty(&f["inner"]["struct_field"])))
                .collect();
            return format!(" {{ {} }}", fs.join(", "));
        }
        String::new()
    }

    fn impls(&mut self, body: &Value, path: &str) {
        for imp in body["impls"].as_array().into_iter().flatten() {
            let Some(imp) = self.item(imp).cloned() else { continue };
            let i = &imp["inner"]["impl"];
            if !i["blanket_impl"].is_null() {
                continue;
            }
            // Auto traits (`Send`, `Sync`, `Unpin`, the unwind-safety traits) are rustdoc's
            // synthetic impls: losing one is a breaking change, so each is a line.
            if i["is_synthetic"].as_bool() == Some(true) {
                let not = if i["is_negative"].as_bool() == Some(true) { "!" } else { "" };
                self.lines.insert(format!("impl {not}{} for {path}", self.path_of(&i["trait"])));
                continue;
            }
            if i["trait"].is_null() {
                for m in i["items"].as_array().into_iter().flatten() {
                    if let Some(mi) = self.item(m).cloned()
                        && is_public(&mi)
                    {
                        self.assoc(&mi, path);
                    }
                }
            } else {
                let tr = self.path_of(&i["trait"]);
                self.lines.insert(format!("impl {tr} for {path}"));
            }
        }
    }

    fn assoc(&mut self, item: &Value, path: &str) {
        let name = item["name"].as_str().unwrap_or("?");
        let inner = &item["inner"];
        let marks = marks(item);
        if let Some(f) = inner.get("function") {
            self.lines.insert(format!("{marks}pub fn {path}::{name}{}", self.sig(f)));
        } else if let Some(c) = inner.get("assoc_const") {
            self.lines.insert(format!("{marks}pub const {path}::{name}: {}", self.ty(&c["type"])));
        } else if inner.get("assoc_type").is_some() {
            self.lines.insert(format!("{marks}pub type {path}::{name}"));
        }
    }

    fn sig(&self, f: &Value) -> String {
        let generics = self.generics(&f["generics"]);
        let inputs: Vec<String> = f["sig"]["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|pair| {
                let name = pair[0].as_str().unwrap_or("_");
                let ty = self.ty(&pair[1]);
                if name == "self" { ty.replace("Self", "self") } else { format!("{name}: {ty}") }
            })
            .collect();
        let output = match &f["sig"]["output"] {
            Value::Null => String::new(),
            t => format!(" -> {}", self.ty(t)),
        };
        format!("{generics}({}){output}{}", inputs.join(", "), self.where_clause(&f["generics"]))
    }

    fn generics(&self, g: &Value) -> String {
        let params: Vec<String> = g["params"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["kind"]["type"]["is_synthetic"].as_bool() != Some(true))
            .map(|p| {
                let name = p["name"].as_str().unwrap_or("?").to_owned();
                let bounds = self.bounds(&p["kind"]["type"]["bounds"]);
                if bounds.is_empty() { name } else { format!("{name}: {bounds}") }
            })
            .collect();
        if params.is_empty() { String::new() } else { format!("<{}>", params.join(", ")) }
    }

    fn where_clause(&self, g: &Value) -> String {
        let preds: Vec<String> = g["where_predicates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("bound_predicate"))
            .map(|b| format!("{}: {}", self.ty(&b["type"]), self.bounds(&b["bounds"])))
            .collect();
        if preds.is_empty() { String::new() } else { format!(" where {}", preds.join(", ")) }
    }

    fn bounds(&self, b: &Value) -> String {
        b.as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                if let Some(tb) = b.get("trait_bound") {
                    let m = if tb["modifier"].as_str() == Some("maybe") { "?" } else { "" };
                    format!("{m}{}", self.path_of(&tb["trait"]))
                } else if let Some(l) = b.get("outlives") {
                    l.as_str().unwrap_or("'_").to_owned()
                } else if let Some(captured) = b.get("use").and_then(Value::as_array) {
                    // Precise captures: `+ use<'a, T>`.
                    let names: Vec<&str> = captured
                        .iter()
                        .filter_map(|c| {
                            c.get("lifetime").or_else(|| c.get("param")).and_then(Value::as_str).or(c.as_str())
                        })
                        .collect();
                    format!("use<{}>", names.join(", "))
                } else {
                    "?".to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// A path, named by its full path where rustdoc knows it (`contacts_core::Error`), so the
    /// crate an item comes from is always visible.
    fn path_of(&self, p: &Value) -> String {
        let name = self.external_path(&p["id"]).unwrap_or_else(|| p["path"].as_str().unwrap_or("?").to_owned());
        format!("{name}{}", self.args(&p["args"]))
    }

    fn args(&self, a: &Value) -> String {
        if let Some(ab) = a.get("angle_bracketed") {
            let mut parts: Vec<String> = ab["args"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| {
                    if let Some(t) = x.get("type") {
                        self.ty(t)
                    } else if let Some(l) = x.get("lifetime") {
                        l.as_str().unwrap_or("'_").to_owned()
                    } else {
                        "_".to_owned()
                    }
                })
                .collect();
            for c in ab["constraints"].as_array().into_iter().flatten() {
                let name = c["name"].as_str().unwrap_or("?");
                if let Some(t) = c["binding"].get("equality").and_then(|e| e.get("type")) {
                    parts.push(format!("{name} = {}", self.ty(t)));
                } else if let Some(b) = c["binding"].get("constraint") {
                    parts.push(format!("{name}: {}", self.bounds(b)));
                }
            }
            if parts.is_empty() { String::new() } else { format!("<{}>", parts.join(", ")) }
        } else if let Some(pa) = a.get("parenthesized") {
            let inputs: Vec<String> = pa["inputs"].as_array().into_iter().flatten().map(|t| self.ty(t)).collect();
            let out = if pa["output"].is_null() { String::new() } else { format!(" -> {}", self.ty(&pa["output"])) };
            format!("({}){out}", inputs.join(", "))
        } else {
            String::new()
        }
    }

    fn ty(&self, t: &Value) -> String {
        let Some((kind, v)) = t.as_object().and_then(|o| o.iter().next()) else {
            return t.as_str().map_or_else(|| "_".to_owned(), str::to_owned);
        };
        match kind.as_str() {
            "resolved_path" => self.path_of(v),
            "primitive" | "generic" => v.as_str().unwrap_or("?").to_owned(),
            "borrowed_ref" => {
                let lt = v["lifetime"].as_str().map(|l| format!("{l} ")).unwrap_or_default();
                let m = if v["is_mutable"].as_bool() == Some(true) { "mut " } else { "" };
                format!("&{lt}{m}{}", self.ty(&v["type"]))
            }
            "tuple" => {
                let parts: Vec<String> = v.as_array().into_iter().flatten().map(|t| self.ty(t)).collect();
                format!("({})", parts.join(", "))
            }
            "slice" => format!("[{}]", self.ty(v)),
            "array" => format!("[{}; {}]", self.ty(&v["type"]), v["len"].as_str().unwrap_or("?")),
            "impl_trait" => format!("impl {}", self.bounds(v)),
            "dyn_trait" => {
                let traits: Vec<String> =
                    v["traits"].as_array().into_iter().flatten().map(|t| self.path_of(&t["trait"])).collect();
                let lt = v["lifetime"].as_str().map(|l| format!(" + {l}")).unwrap_or_default();
                format!("dyn {}{lt}", traits.join(" + "))
            }
            "qualified_path" => {
                let tr =
                    if v["trait"].is_null() { String::new() } else { format!(" as {}", self.path_of(&v["trait"])) };
                format!("<{}{tr}>::{}", self.ty(&v["self_type"]), v["name"].as_str().unwrap_or("?"))
            }
            "raw_pointer" => {
                let m = if v["is_mutable"].as_bool() == Some(true) { "mut" } else { "const" };
                format!("*{m} {}", self.ty(&v["type"]))
            }
            "function_pointer" => format!("fn{}", self.sig(&serde_json::json!({"sig": v["sig"], "generics": {}}))),
            other => other.to_owned(),
        }
    }
}

/// What an item's attributes add to its surface, as a prefix of its line: `#[doc(hidden)]`
/// (callable, though undocumented), `#[non_exhaustive]` (cannot be built or matched
/// exhaustively), `#[must_use]`.
fn marks(item: &Value) -> String {
    marks_of(item)
}

fn marks_of(item: &Value) -> String {
    let mut out = String::new();
    let attrs: Vec<&Value> = item["attrs"].as_array().into_iter().flatten().collect();
    let text =
        |a: &Value| a.as_str().map(str::to_owned).or_else(|| a.get("other").and_then(Value::as_str).map(str::to_owned));
    if attrs
        .iter()
        .any(|a| text(a).is_some_and(|t| t.replace(' ', "").contains("doc(hidden)")) || a.get("doc_hidden").is_some())
        || item["is_hidden"].as_bool() == Some(true)
    {
        out.push_str("#[doc(hidden)] ");
    }
    if attrs.iter().any(|a| {
        a.as_str() == Some("non_exhaustive")
            || a.get("non_exhaustive").is_some()
            || text(a).as_deref() == Some("#[non_exhaustive]")
    }) {
        out.push_str("#[non_exhaustive] ");
    }
    if attrs.iter().any(|a| a.get("must_use").is_some() || text(a).is_some_and(|t| t.starts_with("#[must_use"))) {
        out.push_str("#[must_use] ");
    }
    out
}

fn is_public(item: &Value) -> bool {
    item["visibility"].as_str() == Some("public") || item["visibility"].is_null() || item["visibility"] == "default"
}

/// `public-api`: write the snapshots (`--write`) or compare them with the code.
///
/// # Errors
/// A message naming each crate whose surface differs from its snapshot, with the lines.
pub fn run(root: &Path, write: bool) -> Result<(), String> {
    let all = crates(root)?;
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    check(root, &names, write)
}

/// [`run`] for `crates` of the workspace at `root`.
fn check(root: &Path, crates: &[&str], write: bool) -> Result<(), String> {
    let mut differ = Vec::new();
    for krate in crates {
        let api = render(root, krate)?;
        let file = root.join("crates").join(krate).join("public-api.txt");
        if write {
            std::fs::write(&file, &api).map_err(|e| format!("writing {}: {e}", file.display()))?;
            println!("wrote {} ({} lines)", file.display(), api.lines().count());
            continue;
        }
        let committed = std::fs::read_to_string(&file).unwrap_or_default();
        if committed != api {
            let old: BTreeSet<&str> = committed.lines().collect();
            let new: BTreeSet<&str> = api.lines().collect();
            let mut diff = String::new();
            for gone in old.difference(&new) {
                diff.push_str(&format!("  - {gone}\n"));
            }
            for added in new.difference(&old) {
                diff.push_str(&format!("  + {added}\n"));
            }
            differ.push(format!("{krate}:\n{diff}"));
        }
    }
    if differ.is_empty() {
        if !write {
            println!("public API matches the snapshots of {} crates", crates.len());
        }
        Ok(())
    } else {
        Err(format!(
            "the public API changed; review it, then run `cargo xtask public-api --write`:\n{}",
            differ.join("\n")
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// A one-crate workspace in a temp dir, removed when dropped.
    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn scratch(name: &str, lib: &str) -> Scratch {
        let root = std::env::temp_dir().join(format!("xtask-public-api-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("crates/scratch/src")).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[workspace]\nresolver = \"2\"\nmembers = [\"crates/scratch\"]\n")
            .unwrap();
        std::fs::write(
            root.join("crates/scratch/Cargo.toml"),
            "[package]\nname = \"scratch\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
        )
        .unwrap();
        write_lib(&root, lib);
        Scratch(root)
    }

    fn write_lib(root: &Path, lib: &str) {
        std::fs::write(root.join("crates/scratch/src/lib.rs"), lib).unwrap();
    }

    const LIB: &str = r#"//! A scratch crate.
/// A.
#[non_exhaustive]
pub struct A;
/// Hidden, but callable.
#[doc(hidden)]
pub fn hidden() {}
/// A hidden macro.
#[doc(hidden)]
#[macro_export]
macro_rules! hm {
    () => {};
}
/// Must be used.
#[must_use]
pub fn mu() -> u8 {
    1
}
/// Precise captures.
pub fn it<'a>(x: &'a [u8]) -> impl Iterator<Item = &'a u8> + use<'a> {
    x.iter()
}
"#;

    #[test]
    fn the_snapshot_shows_auto_traits_non_exhaustive_must_use_hidden_items_and_precise_captures() {
        let s = scratch("render", LIB);
        let api = super::render(&s.0, "scratch").unwrap();
        for line in [
            "#[non_exhaustive] pub struct scratch::A",
            "impl core::marker::Send for scratch::A",
            "impl core::marker::Sync for scratch::A",
            "impl core::panic::unwind_safe::UnwindSafe for scratch::A",
            "#[doc(hidden)] pub fn scratch::hidden()",
            "#[doc(hidden)] pub macro scratch::hm!",
            "#[must_use] pub fn scratch::mu() -> u8",
        ] {
            assert!(api.lines().any(|l| l == line), "missing `{line}` in:\n{api}");
        }
        let it = api.lines().find(|l| l.starts_with("pub fn scratch::it")).unwrap();
        assert!(it.ends_with("+ use<'a>"), "{it}");
        assert!(!api.contains("+ ?"), "{api}");
    }

    #[test]
    fn the_gate_fails_when_a_type_loses_send() {
        let s = scratch("send", LIB);
        super::check(&s.0, &["scratch"], true).unwrap();
        super::check(&s.0, &["scratch"], false).expect("the snapshot matches the code it was written from");
        // A raw pointer inside makes `A` neither Send nor Sync: a breaking change in a line the
        // old renderer did not write.
        write_lib(&s.0, &LIB.replace("pub struct A;", "pub struct A(std::marker::PhantomData<*const ()>);"));
        let err = super::check(&s.0, &["scratch"], false).unwrap_err();
        assert!(err.contains("- impl core::marker::Send for scratch::A"), "{err}");
        assert!(err.contains("+ impl !core::marker::Send for scratch::A"), "{err}");
    }
}
