//! `contacts man`: one manual page covering every subcommand (no `contacts-sync(1)` pages
//! that do not exist), with the environment variables and the exit statuses.

use std::io::Write;

/// Every variable the CLI reads, and what for.
const ENVIRONMENT: [(&str, &str); 12] = [
    ("LEVERS_TOKEN", "A ready Levers bearer token."),
    ("LEVERS_CLIENT_ID", "With LEVERS_CLIENT_SECRET: Levers client credentials, exchanged for a token."),
    ("LEVERS_CLIENT_SECRET", "See LEVERS_CLIENT_ID."),
    (
        "LEVERS_BASE_URL",
        "Levers' API base URL, required (no default: the only documented host, https://api.dev.uselevers.com/api-service/v1, is Levers' development server).",
    ),
    ("CLEANLIFE_API_KEY", "TheCleanLife partner key, sent as x-api-key."),
    ("CLEANLIFE_BASE_URL", "TheCleanLife's base URL (default https://api.cleanlife.sa/v1)."),
    ("PREVISTO_API_KEY", "Previsto's secret key (sk_...)."),
    ("PREVISTO_BASE_URL", "Previsto's base URL (default https://api.previsto.io)."),
    ("PORTAL_BASE_URL", "Your customer portal installation's base URL (required for the portal)."),
    ("PORTAL_AUTHORIZATION", "The portal's Authorization header value."),
    ("HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY", "The proxy, as curl reads them (never for 127.0.0.1)."),
    (
        "RUST_LOG",
        "What the crates log to stderr, time-stamped (RFC 3339). Default: the sync's warnings (contacts_sync=warn). warn adds each failed call, info the sync's plan and report, debug each request (previsto=debug for one crate). Keep ureq=warn: its trace records hold whole requests.",
    ),
];

/// The page: name, synopsis, description and options of `contacts`, then a section per
/// subcommand (nested ones included), ENVIRONMENT and EXIT STATUS.
pub(crate) fn page(cmd: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut cmd = cmd;
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        command(&mut out, &format!("contacts {}", sub.get_name()), sub)?;
    }
    writeln!(out, ".SH ENVIRONMENT")?;
    for (name, what) in ENVIRONMENT {
        writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(name), roff(what))?;
    }
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    // The table only: the logging paragraph after it is in ENVIRONMENT (RUST_LOG).
    for line in crate::failure::EXIT_CODES.lines().skip(1).take_while(|l| !l.trim().is_empty()) {
        let line = line.trim();
        if let Some((code, meaning)) = line.split_once(char::is_whitespace) {
            writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(code), roff(meaning.trim()))?;
        }
    }
    writeln!(
        out,
        ".SH \"SEE ALSO\"\nThe README of contacts-rs: the nightly sync job, the sandbox, each provider's assumptions."
    )?;
    Ok(out)
}

fn command(out: &mut Vec<u8>, path: &str, cmd: &clap::Command) -> std::io::Result<()> {
    writeln!(out, ".SS \"{}\"", roff(path))?;
    if let Some(about) = cmd.get_long_about().or_else(|| cmd.get_about()) {
        writeln!(out, "{}", roff(&about.to_string()))?;
    }
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set() && !a.is_global_set()) {
        let name = match (arg.get_short(), arg.get_long()) {
            (Some(s), Some(l)) => format!("-{s}, --{l}"),
            (None, Some(l)) => format!("--{l}"),
            (Some(s), None) => format!("-{s}"),
            (None, None) => format!("<{}>", arg.get_id()),
        };
        let value = arg
            .get_value_names()
            .filter(|_| arg.get_long().is_some() && arg.get_num_args().is_none_or(|n| n.takes_values()))
            .map(|v| format!(" <{}>", v.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")))
            .unwrap_or_default();
        let help = arg.get_long_help().or_else(|| arg.get_help()).map(ToString::to_string).unwrap_or_default();
        writeln!(out, ".TP\n\\fB{}\\fR{}\n{}", roff(&name), roff(&value), roff(&help))?;
    }
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        command(out, &format!("{path} {}", sub.get_name()), sub)?;
    }
    Ok(())
}

/// Text made safe for roff: backslashes doubled, a leading `.` or `'` escaped.
fn roff(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\\\");
            if l.starts_with('.') || l.starts_with('\'') { format!("\\&{l}") } else { l }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
