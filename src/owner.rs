//! The owner's commands: `sshfolio messages` (read, list as JSON, mark
//! read) and `sshfolio stats` (who came by). They open the database beside
//! a running server (WAL lets them), and print visitor text only after
//! sanitising it again, so a message can never drive the owner's terminal.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use rusqlite::Connection;

use crate::inbox::db::{self, Message};
use crate::sanitize;

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

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The database, or `None` when no message or visit was ever stored.
fn open(data: &Path) -> Result<Option<Connection>> {
    let path = data.join(db::FILE);
    if !path.exists() {
        return Ok(None);
    }
    db::open(&path)
        .map(Some)
        .with_context(|| format!("opening {}", path.display()))
}

/// `sshfolio messages`: the text to print.
pub fn messages(data: &Path, json: bool, unread: bool, mark: Option<Mark>) -> Result<String> {
    let conn = open(data)?;
    if let Some(mark) = mark {
        let Some(conn) = conn else {
            bail!("no messages yet in {}", data.display());
        };
        let id = match mark {
            Mark::One(id) => {
                if !db::message_exists(&conn, id)? {
                    bail!("there is no message #{id}");
                }
                Some(id)
            }
            Mark::All => None,
        };
        let n = db::mark_read(&conn, id, now())?;
        return Ok(format!("marked {n} message{} read\n", plural(n)));
    }
    let list = match &conn {
        Some(conn) => db::list_messages(conn, unread)?,
        None => Vec::new(),
    };
    if json {
        let mut out = serde_json::to_string_pretty(&list).context("encoding messages")?;
        out.push('\n');
        return Ok(out);
    }
    Ok(human(&list, unread))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One line of visitor text, safe for the owner's terminal.
fn safe(text: &str) -> String {
    sanitize::clean(text, sanitize::ONE_LINE)
}

fn human(list: &[Message], unread_only: bool) -> String {
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
        out.push('\n');
        for line in sanitize::clean(&m.message, sanitize::STORED).lines() {
            let _ = writeln!(out, "      {}", line.replace('\t', "    "));
        }
        out.push('\n');
    }
    let unread = list.iter().filter(|m| !m.read).count();
    let _ = writeln!(
        out,
        "{} message{}, {unread} unread. Mark read: sshfolio messages --mark-read ID|all",
        list.len(),
        plural(list.len())
    );
    out
}

/// `sshfolio stats`: visitors per day, session length, sections, clients.
pub fn stats(data: &Path, days: u32) -> Result<String> {
    let Some(conn) = open(data)? else {
        return Ok("no visits recorded yet\n".to_string());
    };
    let since = now() - i64::from(days) * 86_400;
    let visits = db::visits_since(&conn, since)?;
    let messages = db::messages_since(&conn, since)?;
    let mut out = String::new();
    if visits.is_empty() {
        let _ = writeln!(out, "no visits in the last {days} days");
        return Ok(out);
    }
    let visitors: HashSet<&str> = visits.iter().map(|(_, v)| v.visitor.as_str()).collect();
    let mut durations: Vec<i64> = visits.iter().map(|(_, v)| v.duration_ms).collect();
    durations.sort_unstable();
    let median = durations[durations.len() / 2];
    let _ = writeln!(
        out,
        "last {days} days: {} visit{} from {} visitor{} · {messages} message{} · median visit {}",
        visits.len(),
        plural(visits.len()),
        visitors.len(),
        plural(visitors.len()),
        plural(messages as usize),
        duration(median)
    );

    let mut per_day: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    for (day, v) in &visits {
        per_day.entry(day).or_default().insert(&v.visitor);
    }
    let rows: Vec<(String, usize)> = per_day
        .iter()
        .map(|(day, who)| (day.to_string(), who.len()))
        .collect();
    chart(&mut out, "visitors per day", &rows);

    let mut sections: BTreeMap<String, usize> = BTreeMap::new();
    let mut clients: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for (_, v) in &visits {
        for s in v.sections.split(',').filter(|s| !s.is_empty()) {
            *sections.entry(s.to_string()).or_default() += 1;
        }
        *clients.entry(client_name(&v.client)).or_default() += 1;
        *kinds.entry(safe(&v.kind)).or_default() += 1;
    }
    chart(&mut out, "most viewed sections", &by_count(sections));
    chart(&mut out, "clients", &by_count(clients));
    chart(&mut out, "how they came", &by_count(kinds));
    Ok(out)
}

/// "OpenSSH_9.6p1" from "SSH-2.0-OpenSSH_9.6p1 Debian-3", made safe.
fn client_name(version: &str) -> String {
    let name = version.strip_prefix("SSH-2.0-").unwrap_or(version);
    let name = name.split_whitespace().next().unwrap_or("unknown");
    safe(name).chars().take(32).collect()
}

fn by_count(map: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut rows: Vec<(String, usize)> = map.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows.truncate(10);
    rows
}

/// A titled bar chart: label, bar scaled to the largest, count.
fn chart(out: &mut String, title: &str, rows: &[(String, usize)]) {
    const BAR: usize = 30;
    let _ = writeln!(out, "\n{title}");
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    for (label, n) in rows {
        let bar = "█".repeat((n * BAR).div_ceil(max));
        let _ = writeln!(out, "  {label:<width$}  {bar} {n}");
    }
}

/// "1m 12s", "45s", "2h 03m".
fn duration(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations_and_client_names() {
        assert_eq!(duration(45_000), "45s");
        assert_eq!(duration(72_000), "1m 12s");
        assert_eq!(duration(7_380_000), "2h 03m");
        assert_eq!(
            client_name("SSH-2.0-OpenSSH_9.6p1 Debian-3"),
            "OpenSSH_9.6p1"
        );
        assert_eq!(client_name("SSH-2.0-\x1b[31mevil"), "evil");
    }

    #[test]
    fn parses_mark_targets() {
        assert_eq!("all".parse::<Mark>(), Ok(Mark::All));
        assert_eq!("12".parse::<Mark>(), Ok(Mark::One(12)));
        assert!("twelve".parse::<Mark>().is_err());
    }

    #[test]
    fn charts_scale_to_the_largest() {
        let mut out = String::new();
        chart(&mut out, "t", &[("a".into(), 10), ("bb".into(), 5)]);
        assert_eq!(
            out,
            format!(
                "\nt\n  a   {} 10\n  bb  {} 5\n",
                "█".repeat(30),
                "█".repeat(15)
            )
        );
    }
}
