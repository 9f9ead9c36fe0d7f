//! Memory under the heaviest legal use, read from the real server
//! process: many visitors typing at once on the largest screen the size
//! clamp allows. What they cost while typing is bounded, and given back
//! when they leave.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use russh::ChannelMsg;
use sshfolio::app::App;
use sshfolio::term::input::InputParser;
use sshfolio::term::size::Size;

use crate::util::*;

/// Keys each visitor presses in turn: section changes and moves, so most
/// frames change most of the screen.
const KEYS: [&[u8]; 9] = [b"2", b"j", b"3", b"4", b"j", b"5", b"j", b"6", b"1"];
const VISITORS: usize = 200;
/// Every tenth visitor keeps a terminal emulator to check its screen.
const CHECK_EVERY: usize = 10;
const KEY_EVERY: Duration = Duration::from_millis(300);
const PRESSES: usize = 20;
const SIZE: Size = Size {
    cols: 500,
    rows: 200,
};

/// The screen a visitor should see after pressing `presses` keys.
fn expected_after(presses: usize) -> Vec<String> {
    let content = shipped_content();
    let geometry = sshfolio::ui::geometry(&content, SIZE);
    let mut app = App::for_user("visitor");
    let mut parser = InputParser::new();
    let mut events = Vec::new();
    for key in KEYS.iter().cycle().take(presses) {
        parser.feed(key, &mut events);
    }
    for event in events.drain(..) {
        app.handle(&event, &geometry);
    }
    expected_rows(&content, &app, SIZE.cols, SIZE.rows)
}

#[tokio::test(flavor = "multi_thread")]
async fn big_screens_typing_at_once_stay_in_bounds_and_give_memory_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = Arc::new(ServerProcess::spawn(
        &dir.path().join("keys"),
        &dir.path().join("data"),
        &[],
    ));
    let start = server.rss_kib();
    // Each from its own address, as real visitors: no per-address limit
    // is in the way.
    let mut checked = Vec::new();
    let mut drained = Vec::new();
    for n in 0..VISITORS {
        let source = IpAddr::from([127, 3, (n / 250) as u8, (n % 250 + 1) as u8]);
        let handle = russh_connect_from(source, server.addr, None).await;
        let mut v = Visitor::open(handle, "xterm-256color", &[], 500, 200).await;
        v.wait_for("6+ years building distributed systems").await;
        if n % CHECK_EVERY == 0 {
            checked.push(v);
        } else {
            // No emulator for the rest: 500x200 screens are big for the
            // test process too. Their frames are read and dropped.
            drained.push(v.into_parts());
        }
    }
    // Idle: every screen's buffers are released a moment after its frame.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = server.rss_kib();
    let peak = Arc::new(AtomicU64::new(idle));
    let sampler = {
        let (server, peak) = (server.clone(), peak.clone());
        tokio::spawn(async move {
            loop {
                peak.fetch_max(server.rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let mut typing = Vec::new();
    for (n, (handle, mut channel)) in drained.into_iter().enumerate() {
        typing.push(tokio::spawn(async move {
            tokio::time::sleep(KEY_EVERY * (n % 16) as u32 / 16).await;
            for key in KEYS.iter().cycle().take(PRESSES) {
                channel.data(*key).await.unwrap();
                let next = tokio::time::Instant::now() + KEY_EVERY;
                while let Ok(Some(msg)) = tokio::time::timeout_at(next, channel.wait()).await {
                    assert!(!matches!(msg, ChannelMsg::Close | ChannelMsg::Eof));
                }
            }
            (handle, channel)
        }));
    }
    let mut checking = Vec::new();
    for mut v in checked {
        checking.push(tokio::spawn(async move {
            for key in KEYS.iter().cycle().take(PRESSES) {
                v.send(key).await;
                v.drain(KEY_EVERY).await;
            }
            v
        }));
    }
    let mut channels = Vec::new();
    for task in typing {
        channels.push(task.await.unwrap());
    }
    // Every checked visitor's screen is exactly the reference render of
    // where its keys took it, diffed frames and repaints alike.
    let expected = expected_after(PRESSES);
    let mut visitors = Vec::new();
    for task in checking {
        let mut v = task.await.unwrap();
        v.wait_until("the reference render", |s| screen_rows(s) == expected)
            .await;
        visitors.push(v);
    }
    sampler.abort();
    let peak = peak.load(Ordering::Relaxed);
    let grew = peak.saturating_sub(idle);
    println!(
        "{VISITORS} visitors at 500x200 typing: {start} KiB at start, {idle} KiB idle, \
         peak {peak} KiB (+{grew} KiB, {} KiB per visitor)",
        grew / VISITORS as u64
    );
    assert!(grew <= 50 * 1024, "grew by {grew} KiB while typing");
    // They leave; within 10 s the memory is back near where it started.
    drop(channels);
    drop(visitors);
    let left = Instant::now();
    let mut now = server.rss_kib();
    while now > start + 20 * 1024 {
        assert!(
            left.elapsed() < Duration::from_secs(10),
            "{now} KiB 10 s after they left, from {start} KiB"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        now = server.rss_kib();
    }
    println!("{now} KiB {:?} after they left", left.elapsed());
}
