//! The inbox's own tasks, the same on both stores, none in a visitor's
//! way:
//!
//! - the keeper prepares the store (schema, visitor key), retrying with
//!   backoff (1 s doubling to 30 s) until it answers, and at once when a
//!   visitor is waiting; the portfolio is served meanwhile;
//! - the visit writer takes finished sessions off a bounded queue and
//!   writes them in batches; with the database away it tries its batch
//!   again with backoff, and what the queue cannot hold is dropped,
//!   counted, and logged once a minute — never piled up;
//! - the pruner deletes visits past their retention, hourly, a small
//!   batch at a time.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::model::Visit;
use super::policy::{
    CALL_TIMEOUT, PRUNE_BATCH, PRUNE_EVERY, PRUNE_FIRST, RETRY_FIRST, RETRY_MAX, VISIT_BATCH,
    checked_visit,
};
use super::{Core, Inbox, visitor_key};
use crate::clock;

/// Whether the store is ready: the visitor-hash key once it is, else how
/// many attempts at preparing it have started and failed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    Trying { started: u64, failed: u64 },
    Ready([u8; 32]),
}

/// Starts the keeper, the visit writer and the pruner on the current
/// runtime.
pub fn start(
    inbox: &Inbox,
    ready: watch::Sender<Readiness>,
    queue: mpsc::Receiver<Visit>,
    closing: &CancellationToken,
) {
    let core = &inbox.0;
    tokio::spawn(keep(core.clone(), ready, closing.clone()));
    core.tasks
        .spawn(write_visits(inbox.clone(), queue, closing.clone()));
    if let Some(retention) = core.policy.retention() {
        tokio::spawn(prune(inbox.clone(), retention, closing.clone()));
    }
}

/// Prepares the store, retrying until it answers.
async fn keep(core: Arc<Core>, ready: watch::Sender<Readiness>, closing: CancellationToken) {
    let Some(store) = core.store.clone() else {
        return;
    };
    let mut wait = RETRY_FIRST;
    for attempt in 1.. {
        ready.send_replace(Readiness::Trying {
            started: attempt,
            failed: attempt - 1,
        });
        match store.prepare().await {
            Ok(key) => {
                tracing::info!(database = store.label(), "inbox database ready");
                ready.send_replace(Readiness::Ready(key));
                return;
            }
            Err(e) => {
                core.error(&format!(
                    "inbox database not reachable, retrying every {}s at most: {e:#}",
                    RETRY_MAX.as_secs()
                ));
                ready.send_replace(Readiness::Trying {
                    started: attempt,
                    failed: attempt,
                });
            }
        }
        tokio::select! {
            () = closing.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
            () = core.nudge.notified() => {}
        }
        wait = (wait * 2).min(RETRY_MAX);
    }
}

/// Takes visits off the queue and writes them in batches. A batch that
/// cannot be written is tried again with backoff while the queue fills;
/// what does not fit in the queue meanwhile is dropped and counted. On
/// shutdown, what is queued gets one try.
async fn write_visits(inbox: Inbox, mut queue: mpsc::Receiver<Visit>, closing: CancellationToken) {
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
                inbox.drop_visits(batch.len());
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

impl Inbox {
    /// Writes one batch of visits, their addresses hashed; false if it
    /// could not (the database is away, or not ready in time).
    async fn write_batch(&self, batch: &[Visit]) -> bool {
        let Some(store) = &self.0.store else {
            return true;
        };
        if batch.is_empty() {
            return true;
        }
        let deadline = Instant::now() + CALL_TIMEOUT;
        let Some(key) = self.ready_key(deadline).await else {
            return false;
        };
        let rows: Vec<Visit> = batch
            .iter()
            .map(|v| Visit {
                visitor: visitor_key::hash(&key, v.peer),
                ..checked_visit(v.clone())
            })
            .collect();
        match tokio::time::timeout_at(deadline, store.record_visits(&rows)).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                self.0
                    .error(&format!("could not record {} visits: {e:#}", rows.len()));
                false
            }
            Err(_) => false,
        }
    }

    /// One try at the batch; dropped and counted if it fails. Empties it.
    async fn write_or_drop(&self, batch: &mut Vec<Visit>) {
        if !self.write_batch(batch).await {
            self.drop_visits(batch.len());
        }
        batch.clear();
    }

    fn drop_visits(&self, n: usize) {
        self.0.dropped.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// One line a minute at most about visits dropped.
    fn report_dropped(&self) {
        let n = self.0.dropped.load(Ordering::Relaxed);
        if n > 0 && self.0.drops.allow() {
            self.0.dropped.fetch_sub(n, Ordering::Relaxed);
            tracing::warn!(
                dropped = n,
                "visits not recorded: the inbox database is not reachable"
            );
        }
    }
}

/// Deletes visits past `retention`, hourly, a small batch at a time.
async fn prune(inbox: Inbox, retention: Duration, closing: CancellationToken) {
    let mut wait = PRUNE_FIRST;
    loop {
        tokio::select! {
            () = closing.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = PRUNE_EVERY;
        inbox.prune_once(retention).await;
    }
}

impl Inbox {
    /// Deletes every visit past `retention`, a batch at a time; nothing
    /// before the store is ready.
    pub(super) async fn prune_once(&self, retention: Duration) {
        let Some(store) = &self.0.store else { return };
        if self.key().is_none() {
            return;
        }
        let before = clock::now() - retention.as_secs() as i64;
        loop {
            match store.prune_visits(before, PRUNE_BATCH).await {
                Ok(n) if n == u64::from(PRUNE_BATCH) => continue,
                Ok(_) => return,
                Err(e) => {
                    self.0.error(&format!("could not delete old visits: {e:#}"));
                    return;
                }
            }
        }
    }
}
