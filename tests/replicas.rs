//! Replicas for real, as the deploy example runs them: HAProxy in TCP
//! mode sending PROXY v2 to two `sshfolio serve --proxy-protocol`
//! processes that share one host key and one PostgreSQL database, all on
//! loopback. Visitors come through HAProxy only.

use std::time::Duration;

use sshfolio::server::host_key;

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";
const SENT: &str = "Message sent — thank you";

/// How many "message received" lines a replica logged.
fn received(replica: &ServerProcess) -> usize {
    let log = replica.log.lock().unwrap();
    log.iter()
        .filter(|l| l.contains("message received"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_behind_haproxy_share_one_inbox() {
    if !haproxy_installed() {
        return;
    }
    let Some(pg) = shared_postgres() else {
        return;
    };
    let url = pg.database_url();
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let host_key = host_key::load_or_create(&keys).unwrap();
    let fingerprint = host_key::fingerprint(&host_key);
    let replica = |name: &str| {
        ServerProcess::spawn_with(
            &keys,
            &dir.path().join(name),
            &content_dir(),
            &[
                "--proxy-protocol",
                "--database",
                &url,
                "--metrics-listen",
                "127.0.0.1:0",
            ],
            &[],
        )
    };
    let (a, b) = (replica("data-a"), replica("data-b"));
    for r in [&a, &b] {
        let line = r.wait_log("listening on");
        assert!(line.contains(&fingerprint), "one host key: {line}");
        r.wait_log("inbox database ready");
    }
    let Some(lb) = Haproxy::start(&[(a.addr, a.metrics_addr()), (b.addr, b.metrics_addr())]) else {
        return;
    };
    // HAProxy's health checks ask /readyz on the metrics port (every
    // 300 ms here): over a second of them, no SSH connection is opened
    // (a TCP check would log one failed handshake each).
    let opened = || {
        [&a, &b]
            .iter()
            .map(|r| {
                r.log
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|l| l.contains("connection opened"))
                    .count()
            })
            .sum::<usize>()
    };
    // The one connection `Haproxy::start` made to see it listening.
    poll_until("the start probe's line", || opened() == 1);
    let before = opened();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(opened(), before, "health checks stay off the SSH port");

    // Four visitors through the balancer, each leaving a message: round
    // robin sends them to both replicas, and each is stored once.
    for i in 0..4 {
        let mut v = russh_visitor(lb.addr, "visitor", "xterm", 80, 24).await;
        v.wait_for(ABOUT).await;
        send_message(
            &mut v,
            &format!("Visitor {i}"),
            "",
            format!("message {i}").as_bytes(),
        )
        .await;
        v.wait_for(SENT).await;
    }
    let (through_a, through_b) = (received(&a), received(&b));
    assert!(
        through_a >= 1 && through_b >= 1 && through_a + through_b == 4,
        "both replicas stored: {through_a} + {through_b}"
    );
    let out = sshfolio_bin()
        .args(["messages", "--json", "--database", &url])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Visitor 0", "Visitor 1", "Visitor 2", "Visitor 3"]);

    // The hourly limit spans replicas: the fifth gets in, the sixth (on
    // whichever replica) is refused.
    let mut v = russh_visitor(lb.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    send_message(&mut v, "Visitor 4", "", b"message 4").await;
    v.wait_for(SENT).await;
    let mut w = russh_visitor(lb.addr, "visitor", "xterm", 80, 24).await;
    w.wait_for(ABOUT).await;
    send_message(&mut w, "Visitor 5", "", b"message 5").await;
    w.wait_for("that is the limit of messages for an hour")
        .await;
    drop((v, w));

    // One replica dies (SIGKILL): no message is lost, and the next
    // visitors are served by the other.
    // Exec sessions that ran to the end (health checks never log in).
    let survivor_sessions = || {
        b.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("connection closed") && l.contains("ended=\"done\""))
            .count()
    };
    a.kill();
    let before = survivor_sessions();
    for _ in 0..3 {
        let out = russh_exec(lb.addr, "about").await;
        assert_eq!(out.status, Some(0), "served after a replica died");
    }
    poll_until("the survivor served them", || {
        survivor_sessions() >= before + 3
    });
    let out = sshfolio_bin()
        .args(["messages", "--database", &url])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("5 messages, 5 unread"), "{text}");

    // One visitor key in the database: the same visitor counts once,
    // whichever replica served them.
    tokio::time::sleep(Duration::from_millis(500)).await;
    poll_until("visits recorded", || {
        let out = sshfolio_bin()
            .args(["stats", "--database", &url])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        text.contains("from 1 visitor ")
    });
}
