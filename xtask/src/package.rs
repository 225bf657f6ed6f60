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
    Ok(())
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
