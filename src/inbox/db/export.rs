//! Everything in the SQLite inbox, read out for `sshfolio migrate`:
//! messages with their read state, every delivery, and visits a chunk at
//! a time (a large table is never held in memory at once).

use rusqlite::{Connection, params};

use super::{NewMessage, VisitRow};

/// A stored message as it is copied: its id here, and when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: i64,
    pub message: NewMessage,
    pub read_at: Option<i64>,
}

/// A delivery row as it is copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub message_id: i64,
    pub channel_key: String,
    pub channel: String,
    pub state: String,
    pub attempts: u32,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub done_at: Option<i64>,
}

pub fn all_messages(conn: &Connection) -> rusqlite::Result<Vec<StoredMessage>> {
    let mut stmt = conn.prepare(
        "SELECT id, submission_id, received_at, name, contact, body, visitor, key_fingerprint,
                read_at
         FROM messages ORDER BY id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(StoredMessage {
            id: row.get(0)?,
            message: NewMessage {
                submission_id: row.get(1)?,
                received_at: row.get(2)?,
                name: row.get(3)?,
                contact: row.get(4)?,
                body: row.get(5)?,
                visitor: row.get(6)?,
                key_fingerprint: row.get(7)?,
            },
            read_at: row.get(8)?,
        })
    })?;
    rows.collect()
}

pub fn all_deliveries(conn: &Connection) -> rusqlite::Result<Vec<DeliveryRow>> {
    let mut stmt = conn.prepare(
        "SELECT message_id, channel_key, channel, state, attempts, created_at, next_attempt_at,
                last_error, done_at
         FROM deliveries ORDER BY id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(DeliveryRow {
            message_id: row.get(0)?,
            channel_key: row.get(1)?,
            channel: row.get(2)?,
            state: row.get(3)?,
            attempts: row.get(4)?,
            created_at: row.get(5)?,
            next_attempt_at: row.get(6)?,
            last_error: row.get(7)?,
            done_at: row.get(8)?,
        })
    })?;
    rows.collect()
}

/// Up to `limit` visits with ids above `after`, in id order, with their ids.
pub fn visits_after(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> rusqlite::Result<Vec<(i64, VisitRow)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, started_at, duration_ms, visitor, client, term, cols, rows, sections,
                left_message, kind
         FROM visits WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |row| {
        Ok((
            row.get(0)?,
            VisitRow {
                started_at: row.get(1)?,
                duration_ms: row.get(2)?,
                visitor: row.get(3)?,
                client: row.get(4)?,
                term: row.get(5)?,
                cols: row.get(6)?,
                rows: row.get(7)?,
                sections: row.get(8)?,
                left_message: row.get(9)?,
                kind: row.get(10)?,
            },
        ))
    })?;
    rows.collect()
}
