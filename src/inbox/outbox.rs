//! The outbox as delivery workers use it: claim a channel's due
//! deliveries, record each attempt, and wait for new messages. On SQLite
//! every call goes through the writer thread, like everything else that
//! touches the database.

use std::sync::mpsc::TrySendError;
use std::time::Duration;

use tokio::sync::{oneshot, watch};

use super::{Attempt, Backend, Due, Inbox, Job};

/// What a worker asks for: up to `limit` due deliveries of the channel,
/// leased for `lease`.
#[derive(Debug, Clone)]
pub struct ClaimRequest {
    pub channel_key: String,
    pub limit: u32,
    pub lease: Duration,
}

/// Deliveries claimed, and when the channel's next one is due (unix
/// seconds) if it has any left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    pub due: Vec<Due>,
    pub next_due: Option<i64>,
}

/// How long a claim may wait for the writer.
const CLAIM_TIMEOUT: Duration = Duration::from_secs(15);

impl Inbox {
    /// Claims a channel's due deliveries; `None` when the database could
    /// not be read (the worker tries again later).
    pub async fn claim(&self, channel_key: &str, limit: u32, lease: Duration) -> Option<Claim> {
        let jobs = match &self.backend {
            Backend::Sqlite(jobs) => jobs,
            Backend::Postgres(pg) => return pg.claim(channel_key, limit, lease).await,
            Backend::Unusable => return None,
        };
        let (reply, answer) = oneshot::channel();
        let request = ClaimRequest {
            channel_key: channel_key.to_string(),
            limit,
            lease,
        };
        jobs.try_send(Job::Claim(request, reply)).ok()?;
        tokio::time::timeout(CLAIM_TIMEOUT, answer)
            .await
            .ok()?
            .ok()?
    }

    /// Records how an attempt went. Should the record be lost (a full
    /// queue, a crash), the lease runs out and the delivery is tried
    /// again: at least once, never lost.
    pub fn attempted(&self, id: i64, attempt: Attempt) {
        match &self.backend {
            Backend::Sqlite(jobs) => {
                if let Err(TrySendError::Full(_)) = jobs.try_send(Job::Attempted { id, attempt }) {
                    tracing::warn!("inbox queue full; a delivery attempt was not recorded");
                }
            }
            Backend::Postgres(pg) => pg.attempted(id, attempt),
            Backend::Unusable => {}
        }
    }

    /// Changes whenever a message is stored (with deliveries to make).
    pub fn stored_messages(&self) -> watch::Receiver<u64> {
        self.stored.clone()
    }
}
