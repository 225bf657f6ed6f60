//! `cargo xtask <task>`: project automation written in Rust.

mod bench;
mod minimal;
mod package;
mod public_api;
mod rehearse;
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
    /// Prove the version policy offline: release everything at 0.1.0 into a local registry,
    /// release one provider (and what it needs) as 0.1.1, then build a program with that
    /// provider 0.1.1 and another at 0.1.0 from the registry (README: Releasing).
    Rehearse {
        /// Pin our crates to each other with `=` first (the old policy): the program must then
        /// fail to resolve.
        #[arg(long)]
        exact_pins: bool,
    },
    /// Check that the published crates build with the lowest versions their requirements allow
    /// (needs a nightly toolchain; skipped with a notice without one).
    MinimalVersions,
    /// Compare each published crate's public API with its committed snapshot
    /// (`crates/<crate>/public-api.txt`), or rewrite the snapshots with --write.
    PublicApi {
        /// Write the snapshots instead of comparing.
        #[arg(long)]
        write: bool,
    },
    /// Measure every performance figure against its target (ratios and counts from one run).
    Bench {
        /// Also write the table into README.md's performance section.
        #[arg(long, conflicts_with = "quick")]
        write_readme: bool,
        /// Fewer calls and contacts, no criterion run and no cold builds: under a minute and a
        /// half, every row marked "(quick)". The README's table comes from a full run.
        #[arg(long)]
        quick: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(workspace::project_root);
    let result = match cli.task {
        Task::Release(args) => release::run(&root, &args, &mut std::io::stdout()),
        Task::CheckPackage => package::check(&root),
        Task::Rehearse { exact_pins } => rehearse::run(&root, exact_pins),
        Task::MinimalVersions => minimal::check(&root),
        Task::Bench { write_readme, quick } => bench::run_bench(&root, write_readme, quick),
        Task::PublicApi { write } => public_api::run(&root, write),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
