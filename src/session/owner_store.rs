//! The owner's session's store work, one piece at a time beside the
//! session loop: load everything the console shows, or make one change.
//! A failed or slow store (over [`STORE_TIMEOUT`]) gives up the store
//! handle, so the next piece opens it again.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::task::JoinHandle;

use crate::inbox::{Database, Store};
use crate::owner::console::{Change, Loaded};
use crate::owner::report::{messages, stats};

/// Longest a read or change of the store may take before the console
/// says the database is not reachable.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(8);

/// What a store task finished.
pub(super) enum Done {
    Loaded(Result<Loaded>),
    Changed(Change, Result<bool>),
}

/// A store task's result: the store to keep (none after a failure, so
/// the next task opens it again) and what it did.
pub(super) type Finished = (Option<Arc<Store>>, Done);

/// Work for the store, one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Work {
    Reload,
    Change(Change),
}

/// Does `work` with `store` (opened from `database` when there is none).
pub(super) async fn run(
    work: Work,
    store: Option<Arc<Store>>,
    database: Option<Database>,
    visitors_now: usize,
) -> Finished {
    let done = async {
        let store = match store {
            Some(store) => Some(store),
            None => open(database.as_ref()).await?,
        };
        let done = match work {
            Work::Reload => Done::Loaded(load(store.as_deref(), visitors_now).await),
            Work::Change(change) => Done::Changed(change, apply(store.as_deref(), change).await),
        };
        Ok::<_, anyhow::Error>((store, done))
    };
    match tokio::time::timeout(STORE_TIMEOUT, done).await {
        Ok(Ok(finished)) => finished,
        Ok(Err(e)) => (None, failed(work, e)),
        Err(_) => (None, failed(work, anyhow::anyhow!("timed out"))),
    }
}

fn failed(work: Work, e: anyhow::Error) -> Done {
    match work {
        Work::Reload => Done::Loaded(Err(e)),
        Work::Change(change) => Done::Changed(change, Err(e)),
    }
}

async fn open(database: Option<&Database>) -> Result<Option<Arc<Store>>> {
    let database = database.context("the database is not usable")?;
    Ok(Store::open(database).await?.map(Arc::new))
}

/// Everything the console shows, from the store (none yet: empty).
async fn load(store: Option<&Store>, visitors_now: usize) -> Result<Loaded> {
    let Some(store) = store else {
        return Ok(Loaded {
            stats: "no visits recorded yet".into(),
            visitors_now,
            ..Loaded::default()
        });
    };
    let messages = store.list_messages(false).await?;
    let stats = stats::stats(Some(store), 30).await?;
    Ok(Loaded {
        messages,
        stats,
        visitors_now,
    })
}

async fn apply(store: Option<&Store>, change: Change) -> Result<bool> {
    let store = store.context("no messages yet")?;
    let now = messages::now();
    Ok(match change {
        Change::Read(id) => store.mark_read(Some(id), now).await? > 0,
        Change::Unread(id) => store.mark_unread(id).await? > 0,
        Change::Delete(id) => store.delete_message(id).await?,
        Change::Redeliver(id) => store.redeliver(id, now).await? > 0,
    })
}

/// The running store task's result, or never when none runs.
pub(super) async fn finished(work: &mut Option<JoinHandle<Finished>>) -> Finished {
    match work {
        Some(task) => match task.await {
            Ok(done) => done,
            Err(_) => (
                None,
                Done::Loaded(Err(anyhow::anyhow!("the store task failed"))),
            ),
        },
        None => std::future::pending().await,
    }
}
