//! How many messages a second the inbox stores durably, on either store:
//! `--messages` submissions through the server's own inbox handle,
//! `--concurrency` at a time, each from its own address (so the hourly
//! limit never refuses one), each answered only once committed (SQLite:
//! fsynced; PostgreSQL: committed with the server's fsync and
//! `synchronous_commit` settings — leave them on to measure durability).
//! Then `--visits` finished sessions recorded at once, and the time until
//! every one is written.
//!
//!     cargo run --release --example inbox_bench -- --data /tmp/bench-data
//!     cargo run --release --example inbox_bench -- --database postgres://…

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Result, bail};
use clap::Parser;
use sshfolio::clock;
use sshfolio::inbox::{self, Database, Inbox, Message, Policy, SubmitResult, Visit, VisitKind};

#[derive(Parser, Debug)]
struct Args {
    /// SQLite data directory (used when --database is not given).
    #[arg(long, default_value = "bench-data")]
    data: PathBuf,
    /// postgres://… to measure PostgreSQL instead.
    #[arg(long)]
    database: Option<String>,
    #[arg(long, default_value_t = 2000)]
    messages: u32,
    #[arg(long, default_value_t = 32)]
    concurrency: u32,
    #[arg(long, default_value_t = 1000)]
    visits: u32,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let database = Database::from_flags("--database", args.database.as_deref(), &args.data)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(run(&args, &database))
}

fn peer(i: u32) -> Option<IpAddr> {
    Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)))
}

async fn run(args: &Args, database: &Database) -> Result<()> {
    let store = inbox::connect(database)?;
    store.prepare().await?;
    let before = store.list_messages(false).await?.len();
    let visits_before = store.visit_stats(0, &[]).await?.visits;
    let (inbox, tasks) = Inbox::start(database, Policy::default());
    let inbox = Arc::new(inbox);
    let run_id: u64 = rand_id();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(args.messages as usize);
    let mut next = 0;
    while next < args.messages {
        let batch: Vec<_> = (next..(next + args.concurrency).min(args.messages))
            .map(|i| {
                let inbox = inbox.clone();
                tokio::spawn(async move {
                    let sent = Instant::now();
                    let result = inbox
                        .submit(Message {
                            submission_id: format!("bench-{run_id:x}-{i}"),
                            name: "Bench".into(),
                            contact: "bench@example.com".into(),
                            body: "A message of a typical length, a few lines long.\nThanks!"
                                .into(),
                            peer: peer(i),
                            ..Message::default()
                        })
                        .await;
                    (result, sent.elapsed())
                })
            })
            .collect();
        next += batch.len() as u32;
        for task in batch {
            let (result, took) = task.await?;
            if result != SubmitResult::Sent {
                bail!("a submission was not stored: {result:?}");
            }
            latencies.push(took);
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "{}: {} messages in {:.2}s = {:.0} messages/s (concurrency {}), latency p50 {:.1} ms, p99 {:.1} ms",
        database.label(),
        args.messages,
        elapsed.as_secs_f64(),
        f64::from(args.messages) / elapsed.as_secs_f64(),
        args.concurrency,
        at(0.5).as_secs_f64() * 1000.0,
        at(0.99).as_secs_f64() * 1000.0,
    );

    let started = Instant::now();
    for i in 0..args.visits {
        inbox.record_visit(Visit {
            started_at: clock::now(),
            duration_ms: 30_000,
            peer: peer(i),
            client: "SSH-2.0-bench".into(),
            term: "xterm".into(),
            cols: 80,
            rows: 24,
            sections: "about".into(),
            left_message: false,
            kind: VisitKind::Tui.label(),
            ..Visit::default()
        });
    }
    drop(Arc::into_inner(inbox));
    tasks.finish(Duration::from_secs(60)).await;
    let visits = store.visit_stats(0, &[]).await?.visits - visits_before;
    println!(
        "{}: {} visits ended at once, {} written in {:.0} ms",
        database.label(),
        args.visits,
        visits,
        started.elapsed().as_secs_f64() * 1000.0
    );
    let stored = store.list_messages(false).await?.len() - before;
    if stored != args.messages as usize || visits != u64::from(args.visits) {
        bail!(
            "expected {} messages and {} visits, found {stored} and {visits}",
            args.messages,
            args.visits
        );
    }
    Ok(())
}

fn rand_id() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
