//! The inbox: the messages visitors leave, the visits they make, and the
//! outbox of notifications for them. One handle, [`Inbox`], carries the
//! policy ([`policy`]) — what a message must be, how long anyone waits,
//! how visits are batched and pruned, how trouble is retried and logged —
//! over one [`Store`] interface with two backends chosen by `--database`
//! ([`database`]): SQLite in `DATA/messages.db` (the default; [`sqlite`])
//! or PostgreSQL shared by replicas ([`postgres`]).
//!
//! Whatever the database does, a submit is answered within seconds, a
//! visit never waits, nothing blocks the async runtime, and a database
//! that comes back is used again without a restart. The domain types are
//! in [`model`], one name each; `stats` is computed one way for both
//! stores ([`stats`]).

pub mod database;
pub mod model;
pub mod policy;
pub mod postgres;
mod sql;
pub mod sqlite;
pub mod stats;
pub mod store;
mod tasks;
pub mod visitor_key;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::logs::Throttle;
use crate::{clock, metrics};
pub use database::Database;
pub use model::{
    Attempt, Backlog, Change, ChannelRef, Claim, Delivery, DeliveryState, Due, Message, Stored,
    SubmitResult, Visit, VisitKind,
};
pub use policy::Policy;
pub use stats::VisitStats;
pub use store::Store;
use tasks::Readiness;

/// A handle to the inbox; cheap to clone.
#[derive(Clone)]
pub struct Inbox(Arc<Core>);

/// What every handle shares.
struct Core {
    /// `None` when `--database` could not be used at all (the reason was
    /// logged): the portfolio is served, messages fail, visits are not
    /// kept.
    store: Option<Arc<dyn Store>>,
    policy: Policy,
    /// The visitor-hash key, once the store is prepared.
    ready: watch::Receiver<Readiness>,
    /// Wakes the keeper out of its backoff: someone is waiting.
    nudge: Notify,
    visits: mpsc::Sender<Visit>,
    /// Bumped for every new message: delivery workers wake.
    stored: watch::Sender<u64>,
    /// Visits dropped since the last log line about them.
    dropped: AtomicU64,
    /// Database errors and dropped visits: a line a minute each.
    errors: Throttle,
    drops: Throttle,
    /// Submits and records in flight, and the visit writer: waited for
    /// at shutdown.
    tasks: TaskTracker,
}

/// What shutdown waits for: the visits queued, the writes in flight, the
/// store's own.
pub struct InboxTasks {
    closing: CancellationToken,
    tasks: TaskTracker,
    store: Option<Arc<dyn Store>>,
}

impl InboxTasks {
    /// Writes what is queued and waits up to `limit` for every write to
    /// finish; false if the time ran out. Call before the runtime stops.
    pub async fn finish(self, limit: Duration) -> bool {
        self.closing.cancel();
        self.tasks.close();
        tokio::time::timeout(limit, async {
            self.tasks.wait().await;
            if let Some(store) = &self.store {
                store.close().await;
            }
        })
        .await
        .is_ok()
    }
}

/// Why the database cannot be used now (readiness).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreachable {
    #[error("--database cannot be used (see the log)")]
    Unusable,
    #[error("{0} is not reachable yet")]
    NotYet(String),
    #[error("{0}")]
    Failed(String),
    #[error("the database did not answer within {0:?}")]
    Slow(Duration),
}

/// The store `database` names, not connected yet.
pub fn connect(database: &Database) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match database {
        Database::Sqlite(dir) => Arc::new(sqlite::SqliteStore::new(dir)?),
        Database::Postgres(url) => Arc::new(postgres::PgStore::new(url)?),
    })
}

/// The store, prepared, for the owner's commands; `None` when it is
/// SQLite and no message or visit was ever stored (nothing is created).
/// A database that cannot be reached is one line naming it.
pub async fn open(database: &Database) -> anyhow::Result<Option<Arc<dyn Store>>> {
    if let Database::Sqlite(dir) = database
        && !sqlite::SqliteStore::exists(dir)
    {
        return Ok(None);
    }
    let store = connect(database)?;
    store.prepare().await?;
    Ok(Some(store))
}

impl Inbox {
    /// Starts the inbox on `database`, with its tasks on the current
    /// runtime; the database is reached in the background (this never
    /// waits for it).
    pub fn start(database: &Database, policy: Policy) -> (Inbox, InboxTasks) {
        match connect(database) {
            Ok(store) => Inbox::on(Some(store), policy),
            Err(e) => {
                tracing::error!(
                    "messages cannot be stored: {e:#}; the portfolio is served without them"
                );
                Inbox::on(None, policy)
            }
        }
    }

    /// An inbox with no database (`--database` was unusable): messages
    /// fail, visits are not kept, the portfolio is served.
    pub fn without_store() -> (Inbox, InboxTasks) {
        Inbox::on(None, Policy::default())
    }

    fn on(store: Option<Arc<dyn Store>>, policy: Policy) -> (Inbox, InboxTasks) {
        let (ready_tx, ready) = watch::channel(Readiness::Trying {
            started: 0,
            failed: 0,
        });
        let (visits, queue) = mpsc::channel(policy::VISIT_QUEUE);
        let closing = CancellationToken::new();
        let inbox = Inbox(Arc::new(Core {
            store: store.clone(),
            policy,
            ready,
            nudge: Notify::new(),
            visits,
            stored: watch::channel(0).0,
            dropped: AtomicU64::new(0),
            errors: Throttle::per_minute(),
            drops: Throttle::per_minute(),
            tasks: TaskTracker::new(),
        }));
        if store.is_some() {
            tasks::start(&inbox, ready_tx, queue, &closing);
        }
        let tasks = InboxTasks {
            closing,
            tasks: inbox.0.tasks.clone(),
            store,
        };
        (inbox, tasks)
    }

    /// The store, once it is prepared, waiting (and hurrying the keeper)
    /// until `deadline` if it is not yet; for the owner's views.
    pub async fn store(&self, deadline: Instant) -> Option<Arc<dyn Store>> {
        self.ready_key(deadline).await?;
        self.0.store.clone()
    }

    /// Stores a message; returns once it is durably stored or refused,
    /// within [`policy::SUBMIT_TIMEOUT`].
    pub async fn submit(&self, message: Message) -> SubmitResult {
        let result = self.store_message(message).await;
        match result {
            // A new message is counted where it is known to be new.
            SubmitResult::Sent => {}
            SubmitResult::Limited(_) => metrics::message_refused("limited"),
            SubmitResult::Invalid => metrics::message_refused("invalid"),
            SubmitResult::Failed => metrics::message_refused("failed"),
        }
        result
    }

    async fn store_message(&self, message: Message) -> SubmitResult {
        let deadline = Instant::now() + policy::SUBMIT_TIMEOUT;
        let Some(store) = self.0.store.clone() else {
            return SubmitResult::Failed;
        };
        let Some(mut message) = policy::checked(&message, clock::now()) else {
            return SubmitResult::Invalid;
        };
        let Some(key) = self.ready_key(deadline).await else {
            self.0
                .error("a message could not be saved: the inbox database is not reachable");
            return SubmitResult::Failed;
        };
        message.visitor = visitor_key::hash(&key, message.peer);
        // On a task of its own: a commit that lands after the visitor was
        // answered is still a commit (their next press finds it by its
        // submission id).
        let core = self.0.clone();
        let task = self.0.tasks.spawn(async move {
            let p = &core.policy;
            let stored = store
                .insert_message(&message, p.messages_per_hour, &p.channels)
                .await;
            core.answer(store.label(), stored)
        });
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => SubmitResult::Failed,
            Err(_) => {
                self.0.error(&format!(
                    "a message could not be saved in {}s: the inbox database did not answer",
                    policy::SUBMIT_TIMEOUT.as_secs()
                ));
                SubmitResult::Failed
            }
        }
    }

    /// Records a visit without waiting; dropped (and counted) if the
    /// queue is full.
    pub fn record_visit(&self, visit: Visit) {
        if self.0.store.is_some() && self.0.visits.try_send(visit).is_err() {
            self.0.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether the database answers now, within `limit`.
    pub async fn reachable(&self, limit: Duration) -> Result<(), Unreachable> {
        let Some(store) = &self.0.store else {
            return Err(Unreachable::Unusable);
        };
        if self.key().is_none() {
            self.0.nudge.notify_one();
            return Err(Unreachable::NotYet(store.label().to_string()));
        }
        match tokio::time::timeout(limit, store.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Unreachable::Failed(format!("{e:#}"))),
            Err(_) => Err(Unreachable::Slow(limit)),
        }
    }

    /// Claims a channel's due deliveries, leased for `lease`; `None` when
    /// the database could not be read (the worker tries again later).
    pub async fn claim(&self, channel_key: &str, limit: u32, lease: Duration) -> Option<Claim> {
        let store = self.0.store.as_ref()?;
        self.key()?;
        let now = clock::now();
        let lease_until = now + lease.as_secs() as i64;
        let claim = store.claim(channel_key, now, lease_until, limit);
        match tokio::time::timeout(policy::CALL_TIMEOUT, claim).await {
            Ok(Ok(claim)) => Some(claim),
            Ok(Err(e)) => {
                self.0
                    .error(&format!("could not read the deliveries to make: {e:#}"));
                None
            }
            Err(_) => None,
        }
    }

    /// Records how an attempt went, before the worker claims again (so
    /// its next claim sees it). Should the record be lost (a crash, the
    /// database away), the lease runs out and the delivery is tried
    /// again: at least once, never lost.
    pub async fn attempted(&self, delivery: i64, attempt: Attempt) {
        let Some(store) = &self.0.store else {
            return;
        };
        let record = store.record_attempt(delivery, clock::now(), &attempt);
        match tokio::time::timeout(policy::CALL_TIMEOUT, record).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self
                .0
                .error(&format!("could not record a delivery attempt: {e:#}")),
            Err(_) => self
                .0
                .error("could not record a delivery attempt: the database did not answer"),
        }
    }

    /// Changes whenever a message is stored (with deliveries to make).
    pub fn stored_messages(&self) -> watch::Receiver<u64> {
        self.0.stored.subscribe()
    }

    fn key(&self) -> Option<[u8; 32]> {
        match *self.0.ready.borrow() {
            Readiness::Ready(key) => Some(key),
            Readiness::Trying { .. } => None,
        }
    }

    /// The visitor-hash key; when the store is not ready yet, the keeper
    /// is hurried and an attempt that starts after this call is waited
    /// for (one already under way may have begun before what it needs was
    /// fixed), until `deadline`.
    async fn ready_key(&self, deadline: Instant) -> Option<[u8; 32]> {
        let mut ready = self.0.ready.clone();
        let started = match *ready.borrow_and_update() {
            Readiness::Ready(key) => return Some(key),
            Readiness::Trying { started, .. } => started,
        };
        self.0.store.as_ref()?;
        self.0.nudge.notify_one();
        let next = ready.wait_for(|r| match r {
            Readiness::Ready(_) => true,
            Readiness::Trying { failed, .. } => *failed > started,
        });
        match *tokio::time::timeout_at(deadline, next).await.ok()?.ok()? {
            Readiness::Ready(key) => Some(key),
            Readiness::Trying { .. } => None,
        }
    }
}

impl Core {
    /// What the visitor is told about a message the store took or
    /// refused; a new message is logged (by id, never its text) and wakes
    /// the delivery workers.
    fn answer(&self, store: &str, stored: anyhow::Result<Stored>) -> SubmitResult {
        match stored {
            Ok(Stored::New(id)) => {
                tracing::info!(id, "message received");
                metrics::message_stored();
                self.stored.send_modify(|n| *n += 1);
                SubmitResult::Sent
            }
            Ok(Stored::Duplicate(_)) => SubmitResult::Sent,
            Ok(Stored::Limited { retry_after_secs }) => {
                SubmitResult::Limited(Duration::from_secs(retry_after_secs.max(1) as u64))
            }
            Err(e) => {
                self.error(&format!("could not save a message in {store}: {e:#}"));
                SubmitResult::Failed
            }
        }
    }

    /// Counts a database error and logs it, a line a minute at most.
    fn error(&self, message: &str) {
        metrics::database_error();
        if self.errors.allow() {
            tracing::error!("{message}");
        }
    }
}

#[cfg(test)]
mod tests;
