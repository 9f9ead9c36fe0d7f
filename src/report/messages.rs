//! The inbox as the owner reads it, as text or JSON, and the owner's
//! changes to it from the command line: what `sshfolio messages` (with
//! `--mark-read`, `--redeliver`) and the owner's `ssh owner@host
//! messages` / `mark-read` print. Visitor text is sanitised again before
//! it is printed, so a message can never drive the owner's terminal.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};

use crate::clock::{self, now};
use crate::inbox::{Change, Delivery, DeliveryState, Message, Store};
use crate::sanitize;
use crate::text::counted;

/// Which messages `--mark-read` marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    One(i64),
    All,
}

/// `--mark-read` given something that is neither an id nor `all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a message id or `all`, got {0:?}")]
pub struct NotAMark(String);

impl Mark {
    /// `ID` or `all`, as `--mark-read` takes it.
    pub fn parse(text: &str) -> Result<Mark, NotAMark> {
        match text {
            "all" => Ok(Mark::All),
            id => id
                .parse()
                .map(Mark::One)
                .map_err(|_| NotAMark(id.to_string())),
        }
    }
}

/// The inbox the owner asked about: its store, or `None` when nothing
/// was ever stored; and its name for "no messages yet in …".
pub struct OwnerInbox<'a> {
    pub store: Option<&'a dyn Store>,
    pub label: &'a str,
}

impl OwnerInbox<'_> {
    fn store(&self) -> Result<&dyn Store> {
        match self.store {
            Some(store) => Ok(store),
            None => bail!("no messages yet in {}", self.label),
        }
    }

    /// A message that must exist for a change to it.
    async fn existing(&self, id: i64) -> Result<&dyn Store> {
        let store = self.store()?;
        if !store.message_exists(id).await? {
            bail!("there is no message #{id}");
        }
        Ok(store)
    }
}

/// `sshfolio messages [--json] [--unread]`: the text to print.
pub async fn messages(inbox: &OwnerInbox<'_>, json: bool, unread: bool) -> Result<String> {
    let list = match inbox.store {
        Some(store) => store.list_messages(unread).await?,
        None => Vec::new(),
    };
    if json {
        let json = serde_json::to_string_pretty(&list).context("encoding messages")?;
        let mut out = sanitize::json_for_terminal(&json);
        out.push('\n');
        return Ok(out);
    }
    Ok(human(&list, unread))
}

/// `--mark-read ID|all`: what it did.
pub async fn mark_read(inbox: &OwnerInbox<'_>, mark: Mark) -> Result<String> {
    let n = match mark {
        Mark::One(id) => {
            let store = inbox.existing(id).await?;
            store.change(Change::Read(id), now()).await?
        }
        Mark::All => inbox.store()?.change(Change::AllRead, now()).await?,
    };
    Ok(format!("marked {} read\n", counted(n as usize, "message")))
}

/// `--redeliver ID`: the message's failed notifications, queued again.
pub async fn redeliver(inbox: &OwnerInbox<'_>, id: i64) -> Result<String> {
    let store = inbox.existing(id).await?;
    let n = store.change(Change::Redeliver(id), now()).await?;
    if n == 0 {
        bail!("message #{id} has no failed notifications");
    }
    Ok(format!(
        "queued {} of message #{id} again; a running server sends them within seconds\n",
        counted(n as usize, "notification")
    ))
}

/// Where one notification stands: delivered, pending (and when it is
/// tried next), or failed (and why, and how to try again).
pub fn delivery(d: &Delivery, message: i64) -> String {
    let error = d.last_error.as_deref().map(safe).unwrap_or_default();
    match d.state {
        DeliveryState::Delivered => format!("{}  delivered", d.channel),
        DeliveryState::Pending if d.attempts == 0 => format!("{}  pending", d.channel),
        DeliveryState::Pending => format!(
            "{}  pending, next try {} ({}; last: {error})",
            d.channel,
            clock_time(d.next_attempt_at),
            counted(d.attempts as usize, "attempt")
        ),
        DeliveryState::Failed => format!(
            "{}  failed: {error} (sshfolio messages --redeliver {message})",
            d.channel
        ),
    }
}

/// "09:31 UTC", or with the date when it is not today.
fn clock_time(unix: i64) -> String {
    let at = clock::rfc3339(unix);
    match clock::date(unix) == clock::date(now()) {
        true => format!("{} UTC", &at[11..16]),
        false => format!("{} {} UTC", &at[..10], &at[11..16]),
    }
}

/// One line of visitor text, safe for the owner's terminal.
pub fn safe(text: &str) -> String {
    sanitize::clean(text, sanitize::ONE_LINE)
}

pub fn human(list: &[Message], unread_only: bool) -> String {
    let mut out = String::new();
    if list.is_empty() {
        out.push_str(if unread_only {
            "no unread messages\n"
        } else {
            "no messages yet\n"
        });
        return out;
    }
    for m in list {
        let when = clock::rfc3339(m.received_at)
            .replacen('T', " ", 1)
            .replace('Z', " UTC");
        let state = if m.is_read() { "" } else { "  unread" };
        let _ = writeln!(out, "#{}  {when}{state}", m.id);
        let _ = writeln!(out, "  from   {}", safe(&m.name));
        if !m.contact.is_empty() {
            let _ = writeln!(out, "  reach  {}", safe(&m.contact));
        }
        if let Some(key) = &m.key_fingerprint {
            let _ = writeln!(out, "  key    {}", safe(key));
        }
        for d in &m.deliveries {
            let _ = writeln!(out, "  sent   {}", delivery(d, m.id));
        }
        out.push('\n');
        for line in sanitize::clean(&m.body, sanitize::STORED).lines() {
            let _ = writeln!(out, "      {}", line.replace('\t', "    "));
        }
        out.push('\n');
    }
    let unread = list.iter().filter(|m| !m.is_read()).count();
    let _ = writeln!(
        out,
        "{}, {unread} unread. Mark read: sshfolio messages --mark-read ID|all",
        counted(list.len(), "message")
    );
    out
}
