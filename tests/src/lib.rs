//! Cross-crate tests for contacts-rs live in `tests/tests/`; this library is empty on purpose.
