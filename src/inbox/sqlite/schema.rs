//! The SQLite database `data/messages.db`: its schema, migrated by
//! `user_version`, and how a connection is opened: WAL journal,
//! `synchronous=FULL` (a commit is fsynced before it returns), a busy
//! timeout so the owner's `sshfolio messages` can run beside the server.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

pub use crate::inbox::database::FILE;

/// Migrations, in order; `user_version` counts how many have run.
pub(super) const MIGRATIONS: &[&str] = &[
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
    // 2: the notification outbox, one row per message per channel.
    "CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id),
        channel_key TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        leased_until INTEGER,
        last_error TEXT,
        done_at INTEGER,
        UNIQUE (message_id, channel_key)
    );
    CREATE INDEX deliveries_due ON deliveries (channel_key, state, next_attempt_at);",
];

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("database schema version {found} is newer than this sshfolio understands ({known})")]
    TooNew { found: usize, known: usize },
}

impl OpenError {
    /// Another connection holds the file while it is being set up.
    fn is_busy(&self) -> bool {
        matches!(
            self,
            OpenError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                )
        )
    }
}

/// Opens (creating if needed) and migrates the database at `path`.
/// Several processes opening a new file at the same instant can find it
/// locked where SQLite calls no busy handler (switching it to WAL): that
/// is tried again for up to the busy timeout. Called only off the async
/// runtime (the inbox's thread, a blocking task, a command).
pub fn open(path: &Path) -> Result<Connection, OpenError> {
    let started = std::time::Instant::now();
    loop {
        match open_once(path) {
            Err(e) if e.is_busy() && started.elapsed() < BUSY_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(10));
            }
            opened => return opened,
        }
    }
}

/// How long a write waits for another connection's.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

fn open_once(path: &Path) -> Result<Connection, OpenError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
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
fn migrate(conn: &mut Connection) -> Result<(), OpenError> {
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
                return Err(OpenError::TooNew {
                    found: version,
                    known: MIGRATIONS.len(),
                });
            }
        }
    }
}
