//! The delivery workers: one task per channel, never a visitor's session,
//! so a slow or dead channel delays no visitor and no other channel. A
//! worker claims its channel's due deliveries from the inbox (leased, so
//! no other worker takes them meanwhile), tries each once, and records
//! what happened: delivered, failed for good, or when to try again. It
//! sleeps until the next delivery is due or a new message arrives. On
//! shutdown an attempt in flight is dropped; its lease runs out and it is
//! tried again after the restart, as after a crash.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::retry;
use super::{ATTEMPT_TIMEOUT, Channel, Channels, Notification, Sender};
use crate::clock::now;
use crate::inbox::{Attempt, Due, Inbox};

/// Deliveries claimed at once.
const BATCH: u32 = 16;

/// How long a claim keeps other workers off a delivery: long enough for
/// the attempt, short enough that a crashed worker's claims come back.
const LEASE: Duration = Duration::from_secs(3 * ATTEMPT_TIMEOUT.as_secs());

/// The longest a worker sleeps without looking at its channel: what
/// another process queued (`messages --redeliver`, another replica's
/// messages) goes out within this.
pub const LOOK_EVERY: Duration = Duration::from_secs(10);

/// Starts one worker per channel on `tasks`, each looking at its channel
/// at least every `look_every` ([`LOOK_EVERY`] but in tests).
pub fn start(
    inbox: &Inbox,
    channels: &Channels,
    sender: &Sender,
    shutdown: &CancellationToken,
    tasks: &TaskTracker,
    look_every: Duration,
) {
    for channel in &channels.0 {
        let worker = Worker {
            inbox: inbox.clone(),
            channel: channel.clone(),
            sender: sender.clone(),
            shutdown: shutdown.clone(),
            look_every,
        };
        tasks.spawn(worker.run());
    }
}

struct Worker {
    inbox: Inbox,
    channel: Arc<Channel>,
    sender: Sender,
    shutdown: CancellationToken,
    look_every: Duration,
}

impl Worker {
    async fn run(self) {
        let mut stored = self.inbox.stored_messages();
        while !self.shutdown.is_cancelled() {
            // Seen before claiming: a message stored meanwhile wakes us.
            stored.borrow_and_update();
            let claim = self.inbox.claim(&self.channel.key, BATCH, LEASE).await;
            let next_due = match claim {
                // Attempts made: claim again, which also sees when the
                // retries just recorded are due.
                Some(claim) if !claim.due.is_empty() => {
                    for due in claim.due {
                        self.attempt(due).await;
                    }
                    continue;
                }
                Some(claim) => claim.next_due,
                // The database could not be read: look again later.
                None => None,
            };
            let wake = self.until(next_due);
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                _ = stored.changed() => {}
                () = tokio::time::sleep_until(Instant::now() + wake) => {}
            }
        }
    }

    /// One attempt at one delivery, and its record.
    async fn attempt(&self, due: Due) {
        let notification = Notification::of(&due);
        let outcome = tokio::select! {
            outcome = self.sender.send(&self.channel, &notification) => outcome,
            // Abandoned: the lease brings it back after the restart.
            () = self.shutdown.cancelled() => return,
        };
        let attempts = due.delivery.attempts + 1;
        let queued_for =
            Duration::from_secs(now().saturating_sub(due.delivery.created_at).max(0) as u64);
        let attempt = retry::next(outcome, attempts, queued_for, now());
        self.log(&attempt, due.message.id, attempts);
        let outcome = match attempt {
            Attempt::Delivered => "delivered",
            Attempt::Retry { .. } => "retry",
            Attempt::Failed { .. } => "failed",
        };
        crate::metrics::delivery(self.channel.target.kind(), outcome);
        self.inbox.attempted(due.delivery.id, attempt).await;
    }
}

impl Worker {
    /// One line per attempt: delivered, failed for good, or when it is
    /// tried next.
    fn log(&self, attempt: &Attempt, message_id: i64, attempts: u32) {
        let channel = self.channel.label.as_str();
        match attempt {
            Attempt::Delivered => {
                tracing::info!(channel, message_id, attempts, "notification delivered")
            }
            Attempt::Failed { error } => tracing::warn!(
                channel,
                message_id,
                attempts,
                error = error.as_str(),
                "notification failed for good"
            ),
            Attempt::Retry { at, error } => tracing::warn!(
                channel,
                message_id,
                attempts,
                retry_in_seconds = at.saturating_sub(now()).max(0),
                error = error.as_str(),
                "notification not delivered yet"
            ),
        }
    }

    /// How long to sleep until unix second `at` (none: the longest
    /// sleep), never longer than the look interval.
    fn until(&self, at: Option<i64>) -> Duration {
        match at {
            Some(at) => Duration::from_secs(at.saturating_sub(now()).max(0) as u64),
            None => self.look_every,
        }
        .min(self.look_every)
    }
}
