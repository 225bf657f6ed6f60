//! Reading a client's settings from the environment, the same way in every provider crate —
//! from the process's environment, or from any lookup of names to values (a program's own
//! configuration, an in-process sandbox's `Sandbox::env()`), with no `set_var`.

use contacts_core::{Error, Result};

/// A lookup of a setting by its variable name.
pub type Vars<'v> = &'v dyn Fn(&str) -> Option<String>;

/// The process's environment, as a [`Vars`] lookup.
pub fn process(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The value of `name` in `vars`.
///
/// # Errors
/// [`Error::Config`] saying `name` is not set, when it is missing or empty.
pub fn required_in(vars: Vars<'_>, name: &str) -> Result<String> {
    optional_in(vars, name).ok_or_else(|| Error::config(format!("{name} is not set")))
}

/// The value of `name` in `vars`, when it is set and not empty.
pub fn optional_in(vars: Vars<'_>, name: &str) -> Option<String> {
    vars(name).filter(|v| !v.is_empty())
}

/// The value of the environment variable `name`.
///
/// # Errors
/// [`Error::Config`] saying `name` is not set, when it is missing, empty or not Unicode.
pub fn required(name: &str) -> Result<String> {
    required_in(&process, name)
}

/// The value of the environment variable `name`, when it is set and not empty.
pub fn optional(name: &str) -> Option<String> {
    optional_in(&process, name)
}
