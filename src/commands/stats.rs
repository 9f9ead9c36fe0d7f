//! `sshfolio stats`: who came by over the last days: visits, distinct
//! visitors per day, median visit length, sections viewed, clients and
//! how they came, as text with bar charts.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::messages::{now, open, safe};
use super::print;
use crate::cli::StatsArgs;
use crate::inbox::db;
use crate::text::counted;

pub fn run(args: &StatsArgs) -> Result<ExitCode> {
    print(&stats(&args.data, args.days)?)?;
    Ok(ExitCode::SUCCESS)
}

/// `sshfolio stats`: visitors per day, session length, sections, clients.
fn stats(data: &Path, days: u32) -> Result<String> {
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
        "last {days} days: {} from {} · {} · median visit {}",
        counted(visits.len(), "visit"),
        counted(visitors.len(), "visitor"),
        counted(messages as usize, "message"),
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
