//! The SQLite database `data/messages.db`: its schema, migrated by
//! `user_version`, and every query. WAL journal, `synchronous=FULL` (a
//! commit is fsynced before it returns), a busy timeout so the owner's
//! `sshfolio messages` can run beside the server.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::stats::Tally;
pub use super::stats::VisitStats;

/// The database file inside the data directory.
pub const FILE: &str = "messages.db";

/// The rolling window of the message limit.
pub const LIMIT_WINDOW_SECS: i64 = 3600;

/// Migrations, in order; `user_version` counts how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: messages and visits.
    "CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        submission_id TEXT NOT NULL UNIQUE,
        received_at INTEGER NOT NULL,
        name TEXT NOT NULL,
        contact TEXT NOT NULL,
        body TEXT NOT NULL,
        visitor TEXT NOT NULL,
        key_fingerprint TEXT,
        read_at INTEGER
    );
    CREATE INDEX messages_by_visitor ON messages (visitor, received_at);
    CREATE INDEX messages_by_key ON messages (key_fingerprint, received_at);
    CREATE TABLE visits (
        id INTEGER PRIMARY KEY,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        visitor TEXT NOT NULL,
        client TEXT NOT NULL,
        term TEXT NOT NULL,
        cols INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        sections TEXT NOT NULL,
        left_message INTEGER NOT NULL,
        kind TEXT NOT NULL
    );
    CREATE INDEX visits_by_time ON visits (started_at);",
];

/// Opens (creating if needed) and migrates the database at `path`.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(path = %path.display(), mode, "database is not in WAL mode");
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Runs the migrations not yet run. The version is read inside the write
/// transaction, so two processes opening a new database at once (the
/// server and `sshfolio messages`) never both run the same migration.
fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let version = usize::try_from(version).unwrap_or(usize::MAX);
        match MIGRATIONS.get(version) {
            Some(sql) => {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", (version + 1) as i64)?;
                tx.commit()?;
            }
            None if version == MIGRATIONS.len() => return Ok(()),
            None => {
                return Err(rusqlite::Error::InvalidParameterName(format!(
                    "database schema version {version} is newer than this sshfolio understands ({})",
                    MIGRATIONS.len()
                )));
            }
        }
    }
}

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

/// Stores a message unless its visitor (address, and key if any) already
/// sent `per_hour` in the last hour. One immediate transaction, so the
/// limit holds across processes; the UNIQUE submission id makes a retry
/// store nothing new.
pub fn insert_message(
    conn: &mut Connection,
    msg: &NewMessage,
    per_hour: u32,
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
}

/// Messages, newest first.
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
        })
    })?;
    rows.collect()
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

/// Whether a message with this id exists.
pub fn message_exists(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM messages WHERE id = ?1)",
        [id],
        |row| row.get(0),
    )
}

/// One finished session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    pub started_at: i64,
    pub duration_ms: i64,
    pub visitor: String,
    pub client: String,
    pub term: String,
    pub cols: u16,
    pub rows: u16,
    /// Section names viewed, comma-separated.
    pub sections: String,
    pub left_message: bool,
    /// "tui", "plain" or "exec <command>".
    pub kind: String,
}

/// Records visits in one transaction, committed without an fsync
/// (`synchronous = NORMAL` for this commit only; messages keep FULL).
pub fn record_visits(conn: &mut Connection, visits: &[VisitRow]) -> rusqlite::Result<()> {
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let result = (|| {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO visits (started_at, duration_ms, visitor, client, term, cols, rows, sections, left_message, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
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
    result
}

/// Adds up the visits since `since` (unix seconds), counting the given
/// `sections`. The database counts distinct visitors (its sorter spills
/// to disk, not to memory); everything else is tallied in one pass over
/// the rows as they stream by, in constant memory.
pub fn visit_stats(
    conn: &Connection,
    since: i64,
    sections: &[&str],
) -> rusqlite::Result<VisitStats> {
    // Over most of the table a plain scan beats the index on started_at
    // (which would fetch every row at random): `+` keeps the index out.
    let oldest: Option<i64> =
        conn.query_row("SELECT MIN(started_at) FROM visits", [], |r| r.get(0))?;
    let column = match oldest {
        Some(oldest) if oldest < since => "started_at",
        _ => "+started_at",
    };
    let mut tally = Tally::new(sections);
    let mut stmt = conn.prepare(&format!(
        "SELECT duration_ms, client, sections, kind FROM visits WHERE {column} >= ?1"
    ))?;
    let mut rows = stmt.query([since])?;
    while let Some(row) = rows.next()? {
        tally.add(
            row.get(0)?,
            row.get_ref(1)?.as_str()?,
            row.get_ref(2)?.as_str()?,
            row.get_ref(3)?.as_str()?,
        );
    }
    let visitors = conn.query_row(
        &format!("SELECT COUNT(DISTINCT visitor) FROM visits WHERE {column} >= ?1"),
        [since],
        |row| count(row, 0),
    )?;
    let per_day = pairs(
        conn,
        &format!(
            "SELECT date(started_at, 'unixepoch') AS day, COUNT(DISTINCT visitor) FROM visits
             WHERE {column} >= ?1 GROUP BY day ORDER BY day"
        ),
        params![since],
    )?;
    Ok(tally.finish(visitors, per_day))
}

/// Rows of (text, count).
fn pairs(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, |row| Ok((row.get(0)?, count(row, 1)?)))?;
    rows.collect()
}

/// A count the database gave back.
fn count(row: &rusqlite::Row, index: usize) -> rusqlite::Result<u64> {
    row.get::<_, i64>(index).map(|n| n.max(0) as u64)
}

/// Deletes up to `batch` visits that started before `before`; how many.
/// Small batches keep each transaction short beside a running server.
pub fn prune_visits(conn: &Connection, before: i64, batch: u32) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM visits WHERE id IN
         (SELECT id FROM visits WHERE started_at < ?1 ORDER BY started_at LIMIT ?2)",
        params![before, batch],
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

#[cfg(test)]
mod tests;
