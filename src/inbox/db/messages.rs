//! Messages: stored once per submission under the hourly limit, listed
//! for the owner, marked read.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::outbox::{ChannelRef, Delivery, deliveries, queue_deliveries};

/// The rolling window of the message limit.
pub const LIMIT_WINDOW_SECS: i64 = 3600;

/// A message as it is stored (already sanitised and checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub submission_id: String,
    pub received_at: i64,
    pub name: String,
    pub contact: String,
    pub body: String,
    /// Keyed hash of the client address.
    pub visitor: String,
    pub key_fingerprint: Option<String>,
}

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Stored now, with this id.
    New(i64),
    /// This submission was stored before (a second press, a retry).
    Duplicate(i64),
    /// Over the limit; the visitor may write again in this many seconds.
    Limited { retry_after_secs: i64 },
}

impl Stored {
    /// What the visitor is told; a new message is logged (by id, never
    /// its text) and counted in `stored`.
    pub fn answer(self, stored: &tokio::sync::watch::Sender<u64>) -> crate::inbox::SubmitResult {
        use crate::inbox::SubmitResult;
        match self {
            Stored::New(id) => {
                tracing::info!(id, "message received");
                crate::telemetry::message_stored();
                stored.send_modify(|n| *n += 1);
                SubmitResult::Sent
            }
            Stored::Duplicate(_) => SubmitResult::Sent,
            Stored::Limited { retry_after_secs } => SubmitResult::Limited(
                std::time::Duration::from_secs(retry_after_secs.max(1) as u64),
            ),
        }
    }
}

/// Stores a message unless its visitor (address, and key if any) already
/// sent `per_hour` in the last hour. One immediate transaction, so the
/// limit holds across processes; the UNIQUE submission id makes a retry
/// store nothing new.
/// A new message also gets one pending delivery per channel in
/// `channels`, in the same transaction: stored means notified, in time.
pub fn insert_message(
    conn: &mut Connection,
    msg: &NewMessage,
    per_hour: u32,
    channels: &[ChannelRef],
) -> rusqlite::Result<Stored> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM messages WHERE submission_id = ?1",
            [&msg.submission_id],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(Stored::Duplicate(id));
    }
    let since = msg.received_at - LIMIT_WINDOW_SECS;
    let mut retry_after = 0;
    let mut check = |column: &str, value: &str| -> rusqlite::Result<()> {
        let (count, oldest): (u32, Option<i64>) = tx.query_row(
            &format!("SELECT COUNT(*), MIN(received_at) FROM messages WHERE {column} = ?1 AND received_at > ?2"),
            params![value, since],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        if count >= per_hour {
            let wait = oldest.map_or(LIMIT_WINDOW_SECS, |t| {
                t + LIMIT_WINDOW_SECS - msg.received_at
            });
            retry_after = retry_after.max(wait.max(1));
        }
        Ok(())
    };
    check("visitor", &msg.visitor)?;
    if let Some(key) = &msg.key_fingerprint {
        check("key_fingerprint", key)?;
    }
    if retry_after > 0 {
        return Ok(Stored::Limited {
            retry_after_secs: retry_after,
        });
    }
    tx.execute(
        "INSERT INTO messages (submission_id, received_at, name, contact, body, visitor, key_fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            msg.submission_id,
            msg.received_at,
            msg.name,
            msg.contact,
            msg.body,
            msg.visitor,
            msg.key_fingerprint
        ],
    )?;
    let id = tx.last_insert_rowid();
    queue_deliveries(&tx, id, msg.received_at, channels)?;
    tx.commit()?;
    Ok(Stored::New(id))
}

/// A stored message, for the owner.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    pub id: i64,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub name: String,
    pub contact: String,
    pub message: String,
    pub key_fingerprint: Option<String>,
    pub read: bool,
    /// Where its notifications went, channel by channel.
    pub deliveries: Vec<Delivery>,
}

/// Messages, newest first, with their deliveries.
pub fn list_messages(conn: &Connection, unread_only: bool) -> rusqlite::Result<Vec<Message>> {
    let mut stmt = conn.prepare(
        "SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', received_at, 'unixepoch'), name, contact, body,
                key_fingerprint, read_at IS NOT NULL
         FROM messages WHERE (?1 = 0 OR read_at IS NULL)
         ORDER BY received_at DESC, id DESC",
    )?;
    let rows = stmt.query_map([unread_only], |row| {
        Ok(Message {
            id: row.get(0)?,
            received_at: row.get(1)?,
            name: row.get(2)?,
            contact: row.get(3)?,
            message: row.get(4)?,
            key_fingerprint: row.get(5)?,
            read: row.get(6)?,
            deliveries: Vec::new(),
        })
    })?;
    let mut list: Vec<Message> = rows.collect::<rusqlite::Result<_>>()?;
    let mut by_message: std::collections::HashMap<i64, Vec<Delivery>> = Default::default();
    for delivery in deliveries(conn)? {
        by_message
            .entry(delivery.message_id)
            .or_default()
            .push(delivery);
    }
    for message in &mut list {
        message.deliveries = by_message.remove(&message.id).unwrap_or_default();
    }
    Ok(list)
}

/// Marks one message (or all) read; how many changed.
pub fn mark_read(conn: &Connection, id: Option<i64>, now: i64) -> rusqlite::Result<usize> {
    match id {
        Some(id) => conn.execute(
            "UPDATE messages SET read_at = ?1 WHERE id = ?2 AND read_at IS NULL",
            params![now, id],
        ),
        None => conn.execute(
            "UPDATE messages SET read_at = ?1 WHERE read_at IS NULL",
            [now],
        ),
    }
}

/// Marks one message unread again; how many changed (0 or 1).
pub fn mark_unread(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE messages SET read_at = NULL WHERE id = ?1 AND read_at IS NOT NULL",
        [id],
    )
}

/// Deletes a message and its deliveries in one transaction; whether it
/// was there.
pub fn delete_message(conn: &mut Connection, id: i64) -> rusqlite::Result<bool> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM deliveries WHERE message_id = ?1", [id])?;
    let deleted = tx.execute("DELETE FROM messages WHERE id = ?1", [id])?;
    tx.commit()?;
    Ok(deleted == 1)
}

/// Whether a message with this id exists.
pub fn message_exists(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM messages WHERE id = ?1)",
        [id],
        |row| row.get(0),
    )
}

/// Messages received since `since`.
pub fn messages_since(conn: &Connection, since: i64) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COUNT(*) FROM messages WHERE received_at >= ?1",
        [since],
        |row| row.get(0),
    )
}
