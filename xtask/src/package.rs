//! `cargo xtask check-package`: every published crate packages, and its packaged form (what
//! crates.io would hold) builds on its own.

use std::path::Path;

use crate::workspace::{packages, publish_order};

pub fn check(root: &Path) -> Result<(), String> {
    let all = packages(root)?;
    let published: Vec<String> = all.iter().filter(|p| p.publish).map(|p| p.name.clone()).collect();
    let order = publish_order(&all, &published)?;
    println!("packaging and building, in publish order: {}", order.join(", "));
    forget_unpacked_copies(&all)?;
    // Cargo's own staging registry of the last run holds the previous .crate files, which it
    // would serve again for the same versions.
    let staging = root.join("target").join("check-package").join("package");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| format!("could not remove {}: {e}", staging.display()))?;
    }
    let mut args = vec!["package", "--locked"];
    for name in &order {
        args.push("-p");
        args.push(name);
    }
    // `cargo package` verifies each package by building it from the .crate file alone; cargo
    // resolves intra-workspace dependencies that are not on crates.io yet from the packages
    // it just made. It does so in a target directory of its own, from which our crates' builds
    // are forgotten first: cargo takes a registry crate of a given version to be immutable, so
    // it would link the dependents against the previous run's build of, say, contacts-core.
    let target = root.join("target").join("check-package");
    forget_builds(&target, &all)?;
    let status = std::process::Command::new("cargo")
        .args(&args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo {}` failed ({status})", args.join(" ")));
    }
    println!("ok: {} crates package and build from their packaged form", order.len());
    compile_packaged_tests(root, &all, &order)?;
    println!("ok: the tests, examples and doc tests of the {} packaged crates compile", order.len());
    Ok(())
}

/// `cargo package` builds only the library and binaries of a packaged crate. Its tests,
/// examples and doc tests are what a user (or crater) runs from the `.crate`; a dev-dependency
/// without a version is dropped on packaging and breaks them. So unpack every `.crate` outside
/// the workspace, point each of our crates at its unpacked copy (they are not on crates.io yet)
/// and compile the tests, examples and doc tests of each, with the workspace's lock file.
fn compile_packaged_tests(root: &Path, all: &[crate::workspace::Package], order: &[String]) -> Result<(), String> {
    let staging = root.join("target").join("check-package").join("package");
    let unpacked = std::env::temp_dir().join(format!("contacts-check-package-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::create_dir_all(&unpacked).map_err(|e| format!("{}: {e}", unpacked.display()))?;
    let mut dirs = Vec::new();
    for name in order {
        let p = all.iter().find(|p| &p.name == name).ok_or("lost a crate")?;
        let file = staging.join(format!("{}-{}.crate", p.name, p.version));
        crate::workspace::run(&unpacked, "tar", &["xzf", &file.display().to_string()])?;
        dirs.push((name.clone(), unpacked.join(format!("{}-{}", p.name, p.version))));
    }
    // Which of our crates each packaged crate reaches through any kind of dependency.
    let mut direct = std::collections::BTreeMap::new();
    for (name, dir) in &dirs {
        let text = std::fs::read_to_string(dir.join("Cargo.toml")).map_err(|e| format!("{name}: {e}"))?;
        let ours: Vec<String> = order.iter().filter(|o| *o != name && depends_on(&text, o)).cloned().collect();
        direct.insert(name.clone(), ours);
    }
    let target = root.join("target").join("check-package-tests");
    forget_builds(&target, all)?;
    let result = (|| {
        for (name, dir) in &dirs {
            std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
                .map_err(|e| format!("{name}: could not copy Cargo.lock: {e}"))?;
            let mut reached: Vec<String> = Vec::new();
            let mut todo = direct[name].clone();
            while let Some(next) = todo.pop() {
                if !reached.contains(&next) {
                    todo.extend(direct[&next].iter().cloned());
                    reached.push(next);
                }
            }
            let mut config = Vec::new();
            for (other, other_dir) in dirs.iter().filter(|(o, _)| reached.contains(o)) {
                config.push("--config".to_owned());
                config.push(format!("patch.crates-io.{other}.path={:?}", other_dir.display().to_string()));
            }
            // Doc tests cannot be only compiled (`--doc --no-run` is refused): they run, as in
            // the workspace's own test run; they reach nothing but what they start themselves.
            for args in [&["test", "--no-run", "--all-targets"][..], &["test", "--doc"][..]] {
                if *name == "contacts-cli" && args.contains(&"--doc") {
                    continue; // binary only: no doc tests
                }
                let status = std::process::Command::new("cargo")
                    .args(args)
                    .args(&config)
                    .current_dir(dir)
                    .env("CARGO_TARGET_DIR", &target)
                    .status()
                    .map_err(|e| format!("could not run cargo: {e}"))?;
                if !status.success() {
                    return Err(format!(
                        "{name}: `cargo {}` fails in the packaged crate ({status}): the .crate is not what the workspace builds",
                        args.join(" ")
                    ));
                }
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&unpacked);
    result
}

/// Cargo verifies a package against the others it just packaged through a local registry, and
/// unpacks each into `$CARGO_HOME/registry/src/-<hash>/<name>-<version>`. It never unpacks the
/// same name and version twice, so after a change to, say, contacts-http, the next check would
/// build against the copy unpacked by the previous run (seen here: a macro added to
/// contacts-http was "not found" by its dependents). Forget those copies first. crates.io's own
/// directories (`index.crates.io-…`) are never touched: only local registries start with `-`.
fn forget_unpacked_copies(all: &[crate::workspace::Package]) -> Result<(), String> {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(home) => std::path::PathBuf::from(home),
        None => match std::env::var_os("HOME") {
            Some(home) => Path::new(&home).join(".cargo"),
            None => return Ok(()),
        },
    };
    for kind in ["src", "cache"] {
        let Ok(registries) = std::fs::read_dir(home.join("registry").join(kind)) else { continue };
        for registry in registries.flatten() {
            if !registry.file_name().to_string_lossy().starts_with('-') {
                continue;
            }
            for p in all.iter().filter(|p| p.publish) {
                let stem = format!("{}-{}", p.name, p.version);
                for path in [registry.path().join(&stem), registry.path().join(format!("{stem}.crate"))] {
                    let removed = if path.is_dir() {
                        std::fs::remove_dir_all(&path)
                    } else if path.is_file() {
                        std::fs::remove_file(&path)
                    } else {
                        continue;
                    };
                    removed.map_err(|e| format!("could not remove the stale copy {}: {e}", path.display()))?;
                }
            }
        }
    }
    Ok(())
}

/// Whether a (packaged, normalised) manifest depends on `dep` in any table.
fn depends_on(manifest: &str, dep: &str) -> bool {
    let Ok(doc) = manifest.parse::<toml_edit::DocumentMut>() else { return true };
    let has = |t: Option<&toml_edit::Item>| {
        t.and_then(toml_edit::Item::as_table_like).is_some_and(|t| {
            t.iter().any(|(key, item)| {
                key == dep || item.as_table_like().and_then(|d| d.get("package")).and_then(|p| p.as_str()) == Some(dep)
            })
        })
    };
    let sections = ["dependencies", "dev-dependencies", "build-dependencies"];
    sections.iter().any(|s| has(doc.get(s)))
        || doc
            .get("target")
            .and_then(toml_edit::Item::as_table_like)
            .is_some_and(|targets| targets.iter().any(|(_, t)| sections.iter().any(|s| has(t.get(s)))))
}

/// Removes, from `target`, every build of our published crates (fingerprints and artifacts);
/// third-party builds stay cached.
fn forget_builds(target: &Path, all: &[crate::workspace::Package]) -> Result<(), String> {
    for profile in ["debug", "release"] {
        for (dir, separator) in [(".fingerprint", '-'), ("deps", '_'), ("build", '-')] {
            let Ok(entries) = std::fs::read_dir(target.join(profile).join(dir)) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let ours = all.iter().filter(|p| p.publish).any(|p| {
                    let stem = if separator == '_' { p.name.replace('-', "_") } else { p.name.clone() };
                    name.starts_with(&format!("{stem}-")) || name.starts_with(&format!("lib{stem}-"))
                });
                if !ours {
                    continue;
                }
                let path = entry.path();
                let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
                removed.map_err(|e| format!("could not remove {}: {e}", path.display()))?;
            }
        }
    }
    Ok(())
}
