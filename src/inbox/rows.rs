//! What the inbox writes, made from what sessions hand it — the same for
//! both stores: a submission checked against the limits and sanitised
//! into a [`NewMessage`], a finished session into a [`VisitRow`] with its
//! address replaced by the keyed hash.

use std::time::{SystemTime, UNIX_EPOCH};

use super::db::{NewMessage, VisitRow};
use super::{Submission, Visit, visitor_key};
// Field limits are enforced here too, whatever the UI did.
use crate::message::{MAX_CONTACT, MAX_MESSAGE, MAX_NAME};
use crate::sanitize;

/// The submission sanitised and within limits, or `None`. `visitor` is
/// left empty: the store hashes the address with its key.
pub(crate) fn checked(s: &Submission) -> Option<NewMessage> {
    let name = sanitize::clean(&s.name, sanitize::ONE_LINE)
        .trim()
        .to_string();
    let contact = sanitize::clean(&s.contact, sanitize::ONE_LINE)
        .trim()
        .to_string();
    let body = sanitize::clean(&s.message, sanitize::STORED)
        .trim()
        .to_string();
    let id_ok = !s.submission_id.is_empty()
        && s.submission_id.len() <= 64
        && s.submission_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let fits = |text: &str, max: usize| text.chars().count() <= max;
    let valid = id_ok
        && !name.is_empty()
        && !body.is_empty()
        && fits(&name, MAX_NAME)
        && fits(&contact, MAX_CONTACT)
        && fits(&body, MAX_MESSAGE);
    valid.then(|| NewMessage {
        submission_id: s.submission_id.clone(),
        received_at: unix(SystemTime::now()),
        name,
        contact,
        body,
        visitor: String::new(),
        key_fingerprint: s.key_fingerprint.as_deref().map(|k| short(k, 100)),
    })
}

/// A finished session as a row, its address hashed under `key`.
pub(crate) fn visit_row(key: &[u8; 32], v: &Visit) -> VisitRow {
    VisitRow {
        started_at: unix(v.started),
        duration_ms: v.duration.as_millis().min(i64::MAX as u128) as i64,
        visitor: visitor_key::hash(key, v.peer),
        client: short(&v.client, 100),
        term: short(&v.term, 40),
        cols: v.cols,
        rows: v.rows,
        sections: v.sections.join(","),
        left_message: v.left_message,
        kind: v.kind.label(),
    }
}

/// Seconds since the epoch (0 before it).
pub(crate) fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().min(i64::MAX as u64) as i64)
}

/// Untrusted one-line text, cleaned and cut to `max` characters.
fn short(text: &str, max: usize) -> String {
    sanitize::clean(text, sanitize::ONE_LINE)
        .chars()
        .take(max)
        .collect()
}
