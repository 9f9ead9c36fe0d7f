//! What the benchmark prints.

use std::fs::File;
use std::io::Read as _;
use std::time::Duration;

use anyhow::Result;

use super::Args;
use super::clients::StatsCall;

/// The acceptance check of the issue: keypress → new screen.
const TARGET_P99: Duration = Duration::from_millis(250);
const TARGET_MAX: Duration = Duration::from_secs(1);

pub struct Report {
    pub control: Option<Vec<Duration>>,
    pub loaded: Vec<Duration>,
    pub loaded_for: Duration,
    /// From the load's start until its last call finished.
    pub load_ran: Duration,
    pub stats: Vec<Result<StatsCall>>,
    pub scrapes: Vec<Result<Duration>>,
}

impl Report {
    pub fn print(&self, args: &Args) {
        let interval = Duration::from_millis(args.key_interval_ms);
        if let Some(control) = &self.control {
            println!(
                "control ({} s, no owner load): {}",
                args.control_seconds,
                keypresses(control)
            );
        }
        println!(
            "loaded ({} s, {} owner stats loops, /metrics every {} ms): {}",
            self.loaded_for.as_secs(),
            args.stats_loops,
            args.scrape_ms,
            keypresses(&self.loaded)
        );
        println!(
            "  the load ran {:.1} s (no new call after the typing's {} s; the last ones finish)",
            self.load_ran.as_secs_f64(),
            self.loaded_for.as_secs()
        );
        // A key held back by a stall is not measured; counting the keys the
        // visitor would have pressed meanwhile (one per interval, each
        // waiting out the rest of the stall) gives the open-loop view.
        let corrected = corrected(&self.loaded, interval);
        println!(
            "  counting the keys a stall held back (one per {} ms): {} keypresses, p99 {}",
            args.key_interval_ms,
            corrected.len(),
            ms(percentile(&corrected, 0.99))
        );
        let (mut answers, mut totals, mut failures) = (Vec::new(), Vec::new(), Vec::new());
        for call in &self.stats {
            match call {
                Ok(call) => {
                    answers.push(call.answer);
                    totals.push(call.total);
                }
                Err(e) => failures.push(format!("{e:#}")),
            }
        }
        answers.sort();
        totals.sort();
        println!(
            "owner stats: {} completed, {} failed; exec → answer p50 {}, max {}; with handshake and login p50 {}",
            answers.len(),
            failures.len(),
            ms(percentile(&answers, 0.5)),
            ms(percentile(&answers, 1.0)),
            ms(percentile(&totals, 0.5)),
        );
        for failure in failures.iter().take(3) {
            println!("  failed: {failure}");
        }
        let mut scrapes: Vec<Duration> = self
            .scrapes
            .iter()
            .filter_map(|s| s.as_ref().ok())
            .copied()
            .collect();
        scrapes.sort();
        println!(
            "/metrics scrapes: {} done, {} failed; p50 {}, max {}",
            scrapes.len(),
            self.scrapes.len() - scrapes.len(),
            ms(percentile(&scrapes, 0.5)),
            ms(percentile(&scrapes, 1.0)),
        );
        for failure in self.scrapes.iter().filter_map(|s| s.as_ref().err()).take(3) {
            println!("  failed: {failure:#}");
        }
        let mut loaded = self.loaded.clone();
        loaded.sort();
        let (p99, max) = (percentile(&loaded, 0.99), percentile(&loaded, 1.0));
        let verdict = if answers.is_empty() && args.stats_loops > 0 {
            "not measured: no stats call completed"
        } else if p99 <= TARGET_P99 && max <= TARGET_MAX {
            "met"
        } else {
            "NOT met"
        };
        println!(
            "acceptance (loaded keypress → new screen: p99 ≤ {}, max ≤ {}): {verdict}",
            ms(TARGET_P99),
            ms(TARGET_MAX)
        );
    }
}

/// "N keypresses, keypress → new section on screen p50 …, p99 …, max …".
fn keypresses(latencies: &[Duration]) -> String {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    format!(
        "{} keypresses, keypress → new section on screen p50 {}, p99 {}, max {}",
        sorted.len(),
        ms(percentile(&sorted, 0.5)),
        ms(percentile(&sorted, 0.99)),
        ms(percentile(&sorted, 1.0))
    )
}

/// The latencies with, for each one longer than `interval`, the keys the
/// visitor would have pressed meanwhile: one per interval, each waiting
/// until the same moment (HdrHistogram's expected-interval correction).
/// Sorted.
fn corrected(latencies: &[Duration], interval: Duration) -> Vec<Duration> {
    let mut all = Vec::new();
    for &latency in latencies {
        all.push(latency);
        let mut missed = latency.saturating_sub(interval);
        while !interval.is_zero() && missed >= interval {
            all.push(missed);
            missed -= interval;
        }
    }
    all.sort();
    all
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The 1, 5 and 15 minute load averages, from /proc/loadavg.
pub fn load_average() -> String {
    let mut text = String::new();
    match File::open("/proc/loadavg").and_then(|mut f| f.read_to_string(&mut text)) {
        Ok(_) => text
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => "unknown".into(),
    }
}
