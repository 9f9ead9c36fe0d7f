//! What visits add up to, for the owner's `stats`, computed one way for
//! both stores: one SQL statement (written here, with the two dialects'
//! few differences as [`Dialect`]) lets the database count — totals,
//! distinct visitors per day, a histogram of visit lengths, the sections
//! asked about, clients and how they came — and [`from_rows`] turns its
//! rows into [`VisitStats`]. Only counts come back, never the visits, so
//! memory stays flat however many there are.
//!
//! The long tail is grouped the same way everywhere: the [`TOP`] most
//! frequent clients (and kinds) by name, ties in byte order, and the rest
//! added up as "other". The median is the start of the histogram bucket
//! holding the middle visit (the upper one of an even count): to the
//! second under an hour, to the minute above, two days at most.

use std::collections::HashMap;

use super::model::Columns;
use crate::clock;

/// The visits since a moment, added up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VisitStats {
    pub visits: u64,
    pub visitors: u64,
    /// The median visit, to the second under an hour, to the minute above.
    pub median_ms: i64,
    /// (UTC day, distinct visitors), oldest first.
    pub per_day: Vec<(String, u64)>,
    /// (section, visits that saw it), for the sections asked about.
    pub sections: Vec<(String, u64)>,
    /// (client software, visits), most first; the tail as "other".
    pub clients: Vec<(String, u64)>,
    /// (how they came, visits), most first; the tail as "other".
    pub kinds: Vec<(String, u64)>,
}

/// Clients and kinds counted by name; the rest are "other".
pub const TOP: usize = 50;

/// What the long tail is called.
pub const OTHER: &str = "other";

/// Histogram buckets: one per second for the first hour, then one per
/// minute for two days; longer visits share the last one.
const SECONDS: i64 = 3600;
const MINUTES: i64 = 48 * 60;

/// Where the two databases' SQL differs for the stats query.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    /// The client software ("OpenSSH_9.6p1" of "SSH-2.0-OpenSSH_9.6p1
    /// Debian-3"), as an expression over the `client` column.
    pub software: &'static str,
    /// Appended to a text column to order it by bytes.
    pub byte_order: &'static str,
}

/// One row of the stats query: which count, of what, how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyRow {
    pub group: String,
    pub label: String,
    pub count: i64,
}

impl TallyRow {
    /// From a row of the stats query.
    pub fn from_columns(row: &impl Columns) -> anyhow::Result<TallyRow> {
        Ok(TallyRow {
            group: row.text(0)?,
            label: row.text(1)?,
            count: row.int(2)?,
        })
    }
}

/// The one statement that counts the visits since `$1`, in six reads of
/// the table: the totals, the distinct visitors per day, the histogram
/// of visit lengths, how they came and what they saw (by kind and list
/// of sections: few, all written by the server), and the clients (by
/// version string first, then by software, so the expression runs once
/// per distinct string). `scan` reads the whole table rather than the
/// index on `started_at` (quicker when most visits are wanted).
pub fn sql(dialect: &Dialect, scan: bool) -> String {
    let since = match scan {
        true => "WHERE +started_at >= $1",
        false => "WHERE started_at >= $1",
    };
    let bucket = format!(
        "CASE WHEN duration_ms < 0 THEN 0 \
         WHEN duration_ms < {hour} THEN duration_ms / 1000 \
         WHEN duration_ms < {last} THEN {SECONDS} + (duration_ms / 1000 - {SECONDS}) / 60 \
         ELSE {end} END",
        hour = SECONDS * 1000,
        last = (SECONDS + MINUTES * 60) * 1000,
        end = SECONDS + MINUTES,
    );
    let software = dialect.software;
    [
        format!("SELECT 'total', 'visits', COUNT(*) FROM visits {since}"),
        format!("SELECT 'total', 'visitors', COUNT(DISTINCT visitor) FROM visits {since}"),
        format!(
            "SELECT 'day', CAST(started_at / 86400 AS TEXT), COUNT(DISTINCT visitor) \
             FROM visits {since} GROUP BY started_at / 86400"
        ),
        format!(
            "SELECT 'duration', CAST({bucket} AS TEXT), COUNT(*) FROM visits {since} \
             GROUP BY {bucket}"
        ),
        format!(
            "SELECT 'seen', kind || '|' || sections, COUNT(*) FROM visits {since} \
             GROUP BY kind, sections"
        ),
        format!(
            "SELECT 'client', label, n FROM (SELECT {software} AS label, \
             CAST(SUM(n) AS BIGINT) AS n FROM (SELECT client, COUNT(*) AS n FROM visits \
             {since} GROUP BY client) AS by_client GROUP BY {software} \
             ORDER BY SUM(n) DESC, {software}{order} LIMIT {TOP}) AS top_clients",
            order = dialect.byte_order,
        ),
    ]
    .join(" UNION ALL ")
}

/// The stats from the rows of [`sql`], for the sections asked about.
pub fn from_rows(rows: &[TallyRow], sections: &[&str]) -> VisitStats {
    let count = |row: &TallyRow| row.count.max(0) as u64;
    let total = |label: &str| {
        rows.iter()
            .find(|r| r.group == "total" && r.label == label)
            .map_or(0, count)
    };
    let visits = total("visits");
    if visits == 0 {
        return VisitStats::default();
    }
    let group = |name: &'static str| rows.iter().filter(move |r| r.group == name);
    let mut per_day: Vec<(i64, u64)> = group("day")
        .filter_map(|r| Some((r.label.parse().ok()?, count(r))))
        .collect();
    per_day.sort();
    let mut durations: Vec<(i64, u64)> = group("duration")
        .filter_map(|r| Some((r.label.parse().ok()?, count(r))))
        .collect();
    durations.sort();
    // How they came and what they saw, from the rows by (kind, sections).
    let mut seen: HashMap<&str, u64> = HashMap::new();
    let mut kinds: HashMap<&str, u64> = HashMap::new();
    for row in group("seen") {
        let (kind, sections) = row.label.split_once('|').unwrap_or((&row.label, ""));
        *kinds.entry(kind).or_default() += count(row);
        for section in sections.split(',') {
            *seen.entry(section).or_default() += count(row);
        }
    }
    let mut kinds: Vec<(String, u64)> =
        kinds.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
    sort(&mut kinds);
    kinds.truncate(TOP);
    VisitStats {
        visits,
        visitors: total("visitors"),
        median_ms: median(&durations, visits),
        per_day: per_day
            .into_iter()
            .map(|(day, n)| (clock::date(day * 86_400), n))
            .collect(),
        sections: sections
            .iter()
            .map(|s| (s.to_string(), seen.get(s).copied().unwrap_or(0)))
            .collect(),
        clients: with_tail(
            group("client")
                .map(|r| (r.label.clone(), count(r)))
                .collect(),
            visits,
        ),
        kinds: with_tail(kinds, visits),
    }
}

/// The counted names (the most frequent, at most [`TOP`]) and what the
/// rest of `visits` adds up to as "other", most first.
fn with_tail(mut named: Vec<(String, u64)>, visits: u64) -> Vec<(String, u64)> {
    let counted: u64 = named.iter().map(|(_, n)| n).sum();
    if visits > counted {
        named.push((OTHER.to_string(), visits - counted));
    }
    sort(&mut named);
    named
}

/// Most first; ties by name, in byte order.
fn sort(rows: &mut [(String, u64)]) {
    rows.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.as_bytes().cmp(b.0.as_bytes()))
    });
}

/// The start of the bucket holding the middle visit, in milliseconds.
fn median(buckets: &[(i64, u64)], visits: u64) -> i64 {
    let middle = visits / 2;
    let mut seen = 0;
    for (bucket, n) in buckets {
        seen += n;
        if seen > middle {
            return start_of(*bucket);
        }
    }
    0
}

/// The start of a bucket, in milliseconds.
fn start_of(bucket: i64) -> i64 {
    let seconds = if bucket < SECONDS {
        bucket
    } else {
        SECONDS + (bucket - SECONDS) * 60
    };
    seconds * 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(group: &str, label: &str, count: i64) -> TallyRow {
        TallyRow {
            group: group.into(),
            label: label.into(),
            count,
        }
    }

    #[test]
    fn rows_become_stats_with_the_tail_as_other() {
        let rows = [
            row("total", "visits", 10),
            row("total", "visitors", 4),
            row("day", "3", 2),
            row("day", "2", 3),
            row("duration", "61", 4),
            row("duration", "1", 5),
            row("duration", "3601", 1),
            row("seen", "tui|about,skills", 6),
            row("seen", "exec about|about", 1),
            row("seen", "tui|", 3),
            row("client", "OpenSSH_9.6", 4),
            row("client", "PuTTY", 4),
        ];
        let stats = from_rows(&rows, &["about", "contact"]);
        assert_eq!((stats.visits, stats.visitors), (10, 4));
        assert_eq!(
            stats.per_day,
            [("1970-01-03".into(), 3), ("1970-01-04".into(), 2)]
        );
        // Sorted: 1 s ×5, 61 s ×4, 3601 → the 6th of 10 is in 61 s.
        assert_eq!(stats.median_ms, 61_000);
        assert_eq!(stats.sections, [("about".into(), 7), ("contact".into(), 0)]);
        assert_eq!(
            stats.clients,
            [
                ("OpenSSH_9.6".into(), 4),
                ("PuTTY".into(), 4),
                ("other".into(), 2)
            ]
        );
        assert_eq!(stats.kinds, [("tui".into(), 9), ("exec about".into(), 1)]);
        assert_eq!(from_rows(&[], &["about"]), VisitStats::default());
    }

    #[test]
    fn long_visits_count_by_the_minute() {
        assert_eq!(start_of(3599), 3_599_000);
        assert_eq!(start_of(3601), 3_660_000);
        assert_eq!(
            median(&[(SECONDS + MINUTES, 3)], 3),
            (SECONDS + MINUTES * 60) * 1000
        );
    }
}
