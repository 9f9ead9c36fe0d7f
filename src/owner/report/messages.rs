//! The inbox as the owner reads it, as text or JSON: what `sshfolio
//! messages` and the owner's `ssh owner@host messages` / `mark-read` print.
//! Visitor text is sanitised again before it is printed, so a message can
//! never drive the owner's terminal.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};

use crate::inbox::db::{Delivery, Message};
use crate::inbox::{Database, Store};
use crate::notify::rfc3339;
use crate::sanitize;
use crate::text::counted;

/// Which messages `--mark-read` marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    One(i64),
    All,
}

impl std::str::FromStr for Mark {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(Mark::All),
            id => id
                .parse()
                .map(Mark::One)
                .map_err(|_| format!("expected a message id or `all`, got {id:?}")),
        }
    }
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `sshfolio messages`: the text to print (also what the owner's
/// `ssh owner@host messages` prints).
pub async fn messages(
    database: &Database,
    store: Option<&Store>,
    json: bool,
    unread: bool,
    mark: Option<Mark>,
) -> Result<String> {
    if let Some(mark) = mark {
        let Some(store) = store else {
            bail!("no messages yet in {}", database.label());
        };
        let id = match mark {
            Mark::One(id) => {
                if !store.message_exists(id).await? {
                    bail!("there is no message #{id}");
                }
                Some(id)
            }
            Mark::All => None,
        };
        let n = store.mark_read(id, now()).await?;
        return Ok(format!("marked {} read\n", counted(n as usize, "message")));
    }
    let list = match &store {
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

/// Where one notification stands: delivered, pending (and when it is
/// tried next), or failed (and why, and how to try again).
pub fn delivery(d: &Delivery, message: i64) -> String {
    let error = d.last_error.as_deref().map(safe).unwrap_or_default();
    match d.state.as_str() {
        "delivered" => format!("{}  delivered", d.channel),
        "pending" if d.attempts == 0 => format!("{}  pending", d.channel),
        "pending" => format!(
            "{}  pending, next try {} ({}; last: {error})",
            d.channel,
            clock(d.next_attempt_at),
            counted(d.attempts as usize, "attempt")
        ),
        _ => format!(
            "{}  failed: {error} (sshfolio messages --redeliver {message})",
            d.channel
        ),
    }
}

/// "09:31 UTC", or with the date when it is not today.
fn clock(unix: i64) -> String {
    let at = rfc3339(unix);
    let today = rfc3339(now());
    match at.get(..10) == today.get(..10) {
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
        let when = m.received_at.replacen('T', " ", 1).replace('Z', " UTC");
        let state = if m.read { "" } else { "  unread" };
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
        for line in sanitize::clean(&m.message, sanitize::STORED).lines() {
            let _ = writeln!(out, "      {}", line.replace('\t', "    "));
        }
        out.push('\n');
    }
    let unread = list.iter().filter(|m| !m.read).count();
    let _ = writeln!(
        out,
        "{}, {unread} unread. Mark read: sshfolio messages --mark-read ID|all",
        counted(list.len(), "message")
    );
    out
}
