//! The server's side of the PostgreSQL inbox: tasks on the runtime that
//! keep the database usable without ever holding a visitor up.
//!
//! - A keeper migrates the schema and fetches the visitor key, retrying
//!   with backoff (1 s doubling to 30 s) until the database answers; the
//!   portfolio is served meanwhile.
//! - A submit is one transaction on a pooled connection, answered within
//!   [`SUBMIT_TIMEOUT`] whatever the database does; it runs on its own
//!   task, so a commit that lands late is still a commit (the visitor's
//!   next press finds it by its submission id).
//! - Visits go through a bounded queue to one batcher that writes up to
//!   [`VISIT_BATCH`] rows per statement; with the database away it tries
//!   its batch again with backoff, and what the queue cannot hold is
//!   dropped, counted, and logged once a minute — never piled up.
//! - Visits past their retention are deleted hourly, in small batches.
//!
//! Every failure is logged at most once a minute; the pool reconnects by
//! itself, so the same session can send once the database is back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{Notify, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::PgStore;
use crate::inbox::db::Stored;
use crate::inbox::outbox::Claim;
use crate::inbox::rows::{checked, unix, visit_row};
use crate::inbox::{Attempt, ChannelRef, Policy, Submission, SubmitResult, Visit, visitor_key};

/// Longest a visitor waits for Send: the form answers within 10 s, with
/// room for a loaded machine. Longer than a connection attempt (5 s).
pub(crate) const SUBMIT_TIMEOUT: Duration = Duration::from_secs(6);

/// Longest a worker's claim or record may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// Visits waiting for the batcher: room for thousands of sessions ending
/// at once; beyond it a visit is dropped (and counted).
const VISIT_QUEUE: usize = 8192;

/// Most visits written by one statement.
const VISIT_BATCH: usize = 1000;

/// Backoff between attempts to reach the database at start.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// How often old visits are looked for, and how many go per statement.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
const PRUNE_BATCH: u32 = 500;

/// The inbox's state on PostgreSQL, shared by every handle.
pub(crate) struct PgInbox {
    store: PgStore,
    /// The visitor-hash key, once the keeper has the database ready.
    key: watch::Receiver<Option<[u8; 32]>>,
    visits: mpsc::Sender<Visit>,
    per_hour: u32,
    channels: Vec<ChannelRef>,
    /// Bumped for every new message: delivery workers wake.
    stored: watch::Sender<u64>,
    /// Visits dropped since the last log line about them.
    dropped: AtomicU64,
    log: Throttle,
    /// Submits and records in flight, waited for at shutdown.
    tasks: TaskTracker,
    /// Wakes the keeper out of its backoff: a visitor is waiting.
    nudge: Notify,
}

/// What shutdown waits for: the batcher flushing the visits queued, and
/// the writes in flight.
pub struct Tasks {
    closing: CancellationToken,
    tasks: TaskTracker,
}

impl Tasks {
    /// Writes what is queued and waits up to `limit` for it; false if the
    /// time ran out.
    pub async fn flush(&self, limit: Duration) -> bool {
        self.closing.cancel();
        self.tasks.close();
        tokio::time::timeout(limit, self.tasks.wait()).await.is_ok()
    }
}

/// Starts the keeper, the batcher and the pruner on the current runtime.
pub(crate) fn start(
    store: PgStore,
    policy: Policy,
    stored: watch::Sender<u64>,
) -> (Arc<PgInbox>, Tasks) {
    let (key_tx, key) = watch::channel(None);
    let (visits, queue) = mpsc::channel(VISIT_QUEUE);
    let tasks = TaskTracker::new();
    let closing = CancellationToken::new();
    let inbox = Arc::new(PgInbox {
        store,
        key,
        visits,
        per_hour: policy.messages_per_hour,
        channels: policy.channels,
        stored,
        dropped: AtomicU64::new(0),
        log: Throttle::default(),
        tasks: tasks.clone(),
        nudge: Notify::new(),
    });
    tokio::spawn(keep(inbox.clone(), key_tx, closing.clone()));
    tasks.spawn(write_visits(inbox.clone(), queue, closing.clone()));
    if policy.visits_retention_days > 0 {
        let retention = Duration::from_secs(u64::from(policy.visits_retention_days) * 86_400);
        tokio::spawn(prune(inbox.clone(), retention, closing.clone()));
    }
    (inbox, Tasks { closing, tasks })
}

/// Migrates and fetches the key, retrying until the database answers.
async fn keep(
    inbox: Arc<PgInbox>,
    key: watch::Sender<Option<[u8; 32]>>,
    closing: CancellationToken,
) {
    let mut wait = RETRY_FIRST;
    loop {
        match inbox.store.prepare().await {
            Ok(secret) => {
                tracing::info!(database = %inbox.store.label, "inbox database ready");
                key.send_replace(Some(secret));
                return;
            }
            Err(e) => inbox.log.error(&format!(
                "inbox database not reachable, retrying every {}s at most: {e:#}",
                RETRY_MAX.as_secs()
            )),
        }
        tokio::select! {
            () = closing.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
            () = inbox.nudge.notified() => {}
        }
        wait = (wait * 2).min(RETRY_MAX);
    }
}

impl PgInbox {
    /// Whether the database answers: set up, and a query goes through.
    pub(crate) async fn reachable(&self) -> Result<(), String> {
        if self.key().is_none() {
            self.nudge.notify_one();
            return Err(format!("{} is not reachable yet", self.store.label));
        }
        let client = self.store.client().await.map_err(|e| format!("{e:#}"))?;
        client
            .simple_query("SELECT 1")
            .await
            .map(|_| ())
            .map_err(|e| format!("{}: {e}", self.store.label))
    }

    fn key(&self) -> Option<[u8; 32]> {
        *self.key.borrow()
    }

    /// The key, waiting for the keeper (nudged to try at once) until
    /// `deadline` if the database was not ready yet.
    async fn ready_key(&self, deadline: tokio::time::Instant) -> Option<[u8; 32]> {
        if let Some(key) = self.key() {
            return Some(key);
        }
        self.nudge.notify_one();
        let mut key = self.key.clone();
        let ready = tokio::time::timeout_at(deadline, key.wait_for(Option::is_some)).await;
        ready.ok()?.ok().and_then(|k| *k)
    }

    /// Stores a message; answers within [`SUBMIT_TIMEOUT`].
    pub(crate) async fn submit(self: &Arc<Self>, s: Submission) -> SubmitResult {
        let deadline = tokio::time::Instant::now() + SUBMIT_TIMEOUT;
        let Some(mut msg) = checked(&s) else {
            return SubmitResult::Invalid;
        };
        let Some(key) = self.ready_key(deadline).await else {
            self.log
                .error("a message could not be saved: the inbox database is not reachable");
            return SubmitResult::Failed;
        };
        msg.visitor = visitor_key::hash(&key, s.peer);
        let inbox = self.clone();
        let task = self.tasks.spawn(async move {
            let stored = inbox
                .store
                .insert_message(&msg, inbox.per_hour, &inbox.channels)
                .await;
            inbox.answer(stored)
        });
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => SubmitResult::Failed,
            Err(_) => {
                self.log.error(&format!(
                    "a message could not be saved in {}s: the inbox database did not answer",
                    SUBMIT_TIMEOUT.as_secs()
                ));
                SubmitResult::Failed
            }
        }
    }

    fn answer(&self, stored: anyhow::Result<Stored>) -> SubmitResult {
        match stored {
            Ok(stored) => stored.answer(&self.stored),
            Err(e) => {
                self.log.error(&format!(
                    "could not save a message in {}: {e:#}",
                    self.store.label
                ));
                SubmitResult::Failed
            }
        }
    }

    /// Queues a visit for the batcher; dropped (and counted) if full.
    pub(crate) fn record_visit(&self, visit: Visit) {
        if self.visits.try_send(visit).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Claims due deliveries; `None` when the database cannot be read.
    pub(crate) async fn claim(
        &self,
        channel_key: &str,
        limit: u32,
        lease: Duration,
    ) -> Option<Claim> {
        self.key()?;
        let now = unix(SystemTime::now());
        let lease_until = now + lease.as_secs() as i64;
        let claim = async {
            let due = self
                .store
                .claim_deliveries(channel_key, now, lease_until, limit)
                .await?;
            let next_due = self.store.next_due(channel_key).await?;
            anyhow::Ok(Claim { due, next_due })
        };
        match tokio::time::timeout(CALL_TIMEOUT, claim).await {
            Ok(Ok(claim)) => Some(claim),
            Ok(Err(e)) => {
                self.log
                    .error(&format!("could not read the deliveries to make: {e:#}"));
                None
            }
            Err(_) => None,
        }
    }

    /// Records how a delivery went, on a task of its own. Should the
    /// record be lost, the lease runs out and the delivery is retried.
    pub(crate) fn attempted(self: &Arc<Self>, id: i64, attempt: Attempt) {
        let inbox = self.clone();
        self.tasks.spawn(async move {
            let now = unix(SystemTime::now());
            let record = inbox.store.record_attempt(id, now, &attempt);
            match tokio::time::timeout(CALL_TIMEOUT, record).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => inbox
                    .log
                    .error(&format!("could not record a delivery attempt: {e:#}")),
                Err(_) => inbox
                    .log
                    .error("could not record a delivery attempt: the database did not answer"),
            }
        });
    }

    /// Writes one batch of visits; false if it could not (the database is
    /// away, or not ready within the call timeout).
    async fn write_batch(&self, batch: &[Visit]) -> bool {
        if batch.is_empty() {
            return true;
        }
        let deadline = tokio::time::Instant::now() + CALL_TIMEOUT;
        let Some(key) = self.ready_key(deadline).await else {
            return false;
        };
        let rows: Vec<_> = batch.iter().map(|v| visit_row(&key, v)).collect();
        let written =
            tokio::time::timeout_at(deadline, self.store.record_visits(&rows, None)).await;
        match written {
            Ok(Ok(_)) => true,
            Ok(Err(e)) => {
                self.log.error(&format!("could not record visits: {e:#}"));
                false
            }
            Err(_) => false,
        }
    }

    /// One line a minute at most about visits dropped.
    fn report_dropped(&self) {
        let n = self.dropped.load(Ordering::Relaxed);
        if n > 0 && self.log.visits.allow() {
            self.dropped.fetch_sub(n, Ordering::Relaxed);
            tracing::warn!(
                dropped = n,
                "visits not recorded: the inbox database is not reachable"
            );
        }
    }
}

/// Takes visits off the queue and writes them in batches. A batch that
/// cannot be written is tried again with backoff while the queue fills;
/// what does not fit in the queue meanwhile is dropped and counted. On
/// shutdown, what is queued gets one try.
async fn write_visits(
    inbox: Arc<PgInbox>,
    mut queue: mpsc::Receiver<Visit>,
    closing: CancellationToken,
) {
    let mut batch = Vec::with_capacity(64);
    loop {
        let first = tokio::select! {
            visit = queue.recv() => visit,
            () = closing.cancelled() => None,
        };
        let Some(first) = first else {
            queue.close();
            while let Some(visit) = queue.recv().await {
                batch.push(visit);
                if batch.len() == VISIT_BATCH {
                    inbox.write_or_drop(&mut batch).await;
                }
            }
            inbox.write_or_drop(&mut batch).await;
            inbox.report_dropped();
            return;
        };
        batch.push(first);
        while batch.len() < VISIT_BATCH {
            match queue.try_recv() {
                Ok(visit) => batch.push(visit),
                Err(_) => break,
            }
        }
        let mut wait = RETRY_FIRST;
        while !inbox.write_batch(&batch).await {
            if closing.is_cancelled() {
                inbox
                    .dropped
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                break;
            }
            inbox.report_dropped();
            // Cancelled meanwhile: one last try.
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = closing.cancelled() => {}
            }
            wait = (wait * 2).min(RETRY_MAX);
        }
        batch.clear();
        batch.shrink_to(64);
        inbox.report_dropped();
    }
}

impl PgInbox {
    /// One try at the batch; dropped and counted if it fails. Empties it.
    async fn write_or_drop(&self, batch: &mut Vec<Visit>) {
        if !self.write_batch(batch).await {
            self.dropped
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
        }
        batch.clear();
    }
}

/// Deletes visits past `retention`, hourly, a small batch at a time.
async fn prune(inbox: Arc<PgInbox>, retention: Duration, closing: CancellationToken) {
    // The first look comes a minute after start, like SQLite's.
    let mut wait = Duration::from_secs(60);
    loop {
        tokio::select! {
            () = closing.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = PRUNE_EVERY;
        if inbox.key().is_none() {
            continue;
        }
        let before = unix(SystemTime::now() - retention);
        loop {
            match inbox.store.prune_visits(before, PRUNE_BATCH).await {
                Ok(n) if n == u64::from(PRUNE_BATCH) => continue,
                Ok(_) => break,
                Err(e) => {
                    inbox
                        .log
                        .error(&format!("could not delete old visits: {e:#}"));
                    break;
                }
            }
        }
    }
}

/// At most one log line a minute per kind of trouble.
#[derive(Default)]
struct Throttle {
    errors: Gate,
    visits: Gate,
}

#[derive(Default)]
struct Gate(Mutex<Option<Instant>>);

impl Gate {
    fn allow(&self) -> bool {
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < Duration::from_secs(60)) {
            return false;
        }
        *last = Some(now);
        true
    }
}

impl Throttle {
    fn error(&self, message: &str) {
        crate::telemetry::database_error();
        if self.errors.allow() {
            tracing::error!("{message}");
        }
    }
}
