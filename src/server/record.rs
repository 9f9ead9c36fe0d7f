//! What one connection leaves behind for its closing log line: filled in
//! by the SSH handler (client, user) and the session (terminal, size, how
//! it ended), read once by the server when the connection closes. Written
//! a handful of times per connection, so a plain mutex is enough.

use std::sync::{Arc, Mutex};

use crate::term::size::Size;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The client's SSH version string.
    pub client: String,
    pub user: String,
    pub term: String,
    pub size: Option<Size>,
    /// How the session ended, when it did.
    pub ended: Option<&'static str>,
}

/// A record shared between a connection's parts.
pub type Shared = Arc<Mutex<Record>>;

/// Applies `f` to the record (a poisoned lock still holds usable data).
pub fn update(record: &Shared, f: impl FnOnce(&mut Record)) {
    f(&mut record.lock().unwrap_or_else(|e| e.into_inner()));
}

pub fn read(record: &Shared) -> Record {
    record.lock().unwrap_or_else(|e| e.into_inner()).clone()
}
