//! `cargo xtask <task>`: project automation written in Rust.

mod package;
mod release;
mod tidy;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Project automation for contacts-rs")]
struct Cli {
    /// The workspace to act on. Defaults to this repository.
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Bump versions, move changelogs, test, package, commit, tag and publish (dry run unless --execute).
    Release(release::Args),
    /// Check that every published crate packages and that its packaged form builds on its own.
    CheckPackage,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(workspace::project_root);
    let result = match cli.task {
        Task::Release(args) => release::run(&root, &args, &mut std::io::stdout()),
        Task::CheckPackage => package::check(&root),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
