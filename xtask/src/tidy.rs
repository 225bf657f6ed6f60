//! Workspace rules, checked by `cargo test` (run as tests of the xtask).

#[cfg(test)]
mod tests {
    use crate::workspace::{packages, project_root};

    fn manifests() -> Vec<(String, bool, toml_edit::DocumentMut)> {
        packages(&project_root())
            .unwrap()
            .into_iter()
            .map(|p| (p.name.clone(), p.publish, std::fs::read_to_string(&p.manifest).unwrap().parse().unwrap()))
            .collect()
    }

    /// Publishing needs a version on every internal dependency; dev-dependencies must not carry
    /// one, or publishing tools order crates wrongly and versions drift.
    /// One vocabulary: the names the root README's "One vocabulary" table lists are in every
    /// provider's public API (read from the committed snapshots).
    #[test]
    fn every_provider_offers_the_shared_vocabulary() {
        let common = [
            "pub fn {c}::Client::new(",
            "pub fn {c}::Client::builder()",
            "pub fn {c}::Client::from_env()",
            "pub fn {c}::ClientBuilder::from_env()",
            "pub fn {c}::ClientBuilder::retry(",
            "pub fn {c}::Client::raw(",
            "pub fn {c}::Client::contacts(",
            "pub struct {c}::ClientBuilder",
            "pub struct {c}::Raw",
            "pub struct {c}::Contact\n",
            "pub struct {c}::ContactId",
            "pub struct {c}::NewContact",
            "pub fn {c}::Contacts::with(",
            "pub fn {c}::Contacts::get(",
            "pub fn {c}::Contacts::get_with_meta(",
            "pub use {c}::Error = contacts_core",
            "pub use {c}::Result = contacts_core",
            "pub use {c}::CallOptions = contacts_core",
            "impl contacts_core::api::ContactsApi for {c}::Client",
        ];
        let listing = [
            "pub struct {c}::ContactUpdate",
            "pub struct {c}::ListContacts",
            "pub struct {c}::ContactPage",
            "pub fn {c}::Contacts::create(",
            "pub fn {c}::Contacts::create_with_meta(",
            "pub fn {c}::Contacts::update(",
            "pub fn {c}::Contacts::update_with_meta(",
            "pub fn {c}::Contacts::list_page(",
            "pub fn {c}::Contacts::list_page_with_meta(",
            "pub fn {c}::Contacts::iter(",
            "pub fn {c}::Contacts::list(",
        ];
        for krate in crate::public_api::providers(&project_root()).unwrap() {
            let (krate, name) = (krate.as_str(), krate.replace('-', "_"));
            let name = name.as_str();
            let file = project_root().join("crates").join(krate).join("public-api.txt");
            let api = std::fs::read_to_string(&file).unwrap() + "\n";
            let mut wanted: Vec<&str> = common.to_vec();
            if krate == "cleanlife-partners" {
                wanted.extend([
                    "pub fn {c}::Contacts::find_or_create(",
                    "pub fn {c}::Contacts::find_or_create_with_meta(",
                ]);
            } else {
                wanted.extend(listing);
            }
            match krate {
                // No default host: the only one the public reference shows is a dev server.
                "levers-client" => wanted.push("pub const {c}::DOCUMENTED_BASE_URL"),
                // Every installation has its own host.
                "portal-contacts" => {}
                _ => wanted.push("pub const {c}::DEFAULT_BASE_URL"),
            }
            for w in wanted {
                let w = w.replace("{c}", name);
                assert!(api.contains(&w), "{krate} lacks `{w}` (see the README's vocabulary table)");
            }
        }
    }

    /// The provider skeleton is plain code a reader (and rustdoc's `[src]`) can land on: each
    /// provider's builder setters and operations are functions written in its own files, macros
    /// only write tables, and contacts-core exports none.
    #[test]
    fn provider_skeletons_are_plain_code_and_macros_only_write_tables() {
        let root = project_root();
        for krate in &crate::public_api::providers(&project_root()).unwrap() {
            let src = root.join("crates").join(krate).join("src");
            let client = std::fs::read_to_string(src.join("client.rs")).unwrap();
            let contacts = std::fs::read_to_string(src.join("contacts/mod.rs")).unwrap();
            for (file, text, wanted) in [
                (
                    "client.rs",
                    &client,
                    &["pub fn timeout(", "pub fn build(", "pub fn base_url(", "pub fn retry_policy("][..],
                ),
                ("contacts/mod.rs", &contacts, &["pub fn get(", "pub fn with("][..]),
            ] {
                for w in wanted {
                    let at = text.find(w).unwrap_or_else(|| panic!("{krate}: src/{file} does not define `{w}`"));
                    // Its doc comment sits right above it.
                    let above = text[..at].trim_end().lines().last().unwrap_or_default().trim();
                    assert!(
                        above.starts_with("///") || above.starts_with("#["),
                        "{krate}: `{w}` in src/{file} has no doc"
                    );
                }
            }
            assert!(
                contacts.contains("pub fn create(") || contacts.contains("pub fn find_or_create("),
                "{krate}: src/contacts/mod.rs defines no create"
            );
        }
        let mut macros = 0;
        for entry in std::fs::read_dir(root.join("crates")).unwrap() {
            let dir = entry.unwrap().path().join("src");
            for file in rust_files(&dir) {
                let text = std::fs::read_to_string(&file).unwrap();
                macros += text.matches("macro_rules!").count();
                assert!(
                    !text.contains("crate_in_macro_def"),
                    "{}: a macro that writes into its caller",
                    file.display()
                );
                if file.starts_with(root.join("crates/contacts-core")) {
                    assert!(!text.contains("#[macro_export]"), "{}: contacts-core exports a macro", file.display());
                }
            }
        }
        assert!(macros <= 12, "{macros} macro_rules! in crates/*/src (at most 12: tables only)");
    }

    fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        out
    }

    /// The one list of provider crates (`[workspace.metadata.contacts-rs] providers`) is
    /// complete: every member that depends on contacts-http is a provider and is listed, so no
    /// provider escapes the checks that read the list; and the crates that enumerate providers
    /// (the CLI and the cross-crate tests) depend on each one.
    #[test]
    fn every_provider_crate_is_in_the_one_list() {
        let root = project_root();
        let listed: Vec<String> = crate::public_api::providers(&root).unwrap();
        let all = packages(&root).unwrap();
        let mut providers: Vec<String> = all
            .iter()
            .filter(|p| p.publish && p.name != "contacts-http" && p.internal_deps.iter().any(|d| d == "contacts-http"))
            .map(|p| p.name.clone())
            .collect();
        providers.sort();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(
            providers, sorted,
            "the crates that depend on contacts-http are providers: list each in the root Cargo.toml's \
             [workspace.metadata.contacts-rs] providers (README: Adding a provider)"
        );
        let names: Vec<String> = crate::workspace::providers(&root).unwrap().into_iter().map(|(_, n)| n).collect();
        for name in &names {
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "provider name {name:?}"
            );
        }
        for user in ["contacts-cli", "contacts-tests"] {
            let p = all.iter().find(|p| p.name == user).unwrap();
            let manifest = std::fs::read_to_string(&p.manifest).unwrap();
            for krate in &listed {
                assert!(
                    manifest.contains(&format!("\n{krate} ")) || manifest.contains(&format!("\n{krate}.")),
                    "{user} does not depend on {krate}"
                );
            }
        }
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        for krate in &listed {
            assert!(
                readme.contains(&format!("[`{krate}`](crates/{krate})")),
                "the README's crate table has no {krate}"
            );
        }
    }

    /// Every documentation link in a provider's code points at a page of the provider's public
    /// reference that exists (the pages our stored copies hold), not at a guessed anchor: the
    /// links found are held to this list of documentation sites.
    #[test]
    fn provider_doc_links_point_at_pages_that_exist() {
        let known = [
            "https://docs.uselevers.com",
            "https://docs.uselevers.com/api-reference/contact/create-contact",
            "https://docs.uselevers.com/api-reference/contact/update-contact",
            "https://docs.thecleanlife.dev",
            "https://developer.previsto.com/contacts",
            "https://www.previsto.com",
        ];
        let root = project_root();
        for krate in crate::public_api::providers(&root).unwrap() {
            for file in rust_files(&root.join("crates").join(&krate).join("src")) {
                let text = std::fs::read_to_string(&file).unwrap();
                for (at, _) in text.match_indices("](https://") {
                    let link: String = text[at + 2..].chars().take_while(|c| *c != ')').collect();
                    assert!(
                        known.contains(&link.as_str()),
                        "{}: a doc link to an unknown page: {link}",
                        file.display()
                    );
                }
            }
        }
    }

    /// Each provider README's Assumptions section lists every assumption the code makes (the
    /// ones below, each a decision taken where the document is silent): a reading that
    /// changes in the code without its README changing fails here.
    #[test]
    fn every_assumption_of_the_code_is_in_its_readme() {
        let assumptions: [(&str, &[&str]); 4] = [
            (
                "previsto",
                &[
                    "`location` is optional on create",
                    "location[]=<lon>&location[]=<lat>",
                    "1..=1000",
                    "is a hint",
                    "`meta[key]`",
                    "Filtering on `location` is refused",
                    "`[` or `]`",
                    "payingContactId",
                    "10,000 characters",
                    "nothing set is sent",
                ],
            ),
            (
                "levers-client",
                &[
                    "api.dev.uselevers.com",
                    "renews it once",
                    "fastapi-pagination",
                    "top-level `uuid`",
                    "`\"\"` is sent",
                    "1..=255",
                    "nothing set is sent",
                    "`gender`",
                    "no delete",
                ],
            ),
            (
                "cleanlife-partners",
                &[
                    "api.cleanlife.sa",
                    "without a country code",
                    "8 to 10 digits",
                    "not retried by default",
                    "`FoundContact::retried`",
                    "10,000 characters",
                ],
            ),
            (
                "portal-contacts",
                &[
                    "no default",
                    "401 or 403",
                    "form-encoded",
                    "customer_id[]",
                    "`name (required)`",
                    "`NewContact::customer_id`",
                    "Locales",
                    "sent as given",
                ],
            ),
        ];
        for krate in crate::public_api::providers(&project_root()).unwrap() {
            let wanted = assumptions
                .iter()
                .find(|(k, _)| *k == krate)
                .map(|(_, w)| *w)
                .unwrap_or_else(|| panic!("{krate}: declare the assumptions its README must list here"));
            let readme = std::fs::read_to_string(project_root().join("crates").join(&krate).join("README.md")).unwrap();
            let section =
                readme.split("## Assumptions").nth(1).unwrap_or_else(|| panic!("{krate}: no Assumptions section"));
            let section = section.split("\n## ").next().unwrap_or_default();
            for w in wanted {
                assert!(section.contains(w), "{krate}'s README Assumptions do not say {w:?}");
            }
        }
    }

    /// No plumbing in a provider's semver: neither `contacts_http` nor `ureq` appears in the
    /// public API of the four provider crates (their committed snapshots, which CI compares
    /// with the code through `cargo xtask public-api`).
    #[test]
    fn provider_apis_name_neither_contacts_http_nor_ureq() {
        for krate in &crate::public_api::providers(&project_root()).unwrap() {
            let file = project_root().join("crates").join(krate).join("public-api.txt");
            let api = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            assert!(api.lines().count() > 20, "{krate}: the snapshot is missing or empty");
            let leaks: Vec<&str> =
                api.lines().filter(|l| l.contains("contacts_http") || l.contains("ureq::")).collect();
            assert!(leaks.is_empty(), "{krate} names the plumbing in its public API:\n{}", leaks.join("\n"));
        }
    }

    /// Every contacts-core type a provider's public API names — in its own signatures, or in
    /// the signatures of a core trait it implements (`ContactsApi`'s unified types) — is
    /// re-exported by that provider, so a user of one crate never has to add contacts-core to
    /// name `TransportKind`, `FieldError` or the unified `Contact` (read from the committed
    /// snapshots, which CI compares with the code).
    #[test]
    fn every_core_type_a_provider_names_is_reachable_from_it() {
        let read = |krate: &str| {
            let file = project_root().join("crates").join(krate).join("public-api.txt");
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        };
        let core = read("contacts-core");
        // `contacts_core::<module>::<Type>`: how a signature names a core type.
        let core_types = |text: &str| -> std::collections::BTreeSet<String> {
            let mut found = std::collections::BTreeSet::new();
            for (at, _) in text.match_indices("contacts_core::") {
                let path: String =
                    text[at..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
                let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
                if let [_, module, name, ..] = parts[..]
                    && module.chars().all(|c| c.is_lowercase() || c == '_')
                    && name.starts_with(char::is_uppercase)
                {
                    found.insert(format!("contacts_core::{module}::{name}"));
                }
            }
            found
        };
        for krate in &crate::public_api::providers(&project_root()).unwrap() {
            let api = read(krate);
            let signatures: String = api.lines().filter(|l| !l.starts_with("pub use ")).collect::<Vec<_>>().join("\n");
            let mut named = core_types(&signatures);
            let reexported: std::collections::BTreeSet<&str> =
                api.lines().filter_map(|l| l.strip_prefix("pub use ")?.split(" = ").nth(1)).collect();
            // The core traits it implements, and the core types it re-exports, bring the types
            // their methods and variants name with them (until nothing new is found).
            let implemented = api.lines().filter(|l| l.starts_with("impl contacts_core::")).filter_map(|l| {
                l.strip_prefix("impl ")?.split(" for ").next().map(|t| t.split('<').next().unwrap_or(t).to_owned())
            });
            let mut pending: Vec<String> = implemented.chain(reexported.iter().map(|t| (*t).to_owned())).collect();
            let mut visited = std::collections::BTreeSet::new();
            while let Some(path) = pending.pop() {
                let short = path.rsplit("::").next().unwrap_or_default().to_owned();
                if !visited.insert(short.clone()) {
                    continue;
                }
                let members: String = core
                    .lines()
                    .filter(|l| l.contains(&format!("contacts_core::{short}::")) && !l.starts_with("impl "))
                    .collect::<Vec<_>>()
                    .join("\n");
                for t in core_types(&members) {
                    if named.insert(t.clone()) {
                        pending.push(t);
                    }
                }
            }
            let missing: Vec<&String> = named.iter().filter(|t| !reexported.contains(t.as_str())).collect();
            assert!(
                missing.is_empty(),
                "{krate} names these contacts-core types without re-exporting them (a user would have to \
                 add contacts-core to name them): {missing:?}"
            );
        }
    }

    /// Nothing hidden and public: a `#[doc(hidden)] pub` item is callable and so semver
    /// surface that readers of the docs never see. The snapshots (rendered with hidden items)
    /// hold none, and contacts-core exports no macro.
    #[test]
    fn no_published_crate_has_hidden_public_items() {
        for krate in &crate::public_api::crates(&project_root()).unwrap() {
            let file = project_root().join("crates").join(krate).join("public-api.txt");
            let api = std::fs::read_to_string(&file).unwrap();
            let hidden: Vec<&str> = api.lines().filter(|l| l.contains("#[doc(hidden)]")).collect();
            assert!(hidden.is_empty(), "{krate} has hidden public items:\n{}", hidden.join("\n"));
            if krate == "contacts-core" {
                assert!(!api.contains("pub macro "), "contacts-core exports a macro");
            }
            // The snapshot sees auto traits: every public type says whether it is Send.
            assert!(api.contains("impl core::marker::Send for "), "{krate}: the snapshot lists no auto trait");
        }
    }

    #[test]
    fn internal_dependencies_of_published_crates_carry_a_version() {
        let root: toml_edit::DocumentMut =
            std::fs::read_to_string(project_root().join("Cargo.toml")).unwrap().parse().unwrap();
        for (name, dep) in root["workspace"]["dependencies"].as_table_like().unwrap().iter() {
            if dep.get("path").is_some() {
                assert!(dep.get("version").is_some(), "workspace dependency {name} has a path but no version");
            }
        }
        for (krate, publish, doc) in manifests() {
            for section in ["dependencies", "build-dependencies"] {
                let Some(deps) = doc.get(section).and_then(|d| d.as_table_like()) else { continue };
                for (name, dep) in deps.iter() {
                    let inherited = dep.get("workspace").and_then(|w| w.as_bool()) == Some(true);
                    if dep.get("path").is_some() && !inherited && publish {
                        assert!(dep.get("version").is_some(), "{krate}: {section}.{name} has a path but no version");
                    }
                }
            }
            // A path-only dev-dependency is dropped when cargo packages the crate, and the
            // packaged examples and doc tests that use it no longer build: in a published crate
            // it carries a version (only the sandbox is one, and it depends on none of ours, so
            // the publish order has no cycle).
            if let Some(deps) = doc.get("dev-dependencies").and_then(|d| d.as_table_like()) {
                for (name, dep) in deps.iter() {
                    if dep.get("path").is_some() && publish {
                        assert!(
                            dep.get("version").is_some(),
                            "{krate}: dev-dependency {name} has a path but no version"
                        );
                    }
                }
            }
        }
    }

    /// The version policy (README: Releasing): our crates require each other with caret
    /// requirements, never `=`, so that any combination of their latest releases resolves to
    /// one copy of each shared crate. Two exact pins on different versions of one crate cannot
    /// coexist in a build.
    #[test]
    fn our_crates_require_each_other_with_caret_requirements() {
        let mut docs: Vec<(String, toml_edit::DocumentMut)> = manifests().into_iter().map(|(k, _, d)| (k, d)).collect();
        docs.push((
            "workspace".to_owned(),
            std::fs::read_to_string(project_root().join("Cargo.toml")).unwrap().parse().unwrap(),
        ));
        for (krate, doc) in &docs {
            let mut tables = Vec::new();
            for section in ["dependencies", "build-dependencies", "dev-dependencies"] {
                tables.extend(doc.get(section).and_then(|d| d.as_table_like()));
            }
            tables.extend(doc.get("workspace").and_then(|w| w.get("dependencies")).and_then(|d| d.as_table_like()));
            for table in tables {
                for (name, dep) in table.iter() {
                    let Some(req) = dep.get("version").and_then(|v| v.as_str()) else { continue };
                    if dep.get("path").is_some() {
                        assert!(
                            !req.trim_start().starts_with(['=', '<', '~']),
                            "{krate}: {name} = {req:?}: our crates require each other with caret requirements"
                        );
                    }
                }
            }
        }
    }

    /// The contract crate stays thin: no HTTP library, at most 12 crates in its normal tree
    /// (itself included), so a breaking change in the plumbing never forces a major version
    /// of the crate every provider shares.
    #[test]
    fn contacts_core_has_no_http_library_and_at_most_14_crates() {
        let out = crate::workspace::run(
            &project_root(),
            "cargo",
            &["tree", "-e", "normal", "--prefix", "none", "--offline", "-p", "contacts-core"],
        )
        .unwrap();
        let mut names: Vec<&str> =
            out.lines().filter_map(|l| l.split_whitespace().next()).filter(|l| !l.is_empty()).collect();
        names.sort();
        names.dedup();
        assert!(!names.contains(&"ureq"), "contacts-core must not depend on ureq: {names:?}");
        // serde, serde_json and thiserror (the chosen error crate) with what they pull.
        assert!(names.len() <= 14, "contacts-core pulls {} crates (limit 14): {names:?}", names.len());
    }

    /// `rustls` and `native-tls` are real, exclusive-by-choice features: each build has only its
    /// own TLS stack (`.ci/run` also runs contacts-http's tests with native TLS, which check that
    /// the agent is configured to use it).
    #[test]
    fn each_tls_feature_builds_only_its_own_stack() {
        let tree = |args: &[&str]| {
            let mut all = vec!["tree", "-e", "normal", "--prefix", "none", "-p", "previsto"];
            all.extend_from_slice(args);
            let out = crate::workspace::run(&project_root(), "cargo", &all).unwrap();
            out.lines().filter_map(|l| l.split_whitespace().next().map(str::to_owned)).collect::<Vec<_>>()
        };
        let default = tree(&[]);
        assert!(default.iter().any(|c| c == "rustls"), "{default:?}");
        assert!(!default.iter().any(|c| c == "native-tls" || c.starts_with("openssl")), "{default:?}");
        let native = tree(&["--no-default-features", "--features", "native-tls"]);
        assert!(native.iter().any(|c| c == "native-tls"), "{native:?}");
        assert!(!native.iter().any(|c| c == "rustls" || c == "ring"), "{native:?}");
    }

    /// deny.toml's policy, held with cargo itself: the licences of every crate users build are
    /// in its allow list, no crate comes in two versions, every source is crates.io or a path
    /// of ours, and no requirement is a wildcard.
    #[test]
    fn dependencies_follow_the_policy_in_deny_toml() {
        let root = project_root();
        let deny: toml_edit::DocumentMut = std::fs::read_to_string(root.join("deny.toml")).unwrap().parse().unwrap();
        let allowed: Vec<String> =
            deny["licenses"]["allow"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
        let tree = crate::workspace::run(
            &root,
            "cargo",
            &[
                "tree",
                "-e",
                "normal",
                "--prefix",
                "none",
                "--offline",
                "--format",
                "{p}|{l}",
                "--workspace",
                "--exclude",
                "contacts-tests",
                "--exclude",
                "xtask",
            ],
        )
        .unwrap();
        for line in tree.lines().filter(|l| !l.trim().is_empty()) {
            let (package, licence) = line.trim_end_matches(" (*)").split_once('|').unwrap();
            if package.contains("(/") {
                continue; // ours: MIT OR Apache-2.0, with the files in each package
            }
            assert!(!licence.trim().is_empty(), "{package} declares no licence");
            // Every alternative of an OR must be allowed for at least one branch to be usable;
            // every part of an AND must be allowed.
            let ok = licence
                .replace(['(', ')'], " ")
                .split(" OR ")
                .flat_map(|alt| alt.split('/'))
                .any(|alt| alt.split(" AND ").all(|id| allowed.iter().any(|a| a == id.trim())));
            assert!(ok, "{package}: licence {licence:?} is not allowed by deny.toml");
        }
        let dups = crate::workspace::run(
            &root,
            "cargo",
            &[
                "tree",
                "-d",
                "-e",
                "normal",
                "--offline",
                "--workspace",
                "--exclude",
                "contacts-tests",
                "--exclude",
                "xtask",
            ],
        )
        .unwrap();
        assert!(dups.trim().is_empty(), "crates in two versions in what users build:\n{dups}");
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
        for source in lock.lines().filter_map(|l| l.strip_prefix("source = ")) {
            assert_eq!(
                source, "\"registry+https://github.com/rust-lang/crates.io-index\"",
                "a source other than crates.io"
            );
        }
        for (krate, _, doc) in manifests() {
            for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
                let Some(deps) = doc.get(section).and_then(|d| d.as_table_like()) else { continue };
                for (name, dep) in deps.iter() {
                    let req = dep.as_str().or_else(|| dep.get("version").and_then(|v| v.as_str()));
                    assert_ne!(req, Some("*"), "{krate}: {name} = \"*\"");
                }
            }
        }
    }

    /// Every published crate ships both licence files, and its docs.rs build documents every
    /// feature (a binary-only crate's documentation is not on docs.rs).
    #[test]
    fn every_published_crate_ships_its_licences_and_docs_rs_settings() {
        let root = project_root();
        for name in ["LICENSE-MIT", "LICENSE-APACHE"] {
            assert!(root.join(name).is_file(), "{name} is missing at the root");
        }
        for p in packages(&root).unwrap().into_iter().filter(|p| p.publish) {
            let doc: toml_edit::DocumentMut = std::fs::read_to_string(&p.manifest).unwrap().parse().unwrap();
            let include: Vec<&str> =
                doc["package"]["include"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
            for name in ["LICENSE-MIT", "LICENSE-APACHE"] {
                assert!(p.dir().join(name).is_file(), "{}: {name} is missing", p.name);
                assert!(include.contains(&name), "{}: {name} is not in `include`", p.name);
                assert_eq!(
                    std::fs::read_to_string(p.dir().join(name)).unwrap(),
                    std::fs::read_to_string(root.join(name)).unwrap(),
                    "{}: {name} differs from the root's",
                    p.name
                );
            }
            let documentation = doc["package"]["documentation"].as_str().unwrap_or_default();
            if p.dir().join("src/lib.rs").is_file() {
                assert!(documentation.starts_with("https://docs.rs/"), "{}", p.name);
                let docs_rs = &doc["package"]["metadata"]["docs"]["rs"];
                assert_eq!(docs_rs["all-features"].as_bool(), Some(true), "{}: [package.metadata.docs.rs]", p.name);
            } else {
                assert!(!documentation.contains("docs.rs"), "{}: a binary has no docs.rs page", p.name);
            }
        }
    }

    /// Learn one provider crate, know all four: the same files in every `src/`.
    #[test]
    fn the_four_provider_crates_have_the_same_files() {
        let files = |krate: &str| {
            let mut out = Vec::new();
            let root = project_root().join("crates").join(krate).join("src");
            let mut stack = vec![root.clone()];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else {
                        out.push(path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"));
                    }
                }
            }
            out.sort();
            out
        };
        let expected = [
            "client.rs",
            "contacts/mod.rs",
            "contacts/model.rs",
            "contacts/request.rs",
            "lib.rs",
            "unified.rs",
            "verify.rs",
        ];
        for krate in crate::public_api::providers(&project_root()).unwrap() {
            assert_eq!(files(&krate), expected, "{krate}");
        }
    }

    /// Issue 40: every provider crate checks its reading against a real account the same way
    /// (`pub fn verify(client: &Client, options: &VerifyOptions) -> VerifyReport`), and its
    /// README says how, with the command.
    #[test]
    fn every_provider_verifies_its_reading_and_its_readme_says_how() {
        let root = project_root();
        for krate in crate::public_api::providers(&root).unwrap() {
            let dir = root.join("crates").join(&krate);
            let source = std::fs::read_to_string(dir.join("src/verify.rs")).unwrap();
            assert!(
                source.contains("pub fn verify(client: &Client, options: &VerifyOptions) -> VerifyReport"),
                "{krate}: verify's signature differs from the other providers'"
            );
            let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
            assert!(lib.contains("pub use verify::verify;"), "{krate}: verify is not at the crate root");
            let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
            let section = readme
                .split("## Check it against your account")
                .nth(1)
                .unwrap_or_else(|| panic!("{krate}: its README has no \"Check it against your account\" section"));
            let section = section.split("\n## ").next().unwrap_or_default();
            let cli_name =
                krate.trim_end_matches("-client").trim_end_matches("-partners").trim_end_matches("-contacts");
            assert!(section.contains(&format!("contacts verify {cli_name}")), "{krate}: the section lacks the command");
            // Every check the crate runs is listed there.
            for name in source.split("v.check(\"").skip(1).filter_map(|rest| rest.split('"').next()) {
                assert!(section.contains(&format!("`{name}`")), "{krate}: its README does not list the check {name}");
            }
        }
    }

    /// The footprint we promise users: each provider crate's normal dependency tree stays small.
    #[test]
    fn provider_dependency_trees_stay_within_50_crates() {
        let mut crates = crate::public_api::providers(&project_root()).unwrap();
        crates.push("contacts-core".to_owned());
        for krate in &crates {
            let out = crate::workspace::run(
                &project_root(),
                "cargo",
                &["tree", "-e", "normal", "--prefix", "none", "--offline", "-p", krate],
            )
            .unwrap();
            let mut lines: Vec<&str> =
                out.lines().map(|l| l.trim_end_matches(" (*)").trim()).filter(|l| !l.is_empty()).collect();
            lines.sort();
            lines.dedup();
            let n = lines.len() - 1;
            assert!(n <= 50, "{krate} pulls {n} crates into its users' builds (limit 50)");
        }
    }

    #[test]
    fn every_published_crate_has_its_crates_io_metadata_readme_and_changelog() {
        for p in packages(&project_root()).unwrap().into_iter().filter(|p| p.publish) {
            let doc: toml_edit::DocumentMut = std::fs::read_to_string(&p.manifest).unwrap().parse().unwrap();
            let package = &doc["package"];
            for key in [
                "description",
                "readme",
                "keywords",
                "categories",
                "documentation",
                "include",
                "license",
                "repository",
                "rust-version",
            ] {
                assert!(package.get(key).is_some(), "{}: [package] {key} is missing", p.name);
            }
            for file in ["README.md", "CHANGELOG.md"] {
                assert!(p.dir().join(file).is_file(), "{}: {file} is missing", p.name);
            }
        }
    }
}
