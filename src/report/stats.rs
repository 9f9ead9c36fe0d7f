//! Who came by, as text with bar charts: what `sshfolio stats`, the
//! owner's `ssh owner@host stats` and the console's Stats print. The
//! database does the counting, so memory stays flat however many visits
//! there are; every label that came from a visitor is cleaned first.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Result;

use super::messages::safe;
use crate::app::Section;
use crate::clock::now;
use crate::inbox::Store;
use crate::text::counted;

/// `sshfolio stats`: visitors per day, session length, sections, clients.
/// The database adds up the visits; only the totals come back. Also what
/// the owner's `ssh owner@host stats` and the console's Stats print.
pub async fn stats(store: Option<&dyn Store>, days: u32) -> Result<String> {
    let Some(store) = store else {
        return Ok("no visits recorded yet\n".to_string());
    };
    let since = now() - i64::from(days) * 86_400;
    let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
    let stats = store.visit_stats(since, &names).await?;
    let messages = store.messages_since(since).await?;
    let mut out = String::new();
    if stats.visits == 0 {
        let _ = writeln!(out, "no visits in the last {days} days");
        return Ok(out);
    }
    let _ = writeln!(
        out,
        "last {days} days: {} from {} · {} · median visit {}",
        counted(stats.visits as usize, "visit"),
        counted(stats.visitors as usize, "visitor"),
        counted(messages as usize, "message"),
        duration(stats.median_ms)
    );
    chart(&mut out, "visitors per day", &stats.per_day);
    let mut sections = stats.sections;
    sections.retain(|(_, n)| *n > 0);
    chart(&mut out, "most viewed sections", &top(sections));
    chart(&mut out, "clients", &cleaned(stats.clients, client_name));
    chart(&mut out, "how they came", &cleaned(stats.kinds, safe));
    Ok(out)
}

/// "OpenSSH_9.6p1" as the database took it from "SSH-2.0-OpenSSH_9.6p1
/// Debian-3", made safe.
fn client_name(name: &str) -> String {
    let name = safe(name);
    let name = name.split_whitespace().next().unwrap_or("unknown");
    name.chars().take(32).collect()
}

/// Visitor text made safe to print; rows that become the same merge.
fn cleaned(rows: Vec<(String, u64)>, clean: fn(&str) -> String) -> Vec<(String, u64)> {
    let mut merged: BTreeMap<String, u64> = BTreeMap::new();
    for (label, n) in rows {
        *merged.entry(clean(&label)).or_default() += n;
    }
    top(merged.into_iter().collect())
}

/// The ten largest, largest first.
fn top(mut rows: Vec<(String, u64)>) -> Vec<(String, u64)> {
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows.truncate(10);
    rows
}

/// A titled bar chart: label, bar scaled to the largest, count.
fn chart(out: &mut String, title: &str, rows: &[(String, u64)]) {
    const BAR: usize = 30;
    let _ = writeln!(out, "\n{title}");
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    for (label, n) in rows {
        let bar = "█".repeat((*n as usize * BAR).div_ceil(max as usize));
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
        assert_eq!(client_name("OpenSSH_9.6p1"), "OpenSSH_9.6p1");
        assert_eq!(client_name("\x1b[31mevil"), "evil");
        assert_eq!(client_name("\u{202e}x\u{9b}1my"), "xy");
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
