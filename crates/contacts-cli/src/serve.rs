//! `contacts sandbox serve`: the four fakes as a server, for the CLI and any program.

use clap::Subcommand;
use contacts_sandbox::{Provider, Sandbox};

use crate::failure::CliError;
use crate::output::Out;

#[derive(Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the four fakes on 127.0.0.1 until interrupted (Ctrl-C), printing the
    /// environment lines that point the CLI (and any program) at them.
    Serve {
        /// The port (0: a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Generated contacts to start with: N for every provider, or PROVIDER=N for one
        /// (like levers=20000, so a sync's target starts empty). Repeat for several; the
        /// portal's belong to customers 1, 2 and 3. Defaults to none.
        #[arg(long = "seed", value_name = "N|PROVIDER=N", value_parser = parse_seed)]
        seeds: Vec<(Option<Provider>, u64)>,
        /// Enforce a rate limit per API key, as PROVIDER=N/min (Previsto documents
        /// previsto=120/min); 429 with Retry-After past it. Repeat for several providers.
        /// Defaults to none.
        #[arg(long = "rate-limit", value_name = "PROVIDER=N/min", value_parser = parse_rate_limit)]
        rate_limits: Vec<(Provider, usize)>,
        /// Wait this long before every answer (like 50ms or 1s), as a real network's round
        /// trip would: shows what concurrency and read-ahead do for `contacts sync`.
        #[arg(long, value_name = "DURATION", default_value = "0ms", value_parser = humantime::parse_duration)]
        latency: std::time::Duration,
        /// Also write the environment lines to this file once the sandbox listens (written
        /// whole, then renamed into place), so a shell can start the server in the background
        /// and `.` the file when it appears.
        #[arg(long, value_name = "FILE")]
        env_file: Option<std::path::PathBuf>,
        /// Serve another reading of the documents than the crates take, so `contacts verify`
        /// can be seen to notice it (repeat for several): levers-bare-list,
        /// portal-repeated-customer-ids, portal-comma-customer-ids, cleanlife-no-request-id,
        /// previsto-pages-of-100, levers-error-shape, cleanlife-error-shape, previsto-error-shape.
        #[arg(long, value_name = "MODE", value_parser = crate::verify::parse_deviation)]
        deviate: Vec<contacts_sandbox::Deviation>,
    },
}

/// One of the four providers the sandbox serves, by name.
fn provider_named(name: &str) -> Result<Provider, String> {
    Provider::ALL
        .iter()
        .copied()
        .find(|p| p.name() == name)
        .ok_or_else(|| format!("{name:?} is not one of levers, cleanlife, previsto, portal"))
}

/// `previsto=120/min` → (Previsto, 120).
fn parse_rate_limit(text: &str) -> Result<(Provider, usize), String> {
    let bad = || format!("{text:?} is not PROVIDER=N/min (like previsto=120/min)");
    let (name, rate) = text.split_once('=').ok_or_else(bad)?;
    let provider = provider_named(name)?;
    let n = rate.strip_suffix("/min").unwrap_or(rate).parse::<usize>().map_err(|_| bad())?;
    if n == 0 {
        return Err(bad());
    }
    Ok((provider, n))
}

/// `5000` → every provider; `levers=20000` → Levers alone.
fn parse_seed(text: &str) -> Result<(Option<Provider>, u64), String> {
    let bad = || format!("{text:?} is not N or PROVIDER=N (like 5000 or levers=20000)");
    let (provider, n) = match text.split_once('=') {
        None => (None, text),
        Some((name, n)) => (Some(provider_named(name)?), n),
    };
    Ok((provider, n.parse::<u64>().map_err(|_| bad())?))
}

/// What each provider starts with, in words, for the start lines.
fn seeded(seeds: &[(Option<Provider>, u64)]) -> String {
    let mut counts: Vec<(Provider, u64)> = Provider::ALL.iter().map(|&p| (p, 0)).collect();
    for (provider, n) in seeds {
        for (p, count) in &mut counts {
            if provider.is_none_or(|one| one == *p) {
                *count = *n;
            }
        }
    }
    let listed: Vec<String> = counts.iter().map(|(p, n)| format!("{} {n}", p.name())).collect();
    let customers: Vec<String> = contacts_sandbox::PORTAL_SEEDED_CUSTOMERS.iter().map(u64::to_string).collect();
    format!(
        "seeded contacts: {}; the portal's belong to customers {} (contacts portal list --customer-id 1)",
        listed.join(", "),
        customers.join(", ")
    )
}

/// The environment lines for a sandbox at `sb`.
fn environment(sb: &Sandbox) -> String {
    // Quoted for the shell (the portal's value holds a space).
    sb.env().into_iter().map(|(name, value)| format!("export {name}='{value}'\n")).collect()
}

pub(crate) fn run(command: &SandboxCommand, out: &Out) -> Result<(), CliError> {
    match command {
        SandboxCommand::Serve { port, seeds, rate_limits, latency, env_file, deviate } => {
            let mut builder = Sandbox::builder().port(*port).record_limit(0).latency(*latency);
            for deviation in deviate {
                builder = builder.deviate(*deviation);
                eprintln!(
                    "serving {}: another reading of the documents (contacts verify notices it)",
                    deviation.name()
                );
            }
            for (provider, per_minute) in rate_limits {
                builder = builder.rate_limit(*provider, *per_minute);
            }
            // In order: a later `--seed` wins for the providers it names.
            for (provider, n) in seeds {
                builder = match provider {
                    Some(p) => builder.seed(*p, *n),
                    None => builder.seed_all(*n),
                };
            }
            let sb =
                builder.start().map_err(|e| CliError::io(format!("starting the sandbox on port {port}"), None, e))?;
            eprintln!("{}", seeded(seeds));
            eprintln!("sandbox listening on {} (Ctrl-C to stop); point the CLI at it with:", sb.url());
            out.print(&environment(&sb));
            if let Some(path) = env_file {
                write_env_file(path, &environment(&sb))
                    .map_err(|e| CliError::io("writing the environment file", Some(path), e))?;
            }
            // Serve until the process is interrupted: Ctrl-C's default action ends it, and the
            // sandbox holds nothing that needs saving.
            loop {
                std::thread::park();
            }
        }
    }
}

/// Writes `text` to `path` through a new file beside it, renamed over `path`: the new file is
/// created, never opened through a symlink or over a file someone else put there (a
/// `.partial` already there is refused), so the command writes only files it made.
fn write_env_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let partial = path.with_extension("partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&partial).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            std::io::Error::new(
                e.kind(),
                format!("{} is already there (a symlink, or another run's): remove it first", partial.display()),
            )
        } else {
            e
        }
    })?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    drop(file);
    match written.and_then(|()| std::fs::rename(&partial, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}
