//! `cargo xtask check-package`: every published crate packages, and its packaged form (what
//! crates.io would hold) builds on its own.

use std::path::Path;

use crate::workspace::{packages, publish_order, run_visible};

pub fn check(root: &Path) -> Result<(), String> {
    let all = packages(root)?;
    let published: Vec<String> = all.iter().filter(|p| p.publish).map(|p| p.name.clone()).collect();
    let order = publish_order(&all, &published)?;
    println!("packaging and building, in publish order: {}", order.join(", "));
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
