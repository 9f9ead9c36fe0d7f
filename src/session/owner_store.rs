//! The owner's session's store work, one piece at a time beside the
//! session loop: load everything the console shows, or make one change,
//! through the server's own inbox. A slow store (over [`STORE_TIMEOUT`])
//! is given up on, and the console says so.

use std::time::Duration;

use anyhow::{Context, Result};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::clock::now;
use crate::console::Loaded;
use crate::inbox::{Change, Inbox, Store};
use crate::report::stats;

/// Longest a read or change of the store may take before the console
/// says the database is not reachable.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(8);

/// What a store task finished.
pub(super) enum Done {
    Loaded(Result<Loaded>),
    Changed(Change, Result<bool>),
}

/// Work for the store, one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Work {
    Reload,
    Change(Change),
}

/// Does `work` with the inbox's store.
pub(super) async fn run(work: Work, inbox: Inbox, visitors_now: usize) -> Done {
    let deadline = Instant::now() + STORE_TIMEOUT;
    let done = async {
        let store = inbox
            .store(deadline)
            .await
            .context("the database is not usable")?;
        Ok::<_, anyhow::Error>(match work {
            Work::Reload => Done::Loaded(load(&*store, visitors_now).await),
            Work::Change(change) => Done::Changed(change, apply(&*store, change).await),
        })
    };
    match tokio::time::timeout_at(deadline, done).await {
        Ok(Ok(done)) => done,
        Ok(Err(e)) => failed(work, e),
        Err(_) => failed(work, anyhow::anyhow!("timed out")),
    }
}

fn failed(work: Work, e: anyhow::Error) -> Done {
    match work {
        Work::Reload => Done::Loaded(Err(e)),
        Work::Change(change) => Done::Changed(change, Err(e)),
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

/// The running store task's result, or never when none runs.
pub(super) async fn finished(work: &mut Option<JoinHandle<Done>>) -> Done {
    match work {
        Some(task) => match task.await {
            Ok(done) => done,
            Err(_) => Done::Loaded(Err(anyhow::anyhow!("the store task failed"))),
        },
        None => std::future::pending().await,
    }
}
