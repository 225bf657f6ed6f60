//! `contacts sync --from A --to B`: contacts-sync from a shell.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use contacts_core::{ContactsApi, Error, ListContacts};
use contacts_sandbox::Sandbox;
use contacts_sync::{Match, SyncJob};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::providers::{self, Kind};

/// A provider on the command line.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Side {
    Levers,
    Cleanlife,
    Previsto,
    Portal,
}

impl Side {
    fn kind(self) -> Kind {
        match self {
            Side::Levers => Kind::Levers,
            Side::Cleanlife => Kind::CleanLife,
            Side::Previsto => Kind::Previsto,
            Side::Portal => Kind::Portal,
        }
    }
}

/// How contacts are matched, on the command line.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MatchBy {
    /// The target's external id holds the source's provider and id.
    ExternalId,
    /// The phone, in E.164 form.
    Phone,
    /// The email, case-folded.
    Email,
}

#[derive(Args)]
pub(crate) struct SyncArgs {
    /// The provider to read from.
    #[arg(long, value_enum)]
    from: Side,
    /// The provider to write to.
    #[arg(long, value_enum)]
    to: Side,
    /// How a source contact and a target contact are recognised as the same.
    #[arg(long = "match", value_enum, default_value_t = MatchBy::ExternalId)]
    matching: MatchBy,
    /// Print the plan and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Record every write in this file (JSON lines), so a cut-off run can be resumed.
    #[arg(long, conflicts_with = "resume")]
    journal: Option<PathBuf>,
    /// Finish the run this journal records: plan again, look up what was in flight, go on.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Drop (and count) fields the target cannot store instead of refusing those contacts.
    #[arg(long)]
    lossy: bool,
    /// Print the plan or the report as JSON.
    #[arg(long)]
    json: bool,
    /// Run against one local sandbox serving both sides.
    #[arg(long)]
    sandbox: bool,
    /// With --sandbox: seed the source with this many generated contacts.
    #[arg(long, default_value_t = 0, requires = "sandbox")]
    seed: u64,
    /// The portal's customer ids to read, when the portal is the source or the target.
    #[arg(long = "customer-id")]
    customer_ids: Vec<u64>,
}

/// Runs the sync; exit 0 when everything planned was applied, 1 when some writes failed or
/// the sync could not run, 2 when the flags cannot work together (same provider twice, a
/// match the target cannot do).
pub(crate) fn run(args: &SyncArgs) -> ExitCode {
    match sync(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e @ Error::Validation(_)) => {
            eprintln!("error: sync: {}", crate::failure::one_line(&e).replace("invalid matching", "invalid --match"));
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: sync failed: {}", crate::failure::one_line(&e));
            ExitCode::FAILURE
        }
    }
}

fn sync(args: &SyncArgs) -> Result<bool, Error> {
    if args.from == args.to {
        return Err(Error::validation("--to", "must name another provider than --from"));
    }
    let sandbox = if args.sandbox {
        let provider = contacts_sandbox_provider(args.from.kind());
        Some(
            Sandbox::builder()
                .seed(provider, args.seed)
                .record_limit(0)
                .start()
                .map_err(|e| Error::config(format!("could not start the sandbox: {e}")))?,
        )
    } else {
        None
    };
    let client = |kind| -> Result<Box<dyn ContactsApi>, Error> {
        match &sandbox {
            Some(sb) => providers::client_for(kind, sb),
            None => Ok(providers::Connection::from_env(kind, &providers::Overrides::default())?.into_api()),
        }
    };
    let (from, to) = (client(args.from.kind())?, client(args.to.kind())?);
    let matching = match args.matching {
        MatchBy::ExternalId => Match::ExternalId,
        MatchBy::Phone => Match::Phone,
        MatchBy::Email => Match::Email,
    };
    let query = ListContacts::new().customer_ids(args.customer_ids.iter().copied());
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let terminal = std::io::stderr().is_terminal();
    let mut sync = SyncJob::new(from.as_ref(), to.as_ref())
        .matching(matching)
        .lossy(args.lossy)
        .source_query(query.clone())
        .target_query(query)
        .progress(|p| {
            if terminal {
                bar.set_length(p.total);
                bar.set_position(p.done);
            }
        });
    if terminal {
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} writes ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }
    if let Some(path) = &args.journal {
        sync = sync.journal(path);
    }
    let report = if let Some(path) = &args.resume {
        sync.resume(path)?
    } else {
        let plan = sync.plan()?;
        if args.dry_run {
            if args.json {
                println!("{}", serde_json::to_string(&plan).map_err(|e| Error::config(e.to_string()))?);
            } else {
                print!("{plan}");
            }
            return Ok(true);
        }
        sync.apply(&plan)?
    };
    bar.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string(&report).map_err(|e| Error::config(e.to_string()))?);
    } else {
        println!(
            "{} created, {} updated, {} unchanged, {} refused, {} conflicts, {} failed ({} requests in {:.1?})",
            report.created,
            report.updated,
            report.unchanged,
            report.refused.len(),
            report.conflicts.len(),
            report.failed.len(),
            report.requests,
            report.duration
        );
        for (field, n) in &report.dropped {
            println!("dropped {field} from {n} contacts (lossy)");
        }
        for f in &report.failed {
            eprintln!("failed {} {}: {}", f.action, f.source_id, f.error);
        }
    }
    Ok(report.is_success())
}

fn contacts_sandbox_provider(kind: Kind) -> contacts_sandbox::Provider {
    match kind {
        Kind::Levers => contacts_sandbox::Provider::Levers,
        Kind::CleanLife => contacts_sandbox::Provider::CleanLife,
        Kind::Previsto => contacts_sandbox::Provider::Previsto,
        Kind::Portal => contacts_sandbox::Provider::Portal,
    }
}
