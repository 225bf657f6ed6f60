//! Standard output for a Unix tool: a closed pipe ends the program quietly with success (as
//! `ls | head` does), JSON is one object per line for lists.

use std::io::{self, IsTerminal, Write};

use contacts_core::{Contact, Error};

/// Standard output, written line by line.
pub(crate) struct Out {
    terminal: bool,
}

impl Out {
    pub(crate) fn stdout() -> Out {
        Out { terminal: io::stdout().is_terminal() }
    }

    /// Writes `bytes`; a closed pipe (the reader went away) ends the program with success.
    pub(crate) fn write_bytes(&self, bytes: &[u8]) {
        let mut stdout = io::stdout().lock();
        if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            if e.kind() == io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("error: writing to standard output: {e}");
            std::process::exit(10);
        }
    }

    pub(crate) fn print(&self, text: &str) {
        self.write_bytes(text.as_bytes());
    }

    /// One JSON value: pretty on a terminal, one line in a pipe. Keys in the order the type
    /// declares them, as `list --json` prints them.
    pub(crate) fn json(&self, value: &impl serde::Serialize) {
        let text = if self.terminal { serde_json::to_string_pretty(value) } else { serde_json::to_string(value) };
        self.print(&format!("{}\n", json_safe(text.unwrap_or_default())));
    }

    /// One contact, as JSON or as a small table.
    pub(crate) fn contact(&self, c: &Contact, json: bool) {
        if json {
            self.json(c);
            return;
        }
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
        table.set_header(HEADER);
        table.add_row(row(c));
        self.print(&format!("{table}\n"));
        if !c.dropped.is_empty() {
            let dropped: Vec<&str> = c.dropped.iter().map(|f| f.name()).collect();
            eprintln!("dropped (lossy): {}", dropped.join(", "));
        }
    }
}

/// JSON text with every character a terminal acts on written as a `\uXXXX` escape: serde_json
/// escapes the C0 controls (ESC, BEL) itself, but not C1 controls (U+0080–U+009F), bidi
/// controls or the line and paragraph separators, which a terminal or an editor acts on. The
/// escapes are the same JSON value, so nothing is lost: a reader gets the provider's text.
pub(crate) fn json_safe(text: String) -> String {
    fn acts(c: char) -> bool {
        matches!(c, '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}')
    }
    if !text.chars().any(acts) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acts(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

const HEADER: [&str; 6] = ["id", "name", "email", "phone", "address", "tax id"];

/// A contact's cells, each escaped as everything from a server is where it is printed
/// (control and bidi characters as `\u{…}`, so no value can move the cursor, set a window
/// title or break a tab-separated line).
fn row(c: &Contact) -> [String; 6] {
    let address = c.address.as_ref().map(|a| {
        [&a.street, &a.postal_code, &a.city, &a.country].into_iter().flatten().cloned().collect::<Vec<_>>().join(", ")
    });
    let e = |s: &str| contacts_core::escaped(s).to_string();
    [
        e(&c.id),
        e(&c.name),
        e(c.email.as_deref().unwrap_or_default()),
        e(c.phone.as_deref().unwrap_or_default()),
        e(&address.unwrap_or_default()),
        e(c.tax_id.as_deref().unwrap_or_default()),
    ]
}

/// Every contact as it arrives: JSON lines, or tab-separated lines under a header; memory
/// stays flat whatever the count. A spinner on stderr when it is a terminal.
pub(crate) fn stream(
    out: &Out,
    contacts: impl Iterator<Item = Result<Contact, Error>>,
    json: bool,
) -> Result<(), Error> {
    let bar = crate::export::spinner("listed");
    let header = || out.print(&format!("{}\n", HEADER.join("\t")));
    let mut n = 0u64;
    for contact in contacts {
        let contact = contact?;
        if n == 0 && !json {
            header();
        }
        let line = if json {
            json_safe(serde_json::to_string(&contact).unwrap_or_default())
        } else {
            row(&contact).join("\t")
        };
        out.print(&format!("{line}\n"));
        n += 1;
        if n.is_multiple_of(256) {
            bar.set_position(n);
        }
    }
    bar.finish_and_clear();
    if n == 0 && !json {
        header();
    }
    if !json && out.terminal {
        eprintln!("{n} {}", if n == 1 { "contact" } else { "contacts" });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::json_safe;

    #[test]
    fn json_safe_escapes_what_a_terminal_acts_on_and_keeps_the_value() {
        let name = "Anna\u{1b}]0;x\u{7}\u{9b}2J\u{202e}\u{2028}";
        let text = json_safe(serde_json::to_string(&serde_json::json!({ "name": name })).unwrap_or_default());
        assert!(!text.chars().any(|c| c.is_control() || ('\u{2000}'..='\u{206f}').contains(&c)), "{text:?}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back["name"], name);
    }
}
