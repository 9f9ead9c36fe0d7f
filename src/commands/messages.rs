//! `sshfolio messages`: read the inbox (text or JSON, newest first, only
//! unread on request), mark messages read, queue failed notifications
//! again. It opens the database beside a running server (SQLite's WAL lets
//! it; PostgreSQL is shared anyway), and prints visitor text only after
//! sanitising it again, so a message can never drive the owner's
//! terminal.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;

use super::{block_on, print};
use crate::cli::{MessagesArgs, StoreArgs};
use crate::inbox::{self, Database, Store};
use crate::report::messages::{OwnerInbox, mark_read, messages, redeliver};

pub fn run(args: &MessagesArgs) -> Result<ExitCode> {
    let text = block_on(async {
        let (database, store) = open(&args.store).await?;
        let inbox = OwnerInbox {
            store: store.as_deref(),
            label: &database.label(),
        };
        match (args.redeliver, args.mark_read) {
            (Some(id), _) => redeliver(&inbox, id).await,
            (None, Some(mark)) => mark_read(&inbox, mark).await,
            (None, None) => messages(&inbox, args.json, args.unread).await,
        }
    })?;
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The database the flags name, opened; `None` when it is SQLite and no
/// message or visit was ever stored.
pub(super) async fn open(args: &StoreArgs) -> Result<(Database, Option<Arc<dyn Store>>)> {
    let database = args.database()?;
    let store = inbox::open(&database).await?;
    Ok((database, store))
}
