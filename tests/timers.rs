//! Every timer the server keeps, on a paused clock: the handshake
//! deadline, the idle and session limits, the write limit for a client
//! that stopped reading, the linger of a connection without a session, the
//! goodbye grace at shutdown, the idle release of screen buffers, the lone ESC's pause and the footer
//! notice. The real server runs in the test's runtime over in-memory
//! streams, so each limit is checked at its default value and to the
//! millisecond: nothing just before it, the end just after it.

use std::time::Duration;

use russh::ChannelMsg;
use sshfolio::server::{Limits, Settings};
use sshfolio::session::SessionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

/// Timers fire on the clock's next millisecond at the latest.
const TICK: Duration = Duration::from_millis(5);

fn server() -> VirtualServer {
    VirtualServer::start(Settings::default(), SessionLimits::default())
}

/// Asserts `took` is `limit`, to the clock's resolution.
fn assert_at(took: Duration, limit: Duration) {
    assert!(
        took >= limit && took <= limit + TICK,
        "{took:?}, not {limit:?}"
    );
}

/// Reads a raw stream to its end; what came, and how long until the end.
async fn read_to_end(stream: &mut tokio::io::DuplexStream) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(3600), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, started.elapsed()),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server never closed the stream: {got:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn silent_and_stalled_handshakes_are_closed_at_the_deadline() {
    let server = server();
    let deadline = Limits::default().handshake_timeout;
    // Never says anything.
    let (got, took) = read_to_end(&mut server.open()).await;
    assert!(got.starts_with(b"SSH-2.0-sshfolio"), "{got:?}");
    assert_at(took, deadline);
    // A version line, then nothing.
    let mut slow = server.open();
    slow.write_all(b"SSH-2.0-slowloris\r\n").await.unwrap();
    let (_, took) = read_to_end(&mut slow).await;
    assert_at(took, deadline);
    // A real visitor gets in, and past the deadline stays in.
    let mut v = server.visitor("visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    let_time_pass(deadline * 2).await;
    v.send(b"3").await;
    v.wait_for("Technical Arsenal").await;
}

#[tokio::test(start_paused = true)]
async fn idle_visitors_get_a_goodbye_at_the_idle_limit() {
    let server = server();
    let idle = SessionLimits::default().idle_timeout;
    let started = Instant::now();
    let mut v = server.visitor("visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    // A key resets the clock.
    let_time_pass(idle / 2).await;
    v.send(b"2").await;
    v.wait_for("Where I've Worked").await;
    let typed = Instant::now();
    let quiet = v.mark();
    v.drain(idle - TICK).await;
    assert!(!v.closed && v.mark() == quiet, "{}", v.contents());
    assert_eq!(v.wait_closed().await, Some(0));
    assert_at(typed.elapsed(), idle);
    assert!(started.elapsed() > idle);
    assert!(
        v.contents()
            .contains("closed after 15 minutes without a key pressed — goodbye"),
        "{}",
        v.contents()
    );
    assert!(!v.screen().alternate_screen() && !v.screen().hide_cursor());
    assert_eq!(
        v.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
}

#[tokio::test(start_paused = true)]
async fn sessions_end_at_the_session_limit_even_when_busy() {
    let server = server();
    let limit = SessionLimits::default().session_timeout;
    let started = Instant::now();
    let mut v = server.visitor("visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    // A key every minute keeps the idle limit away for the two hours.
    while !v.closed {
        assert!(
            started.elapsed() <= limit + TICK,
            "still open after the limit"
        );
        let _ = v.channel.data(&b"\t"[..]).await;
        v.drain(Duration::from_secs(60)).await;
    }
    assert_eq!(v.exit_status, Some(0));
    assert!(
        v.contents()
            .contains("closed at the session time limit (2 hours)"),
        "{}",
        v.contents()
    );
    assert!(!v.screen().alternate_screen());
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stops_reading_loses_only_its_own_session() {
    let server = server();
    let write_limit = SessionLimits::default().write_timeout;
    let mut bystander = server.visitor("visitor", "xterm", 80, 24).await;
    bystander.wait_for(ABOUT).await;
    // A small SSH window (as a slow client would grant) so the stall is
    // reached after a few frames rather than megabytes.
    let config = russh::client::Config {
        window_size: 16 * 1024,
        ..Default::default()
    };
    let (mut v, stalled) = server
        .stallable_visitor("xterm-256color", 120, 40, config)
        .await;
    v.wait_for(ABOUT).await;
    stalled.store(true, std::sync::atomic::Ordering::Relaxed);
    // One frame per key (a burst would be coalesced into one frame), until
    // far more than the window is waiting for the client.
    for i in 0..60usize {
        let key = ["1", "2", "3", "4", "5", "6"][i % 6];
        if v.channel.data(key.as_bytes()).await.is_err() {
            break;
        }
        let_time_pass(Duration::from_millis(10)).await;
    }
    let stopped_typing = Instant::now();
    // Meanwhile everyone else is served at once: no time passes.
    for (key, title) in [
        ("2", "Where I've Worked"),
        ("3", "Technical Arsenal"),
        ("4", "Engineering Insights"),
    ] {
        let asked = Instant::now();
        bystander.send(key.as_bytes()).await;
        bystander.wait_for(title).await;
        assert_eq!(asked.elapsed(), Duration::ZERO);
    }
    // The stalled connection is still there short of the write limit...
    let_time_pass(write_limit - Duration::from_secs(1)).await;
    assert!(!v.connection_closed());
    // ...and gone after it: the server cut it rather than wait for ever.
    let_time_pass(Duration::from_secs(2)).await;
    let _ = v.channel.data(&b"1"[..]).await;
    let_time_pass(TICK).await;
    assert!(
        v.connection_closed(),
        "cut {:?} after typing stopped",
        stopped_typing.elapsed()
    );
    // The bystander never noticed.
    bystander.send(b"5").await;
    bystander.wait_for("Things I've Built").await;
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_holds_no_session_is_cut() {
    let server = server();
    let linger = Limits::default().handshake_timeout;
    // Logged in, never opens a channel (`ssh -N`).
    let handle = server.connect("visitor").await;
    let_time_pass(linger - TICK).await;
    assert!(!handle.is_closed(), "cut before its time");
    let_time_pass(TICK * 2).await;
    assert!(
        handle.is_closed(),
        "an idle connection without a session was never cut"
    );
    // One whose only session ended is cut as long after that.
    let handle = server.connect("visitor").await;
    let mut channel = handle.channel_open_session().await.unwrap();
    channel.exec(true, "about").await.unwrap();
    while let Some(msg) = channel.wait().await {
        if matches!(msg, ChannelMsg::Close) {
            break;
        }
    }
    let_time_pass(linger - TICK).await;
    assert!(!handle.is_closed(), "cut before its time");
    let_time_pass(TICK * 2).await;
    assert!(
        handle.is_closed(),
        "a connection whose session ended was never cut"
    );
}

#[tokio::test(start_paused = true)]
async fn an_idle_screen_sends_nothing_and_repaints_after_its_buffers_go() {
    let server = server();
    let mut v = server.visitor("visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    let before = v.mark();
    v.drain(Duration::from_secs(5)).await;
    assert_eq!(v.mark(), before, "no frames without a change");
    // A key that changes nothing sends nothing either.
    v.send(b"k").await;
    v.drain(Duration::from_secs(5)).await;
    assert_eq!(v.mark(), before);
    // The buffers are gone by now: the next change repaints in full.
    v.send(b"2").await;
    v.wait_for("Where I've Worked").await;
    assert!(!v.contents().contains(ABOUT));
}

#[tokio::test(start_paused = true)]
async fn a_lone_esc_counts_after_its_pause() {
    let server = server();
    let mut v = server.visitor("insights", "xterm", 80, 24).await;
    v.wait_for("1/6").await;
    v.send(b"\r").await;
    v.wait_for("Key ideas").await;
    let detail = v.contents();
    let pressed = Instant::now();
    v.send(b"\x1b").await;
    // Within the pause it may still begin a sequence: nothing happens.
    let quiet = v.mark();
    v.drain(sshfolio::term::input::ESC_TIMEOUT - TICK).await;
    assert_eq!((v.mark(), v.contents()), (quiet, detail));
    v.wait_until("the list again", |s| s.contents().contains("↑↓ select"))
        .await;
    assert_at(pressed.elapsed(), sshfolio::term::input::ESC_TIMEOUT);
}

#[tokio::test(start_paused = true)]
async fn a_notice_stays_for_its_time_then_goes() {
    let server = server();
    let mut v = server.visitor("visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    let pressed = Instant::now();
    v.send(b"y").await;
    v.wait_for("copied akshaykbkale@gmail.com").await;
    v.drain(sshfolio::ui::screen::NOTICE_FOR - TICK).await;
    assert!(v.contents().contains("copied"), "{}", v.contents());
    v.wait_until("the notice to clear", |s| !s.contents().contains("copied"))
        .await;
    assert_at(pressed.elapsed(), sshfolio::ui::screen::NOTICE_FOR);
    assert!(v.contents().contains("q quit"));
}

#[tokio::test(start_paused = true)]
async fn shutdown_says_goodbye_then_cuts_a_client_that_stays() {
    let server = server();
    let mut v = server.visitor("visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    server.begin_shutdown();
    assert_eq!(v.wait_closed().await, Some(0));
    assert!(!v.screen().alternate_screen() && !v.screen().hide_cursor());
    assert!(
        v.contents()
            .contains("the server is restarting — reconnect in a moment"),
        "{}",
        v.contents()
    );
    // This client keeps its connection after the goodbye: it gets the
    // grace to close it, and is cut then rather than waited for.
    let said_goodbye = Instant::now();
    let_time_pass(sshfolio::server::DISCONNECT_GRACE - TICK).await;
    assert!(!v.connection_closed());
    let_time_pass(TICK * 2).await;
    assert!(
        v.connection_closed(),
        "{:?} after the goodbye",
        said_goodbye.elapsed()
    );
}
