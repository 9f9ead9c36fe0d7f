//! The SQLite store's operations on a connection, with the inbox's shared
//! statements ([`sql`]): synchronous, so they run only on the store's own
//! thread (writes) or a blocking task (reads), never on the runtime.

use rusqlite::{CachedStatement, Connection, OptionalExtension, Row, TransactionBehavior, params};

use crate::inbox::model::{
    Attempt, Backlog, Change, ChannelRef, Claim, Columns, Delivery, Due, Message, Stored, Visit,
    attach,
};
use crate::inbox::policy::{LIMIT_WINDOW_SECS, retry_after};
use crate::inbox::sql;
use crate::inbox::stats::{self, Dialect, TallyRow};

/// The client's version string without its `SSH-2.0-` prefix.
macro_rules! unprefixed {
    () => {
        "(CASE WHEN substr(client, 1, 8) = 'SSH-2.0-' THEN substr(client, 9) ELSE client END)"
    };
}

/// How SQLite says what the stats query needs: the software is the
/// unprefixed version up to its first space.
const DIALECT: Dialect = Dialect {
    software: concat!(
        "(CASE WHEN instr(",
        unprefixed!(),
        ", ' ') > 0 THEN substr(",
        unprefixed!(),
        ", 1, instr(",
        unprefixed!(),
        ", ' ') - 1) ELSE ",
        unprefixed!(),
        " END)"
    ),
    byte_order: "",
};

/// A statement of the shared SQL, prepared (and cached) for SQLite: its
/// `$N` parameters become `?N`, which SQLite binds by their number (a
/// `$N` it would number in order of appearance).
pub fn stmt<'c>(conn: &'c Connection, sql: &str) -> rusqlite::Result<CachedStatement<'c>> {
    conn.prepare_cached(&sql.replace('$', "?"))
}

impl Columns for Row<'_> {
    fn int(&self, index: usize) -> anyhow::Result<i64> {
        Ok(self.get(index)?)
    }
    fn opt_int(&self, index: usize) -> anyhow::Result<Option<i64>> {
        Ok(self.get(index)?)
    }
    fn text(&self, index: usize) -> anyhow::Result<String> {
        Ok(self.get(index)?)
    }
    fn opt_text(&self, index: usize) -> anyhow::Result<Option<String>> {
        Ok(self.get(index)?)
    }
}

/// Stores `m` unless its visitor (address, and key if any) already sent
/// `per_hour` in the last hour, with a pending delivery per channel. One
/// immediate transaction, so the limit holds across processes; the
/// unique submission id makes a retry store nothing new.
pub fn insert_message(
    conn: &mut Connection,
    m: &Message,
    per_hour: u32,
    channels: &[ChannelRef],
) -> anyhow::Result<Stored> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let existing: Option<i64> = stmt(&tx, sql::FIND_SUBMISSION)?
        .query_row([&m.submission_id], |row| row.get(0))
        .optional()?;
    if let Some(id) = existing {
        return Ok(Stored::Duplicate(id));
    }
    let since = m.received_at - LIMIT_WINDOW_SECS;
    let mut counts = vec![window(&tx, sql::COUNT_BY_VISITOR, &m.visitor, since)?];
    if let Some(key) = &m.key_fingerprint {
        counts.push(window(&tx, sql::COUNT_BY_KEY, key, since)?);
    }
    if let Some(retry_after_secs) = retry_after(&counts, per_hour, m.received_at) {
        return Ok(Stored::Limited { retry_after_secs });
    }
    let id: i64 = stmt(&tx, sql::INSERT_MESSAGE)?.query_row(
        params![
            m.submission_id,
            m.received_at,
            m.name,
            m.contact,
            m.body,
            m.visitor,
            m.key_fingerprint
        ],
        |row| row.get(0),
    )?;
    {
        let mut queue = stmt(&tx, sql::QUEUE_DELIVERY)?;
        for channel in channels {
            queue.execute(params![id, channel.key, channel.label, m.received_at])?;
        }
    }
    tx.commit()?;
    Ok(Stored::New(id))
}

/// A visitor's messages in the window: how many, and the oldest's time.
fn window(
    conn: &Connection,
    query: &str,
    who: &str,
    since: i64,
) -> rusqlite::Result<(i64, Option<i64>)> {
    stmt(conn, query)?.query_row(params![who, since], |row| Ok((row.get(0)?, row.get(1)?)))
}

/// Claims up to `limit` deliveries of a channel that are due at `now` and
/// not leased, leasing them until `lease_until`; and when the next one is
/// due. One transaction: the writer is the only one claiming here.
pub fn claim(
    conn: &mut Connection,
    channel_key: &str,
    now: i64,
    lease_until: i64,
    limit: u32,
) -> anyhow::Result<Claim> {
    let tx = conn.transaction()?;
    let due = {
        let mut select = stmt(
            &tx,
            concat!(
                "SELECT d.id, d.message_id, d.channel_key, d.channel, d.state, ",
                "CAST(d.attempts AS BIGINT), d.created_at, d.next_attempt_at, d.last_error, ",
                "d.done_at, m.id, m.submission_id, m.received_at, m.name, m.contact, m.body, ",
                "m.visitor, m.key_fingerprint, m.read_at ",
                "FROM deliveries d JOIN messages m ON m.id = d.message_id ",
                "WHERE d.channel_key = $1 AND d.state = 'pending' AND d.next_attempt_at <= $2 ",
                "AND (d.leased_until IS NULL OR d.leased_until <= $2) ",
                "ORDER BY d.next_attempt_at, d.id LIMIT $3"
            ),
        )?;
        let mut rows = select.query(params![channel_key, now, limit])?;
        let mut due = Vec::new();
        while let Some(row) = rows.next()? {
            due.push(Due {
                delivery: Delivery::from_columns(row, 0)?,
                message: Message::from_columns(row, 10)?,
            });
        }
        due
    };
    {
        let mut lease = stmt(&tx, "UPDATE deliveries SET leased_until = $1 WHERE id = $2")?;
        for d in &due {
            lease.execute(params![lease_until, d.delivery.id])?;
        }
    }
    let next_due = stmt(&tx, sql::NEXT_DUE)?.query_row([channel_key], |row| row.get(0))?;
    tx.commit()?;
    Ok(Claim { due, next_due })
}

/// Records an attempt at delivery `id`, made at `now`.
pub fn record_attempt(
    conn: &Connection,
    id: i64,
    now: i64,
    attempt: &Attempt,
) -> anyhow::Result<()> {
    match attempt {
        Attempt::Delivered => stmt(conn, sql::DELIVERED)?.execute(params![id, now]),
        Attempt::Retry { at, error } => stmt(conn, sql::RETRY)?.execute(params![id, at, error]),
        Attempt::Failed { error } => stmt(conn, sql::FAILED)?.execute(params![id, now, error]),
    }?;
    Ok(())
}

/// Makes the owner's change; how many rows it changed.
pub fn change(conn: &mut Connection, change: Change, now: i64) -> anyhow::Result<u64> {
    let n = match change {
        Change::Read(id) => stmt(conn, sql::MARK_READ)?.execute(params![now, id])?,
        Change::AllRead => stmt(conn, sql::MARK_ALL_READ)?.execute([now])?,
        Change::Unread(id) => stmt(conn, sql::MARK_UNREAD)?.execute([id])?,
        Change::Redeliver(id) => stmt(conn, sql::REDELIVER)?.execute(params![id, now])?,
        Change::Delete(id) => {
            let tx = conn.transaction()?;
            stmt(&tx, sql::DELETE_DELIVERIES)?.execute([id])?;
            let n = stmt(&tx, sql::DELETE_MESSAGE)?.execute([id])?;
            tx.commit()?;
            n
        }
    };
    Ok(n as u64)
}

/// Records visits in one transaction, committed without an fsync
/// (`synchronous = NORMAL` for this commit only, so an application crash
/// loses none and a power cut at most the last ones); messages keep FULL.
pub fn record_visits(conn: &mut Connection, visits: &[Visit]) -> anyhow::Result<()> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let written = (|| {
        let tx = conn.transaction()?;
        {
            let mut insert = stmt(
                &tx,
                concat!(
                    "INSERT INTO visits (started_at, duration_ms, visitor, client, term, cols, rows, ",
                    "sections, left_message, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                ),
            )?;
            for v in visits {
                insert.execute(params![
                    v.started_at,
                    v.duration_ms,
                    v.visitor,
                    v.client,
                    v.term,
                    v.cols,
                    v.rows,
                    v.sections,
                    v.left_message,
                    v.kind
                ])?;
            }
        }
        tx.commit()
    })();
    // Whatever happened, messages are committed with an fsync again.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(written?)
}

/// Deletes up to `batch` visits that started before `before`.
pub fn prune_visits(conn: &Connection, before: i64, batch: u32) -> anyhow::Result<u64> {
    Ok(stmt(conn, sql::PRUNE_VISITS)?.execute(params![before, batch])? as u64)
}

/// Messages, newest first, each with its deliveries.
pub fn list_messages(conn: &Connection, unread_only: bool) -> anyhow::Result<Vec<Message>> {
    let query = if unread_only {
        sql::LIST_UNREAD
    } else {
        sql::LIST_MESSAGES
    };
    let mut messages = rows(conn, query, [], |row| Message::from_columns(row, 0))?;
    let deliveries = rows(conn, sql::LIST_DELIVERIES, [], |row| {
        Delivery::from_columns(row, 0)
    })?;
    attach(&mut messages, deliveries);
    Ok(messages)
}

/// Each channel's deliveries not yet made.
pub fn backlog(conn: &Connection) -> anyhow::Result<Vec<Backlog>> {
    rows(conn, sql::BACKLOG, [], |row| Backlog::from_columns(row))
}

/// The one count a query gives.
pub fn count(conn: &Connection, query: &str, param: i64) -> anyhow::Result<i64> {
    Ok(stmt(conn, query)?.query_row([param], |row| row.get(0))?)
}

/// The stats query's rows for the visits since `since`. When the window
/// holds more than a quarter of the visits, a plain scan of the table
/// beats the index on `started_at` (which fetches each row at random):
/// over 400,000 visits, 1.2 s against 4 s. Both counts below read only
/// the index.
pub fn tally(conn: &Connection, since: i64) -> anyhow::Result<Vec<TallyRow>> {
    let total: i64 = stmt(conn, "SELECT COUNT(*) FROM visits")?.query_row([], |row| row.get(0))?;
    let within: i64 = stmt(conn, "SELECT COUNT(*) FROM visits WHERE started_at >= $1")?
        .query_row([since], |row| row.get(0))?;
    let query = stats::sql(&DIALECT, within * 4 > total);
    rows(conn, &query, [since], |row| TallyRow::from_columns(row))
}

/// Every row of a query, read with `read`.
pub fn rows<T>(
    conn: &Connection,
    query: &str,
    params: impl rusqlite::Params,
    read: impl Fn(&Row) -> anyhow::Result<T>,
) -> anyhow::Result<Vec<T>> {
    let mut stmt = stmt(conn, query)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(read(row)?);
    }
    Ok(out)
}
