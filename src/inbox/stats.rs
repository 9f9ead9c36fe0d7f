//! What visits add up to, for the owner's `stats`: counts, the median
//! visit, sections seen, clients and how they came. [`Tally`] takes the
//! visits one at a time and keeps only counters, so however many there
//! are its memory stays the same: the median comes from a histogram as
//! fine as the stats print it (seconds under an hour, minutes above), and
//! the clients and kinds it counts apart are capped (visitors choose
//! them).

use std::collections::HashMap;

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
    /// (client software, visits), most first, raw as stored.
    pub clients: Vec<(String, u64)>,
    /// (how they came, visits), most first, raw as stored.
    pub kinds: Vec<(String, u64)>,
}

/// Distinct clients or kinds counted apart; the rest count as "other".
const DISTINCT: usize = 1000;
/// How many of each are reported (the owner sees ten).
const REPORTED: usize = 50;

/// Histogram buckets: one per second for the first hour, then one per
/// minute for two days; longer visits share the last one.
const SECONDS: usize = 3600;
const MINUTES: usize = 48 * 60;

/// Counters for visits seen one at a time.
pub struct Tally {
    visits: u64,
    durations: Vec<u64>,
    sections: Vec<(String, u64)>,
    clients: HashMap<String, u64>,
    kinds: HashMap<String, u64>,
}

impl Tally {
    pub fn new(sections: &[&str]) -> Tally {
        Tally {
            visits: 0,
            durations: vec![0; SECONDS + MINUTES + 1],
            sections: sections.iter().map(|s| (s.to_string(), 0)).collect(),
            clients: HashMap::new(),
            kinds: HashMap::new(),
        }
    }

    /// One visit: how long it was, its client's version string, the
    /// sections it saw (comma-separated) and how it came.
    pub fn add(&mut self, duration_ms: i64, client: &str, sections: &str, kind: &str) {
        self.visits += 1;
        self.durations[bucket(duration_ms)] += 1;
        for seen in sections.split(',') {
            if let Some((_, n)) = self.sections.iter_mut().find(|(name, _)| name == seen) {
                *n += 1;
            }
        }
        bump(&mut self.clients, software(client));
        bump(&mut self.kinds, kind);
    }

    /// The totals; `visitors` and `per_day` come from elsewhere.
    pub fn finish(self, visitors: u64, per_day: Vec<(String, u64)>) -> VisitStats {
        if self.visits == 0 {
            return VisitStats::default();
        }
        VisitStats {
            visits: self.visits,
            visitors,
            median_ms: median(&self.durations, self.visits),
            per_day,
            sections: self.sections,
            clients: largest(self.clients),
            kinds: largest(self.kinds),
        }
    }
}

/// "OpenSSH_9.6p1" of "SSH-2.0-OpenSSH_9.6p1 Debian-3".
fn software(client: &str) -> &str {
    let name = client.strip_prefix("SSH-2.0-").unwrap_or(client);
    name.split(' ').next().unwrap_or(name)
}

fn bump(counts: &mut HashMap<String, u64>, key: &str) {
    if let Some(n) = counts.get_mut(key) {
        *n += 1;
    } else if counts.len() < DISTINCT {
        counts.insert(key.to_string(), 1);
    } else {
        *counts.entry("other".to_string()).or_default() += 1;
    }
}

fn largest(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut rows: Vec<(String, u64)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows.truncate(REPORTED);
    rows
}

fn bucket(duration_ms: i64) -> usize {
    let seconds = (duration_ms.max(0) / 1000) as usize;
    if seconds < SECONDS {
        seconds
    } else {
        (SECONDS + (seconds - SECONDS) / 60).min(SECONDS + MINUTES)
    }
}

/// The start of the bucket holding the middle visit (the upper one of
/// an even count), in milliseconds.
fn median(durations: &[u64], visits: u64) -> i64 {
    let middle = visits / 2;
    let mut seen = 0;
    for (i, n) in durations.iter().enumerate() {
        seen += n;
        if seen > middle {
            return start_of(i);
        }
    }
    0
}

/// The start of a bucket, in milliseconds.
fn start_of(bucket: usize) -> i64 {
    let seconds = if bucket < SECONDS {
        bucket
    } else {
        SECONDS + (bucket - SECONDS) * 60
    };
    seconds as i64 * 1000
}

/// A visit's length as the median reports it: to the second under an
/// hour, to the minute above (for stores that find the middle visit
/// themselves).
pub(crate) fn as_reported(duration_ms: i64) -> i64 {
    start_of(bucket(duration_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_visits_in_constant_memory() {
        let mut tally = Tally::new(&["about", "projects"]);
        tally.add(
            61_400,
            "SSH-2.0-OpenSSH_9.6 Debian",
            "about,projects",
            "tui",
        );
        tally.add(1_000, "SSH-2.0-PuTTY_0.78", "projects", "exec json");
        tally.add(7_300_000, "SSH-2.0-OpenSSH_9.6", "about", "tui");
        let stats = tally.finish(2, vec![("1970-01-01".into(), 2)]);
        assert_eq!(stats.visits, 3);
        assert_eq!(stats.median_ms, 61_000);
        assert_eq!(
            stats.sections,
            [("about".into(), 2), ("projects".into(), 2)]
        );
        assert_eq!(
            stats.clients,
            [("OpenSSH_9.6".into(), 2), ("PuTTY_0.78".into(), 1)]
        );
        assert_eq!(stats.kinds, [("tui".into(), 2), ("exec json".into(), 1)]);
    }

    #[test]
    fn long_visits_are_counted_by_the_minute_and_distinct_names_are_capped() {
        assert_eq!(bucket(3_599_999), 3599);
        assert_eq!(bucket(3_600_000), 3600);
        assert_eq!(bucket(3_719_000), 3601);
        assert_eq!(bucket(i64::MAX), SECONDS + MINUTES);
        assert_eq!(bucket(-5), 0);
        let mut tally = Tally::new(&[]);
        for i in 0..5000 {
            tally.add(7_300_000, &format!("SSH-2.0-client{i}"), "", "tui");
        }
        assert_eq!(tally.clients.len(), DISTINCT + 1);
        let stats = tally.finish(5000, Vec::new());
        assert_eq!(stats.median_ms, 7_260_000);
        assert_eq!(stats.clients[0], ("other".into(), 4000));
    }
}
