//! `cargo xtask minimal-versions`: every direct requirement is a version the crates build with.
//!
//! On a scratch copy of the workspace, `cargo +nightly update -Z direct-minimal-versions`
//! picks the lowest version each of our requirements allows, then the published crates are
//! checked with them. Needs a nightly toolchain: without one it says so and skips.

use std::path::Path;
use std::process::Command;

use crate::workspace::{packages, run as sh};

pub fn check(root: &Path) -> Result<(), String> {
    let nightly = Command::new("cargo").args(["+nightly", "--version"]).output();
    if !nightly.is_ok_and(|o| o.status.success()) {
        println!("notice: no nightly toolchain; the minimal-versions check is skipped");
        return Ok(());
    }
    let scratch = std::env::temp_dir().join(format!("contacts-minimal-versions-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    for file in sh(root, "git", &["ls-files"])?.lines() {
        let to = scratch.join(file);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::copy(root.join(file), &to).map_err(|e| format!("copying {file}: {e}"))?;
    }
    // The shared notes sit beside the repository; some tests read them, none of the checks do.
    let result = (|| {
        sh(&scratch, "cargo", &["+nightly", "update", "-Z", "direct-minimal-versions"])?;
        let published: Vec<String> = packages(&scratch)?.into_iter().filter(|p| p.publish).map(|p| p.name).collect();
        let mut args = vec!["+nightly", "check", "--locked"];
        for name in &published {
            args.extend(["-p", name.as_str()]);
        }
        let target = root.join("target").join("minimal-versions");
        let status = Command::new("cargo")
            .args(&args)
            .current_dir(&scratch)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map_err(|e| format!("could not run cargo: {e}"))?;
        if !status.success() {
            return Err(
                "a published crate does not build with the lowest versions its requirements allow: raise them".into()
            );
        }
        println!("ok: {} crates build with their minimal direct dependency versions", published.len());
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
