//! Hostile and broken clients: random bytes, absurd window sizes, a huge
//! paste, half-finished handshakes. None of them may panic the server or
//! disturb another visitor.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use rand::RngExt;

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

// On a paused clock (see `timers`), so the pause that ends any pending
// escape sequence is exact rather than a guess at delivery times.
#[tokio::test(start_paused = true)]
async fn random_bytes_never_wedge_the_ui() {
    let server = VirtualServer::start(Default::default(), Default::default());
    let mut bystander = server.visitor("visitor", "xterm-256color", 80, 24).await;
    bystander.wait_for(ABOUT).await;
    let mut rng = rand::rng();
    for round in 0..5 {
        let mut v = server.visitor("visitor", "xterm", 80, 24).await;
        v.wait_for(ABOUT).await;
        for _ in 0..20 {
            let len = rng.random_range(1..2000);
            let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            // Random bytes may quit (q, Ctrl-C); that is fine too.
            if v.channel.data(&bytes[..]).await.is_err() {
                break;
            }
        }
        // After the pause any pending escape sequence (or paste) is over:
        // q quits.
        let_time_pass(sshfolio::term::input::PASTE_TIMEOUT + Duration::from_millis(1)).await;
        let _ = v.channel.data(&b"q"[..]).await;
        let status = v.wait_closed().await;
        assert!(matches!(status, Some(0)), "round {round}: {status:?}");
        assert!(
            !v.screen().alternate_screen(),
            "round {round}: terminal restored"
        );
    }
    bystander.send(b"3").await;
    bystander.wait_for("Technical Arsenal").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn zero_size_pty_is_served_as_80x24() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 0, 0).await;
    v.wait_for(ABOUT).await;
    let rows: Vec<String> = v.screen().rows(0, 80).collect();
    assert_eq!(rows.len(), 24);
    assert!(rows[23].contains("q quit"), "{rows:#?}");
    // A 0x0 window-change too.
    v.send(b"2").await;
    v.wait_for("Where I've Worked").await;
    v.channel.window_change(0, 0, 0, 0).await.unwrap();
    v.send(b"1").await;
    v.wait_for(ABOUT).await;
    assert!(v.screen().rows(0, 80).nth(23).unwrap().contains("q quit"));
}

#[tokio::test(flavor = "multi_thread")]
async fn giant_window_is_clamped() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 65535, 65535).await;
    // The emulator is 500x200: the footer must land on its last row.
    v.wait_until("the footer on row 200", |s| {
        s.rows(0, 500)
            .nth(199)
            .is_some_and(|r| r.contains("q quit"))
    })
    .await;
    v.channel
        .window_change(u32::MAX, u32::MAX, u32::MAX, u32::MAX)
        .await
        .unwrap();
    v.send(b"5").await;
    v.wait_for("Things I've Built").await;
    v.send(b"q").await;
    assert_eq!(v.wait_closed().await, Some(0));
}

#[tokio::test(start_paused = true)]
async fn one_megabyte_paste_is_survived() {
    let server = VirtualServer::start(Default::default(), Default::default());
    let mut v = server.visitor("visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    let mut paste = b"\x1b[200~".to_vec();
    paste.extend(std::iter::repeat_n(b'q', 1 << 20));
    paste.extend_from_slice(b"\x1b[201~");
    v.send(&paste).await;
    // The pasted q's are text, not commands: the session is still here.
    // (Most of a megabyte is over the input rate and dropped, end marker
    // included: the parser gives up on the paste after its timeout.)
    // Regression: the paste's timeout used to restart whenever the session
    // woke for anything else (releasing its buffers), so it never ended.
    let_time_pass(sshfolio::term::input::PASTE_TIMEOUT + Duration::from_millis(1)).await;
    v.send(b"4").await;
    v.wait_for("Engineering Insights").await;
    v.send(b"q").await;
    assert_eq!(v.wait_closed().await, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_handshakes_leave_the_server_serving() {
    let server = TestServer::start();
    let mut rng = rand::rng();
    for case in 0..6 {
        let mut tcp = TcpStream::connect(server.addr).unwrap();
        tcp.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        let _ = match case {
            // Connect and leave at once.
            0 => Ok(()),
            // A version line, then nothing.
            1 => tcp.write_all(b"SSH-2.0-half\r\n"),
            // A version line, then garbage where the key exchange goes.
            2 => tcp.write_all(b"SSH-2.0-junk\r\n\x00\x00\xff\xff\x14garbage"),
            // Random bytes instead of a version line.
            3 => tcp.write_all(&(0..4096).map(|_| rng.random()).collect::<Vec<u8>>()),
            // A huge packet length after the version.
            4 => tcp.write_all(b"SSH-2.0-big\r\n\x7f\xff\xff\xff\x0a"),
            // An endless version line.
            _ => tcp.write_all(&[b'S'; 70_000]),
        };
        drop(tcp);
    }
    let out = russh_exec(server.addr, "contact").await;
    assert_eq!(out.status, Some(0));
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn second_session_channel_is_refused() {
    let server = TestServer::start();
    let (handle, _) = russh_connect(server.addr, "visitor").await;
    let first = handle.channel_open_session().await;
    assert!(first.is_ok());
    let second = handle.channel_open_session().await;
    assert!(second.is_err(), "a second session channel must be refused");
}

#[cfg(feature = "fault-injection")]
#[tokio::test(flavor = "multi_thread")]
async fn panic_in_one_session_ends_only_that_session() {
    let server = TestServer::start();
    let mut bystander = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    bystander.wait_for(ABOUT).await;
    let mut v = russh_visitor(server.addr, "__panic", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    assert_eq!(v.wait_closed().await, Some(1));
    assert!(
        !v.screen().alternate_screen(),
        "terminal restored after the panic"
    );
    assert!(!v.screen().hide_cursor());
    bystander.send(b"6").await;
    bystander.wait_for("Let's Build Something").await;
    let out = russh_exec(server.addr, "about").await;
    assert_eq!(out.status, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn input_over_the_rate_is_dropped_and_the_session_lives() {
    let limits = sshfolio::session::SessionLimits {
        max_input_rate: 1000,
        ..Default::default()
    };
    let server = TestServer::start_limited(Options::default().settings, limits);
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    let quiet = v.mark();
    // 5,000 ignored keys, then "4", in one packet: the "4" is past the
    // budget of 1,000 bytes a second and never reaches the app.
    let mut flood = vec![b'x'; 5000];
    flood.push(b'4');
    v.send(&flood).await;
    // A second later the budget is back: the first frame since the flood
    // is the next key's, so the "4" was dropped, not drawn.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    v.assert_quiet_since(quiet, b"2", "Where I've Worked").await;
    v.send(b"4").await;
    v.wait_for("Engineering Insights").await;
}

/// One hostile byte stream for the pre-authentication path.
fn hostile_stream(rng: &mut impl rand::Rng, case: usize) -> Vec<u8> {
    let mut bytes = b"SSH-2.0-fuzz\r\n".to_vec();
    let mut random = |n: usize| -> Vec<u8> { (0..n).map(|_| rng.random()).collect() };
    match case % 6 {
        // Garbage where the key exchange should be.
        0 => bytes.extend(random(1 + case % 3000)),
        // A packet length far beyond any buffer.
        1 => bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xf0, 0x04]),
        // A plausible length, then the packet cut short.
        2 => {
            bytes.extend_from_slice(&1000u32.to_be_bytes());
            bytes.extend(random(37));
        }
        // Padding longer than the packet.
        3 => bytes.extend_from_slice(&[0, 0, 0, 12, 200, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        // No version line at all: random from the first byte.
        4 => bytes = random(1 + case % 500),
        // A KEXINIT with nonsense name-lists.
        _ => {
            let mut payload = vec![20u8];
            payload.extend(random(16));
            for _ in 0..10 {
                let list = random(case % 64);
                payload.extend_from_slice(&(list.len() as u32).to_be_bytes());
                payload.extend(list);
            }
            payload.extend_from_slice(&[0, 0, 0, 0, 0]);
            let padding = 8 - (payload.len() + 5) % 8 + 8;
            bytes.extend_from_slice(&((payload.len() + padding + 1) as u32).to_be_bytes());
            bytes.push(padding as u8);
            bytes.extend(payload);
            bytes.extend(vec![0u8; padding]);
        }
    }
    bytes
}

// On a paused clock (see `timers`): every stream must be closed by the
// server by the handshake deadline at the latest, which takes no real time.
#[tokio::test(start_paused = true)]
async fn hostile_pre_auth_streams_are_closed_by_the_deadline_and_leave_the_server_serving() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Every stream comes from one address: lift its limits.
    let limits = sshfolio::server::Limits {
        connect_rate_per_ip: 100_000,
        max_connections_per_ip: 1000,
        ..Default::default()
    };
    let deadline = limits.handshake_timeout;
    let settings = sshfolio::server::Settings {
        limits,
        ..Default::default()
    };
    let server = VirtualServer::start(settings, Default::default());
    let mut bystander = server.visitor("visitor", "xterm", 80, 24).await;
    bystander.wait_for(ABOUT).await;
    let mut rng = rand::rng();
    let streams: Vec<Vec<u8>> = (0..300)
        .map(|case| hostile_stream(&mut rng, case))
        .collect();
    for batch in streams.chunks(25) {
        let tasks: Vec<_> = batch
            .iter()
            .cloned()
            .enumerate()
            .map(|(case, bytes)| {
                let mut stream = server.open();
                tokio::spawn(async move {
                    let started = tokio::time::Instant::now();
                    let _ = stream.write_all(&bytes).await;
                    // Read whatever comes back, until the server closes.
                    let mut sink = [0u8; 4096];
                    let closed = tokio::time::timeout(deadline + Duration::from_millis(5), async {
                        while let Ok(n) = stream.read(&mut sink).await {
                            if n == 0 {
                                break;
                            }
                        }
                    })
                    .await;
                    assert!(
                        closed.is_ok(),
                        "case {case}: still open {:?} later",
                        started.elapsed()
                    );
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    }
    // Served afterwards, old and new.
    bystander.send(b"5").await;
    bystander.wait_for("Things I've Built").await;
    let mut newcomer = server.visitor("skills", "xterm", 80, 24).await;
    newcomer.wait_for("Technical Arsenal").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_window_changes_are_absorbed() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    let mut rng = rand::rng();
    for i in 0..10_000u32 {
        let (cols, rows) = match i % 4 {
            0 => (0, 0),
            1 => (u32::MAX, u32::MAX),
            _ => (rng.random_range(1..600), rng.random_range(1..300)),
        };
        v.channel.window_change(cols, rows, 0, 0).await.unwrap();
        if i % 500 == 0 {
            // Keep reading so the test client's own buffers do not fill.
            v.drain(Duration::from_millis(1)).await;
        }
    }
    v.channel.window_change(80, 24, 0, 0).await.unwrap();
    set_size(v.parser.screen_mut(), 80, 24);
    v.send(b"4").await;
    // The frames for all those sizes (up to 500x200 each) are still on
    // their way to this client: on a loaded machine reading them takes a
    // while, which is the test client's time, not the server's.
    let limit = Duration::from_secs(40);
    v.wait_until_within(limit, "Engineering Insights", |s| {
        s.contents().contains("Engineering Insights")
    })
    .await;
    let app = sshfolio::app::App::new(sshfolio::app::Section::Insights);
    let want = expected_rows(&server.content, &app, 80, 24);
    v.wait_until_within(limit, "the exact 80x24 frame", |s| screen_rows(s) == want)
        .await;
}
