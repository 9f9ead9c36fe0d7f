//! The notification outbox: one delivery row per message per channel,
//! written in the message's own transaction. A channel's worker claims
//! the deliveries that are due (a lease keeps others off them while it
//! tries), and records each attempt: delivered, retry at a time, or
//! failed. The owner lists them and can queue failed ones again.

use rusqlite::{Connection, Transaction, params};

/// A channel as the outbox knows it: a stable key (a hash of its URL, so
/// no secret is stored) and what the owner sees (scheme and host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRef {
    pub key: String,
    pub label: String,
}

/// Queues a pending delivery of message `id` to each channel.
pub fn queue_deliveries(
    tx: &Transaction,
    id: i64,
    now: i64,
    channels: &[ChannelRef],
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO deliveries (message_id, channel_key, channel, state, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?4)",
    )?;
    for channel in channels {
        insert.execute(params![id, channel.key, channel.label, now])?;
    }
    Ok(())
}

/// What a notification says: the message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub received_at: i64,
    pub name: String,
    pub contact: String,
    pub body: String,
    pub key_fingerprint: Option<String>,
}

/// A delivery that is due, claimed for one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub id: i64,
    /// Attempts made before this one.
    pub attempts: u32,
    pub created_at: i64,
    pub message: OutboxMessage,
}

/// Claims up to `limit` deliveries of a channel that are due at `now` and
/// not leased by another worker, leasing them until `lease_until`.
pub fn claim_deliveries(
    conn: &mut Connection,
    channel_key: &str,
    now: i64,
    lease_until: i64,
    limit: u32,
) -> rusqlite::Result<Vec<Due>> {
    let tx = conn.transaction()?;
    let due = {
        let mut select = tx.prepare_cached(
            "SELECT d.id, d.attempts, d.created_at, m.id, m.received_at, m.name, m.contact, m.body,
                    m.key_fingerprint
             FROM deliveries d JOIN messages m ON m.id = d.message_id
             WHERE d.channel_key = ?1 AND d.state = 'pending' AND d.next_attempt_at <= ?2
               AND (d.leased_until IS NULL OR d.leased_until <= ?2)
             ORDER BY d.next_attempt_at, d.id LIMIT ?3",
        )?;
        let rows = select.query_map(params![channel_key, now, limit], |row| {
            Ok(Due {
                id: row.get(0)?,
                attempts: row.get(1)?,
                created_at: row.get(2)?,
                message: OutboxMessage {
                    id: row.get(3)?,
                    received_at: row.get(4)?,
                    name: row.get(5)?,
                    contact: row.get(6)?,
                    body: row.get(7)?,
                    key_fingerprint: row.get(8)?,
                },
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    {
        let mut lease =
            tx.prepare_cached("UPDATE deliveries SET leased_until = ?1 WHERE id = ?2")?;
        for d in &due {
            lease.execute(params![lease_until, d.id])?;
        }
    }
    tx.commit()?;
    Ok(due)
}

/// When the channel's next pending delivery is due, if it has one.
pub fn next_due(conn: &Connection, channel_key: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(MAX(next_attempt_at, COALESCE(leased_until, 0))) FROM deliveries
         WHERE channel_key = ?1 AND state = 'pending'",
        [channel_key],
        |row| row.get(0),
    )
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// Try again at this time.
    Retry {
        at: i64,
        error: String,
    },
    /// No more tries.
    Failed {
        error: String,
    },
}

/// Records an attempt at delivery `id`, made at `now`, and lifts its lease.
pub fn record_attempt(
    conn: &Connection,
    id: i64,
    now: i64,
    attempt: &Attempt,
) -> rusqlite::Result<()> {
    match attempt {
        Attempt::Delivered => conn.execute(
            "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, done_at = ?2,
                    leased_until = NULL, last_error = NULL
             WHERE id = ?1",
            params![id, now],
        ),
        Attempt::Retry { at, error } => conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3,
                    leased_until = NULL
             WHERE id = ?1",
            params![id, at, error],
        ),
        Attempt::Failed { error } => conn.execute(
            "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, done_at = ?2,
                    last_error = ?3, leased_until = NULL
             WHERE id = ?1",
            params![id, now, error],
        ),
    }
    .map(|_| ())
}

/// A delivery as the owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    #[serde(skip)]
    pub message_id: i64,
    pub channel: String,
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// When the next attempt is due (pending deliveries), unix seconds.
    #[serde(skip)]
    pub next_attempt_at: i64,
}

/// Every delivery, by message then channel.
pub fn deliveries(conn: &Connection) -> rusqlite::Result<Vec<Delivery>> {
    let mut stmt = conn.prepare(
        "SELECT message_id, channel, state, attempts, last_error, next_attempt_at
         FROM deliveries ORDER BY message_id, channel, id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok(Delivery {
            message_id: row.get(0)?,
            channel: row.get(1)?,
            state: row.get(2)?,
            attempts: row.get(3)?,
            last_error: row.get(4)?,
            next_attempt_at: row.get(5)?,
        })
    })?;
    rows.collect()
}

/// Queues the failed deliveries of message `id` again, as if new; how
/// many.
pub fn redeliver(conn: &Connection, id: i64, now: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE deliveries SET state = 'pending', attempts = 0, created_at = ?2,
                next_attempt_at = ?2, leased_until = NULL, done_at = NULL
         WHERE message_id = ?1 AND state = 'failed'",
        params![id, now],
    )
}

/// Deliveries not yet made, by channel: (channel, pending, failed),
/// channels with neither left out.
pub fn backlog(conn: &Connection) -> rusqlite::Result<Vec<(String, u64, u64)>> {
    let mut stmt = conn.prepare(
        "SELECT channel, SUM(state = 'pending'), SUM(state = 'failed') FROM deliveries
         WHERE state != 'delivered' GROUP BY channel ORDER BY channel",
    )?;
    let rows = stmt.query_map([], |row| {
        let count = |i| row.get::<_, i64>(i).map(|n| n.max(0) as u64);
        Ok((row.get(0)?, count(1)?, count(2)?))
    })?;
    rows.collect()
}
