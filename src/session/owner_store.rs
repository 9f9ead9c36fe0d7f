//! The owner's console's store work, one piece at a time beside the
//! session loop: load everything the console shows, or make one change,
//! through the server's own inbox; each change the owner makes is logged
//! (by message id, never its text). A slow store (over
//! [`STORE_TIMEOUT`]) is given up on, and the console says so.

use std::time::Duration;

use anyhow::{Context, Result};
use tokio::time::Instant;

use crate::clock::now;
use crate::console::{Loaded, StoreDone, StoreWork};
use crate::inbox::{Change, Inbox, Store};
use crate::report::stats;

/// Longest a read or change of the store may take before the console
/// says the database is not reachable.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(8);

/// Does `work` with the inbox's store.
pub(super) async fn run(work: StoreWork, inbox: Inbox, visitors_now: usize) -> StoreDone {
    let deadline = Instant::now() + STORE_TIMEOUT;
    let done = async {
        let store = inbox
            .store(deadline)
            .await
            .context("the database is not usable")?;
        Ok::<_, anyhow::Error>(match work {
            StoreWork::Reload => StoreDone::Loaded(load(&*store, visitors_now).await),
            StoreWork::Change(change) => StoreDone::Changed(change, apply(&*store, change).await),
        })
    };
    let done = match tokio::time::timeout_at(deadline, done).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => failed(work, e),
        Err(_) => failed(work, anyhow::anyhow!("timed out")),
    };
    log(&done);
    done
}

fn failed(work: StoreWork, e: anyhow::Error) -> StoreDone {
    match work {
        StoreWork::Reload => StoreDone::Loaded(Err(e)),
        StoreWork::Change(change) => StoreDone::Changed(change, Err(e)),
    }
}

/// The owner's changes, and the store's failures, in the log.
fn log(done: &StoreDone) {
    match done {
        StoreDone::Changed(change, Ok(true)) => match *change {
            Change::Read(id) => tracing::info!(id, "owner marked a message read"),
            Change::Unread(id) => tracing::info!(id, "owner marked a message unread"),
            Change::Delete(id) => tracing::info!(id, "owner deleted a message"),
            Change::Redeliver(id) => {
                tracing::info!(id, "owner queued a message's failed deliveries again")
            }
            Change::AllRead => tracing::info!("owner marked every message read"),
        },
        StoreDone::Loaded(Err(e)) => {
            tracing::warn!("owner console could not load the inbox: {e:#}")
        }
        StoreDone::Changed(_, Err(e)) => {
            tracing::warn!("owner console could not change the inbox: {e:#}")
        }
        _ => {}
    }
}

/// Everything the console shows, from the store.
async fn load(store: &dyn Store, visitors_now: usize) -> Result<Loaded> {
    let messages = store.list_messages(false).await?;
    let stats = stats::stats(Some(store), 30).await?;
    Ok(Loaded {
        messages,
        stats,
        visitors_now,
    })
}

async fn apply(store: &dyn Store, change: Change) -> Result<bool> {
    Ok(store.change(change, now()).await? > 0)
}
