//! The limits, each proved through real connections: caps and rates
//! refused right after accept with a one-line reason, the handshake
//! deadline, idle and session limits saying goodbye with the terminal
//! restored, and a client that stops reading losing only its own session.

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use sshfolio::server::{Limits, Settings};
use sshfolio::session::SessionLimits;

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

fn with_limits(limits: Limits) -> TestServer {
    TestServer::start_limited(
        Settings {
            limits,
            ..Settings::default()
        },
        SessionLimits::default(),
    )
}

/// Everything the server sends a raw TCP client before closing, and how
/// long until it closed.
fn read_until_closed(addr: SocketAddr, send: &[u8]) -> (Vec<u8>, Duration) {
    use std::io::Write;
    let started = Instant::now();
    let mut tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    tcp.write_all(send).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "connection not closed: {e}; got {:?}",
                String::from_utf8_lossy(&got)
            ),
        }
    }
    (got, started.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_over_the_global_cap_are_refused_with_a_reason() {
    let server = with_limits(Limits {
        max_connections: 2,
        max_connections_per_ip: 100,
        connect_rate_per_ip: 1000,
        ..Limits::default()
    });
    let mut a = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    let mut b = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    a.wait_for(ABOUT).await;
    b.wait_for(ABOUT).await;
    let (got, _) = read_until_closed(server.addr, b"");
    assert_eq!(
        got,
        b"sshfolio: too many visitors right now; please try again in a minute\r\n"
    );
    // The ones inside are fine, and a place frees up when one leaves.
    a.send(b"q").await;
    a.wait_closed().await;
    drop(a);
    poll_until_async("a place freed", async || {
        try_russh_exec(server.addr, "about")
            .await
            .is_some_and(|out| out.status == Some(0))
    })
    .await;
    b.send(b"2").await;
    b.wait_for("Where I've Worked").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_per_address_and_their_rate_are_capped() {
    let server = with_limits(Limits {
        max_connections_per_ip: 2,
        connect_rate_per_ip: 1000,
        ..Limits::default()
    });
    let _a = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    let _b = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    let (got, _) = read_until_closed(server.addr, b"");
    assert_eq!(got, b"sshfolio: too many connections from your address\r\n");

    let server = with_limits(Limits {
        connect_rate_per_ip: 3,
        ..Limits::default()
    });
    for _ in 0..3 {
        assert_eq!(russh_exec(server.addr, "about").await.status, Some(0));
    }
    let (got, _) = read_until_closed(server.addr, b"");
    assert_eq!(
        got,
        b"sshfolio: too many new connections from your address; slow down\r\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_and_stalled_handshakes_are_closed_at_the_deadline() {
    let server = with_limits(Limits {
        handshake_timeout: Duration::from_secs(1),
        connect_rate_per_ip: 1000,
        ..Limits::default()
    });
    // Never says anything.
    let (got, took) = read_until_closed(server.addr, b"");
    assert!(
        String::from_utf8_lossy(&got).starts_with("SSH-2.0-sshfolio"),
        "{got:?}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    // A version line, then nothing.
    let (_, took) = read_until_closed(server.addr, b"SSH-2.0-slowloris\r\n");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    // A real visitor still gets in, and past the deadline stays in.
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    v.send(b"3").await;
    v.wait_for("Technical Arsenal").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_visitors_get_a_goodbye_and_their_terminal_back() {
    let server = TestServer::start_limited(
        Options::default().settings,
        SessionLimits {
            idle_timeout: Duration::from_secs(1),
            ..SessionLimits::default()
        },
    );
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    assert_eq!(v.wait_closed().await, Some(0));
    assert!(
        v.contents()
            .contains("closed after 1 second without a key pressed — goodbye"),
        "{}",
        v.contents()
    );
    assert!(!v.screen().alternate_screen() && !v.screen().hide_cursor());
    assert_eq!(
        v.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_end_at_the_session_limit_even_when_busy() {
    let server = TestServer::start_limited(
        Options::default().settings,
        SessionLimits {
            session_timeout: Duration::from_secs(2),
            ..SessionLimits::default()
        },
    );
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    let started = Instant::now();
    while !v.closed && started.elapsed() < TIMEOUT {
        let _ = v.channel.data(&b"\t"[..]).await;
        v.drain(Duration::from_millis(100)).await;
    }
    assert_eq!(v.wait_closed().await, Some(0));
    assert!(started.elapsed() < Duration::from_secs(4));
    assert!(
        v.contents()
            .contains("closed at the session time limit (2 seconds)"),
        "{}",
        v.contents()
    );
    assert!(!v.screen().alternate_screen());
}

/// A TCP relay that passes the client's bytes on but, once `stall` is
/// set, stops reading what the server sends: the server's socket buffer
/// and the client's SSH window fill, as with a visitor whose network died.
struct StallingRelay {
    addr: SocketAddr,
    stall: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Set when the server closed its side.
    closed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl StallingRelay {
    async fn start(server: SocketAddr) -> StallingRelay {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stall = Arc::new(AtomicBool::new(false));
        let closed = Arc::new(AtomicBool::new(false));
        let (s2, c2) = (stall.clone(), closed.clone());
        tokio::spawn(async move {
            let (client, _) = listener.accept().await.unwrap();
            let upstream = tokio::net::TcpStream::connect(server).await.unwrap();
            let (mut cr, mut cw) = client.into_split();
            let (mut sr, mut sw) = upstream.into_split();
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut cr, &mut sw).await;
            });
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                if s2.load(Ordering::Relaxed) {
                    // Stop reading for a while, then only look for the end.
                    tokio::time::sleep(Duration::from_millis(3500)).await;
                    while let Ok(n) = sr.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                    }
                    c2.store(true, Ordering::Relaxed);
                    return;
                }
                match sr.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if cw.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
        StallingRelay {
            addr,
            stall,
            closed,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_loses_only_its_own_session() {
    use std::sync::atomic::Ordering;
    let server = TestServer::start_limited(
        Options::default().settings,
        SessionLimits {
            write_timeout: Duration::from_secs(1),
            ..SessionLimits::default()
        },
    );
    let mut bystander = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    bystander.wait_for(ABOUT).await;
    let relay = StallingRelay::start(server.addr).await;
    // A small SSH window (as a slow client would grant) so the stall is
    // reached after a few frames rather than megabytes.
    let config = russh::client::Config {
        window_size: 16 * 1024,
        ..Default::default()
    };
    let mut v = russh_visitor_with(
        relay.addr,
        "visitor",
        "xterm-256color",
        &[],
        120,
        40,
        config,
    )
    .await;
    v.wait_for(ABOUT).await;
    relay.stall.store(true, Ordering::Relaxed);
    // One frame per key (a burst would be coalesced into one frame), until
    // far more than the window is waiting for the client.
    for i in 0..60usize {
        let key = ["1", "2", "3", "4", "5", "6"][i % 6];
        if v.channel.data(key.as_bytes()).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Meanwhile everyone else is served at once.
    for key in ["2", "3", "4"] {
        let started = Instant::now();
        bystander.send(key.as_bytes()).await;
        bystander
            .wait_until("the next section", |s| {
                s.contents().contains(match key {
                    "2" => "Where I've Worked",
                    "3" => "Technical Arsenal",
                    _ => "Engineering Insights",
                })
            })
            .await;
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    // The stalled session is dropped by the server after its write limit.
    let deadline = Instant::now() + TIMEOUT;
    while !relay.closed.load(Ordering::Relaxed) {
        assert!(
            Instant::now() < deadline,
            "the stalled connection was never closed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_that_holds_no_session_is_cut() {
    let server = with_limits(Limits {
        handshake_timeout: Duration::from_secs(1),
        connect_rate_per_ip: 1000,
        ..Limits::default()
    });
    // Logged in, never opens a channel (`ssh -N`).
    let (handle, _) = russh_connect(server.addr, "visitor").await;
    let deadline = Instant::now() + TIMEOUT;
    while !handle.is_closed() {
        assert!(
            Instant::now() < deadline,
            "an idle connection without a session was never cut"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One whose only session ended is cut too.
    let (handle, _) = russh_connect(server.addr, "visitor").await;
    let mut channel = handle.channel_open_session().await.unwrap();
    channel.exec(true, "about").await.unwrap();
    while channel.wait().await.is_some() {}
    let deadline = Instant::now() + TIMEOUT;
    while !handle.is_closed() {
        assert!(
            Instant::now() < deadline,
            "a connection whose session ended was never cut"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads from `tcp` until what came so far satisfies `enough`.
async fn read_until(
    tcp: &mut tokio::net::TcpStream,
    what: &str,
    enough: impl Fn(&[u8]) -> bool,
) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    while !enough(&got) {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, tcp.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            other => panic!("no {what}: {other:?}; got {got:?}"),
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread")]
async fn half_open_connections_do_not_hold_up_shutdown() {
    let server = TestServer::start();
    // Connected, silent: still in the version exchange (the server has
    // sent its version line and waits for ours).
    let mut silent = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    read_until(&mut silent, "version line", |got| got.ends_with(b"\r\n")).await;
    // Version sent, then nothing: in key exchange (the server read our
    // version line and sent its key exchange init after its own).
    let mut stalled = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stalled, b"SSH-2.0-stalled\r\n")
        .await
        .unwrap();
    read_until(&mut stalled, "key exchange init", |got| {
        got.windows(2)
            .position(|w| w == b"\r\n")
            .is_some_and(|end| got.len() > end + 2)
    })
    .await;
    let took = tokio::task::spawn_blocking(move || server.stop())
        .await
        .unwrap();
    // Held up, shutdown would wait out its grace period for them.
    assert!(
        took < sshfolio::server::SHUTDOWN_GRACE / 2,
        "shutdown took {took:?}"
    );
}
