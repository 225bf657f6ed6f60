//! `contacts <provider> export`: every contact through the lazy iterator, written as it
//! arrives, so memory stays flat whatever the count.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use contacts_core::{Contact, Error};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{Api, Format, ListArgs};

const CSV_HEADER: [&str; 10] =
    ["provider", "id", "name", "email", "phone", "street", "postal_code", "city", "country", "tax_id"];

fn io_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::config(format!("{what}: {e}"))
}

pub(crate) fn run(api: Api<'_>, format: Format, output: Option<&Path>, list: &ListArgs) -> Result<u64, Error> {
    let sink: Box<dyn Write> = match output {
        Some(path) => {
            Box::new(File::create(path).map_err(|e| io_error(&format!("cannot create {}", path.display()), e))?)
        }
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(64 * 1024, sink);
    // indicatif hides the bar by itself when stderr is not a terminal.
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} contacts exported ({per_sec}, {elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let provider = api.provider().name();
    let limit = list.limit.unwrap_or(usize::MAX);
    let mut n = 0u64;
    // Each contact is written as it arrives: the csv writer and the BufWriter hold a few
    // kilobytes at most, so memory stays flat whatever the count.
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(CSV_HEADER).map_err(|e| io_error("csv", e))?;
            for contact in api.list(&list.query()).take(limit) {
                w.write_record(row(provider, &contact?)).map_err(|e| io_error("csv", e))?;
                n += 1;
                tick(&bar, n);
            }
            w.flush().map_err(|e| io_error("write", e))?;
        }
        Format::Jsonl => {
            for contact in api.list(&list.query()).take(limit) {
                serde_json::to_writer(&mut out, &contact?).map_err(|e| io_error("json", e))?;
                out.write_all(b"\n").map_err(|e| io_error("write", e))?;
                n += 1;
                tick(&bar, n);
            }
            out.flush().map_err(|e| io_error("write", e))?;
        }
    }
    bar.set_position(n);
    bar.finish_and_clear();
    if output.is_some() {
        eprintln!("exported {n} contacts");
    }
    Ok(n)
}

fn tick(bar: &ProgressBar, n: u64) {
    if n % 256 == 0 {
        bar.set_position(n);
    }
}

fn row<'a>(provider: &'a str, c: &'a Contact) -> [&'a str; 10] {
    let a = c.address.as_ref();
    let part = |f: fn(&contacts_core::Address) -> &Option<String>| a.and_then(|a| f(a).as_deref()).unwrap_or("");
    [
        provider,
        &c.id,
        &c.name,
        c.email.as_deref().unwrap_or(""),
        c.phone.as_deref().unwrap_or(""),
        part(|a| &a.street),
        part(|a| &a.postal_code),
        part(|a| &a.city),
        part(|a| &a.country),
        c.tax_id.as_deref().unwrap_or(""),
    ]
}
