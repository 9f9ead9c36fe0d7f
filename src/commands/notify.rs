//! `sshfolio notify test`: a test notification to every channel the
//! `--notify` flags (or `SSHFOLIO_NOTIFY`) name, with ok or the error for
//! each, exit 1 if any failed — to check a channel before a visitor's
//! message depends on it. Also the channel setup `serve` shares.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Result, bail};

use super::messages::open;
use super::{EXIT_FAILURE, print};
use crate::cli::{NotifyArgs, NotifyCommand, NotifyTestArgs, StoreArgs};
use crate::notify::{Channels, Notification, Outcome, Sender, signing_key};
use crate::{clock, content};

pub fn run(command: &NotifyCommand) -> Result<ExitCode> {
    match command {
        NotifyCommand::Test(args) => test(args),
    }
}

/// The channels and the sender the flags describe; `default_to` is where
/// email goes when its URL names no recipient. Errors are one line naming
/// the flag.
pub fn setup(args: &NotifyArgs, default_to: &str) -> Result<(Channels, Sender)> {
    let channels = Channels::parse(&args.notify, default_to)?;
    let key = match &args.notify_secret {
        Some(secret) => Some(signing_key(secret)?),
        None => None,
    };
    Ok((channels, Sender::new(key)?))
}

/// What the outbox still holds, for the owner checking a channel: a
/// line per channel with deliveries pending or failed. Only a report: a
/// database that cannot be read is said, and fails nothing.
async fn backlog(args: &StoreArgs) -> String {
    let read = async {
        let (database, store) = open(args).await?;
        let rows = match store {
            Some(store) => store.backlog().await?,
            None => Vec::new(),
        };
        anyhow::Ok((database, rows))
    };
    match read.await {
        Ok((_, rows)) if rows.is_empty() => String::new(),
        Ok((database, rows)) => {
            let mut out = format!("\nnot yet delivered, in {}:\n", database.label());
            for row in rows {
                let _ = writeln!(
                    out,
                    "  {}  {} pending, {} failed",
                    row.channel, row.pending, row.failed
                );
            }
            out.push_str(
                "  (sshfolio messages shows which; --redeliver ID queues failed ones again)\n",
            );
            out
        }
        Err(e) => format!("\nthe outbox could not be read: {e:#}\n"),
    }
}

fn test(args: &NotifyTestArgs) -> Result<ExitCode> {
    // The content only gives email its default recipient.
    let default_to = content::load(&args.content)
        .map(|c| c.contact.email)
        .unwrap_or_default();
    let (channels, sender) = setup(&args.notify, &default_to)?;
    if channels.is_empty() {
        bail!("no channels: give --notify URL (or set SSHFOLIO_NOTIFY)");
    }
    let notification = Notification::test(clock::now());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // Every channel at once: a dead one costs its timeout, not the rest.
    let results: Vec<Outcome> = runtime.block_on(async {
        let sends: Vec<_> = channels
            .0
            .iter()
            .map(|channel| {
                let (sender, channel, n) = (sender.clone(), channel.clone(), notification.clone());
                tokio::spawn(async move { sender.send(&channel, &n).await })
            })
            .collect();
        let mut results = Vec::with_capacity(sends.len());
        for send in sends {
            results.push(send.await.unwrap_or_else(|e| Outcome::retry(e.to_string())));
        }
        results
    });
    let mut out = String::new();
    let mut failed = false;
    for (channel, outcome) in channels.0.iter().zip(results) {
        let verdict = match outcome {
            Outcome::Delivered => "ok".to_string(),
            Outcome::Retry { error, .. } | Outcome::Failed { error } => {
                failed = true;
                error
            }
        };
        let _ = writeln!(out, "{}  {verdict}", channel.label);
    }
    out.push_str(&runtime.block_on(backlog(&args.store)));
    print(&out)?;
    Ok(if failed {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}
