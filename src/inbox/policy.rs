//! What the inbox allows, keeps and promises, written once for both
//! stores: the hourly limit's window and its verdict, what a message must
//! be to be stored (sanitised, within the field limits), how long a
//! visitor or a worker waits for the database, how visits are queued and
//! batched, how long they are kept and how they are pruned, and how
//! often trouble is retried.

use std::time::Duration;

use super::model::{ChannelRef, Message, Visit};
use crate::message::{MAX_CONTACT, MAX_MESSAGE, MAX_NAME};
use crate::sanitize;

/// What the inbox allows, keeps and notifies (from `serve`'s flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Messages per visitor (address, and key) per rolling hour.
    pub messages_per_hour: u32,
    /// Visits older than this many days are deleted; 0 keeps them all.
    pub visits_retention_days: u32,
    /// The channels each new message is to be delivered to.
    pub channels: Vec<ChannelRef>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            messages_per_hour: 5,
            visits_retention_days: 400,
            channels: Vec::new(),
        }
    }
}

impl Policy {
    /// How long visits are kept; `None` keeps them all.
    pub fn retention(&self) -> Option<Duration> {
        (self.visits_retention_days > 0)
            .then(|| Duration::from_secs(u64::from(self.visits_retention_days) * 86_400))
    }
}

/// The rolling window of the message limit.
pub const LIMIT_WINDOW_SECS: i64 = 3600;

/// Longest a visitor waits for Send: the form answers within 10 s, with
/// room for a loaded machine. Longer than a connection attempt (5 s).
pub const SUBMIT_TIMEOUT: Duration = Duration::from_secs(6);

/// Longest a worker's claim or record, or a batch of visits, may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Visits waiting to be written: room for thousands of sessions ending
/// at once; beyond it a visit is dropped (and counted).
pub const VISIT_QUEUE: usize = 8192;

/// Most visits written in one go.
pub const VISIT_BATCH: usize = 1000;

/// Backoff between attempts to reach the database.
pub const RETRY_FIRST: Duration = Duration::from_secs(1);
pub const RETRY_MAX: Duration = Duration::from_secs(30);

/// How often old visits are looked for (the first look a minute after
/// start), and how many go per statement: each is over in milliseconds,
/// so messages never wait behind a long delete.
pub const PRUNE_FIRST: Duration = Duration::from_secs(60);
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);
pub const PRUNE_BATCH: u32 = 500;

/// The hourly limit: how long until the visitor may write again, when
/// one of their counts in the window (by address, by key: `(messages,
/// the oldest one's time)`) has reached `per_hour` at `received_at`.
pub fn retry_after(counts: &[(i64, Option<i64>)], per_hour: u32, received_at: i64) -> Option<i64> {
    counts
        .iter()
        .filter(|(count, _)| *count >= i64::from(per_hour))
        .map(|(_, oldest)| {
            oldest
                .map_or(LIMIT_WINDOW_SECS, |t| t + LIMIT_WINDOW_SECS - received_at)
                .max(1)
        })
        .max()
}

/// The message as it may be stored — sanitised, within the field limits,
/// received now — or `None`. Field limits are enforced here too, whatever
/// the form did.
pub fn checked(m: &Message, now: i64) -> Option<Message> {
    let name = sanitize::clean(&m.name, sanitize::ONE_LINE)
        .trim()
        .to_string();
    let contact = sanitize::clean(&m.contact, sanitize::ONE_LINE)
        .trim()
        .to_string();
    let body = sanitize::clean(&m.body, sanitize::STORED)
        .trim()
        .to_string();
    let id_ok = !m.submission_id.is_empty()
        && m.submission_id.len() <= 64
        && m.submission_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let fits = |text: &str, max: usize| text.chars().count() <= max;
    let valid = id_ok
        && !name.is_empty()
        && !body.is_empty()
        && fits(&name, MAX_NAME)
        && fits(&contact, MAX_CONTACT)
        && fits(&body, MAX_MESSAGE);
    valid.then(|| Message {
        submission_id: m.submission_id.clone(),
        received_at: now,
        name,
        contact,
        body,
        peer: m.peer,
        key_fingerprint: m.key_fingerprint.as_deref().map(|k| short(k, 100)),
        ..Message::default()
    })
}

/// A finished session as it may be stored: its text cleaned and cut.
pub fn checked_visit(v: Visit) -> Visit {
    Visit {
        client: short(&v.client, 100),
        term: short(&v.term, 40),
        ..v
    }
}

/// Untrusted one-line text, cleaned and cut to `max` characters.
fn short(text: &str, max: usize) -> String {
    sanitize::clean(text, sanitize::ONE_LINE)
        .chars()
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_says_when_the_oldest_leaves_the_window() {
        // Five in the window, the first at t0: free an hour after it.
        let t0 = 1_000_000;
        assert_eq!(retry_after(&[(5, Some(t0))], 5, t0 + 600), Some(3000));
        assert_eq!(retry_after(&[(4, Some(t0))], 5, t0 + 600), None);
        // The longer of the two waits, by address and by key.
        assert_eq!(
            retry_after(&[(5, Some(t0)), (3, Some(t0 + 100))], 3, t0 + 600),
            Some(3100)
        );
        assert_eq!(retry_after(&[(9, Some(t0 - 3600))], 5, t0), Some(1));
    }
}
