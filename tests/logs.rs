//! The server's log against a hostile client: text from the network can
//! neither forge a line nor a field, and a flood of requests costs the log
//! a few lines, not one per request.

use russh::client;

use crate::util::*;

/// Every log line starts with its own timestamp: no line was split in two
/// by text that came from a client.
fn assert_every_line_is_a_whole_event(server: &ServerProcess) {
    for line in server.log.lock().unwrap().iter() {
        let stamp = line.get(..20).unwrap_or("");
        assert!(
            stamp.len() == 20 && stamp.as_bytes()[4] == b'-' && stamp.as_bytes()[10] == b'T',
            "a line that is not a whole event: {line:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn network_text_cannot_forge_a_line_or_a_field() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn(&dir.path().join("keys"), &dir.path().join("data"), &[]);
    // A client version and a terminal name posing as fields of the
    // closing line.
    let config = client::Config {
        client_id: russh::SshId::Standard("SSH-2.0-x peer=198.51.100.7 user=\"admin\"".into()),
        ..Default::default()
    };
    let mut v = russh_visitor_with(
        server.addr,
        "visitor",
        "xterm ended=\"quit\"",
        &[],
        80,
        24,
        config,
    )
    .await;
    v.wait_for("6+ years").await;
    // A request name posing as a whole line of its own.
    let forged =
        "x\n2026-11-29T00:00:00.000000Z  INFO sshfolio::server: connection closed peer=6.6.6.6";
    let (handle, _) = russh_connect(server.addr, "visitor").await;
    let channel = handle.channel_open_session().await.unwrap();
    channel.request_subsystem(true, forged).await.unwrap();
    let refused = server.wait_log("refused a subsystem");
    assert!(
        refused.contains(r#"detail="x\n2026-11-29T00:00:00.000000Z  INFO"#),
        "{refused}"
    );
    v.send(b"q").await;
    v.wait_closed().await;
    drop(v);
    let closed = server.wait_log(r#"user="visitor"}: sshfolio::server::record: connection closed"#);
    // The pretend fields are inside quoted values; the real ones once each.
    assert!(
        closed.contains(r#"client="SSH-2.0-x peer=198.51.100.7 user=\"admin\"""#),
        "{closed}"
    );
    assert!(
        closed.contains(r#"term="xterm ended=\"quit\"""#),
        "{closed}"
    );
    assert!(closed.contains(" ended=\"quit\"") || closed.contains(" ended=quit"));
    assert_eq!(closed.matches("peer=127.0.0.1").count(), 1, "{closed}");
    assert_every_line_is_a_whole_event(&server);
    assert!(
        !server
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("2026-11-29T00:00:00")),
        "a forged line"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_refused_requests_costs_the_log_a_few_lines() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn(&dir.path().join("keys"), &dir.path().join("data"), &[]);
    // A quiet connection first, to know what one costs.
    assert_eq!(russh_exec(server.addr, "about").await.status, Some(0));
    server.wait_log("connection closed");
    let quiet: usize = server.log.lock().unwrap().iter().map(|l| l.len() + 1).sum();
    let before = quiet;
    let (handle, _) = russh_connect(server.addr, "visitor").await;
    let channel = handle.channel_open_session().await.unwrap();
    let name = "s".repeat(200);
    for _ in 0..1000 {
        channel.request_subsystem(false, &name).await.unwrap();
    }
    for port in 0..500u32 {
        let _ = handle.tcpip_forward("0.0.0.0", 10_000 + port).await;
    }
    for _ in 0..200 {
        let _ = handle
            .channel_open_direct_tcpip("10.0.0.1", 22, "10.0.0.2", 1)
            .await;
    }
    drop(channel);
    let _ = handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
    let closing_lines = || {
        server
            .log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("connection closed"))
            .cloned()
            .collect::<Vec<_>>()
    };
    poll_until("the flooding connection's closing line", || {
        closing_lines().len() == 2
    });
    let closed = closing_lines().pop().unwrap();
    // Every refusal counted, though few were written out.
    assert!(closed.contains("refused=1700"), "{closed}");
    let after: usize = server.log.lock().unwrap().iter().map(|l| l.len() + 1).sum();
    let flood = after - before;
    // The open and close lines, and at most one refusal line a second.
    println!("1,700 refused requests: {flood} bytes of log");
    assert!(
        flood < 4 * 1024,
        "{flood} bytes:\n{:#?}",
        server.log.lock().unwrap()
    );
    assert_every_line_is_a_whole_event(&server);
}
