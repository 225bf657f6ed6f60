//! `cargo xtask <task>`: project automation written in Rust.

use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <TASK>

Project automation for contacts-rs.

TASKS:
    help        Print this message

Planned (see the project's issues): release, check-package, bench.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("help" | "--help" | "-h") => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown task {other:?}\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root, from this crate's manifest directory.
#[allow(dead_code)]
fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
