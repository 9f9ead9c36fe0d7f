//! How much the owner's database reads stall visitors, over loopback only.
//!
//! Prepares a data directory whose `messages.db` holds `--visits` visits
//! (400,000 by default, spread over the last 30 days), starts the release
//! server on it (127.0.0.1, ephemeral ports) with `--metrics-listen` and a
//! notify channel (a webhook to a receiver this program runs on loopback,
//! which answers 200), and opens one visitor: a russh client with a PTY of
//! 80x24 whose output feeds a vt100 screen. The visitor presses Tab and
//! Shift-Tab in turn (About ⇄ Experience), one key every
//! `--key-interval-ms`, and each keypress is timed from sending the key
//! until the screen shows the new section (the Experience subtitle and the
//! first words of the About text, read from `--content`). One key is in
//! flight at a time: the next is sent `--key-interval-ms` after the last
//! one, or as soon as its screen shows, whichever is later.
//!
//! Two phases on the same session, one after the other:
//! - control (`--control-seconds`): the typing alone;
//! - loaded (`--seconds`): the typing while `--stats-loops` loops each run
//!   the owner's `stats` over SSH (user `owner`, the generated ed25519 key
//!   in `keys/owner_authorized_keys`, exec "stats"), one call after
//!   another, and `/metrics` is scraped every `--scrape-ms`.
//!
//! Then it prints keypress → new screen p50/p99/max for each phase, the
//! stats calls completed and their durations, the scrapes, and the load
//! average before and after (the figures are wall-clock). Every wait has a
//! timeout; the server is stopped at the end, on errors too.
//!
//!     cargo build --release --bin sshfolio --example owner_stall
//!     target/release/examples/owner_stall                  # or bench/owner-stall.sh
//!     target/release/examples/owner_stall --data /tmp/stall-data   # prepare once, reuse

// The parts, beside this file (not `examples/*.rs`, which Cargo would take
// for examples of their own).
#[path = "owner_stall/clients.rs"]
mod clients;
#[path = "owner_stall/data.rs"]
mod data;
#[path = "owner_stall/report.rs"]
mod report;
#[path = "owner_stall/server.rs"]
mod server;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use russh::keys::PrivateKey;

use clients::{Markers, Visitor, scrape_loop, stats_loop};
use data::{authorize_owner, prepare};
use report::{Report, load_average};
use server::{Receiver, Server};

#[derive(Parser, Debug)]
// A flag given twice takes its last value (bench/owner-stall.sh passes
// defaults first).
#[command(args_override_self = true)]
struct Args {
    /// The server binary (a release build).
    #[arg(long, default_value = "target/release/sshfolio")]
    bin: PathBuf,
    /// The content directory the server serves (its Experience subtitle
    /// and About text are what the keypresses wait for).
    #[arg(long, default_value = "content")]
    content: PathBuf,
    /// A data directory to prepare once and reuse: when its messages.db
    /// already holds visits it is used as it is (each run adds its
    /// visitor's one visit). Without it, a temporary one is prepared for
    /// this run.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Visits to put in a newly prepared database.
    #[arg(long, default_value_t = 400_000)]
    visits: usize,
    /// Seconds of typing under the owner's load.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Seconds of typing with no load first, to compare (0: none).
    #[arg(long, default_value_t = 10)]
    control_seconds: u64,
    /// A keypress every this many milliseconds (or later, once the last
    /// one's screen showed).
    #[arg(long, default_value_t = 100)]
    key_interval_ms: u64,
    /// Give up (and fail) when a keypress shows nothing for this long.
    #[arg(long, default_value_t = 30)]
    key_timeout_seconds: u64,
    /// Owner `stats` calls running at once, each loop one after another.
    #[arg(long, default_value_t = 2)]
    stats_loops: usize,
    /// `stats --days`, as the owner would type it (30 is its default).
    #[arg(long, default_value_t = 30)]
    stats_days: u32,
    /// Scrape /metrics every this many milliseconds during the load.
    #[arg(long, default_value_t = 200)]
    scrape_ms: u64,
}

/// How long the loads may take to finish their last call after the run.
const WIND_DOWN: Duration = Duration::from_secs(150);

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let markers = Markers::read(&args.content)?;
    let bin = args
        .bin
        .canonicalize()
        .with_context(|| format!("{} (build it: cargo build --release)", args.bin.display()))?;
    let content = args
        .content
        .canonicalize()
        .with_context(|| format!("content directory {}", args.content.display()))?;

    let work = tempfile::tempdir().context("creating a temporary directory")?;
    let data = args
        .data
        .clone()
        .unwrap_or_else(|| work.path().join("data"));
    let prepared = {
        let (data, visits) = (data.clone(), args.visits);
        tokio::task::spawn_blocking(move || prepare(&data, visits))
            .await
            .context("preparing the database")??
    };
    println!("{prepared}");

    let keys = work.path().join("keys");
    let owner_key = Arc::new(authorize_owner(&keys)?);
    let receiver = Receiver::start().await?;
    let load_before = load_average();
    let server = Server::start(&bin, &content, &keys, &data, &receiver.url(), work.path()).await?;
    println!(
        "server: {} (ssh {}, metrics {}, notify {} — a receiver on loopback answering 200)",
        bin.display(),
        server.ssh,
        server.metrics,
        receiver.url()
    );

    let result = run(&args, &server, owner_key, &markers).await;
    let log_tail = server.log_tail();
    server.stop().await;
    let load_after = load_average();
    let report = match result {
        Ok(report) => report,
        Err(e) => return Err(e.context(format!("the server's log ended:\n{log_tail}"))),
    };
    report.print(&args);
    println!(
        "notify receiver: {} requests (no visitor leaves a message, so none are expected)",
        receiver.requests()
    );
    println!("load average (1, 5, 15 min): before {load_before}, after {load_after}");
    Ok(())
}

/// The two phases on one visitor session.
async fn run(
    args: &Args,
    server: &Server,
    owner_key: Arc<PrivateKey>,
    markers: &Markers,
) -> Result<Report> {
    let interval = Duration::from_millis(args.key_interval_ms);
    let key_timeout = Duration::from_secs(args.key_timeout_seconds);
    let mut visitor = Visitor::open(server.ssh, markers).await?;

    let control = if args.control_seconds > 0 {
        let until = Instant::now() + Duration::from_secs(args.control_seconds);
        Some(visitor.type_until(until, interval, key_timeout).await?)
    } else {
        None
    };

    let loaded_for = Duration::from_secs(args.seconds);
    let load_started = Instant::now();
    let until = load_started + loaded_for;
    let mut stats_loops = Vec::new();
    for _ in 0..args.stats_loops {
        let (addr, key, days) = (server.ssh, owner_key.clone(), args.stats_days);
        stats_loops.push(tokio::spawn(async move {
            stats_loop(addr, key, days, until).await
        }));
    }
    let scrape_every = Duration::from_millis(args.scrape_ms);
    let scraper = tokio::spawn(scrape_loop(server.metrics, scrape_every, until));
    let loaded = visitor.type_until(until, interval, key_timeout).await;
    visitor.close().await;

    // The loads start no new call after `until`; their last one finishes.
    let wind_down = tokio::time::Instant::now() + WIND_DOWN;
    let mut stats = Vec::new();
    for task in stats_loops {
        let abort = task.abort_handle();
        match tokio::time::timeout_at(wind_down, task).await {
            Ok(calls) => stats.extend(calls.context("a stats loop")?),
            Err(_) => {
                abort.abort();
                bail!("a stats loop did not finish within {WIND_DOWN:?} of the run's end");
            }
        }
    }
    let abort = scraper.abort_handle();
    let scrapes = match tokio::time::timeout_at(wind_down, scraper).await {
        Ok(scrapes) => scrapes.context("the scrape loop")?,
        Err(_) => {
            abort.abort();
            bail!("the scrape loop did not finish within {WIND_DOWN:?} of the run's end");
        }
    };
    Ok(Report {
        control,
        loaded: loaded?,
        loaded_for,
        load_ran: load_started.elapsed(),
        stats,
        scrapes,
    })
}
