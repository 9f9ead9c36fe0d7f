//! One connection to the inbox's database, SQLite or PostgreSQL, with
//! every operation the inbox has, the same meaning on both: what the
//! owner's commands (`messages`, `stats`) read and change, and what the
//! shared test suite proves of both backends. The server itself writes
//! through [`super::Inbox`], which queues and batches on top of these.

use std::sync::Mutex;

use anyhow::{Context, Result};
use rusqlite::Connection;

use super::database::Database;
use super::db::{
    self, Attempt, ChannelRef, Due, Message, NewMessage, Stored, VisitRow, VisitStats,
};
use super::postgres::PgStore;
use super::visitor_key;

/// An open inbox database.
pub enum Store {
    Sqlite {
        conn: Mutex<Connection>,
        key: [u8; 32],
    },
    Postgres {
        store: PgStore,
        key: [u8; 32],
    },
}

impl Store {
    /// Opens the inbox, migrating it; `None` when it is SQLite and no
    /// message or visit was ever stored (nothing is created). A database
    /// that cannot be reached is one line naming it, without a password.
    pub async fn open(database: &Database) -> Result<Option<Store>> {
        match database {
            Database::Sqlite(data) => {
                if !data.join(db::FILE).exists() {
                    return Ok(None);
                }
                Store::create(database).await.map(Some)
            }
            Database::Postgres(_) => Store::create(database).await.map(Some),
        }
    }

    /// Opens the inbox, creating it (and its visitor key) if need be.
    pub async fn create(database: &Database) -> Result<Store> {
        match database {
            Database::Sqlite(data) => {
                std::fs::create_dir_all(data)
                    .with_context(|| format!("creating {}", data.display()))?;
                let path = data.join(db::FILE);
                let conn =
                    db::open(&path).with_context(|| format!("opening {}", path.display()))?;
                let key = visitor_key::load_or_create(data)?;
                Ok(Store::Sqlite {
                    conn: Mutex::new(conn),
                    key,
                })
            }
            Database::Postgres(pg) => {
                let store = PgStore::new(pg)?;
                let key = store.prepare().await?;
                Ok(Store::Postgres { store, key })
            }
        }
    }

    /// The key visitor addresses are hashed with.
    pub fn visitor_key(&self) -> [u8; 32] {
        match self {
            Store::Sqlite { key, .. } | Store::Postgres { key, .. } => *key,
        }
    }

    /// Runs `f` on the SQLite connection.
    fn sqlite<T>(
        conn: &Mutex<Connection>,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
        Ok(f(&mut conn)?)
    }

    /// Stores a message unless its visitor or key is over `per_hour` in
    /// the hour before `msg.received_at`, with a pending delivery per
    /// channel; the same submission id twice stores one message.
    pub async fn insert_message(
        &self,
        msg: &NewMessage,
        per_hour: u32,
        channels: &[ChannelRef],
    ) -> Result<Stored> {
        match self {
            Store::Sqlite { conn, .. } => {
                Self::sqlite(conn, |c| db::insert_message(c, msg, per_hour, channels))
            }
            Store::Postgres { store, .. } => store.insert_message(msg, per_hour, channels).await,
        }
    }

    pub async fn record_visits(&self, visits: &[VisitRow]) -> Result<()> {
        match self {
            Store::Sqlite { conn, .. } => Self::sqlite(conn, |c| db::record_visits(c, visits)),
            Store::Postgres { store, .. } => store.record_visits(visits, None).await.map(drop),
        }
    }

    /// Claims up to `limit` due deliveries of a channel until `lease_until`.
    pub async fn claim_deliveries(
        &self,
        channel_key: &str,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<Due>> {
        match self {
            Store::Sqlite { conn, .. } => Self::sqlite(conn, |c| {
                db::claim_deliveries(c, channel_key, now, lease_until, limit)
            }),
            Store::Postgres { store, .. } => {
                store
                    .claim_deliveries(channel_key, now, lease_until, limit)
                    .await
            }
        }
    }

    /// When the channel's next pending delivery may be tried.
    pub async fn next_due(&self, channel_key: &str) -> Result<Option<i64>> {
        match self {
            Store::Sqlite { conn, .. } => Self::sqlite(conn, |c| db::next_due(c, channel_key)),
            Store::Postgres { store, .. } => store.next_due(channel_key).await,
        }
    }

    pub async fn record_attempt(&self, id: i64, now: i64, attempt: &Attempt) -> Result<()> {
        match self {
            Store::Sqlite { conn, .. } => {
                Self::sqlite(conn, |c| db::record_attempt(c, id, now, attempt))
            }
            Store::Postgres { store, .. } => store.record_attempt(id, now, attempt).await,
        }
    }

    /// Messages, newest first, each with its deliveries.
    pub async fn list_messages(&self, unread_only: bool) -> Result<Vec<Message>> {
        match self {
            Store::Sqlite { conn, .. } => Self::sqlite(conn, |c| db::list_messages(c, unread_only)),
            Store::Postgres { store, .. } => store.list_messages(unread_only).await,
        }
    }

    /// Marks one message (or all) read; how many changed.
    pub async fn mark_read(&self, id: Option<i64>, now: i64) -> Result<u64> {
        match self {
            Store::Sqlite { conn, .. } => {
                Self::sqlite(conn, |c| db::mark_read(c, id, now)).map(|n| n as u64)
            }
            Store::Postgres { store, .. } => store.mark_read(id, now).await,
        }
    }

    /// Marks one message unread again; how many changed (0 or 1).
    pub async fn mark_unread(&self, id: i64) -> Result<u64> {
        match self {
            Store::Sqlite { conn, .. } => {
                Self::sqlite(conn, |c| db::mark_unread(c, id)).map(|n| n as u64)
            }
            Store::Postgres { store, .. } => store.mark_unread(id).await,
        }
    }

    /// Deletes a message and its deliveries; whether it was there.
    pub async fn delete_message(&self, id: i64) -> Result<bool> {
        match self {
            Store::Sqlite { conn, .. } => Self::sqlite(conn, |c| db::delete_message(c, id)),
            Store::Postgres { store, .. } => store.delete_message(id).await,
        }
    }

    pub async fn message_exists(&self, id: i64) -> Result<bool> {
        match self {
            Store::Sqlite { conn, .. } => Self::sqlite(conn, |c| db::message_exists(c, id)),
            Store::Postgres { store, .. } => store.message_exists(id).await,
        }
    }

    /// Queues message `id`'s failed deliveries again; how many.
    pub async fn redeliver(&self, id: i64, now: i64) -> Result<u64> {
        match self {
            Store::Sqlite { conn, .. } => {
                Self::sqlite(conn, |c| db::redeliver(c, id, now)).map(|n| n as u64)
            }
            Store::Postgres { store, .. } => store.redeliver(id, now).await,
        }
    }

    /// Deliveries not yet made, by channel: (channel, pending, failed).
    pub async fn backlog(&self) -> Result<Vec<(String, u64, u64)>> {
        match self {
            Store::Sqlite { conn, .. } => Self::sqlite(conn, |c| db::backlog(c)),
            Store::Postgres { store, .. } => store.backlog().await,
        }
    }

    pub async fn messages_since(&self, since: i64) -> Result<u32> {
        match self {
            Store::Sqlite { conn, .. } => Self::sqlite(conn, |c| db::messages_since(c, since)),
            Store::Postgres { store, .. } => store.messages_since(since).await,
        }
    }

    /// The visits since `since`, added up by the database.
    pub async fn visit_stats(&self, since: i64, sections: &[&str]) -> Result<VisitStats> {
        match self {
            Store::Sqlite { conn, .. } => {
                Self::sqlite(conn, |c| db::visit_stats(c, since, sections))
            }
            Store::Postgres { store, .. } => store.visit_stats(since, sections).await,
        }
    }

    /// Deletes up to `batch` visits older than `before`; how many.
    pub async fn prune_visits(&self, before: i64, batch: u32) -> Result<u64> {
        match self {
            Store::Sqlite { conn, .. } => {
                Self::sqlite(conn, |c| db::prune_visits(c, before, batch)).map(|n| n as u64)
            }
            Store::Postgres { store, .. } => store.prune_visits(before, batch).await,
        }
    }
}
