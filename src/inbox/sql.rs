//! The inbox's statements, written once for both databases: standard SQL
//! with `$1`-style parameters, which PostgreSQL takes as they are and
//! SQLite binds by position. Narrow integer columns are cast to 64 bits
//! and times stay Unix seconds, so a row reads the same from either
//! (`model::Columns`). What only one database
//! can say (PostgreSQL's `SKIP LOCKED` claims and advisory locks, its
//! bulk insert; the schemas) lives with that backend.

/// A message's columns, in the order `Message::from_columns` reads.
macro_rules! message_columns {
    () => {
        "id, submission_id, received_at, name, contact, body, visitor, key_fingerprint, read_at"
    };
}

/// A delivery's columns, in the order `Delivery::from_columns` reads.
macro_rules! delivery_columns {
    () => {
        "id, message_id, channel_key, channel, state, CAST(attempts AS BIGINT), created_at, \
         next_attempt_at, last_error, done_at"
    };
}

pub const MESSAGE_COLUMNS: &str = message_columns!();
pub const DELIVERY_COLUMNS: &str = delivery_columns!();

/// A visit's stored columns, in the order backends bind them.
pub const VISIT_COLUMNS: &str =
    "started_at, duration_ms, visitor, client, term, cols, rows, sections, left_message, kind";

/// The message a submission id already stored, if any.
pub const FIND_SUBMISSION: &str = "SELECT id FROM messages WHERE submission_id = $1";

/// A visitor's messages in the window, and the oldest one's time: by
/// address hash, then by key.
pub const COUNT_BY_VISITOR: &str =
    "SELECT COUNT(*), MIN(received_at) FROM messages WHERE visitor = $1 AND received_at > $2";
pub const COUNT_BY_KEY: &str = "SELECT COUNT(*), MIN(received_at) FROM messages \
     WHERE key_fingerprint = $1 AND received_at > $2";

pub const INSERT_MESSAGE: &str = "INSERT INTO messages \
     (submission_id, received_at, name, contact, body, visitor, key_fingerprint) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";

/// One pending delivery of message `$1` to a channel (key, label), due at
/// once.
pub const QUEUE_DELIVERY: &str = "INSERT INTO deliveries \
     (message_id, channel_key, channel, state, created_at, next_attempt_at) \
     VALUES ($1, $2, $3, 'pending', $4, $4)";

pub const LIST_MESSAGES: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages ORDER BY received_at DESC, id DESC"
);
pub const LIST_UNREAD: &str = concat!(
    "SELECT ",
    message_columns!(),
    " FROM messages WHERE read_at IS NULL ORDER BY received_at DESC, id DESC"
);
pub const LIST_DELIVERIES: &str = concat!(
    "SELECT ",
    delivery_columns!(),
    " FROM deliveries ORDER BY message_id, channel, id"
);

pub const MARK_READ: &str = "UPDATE messages SET read_at = $1 WHERE id = $2 AND read_at IS NULL";
pub const MARK_ALL_READ: &str = "UPDATE messages SET read_at = $1 WHERE read_at IS NULL";
pub const MARK_UNREAD: &str =
    "UPDATE messages SET read_at = NULL WHERE id = $1 AND read_at IS NOT NULL";
pub const DELETE_DELIVERIES: &str = "DELETE FROM deliveries WHERE message_id = $1";
pub const DELETE_MESSAGE: &str = "DELETE FROM messages WHERE id = $1";
pub const COUNT_MESSAGE: &str = "SELECT COUNT(*) FROM messages WHERE id = $1";
pub const MESSAGES_SINCE: &str = "SELECT COUNT(*) FROM messages WHERE received_at >= $1";

/// When channel `$1`'s next pending delivery may be tried: when it is due,
/// or when its lease runs out if that is later.
pub const NEXT_DUE: &str = "SELECT MIN(CASE WHEN leased_until > next_attempt_at \
     THEN leased_until ELSE next_attempt_at END) FROM deliveries \
     WHERE channel_key = $1 AND state = 'pending'";

/// How an attempt at delivery `$1`, made at `$2`, went; each lifts the
/// lease.
pub const DELIVERED: &str = "UPDATE deliveries SET state = 'delivered', \
     attempts = attempts + 1, done_at = $2, leased_until = NULL, last_error = NULL WHERE id = $1";
pub const RETRY: &str = "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = $2, \
     last_error = $3, leased_until = NULL WHERE id = $1";
pub const FAILED: &str = "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, \
     done_at = $2, last_error = $3, leased_until = NULL WHERE id = $1";

/// Message `$1`'s failed deliveries queued again at `$2`, as if new.
pub const REDELIVER: &str = "UPDATE deliveries SET state = 'pending', attempts = 0, \
     created_at = $2, next_attempt_at = $2, leased_until = NULL, done_at = NULL \
     WHERE message_id = $1 AND state = 'failed'";

/// Per channel: deliveries pending and failed (channels with neither
/// left out).
pub const BACKLOG: &str = "SELECT channel, COUNT(CASE WHEN state = 'pending' THEN 1 END), \
     COUNT(CASE WHEN state = 'failed' THEN 1 END) FROM deliveries \
     WHERE state <> 'delivered' GROUP BY channel ORDER BY channel";

/// Up to `$2` visits that started before `$1`, oldest first: small
/// batches keep each transaction short beside a running server.
pub const PRUNE_VISITS: &str = "DELETE FROM visits WHERE id IN \
     (SELECT id FROM visits WHERE started_at < $1 ORDER BY started_at LIMIT $2)";
