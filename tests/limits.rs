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
