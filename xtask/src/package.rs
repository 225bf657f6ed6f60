//! `cargo xtask check-package`: every published crate packages, and its packaged form (what
//! crates.io would hold) builds on its own.

use std::path::Path;

use crate::workspace::{packages, publish_order, run_visible};

pub fn check(root: &Path) -> Result<(), String> {
    let all = packages(root)?;
    let published: Vec<String> = all.iter().filter(|p| p.publish).map(|p| p.name.clone()).collect();
    let order = publish_order(&all, &published)?;
    println!("packaging and building, in publish order: {}", order.join(", "));
    forget_unpacked_copies(&all)?;
    let mut args = vec!["package", "--locked"];
    for name in &order {
        args.push("-p");
        args.push(name);
    }
    // `cargo package` verifies each package by building it from the .crate file alone; cargo
    // resolves intra-workspace dependencies that are not on crates.io yet from the packages
    // it just made.
    run_visible(root, "cargo", &args)?;
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
