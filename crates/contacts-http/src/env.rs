//! Reading a client's settings from the environment, the same way in every provider crate.

use contacts_core::{Error, Result};

/// The value of the environment variable `name`.
///
/// # Errors
/// [`Error::Config`] saying `name` is not set, when it is missing, empty or not Unicode.
pub fn required(name: &str) -> Result<String> {
    optional(name).ok_or_else(|| Error::config(format!("{name} is not set")))
}

/// The value of the environment variable `name`, when it is set and not empty.
pub fn optional(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
