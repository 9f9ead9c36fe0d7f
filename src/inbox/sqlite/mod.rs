//! The inbox in SQLite, `DATA/messages.db` (the default): nothing else to
//! run. No statement ever runs on the async runtime. Writes run on the
//! store's own thread, one at a time, in the order they came (so each is
//! short and a message waits behind little); reads run on blocking tasks
//! with connections of their own, which WAL lets run beside the writer —
//! an owner's `stats` over a million visits delays no message and no
//! visitor.
//!
//! The writer opens the database on first use and again after a failure,
//! so a data directory fixed while the server runs works without a
//! restart; and before and after each message it checks that the file it
//! has open is still the one at `DATA/messages.db`, so a message is never
//! reported sent into a file that was deleted or replaced meanwhile.

pub mod export;
mod queries;
pub mod schema;
mod thread;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};

use super::model::{Attempt, Backlog, Change, ChannelRef, Claim, Message, Stored, Visit};
use super::stats::TallyRow;
use super::store::Store;
use super::{sql, visitor_key};
pub use schema::FILE;
use thread::{FileId, WriteThread, file_id};

/// Read connections kept open between reads.
const IDLE_READERS: usize = 4;

/// The SQLite inbox of one data directory.
pub struct SqliteStore {
    dir: PathBuf,
    label: String,
    writer: WriteThread,
    /// Read connections not in use.
    readers: Arc<Mutex<Vec<ReadConn>>>,
}

/// A read connection and the file it has open.
struct ReadConn {
    conn: Connection,
    file: Option<FileId>,
}

impl SqliteStore {
    /// The store of the data directory `dir`; its thread starts now, the
    /// database is opened on first use.
    pub fn new(dir: &Path) -> Result<SqliteStore> {
        Ok(SqliteStore {
            dir: dir.to_path_buf(),
            label: dir.join(FILE).display().to_string(),
            writer: WriteThread::start(dir)?,
            readers: Arc::default(),
        })
    }

    /// Whether the data directory holds an inbox yet.
    pub fn exists(dir: &Path) -> bool {
        dir.join(FILE).exists()
    }

    /// Runs `read` on a connection of its own, on a blocking task.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let path = self.dir.join(FILE);
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let reader = reader(&path, &readers)?;
            let result = read(&reader.conn);
            if result.is_ok() {
                let mut idle = readers.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < IDLE_READERS {
                    idle.push(reader);
                }
            }
            result
        })
        .await
        .context("the inbox read task failed")?
    }
}

/// An idle read connection to the file now at `path`, or a new one. A
/// reader never creates the file: the writer does, with its schema.
fn reader(path: &Path, readers: &Mutex<Vec<ReadConn>>) -> Result<ReadConn> {
    let file = file_id(path);
    let mut idle = readers.lock().unwrap_or_else(|e| e.into_inner());
    // Connections to a file since removed or replaced are dropped.
    idle.retain(|r| r.file == file);
    if let Some(found) = idle.pop() {
        return Ok(found);
    }
    drop(idle);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(ReadConn { conn, file })
}

#[async_trait]
impl Store for SqliteStore {
    fn label(&self) -> &str {
        &self.label
    }

    async fn prepare(&self) -> Result<[u8; 32]> {
        let dir = self.dir.clone();
        self.writer
            .run(move |w| {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                let key = visitor_key::load_or_create(&dir)?;
                w.conn()?;
                Ok(key)
            })
            .await
            .with_context(|| format!("cannot open the inbox in {}", self.dir.display()))
    }

    async fn ping(&self) -> Result<()> {
        self.writer
            .run(|w| {
                w.conn()?.query_row("SELECT 1", [], |_| Ok(()))?;
                Ok(())
            })
            .await
    }

    async fn insert_message(&self, m: &Message, limit: u32, to: &[ChannelRef]) -> Result<Stored> {
        let (m, to) = (m.clone(), to.to_vec());
        self.writer
            .run(move |w| w.insert_message(&m, limit, &to))
            .await
    }

    async fn record_visits(&self, visits: &[Visit]) -> Result<()> {
        let visits = visits.to_vec();
        self.writer
            .run(move |w| queries::record_visits(w.conn()?, &visits))
            .await
    }

    async fn prune_visits(&self, before: i64, batch: u32) -> Result<u64> {
        self.writer
            .run(move |w| queries::prune_visits(w.conn()?, before, batch))
            .await
    }

    async fn claim(&self, channel: &str, now: i64, until: i64, limit: u32) -> Result<Claim> {
        let key = channel.to_string();
        self.writer
            .run(move |w| queries::claim(w.conn()?, &key, now, until, limit))
            .await
    }

    async fn record_attempt(&self, delivery: i64, now: i64, attempt: &Attempt) -> Result<()> {
        let attempt = attempt.clone();
        self.writer
            .run(move |w| queries::record_attempt(w.conn()?, delivery, now, &attempt))
            .await
    }

    async fn change(&self, change: Change, now: i64) -> Result<u64> {
        self.writer
            .run(move |w| queries::change(w.conn()?, change, now))
            .await
    }

    async fn list_messages(&self, unread_only: bool) -> Result<Vec<Message>> {
        self.read(move |c| queries::list_messages(c, unread_only))
            .await
    }

    async fn message_exists(&self, id: i64) -> Result<bool> {
        self.read(move |c| Ok(queries::count(c, sql::COUNT_MESSAGE, id)? > 0))
            .await
    }

    async fn messages_since(&self, since: i64) -> Result<u64> {
        self.read(move |c| Ok(queries::count(c, sql::MESSAGES_SINCE, since)?.max(0) as u64))
            .await
    }

    async fn backlog(&self) -> Result<Vec<Backlog>> {
        self.read(queries::backlog).await
    }

    async fn tally_visits(&self, since: i64) -> Result<Vec<TallyRow>> {
        self.read(move |c| queries::tally(c, since)).await
    }

    async fn close(&self) {
        self.writer.stop().await;
    }
}

#[cfg(test)]
mod tests;
