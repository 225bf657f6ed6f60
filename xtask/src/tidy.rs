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
    #[test]
    fn internal_dependencies_carry_a_version_and_dev_dependencies_do_not() {
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
            if let Some(deps) = doc.get("dev-dependencies").and_then(|d| d.as_table_like()) {
                for (name, dep) in deps.iter() {
                    if dep.get("path").is_some() {
                        assert!(
                            dep.get("version").is_none(),
                            "{krate}: dev-dependency {name} must not carry a version"
                        );
                    }
                }
            }
        }
    }

    /// The footprint we promise users: each provider crate's normal dependency tree stays small.
    #[test]
    fn provider_dependency_trees_stay_within_50_crates() {
        for krate in ["previsto", "levers-client", "cleanlife-partners", "portal-contacts", "contacts-core"] {
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
