//! `sshfolio messages`: read the inbox (text or JSON, newest first, only
//! unread on request), mark messages read, queue failed notifications
//! again. It opens the database beside a running server (SQLite's WAL lets
//! it; PostgreSQL is shared anyway), and prints visitor text only after
//! sanitising it again, so a message can never drive the owner's
//! terminal.

use std::process::ExitCode;

use anyhow::{Result, bail};

use super::{block_on, print};
use crate::cli::{MessagesArgs, StoreArgs};
use crate::inbox::{Database, Store};
use crate::owner::report::messages::{messages, now};
use crate::text::counted;

pub fn run(args: &MessagesArgs) -> Result<ExitCode> {
    let text = block_on(async {
        let (database, store) = open(&args.store).await?;
        match args.redeliver {
            Some(id) => redeliver(&database, store, id).await,
            None => {
                messages(
                    &database,
                    store.as_ref(),
                    args.json,
                    args.unread,
                    args.mark_read,
                )
                .await
            }
        }
    })?;
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// `--redeliver ID`: the message's failed notifications, queued again.
async fn redeliver(database: &Database, store: Option<Store>, id: i64) -> Result<String> {
    let Some(store) = store else {
        bail!("no messages yet in {}", database.label());
    };
    if !store.message_exists(id).await? {
        bail!("there is no message #{id}");
    }
    let n = store.redeliver(id, now()).await?;
    if n == 0 {
        bail!("message #{id} has no failed notifications");
    }
    Ok(format!(
        "queued {} of message #{id} again; a running server sends them within seconds\n",
        counted(n as usize, "notification")
    ))
}

/// The database the flags name, opened; `None` when it is SQLite and no
/// message or visit was ever stored.
pub(super) async fn open(args: &StoreArgs) -> Result<(Database, Option<Store>)> {
    let database = args.database().map_err(anyhow::Error::msg)?;
    let store = Store::open(&database).await?;
    Ok((database, store))
}
