//! The one interface both databases implement: the inbox's operations,
//! each with the same meaning on SQLite and PostgreSQL, proven of both by
//! the same test suite
//! (`tests/store.rs`). What the server adds on top — the limits' timing,
//! batching, retries, logs — is the policy in [`super::Inbox`], written
//! once; the owner's commands use a store directly.

use anyhow::Result;
use async_trait::async_trait;

use super::model::{Attempt, Backlog, Change, ChannelRef, Claim, Message, Stored, Visit};
use super::stats::{self, TallyRow, VisitStats};

/// An inbox database. Every method is safe to call from the async
/// runtime: none blocks it.
#[async_trait]
pub trait Store: Send + Sync {
    /// What logs and errors may show of it (never a password).
    fn label(&self) -> &str;

    /// Creates or migrates the schema and returns the key visitor
    /// addresses are hashed with (made once, by whoever comes first).
    async fn prepare(&self) -> Result<[u8; 32]>;

    /// Whether the database answers.
    async fn ping(&self) -> Result<()>;

    /// Stores message `m` (checked, with its visitor hash and time) unless
    /// its visitor or key sent `limit` in the hour before it, with a
    /// pending delivery to each channel in `to`, in the same transaction.
    /// The same submission id twice stores one message.
    async fn insert_message(&self, m: &Message, limit: u32, to: &[ChannelRef]) -> Result<Stored>;

    /// Records finished sessions (their addresses already hashed).
    async fn record_visits(&self, visits: &[Visit]) -> Result<()>;

    /// Deletes up to `batch` visits that started before `before`; how
    /// many.
    async fn prune_visits(&self, before: i64, batch: u32) -> Result<u64>;

    /// Claims up to `limit` of a channel's deliveries due at `now`,
    /// leased until `until` (no other claim takes them meanwhile).
    async fn claim(&self, channel: &str, now: i64, until: i64, limit: u32) -> Result<Claim>;

    /// Records how an attempt at a delivery, made at `now`, went.
    async fn record_attempt(&self, delivery: i64, now: i64, attempt: &Attempt) -> Result<()>;

    /// Makes the owner's change at `now`; how many rows it changed.
    async fn change(&self, change: Change, now: i64) -> Result<u64>;

    /// Messages, newest first, each with its deliveries.
    async fn list_messages(&self, unread_only: bool) -> Result<Vec<Message>>;

    async fn message_exists(&self, id: i64) -> Result<bool>;

    /// Messages received since `since`.
    async fn messages_since(&self, since: i64) -> Result<u64>;

    /// Each channel's deliveries not yet made.
    async fn backlog(&self) -> Result<Vec<Backlog>>;

    /// The stats query's rows (`stats::sql`) for the visits since
    /// `since`.
    async fn tally_visits(&self, since: i64) -> Result<Vec<TallyRow>>;

    /// The visits since `since`, added up by the database (the sections
    /// asked about counted by name).
    async fn visit_stats(&self, since: i64, sections: &[&str]) -> Result<VisitStats> {
        let rows = self.tally_visits(since).await?;
        Ok(stats::from_rows(&rows, sections))
    }

    /// Finishes the writes already asked for; the store does no more.
    async fn close(&self);
}
