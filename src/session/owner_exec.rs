//! `ssh owner@host COMMAND`: the owner's commands over SSH — `messages
//! [--json] [--unread]`, `stats [--days N]`, `mark-read ID|all` — parsed
//! like the local CLI (clap, with its usage errors and `--help`) and
//! answered with the same text and exit codes as `sshfolio messages` and
//! `sshfolio stats`, so the owner can script them from a laptop. Nothing is
//! executed: each is a read or a mark in the store.

use clap::{Parser, Subcommand};

use tokio::time::Instant;

use super::owner_store::STORE_TIMEOUT;
use crate::inbox::Inbox;
use crate::report::messages::{self, Mark, OwnerInbox};
use crate::report::stats;

/// What an exec command answers: stdout, stderr and the exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub status: u32,
}

/// Exit status of a command that failed (as `sshfolio` exits).
const EXIT_FAILED: u32 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "ssh owner@host",
    no_binary_name = true,
    disable_version_flag = true,
    about = "The owner's commands over SSH"
)]
struct OwnerCli {
    #[command(subcommand)]
    command: OwnerCommand,
}

#[derive(Debug, Subcommand)]
enum OwnerCommand {
    /// The messages visitors left, newest first.
    Messages {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Only messages not yet marked read.
        #[arg(long)]
        unread: bool,
    },
    /// Who came by: visitors per day, session length, sections, clients.
    Stats {
        /// How many days back to count.
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
    /// Mark a message read, by id, or `all`.
    MarkRead {
        #[arg(value_name = "ID|all", value_parser = Mark::parse)]
        which: Mark,
    },
}

/// Runs one owner command against the server's inbox; what it changes is
/// logged.
pub async fn run(command: &[u8], inbox: &Inbox) -> Output {
    let line = String::from_utf8_lossy(command);
    let words = line.split_whitespace();
    let parsed = match OwnerCli::try_parse_from(words) {
        Ok(parsed) => parsed,
        Err(e) => {
            let text = e.render().to_string();
            let status = e.exit_code() as u32;
            return if status == 0 {
                Output::ok(text)
            } else {
                Output::failed(text, status)
            };
        }
    };
    let Some(store) = inbox.store(Instant::now() + STORE_TIMEOUT).await else {
        return Output::failed(
            "sshfolio: the database is not reachable (see the server's log)\n".into(),
            EXIT_FAILED,
        );
    };
    let owner_inbox = OwnerInbox {
        store: Some(&*store),
        label: store.label(),
    };
    let text = match parsed.command {
        OwnerCommand::Messages { json, unread } => {
            messages::messages(&owner_inbox, json, unread).await
        }
        OwnerCommand::Stats { days } => stats::stats(Some(&*store), days).await,
        OwnerCommand::MarkRead { which } => {
            let marked = messages::mark_read(&owner_inbox, which).await;
            if marked.is_ok() {
                match which {
                    Mark::One(id) => tracing::info!(id, "owner marked a message read"),
                    Mark::All => tracing::info!("owner marked every message read"),
                }
            }
            marked
        }
    };
    match text {
        Ok(text) => Output::ok(text),
        Err(e) => Output::failed(format!("sshfolio: {e:#}\n"), EXIT_FAILED),
    }
}

impl Output {
    fn ok(stdout: String) -> Output {
        Output {
            stdout,
            stderr: String::new(),
            status: 0,
        }
    }

    fn failed(stderr: String, status: u32) -> Output {
        Output {
            stdout: String::new(),
            stderr,
            status,
        }
    }
}
