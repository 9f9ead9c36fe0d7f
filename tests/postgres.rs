//! The server and the owner's commands on PostgreSQL, against a real
//! server: the portfolio served with the database down at start, hung, or
//! gone, Send answered within 10 s with the draft kept, and the same
//! session sending once the database is back, without a restart; a bad
//! URL, an unreachable server and TLS the server lacks, each one clear
//! line without the password; `sshfolio migrate` copying an SQLite inbox,
//! twice without duplicating anything.

use std::process::Output;
use std::time::{Duration, Instant};

use sshfolio::inbox::{self, Change, ChannelRef, Database, Message, Visit};

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";
const SENT: &str = "Message sent — thank you";
const NOT_SAVED: &str = "couldn't save your message — please email akshaykbkale@gmail.com";

fn owner(args: &[&str]) -> Output {
    sshfolio_bin().args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn messages_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["messages", "--json"];
    all.extend_from_slice(args);
    let out = owner(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Presses Send and waits for `answer` (up to 20 s, so a slow answer
/// fails on its time, below); how long it took.
async fn send_and_wait<H: russh::client::Handler>(v: &mut Visitor<H>, answer: &str) -> Duration {
    let pressed = Instant::now();
    v.send(b"\x13").await;
    answer_within_20s(v, answer).await;
    pressed.elapsed()
}

async fn answer_within_20s<H: russh::client::Handler>(v: &mut Visitor<H>, answer: &str) {
    let limit = Duration::from_secs(20);
    v.wait_until_within(limit, answer, |s| s.contents().contains(answer))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_down_hung_or_gone_costs_a_clear_message_and_no_restart() {
    let Some(pg) = PgServer::start() else {
        return;
    };
    let url = pg.database_url();
    pg.stop();
    // Down at start: one clear line, and the portfolio is served.
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn_with(
        &dir.path().join("keys"),
        &dir.path().join("data"),
        &content_dir(),
        &["--database", &url],
        &[],
    );
    let line = server.wait_log("inbox database not reachable");
    assert!(
        line.contains("ERROR") && line.contains("127.0.0.1"),
        "{line}"
    );
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    send_message(&mut v, "Ada", "ada@example.com", b"Keep this draft").await;
    let started = Instant::now();
    answer_within_20s(&mut v, NOT_SAVED).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "answered in {took:?}");
    assert!(v.contents().contains("Keep this draft"), "{}", v.contents());

    // Back: the same session sends, no restart.
    pg.restart();
    let took = send_and_wait(&mut v, SENT).await;
    assert!(took < Duration::from_secs(5), "sent in {took:?}");
    let list = messages_json(&["--database", &url]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["message"], "Keep this draft");

    // Hung (every server process stopped, connections left open): the
    // form still answers within 10 s and keeps the draft.
    let mut w = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    w.wait_for(ABOUT).await;
    pg.freeze();
    send_message(&mut w, "Bo", "", b"Second draft").await;
    let started = Instant::now();
    answer_within_20s(&mut w, NOT_SAVED).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "answered in {took:?}");
    assert!(w.contents().contains("Second draft"));
    // Thawed, the press that hung may have landed meanwhile; pressing
    // again is that same message, never a second one.
    pg.thaw();
    send_and_wait(&mut w, SENT).await;

    // Gone (stopped while the server runs): the same again.
    pg.stop();
    let mut x = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    x.wait_for(ABOUT).await;
    send_message(&mut x, "Cy", "", b"Third draft").await;
    let started = Instant::now();
    answer_within_20s(&mut x, NOT_SAVED).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "answered in {took:?}");
    pg.restart();
    send_and_wait(&mut x, SENT).await;

    let list = messages_json(&["--database", &url]);
    let bodies: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Third draft", "Second draft", "Keep this draft"]);
    // Everyone else was served throughout, and nothing panicked.
    assert_eq!(russh_exec(server.addr, "about").await.status, Some(0));
    let log = server.log.lock().unwrap().join("\n");
    assert!(!log.contains("panicked"), "{log}");
}

#[test]
fn owner_commands_say_in_one_line_what_is_wrong_with_the_database() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["messages", "--database", "nonsense"],
            "--database: not a URL",
        ),
        (
            &["stats", "--database", "mysql://u:s3cret@db.example/x"],
            "is not a database this knows",
        ),
        (
            // Nothing listens on port 1.
            &[
                "messages",
                "--database",
                "postgres://u:s3cret@127.0.0.1:1/inbox",
            ],
            "postgres://127.0.0.1:1/inbox",
        ),
        (
            &["migrate", "--data", "/nonexistent", "--to", "nonsense"],
            "--to: not a URL",
        ),
    ];
    for (args, says) in cases {
        let out = owner(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(!err.contains("s3cret"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn tls_the_server_lacks_is_refused_with_a_clear_error() {
    let Some(pg) = shared_postgres() else {
        return;
    };
    let url = pg.database_url();
    let out = owner(&["messages", "--database", &format!("{url}?sslmode=require")]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.to_lowercase().contains("tls"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    // Without it, the same database answers.
    let out = owner(&["messages", "--database", &url]);
    assert_eq!(stdout(&out), "no messages yet\n", "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_with_an_unusable_url_serves_the_portfolio_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn_with(
        &dir.path().join("keys"),
        &dir.path().join("data"),
        &content_dir(),
        &["--database", "postgresql://u:s3cret@db.example.com/"],
        &[],
    );
    let line = server.wait_log("names no database");
    assert!(line.contains("ERROR"), "{line}");
    assert!(!line.contains("s3cret"), "{line}");
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    send_message(&mut v, "Ada", "", b"hello").await;
    v.wait_for(NOT_SAVED).await;
}

/// An SQLite inbox with some of everything: messages (one read), visits
/// from two visitors, deliveries pending, failed and made.
async fn sqlite_inbox(data: &std::path::Path) {
    let store = inbox::connect(&Database::Sqlite(data.to_path_buf())).unwrap();
    store.prepare().await.unwrap();
    let hook = ChannelRef {
        key: "hook".into(),
        label: "https://hooks.example".into(),
    };
    for i in 0..3i64 {
        let msg = Message {
            submission_id: format!("sub-{i}"),
            received_at: 1_700_000_000 + i * 60,
            name: format!("Visitor {i}"),
            contact: "v@example.com".into(),
            body: format!("message {i}\nsecond line"),
            visitor: "h".into(),
            key_fingerprint: (i == 1).then(|| "SHA256:abc".into()),
            ..Message::default()
        };
        store
            .insert_message(&msg, 5, std::slice::from_ref(&hook))
            .await
            .unwrap();
    }
    let list = store.list_messages(false).await.unwrap();
    store
        .change(Change::Read(list[2].id), 1_700_000_500)
        .await
        .unwrap();
    let due = store
        .claim("hook", 1_700_000_300, 1_700_000_330, 2)
        .await
        .unwrap()
        .due;
    let failed = sshfolio::inbox::Attempt::Failed {
        error: "HTTP 404".into(),
    };
    store
        .record_attempt(
            due[0].delivery.id,
            1_700_000_301,
            &sshfolio::inbox::Attempt::Delivered,
        )
        .await
        .unwrap();
    store
        .record_attempt(due[1].delivery.id, 1_700_000_302, &failed)
        .await
        .unwrap();
    let now = sshfolio::clock::now();
    let visits: Vec<Visit> = (0..7)
        .map(|i| Visit {
            started_at: now - 3600 * i,
            duration_ms: 1000 * (i + 1),
            visitor: format!("visitor-{}", i % 2),
            client: "SSH-2.0-OpenSSH_9.6".into(),
            term: "xterm".into(),
            cols: 80,
            rows: 24,
            sections: "about,projects".into(),
            kind: "tui".into(),
            ..Visit::default()
        })
        .collect();
    store.record_visits(&visits).await.unwrap();
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_copies_everything_once() {
    let Some(pg) = shared_postgres() else {
        return;
    };
    let url = pg.database_url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    sqlite_inbox(&data).await;
    let data_arg = data.display().to_string();
    let out = owner(&["migrate", "--data", &data_arg, "--to", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.starts_with("copied 3 new messages, 7 visits and 1 pending delivery from "),
        "{said}"
    );
    // What the owner sees is the same on both.
    let before = messages_json(&["--data", &data_arg]);
    assert_eq!(messages_json(&["--database", &url]), before);
    let stats = |args: &[&str]| {
        let mut all = vec!["stats"];
        all.extend_from_slice(args);
        stdout(&owner(&all))
    };
    let sqlite_stats = stats(&["--data", &data_arg]);
    assert!(
        sqlite_stats.contains("7 visits from 2 visitors"),
        "{sqlite_stats}"
    );
    assert_eq!(stats(&["--database", &url]), sqlite_stats);

    // Twice: nothing new.
    let out = owner(&["migrate", "--data", &data_arg, "--to", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.starts_with("copied 0 new messages, 0 visits and 0 pending deliveries"),
        "{said}"
    );
    assert!(said.contains("(3 messages already there)"), "{said}");
    assert_eq!(messages_json(&["--database", &url]), before);
    assert_eq!(stats(&["--database", &url]), sqlite_stats);

    // The pending delivery is the replicas' now: a server with that
    // channel would claim it (the same channel key).
    let database = Database::from_flags("--database", Some(&url), &data).unwrap();
    let store = inbox::open(&database).await.unwrap().unwrap();
    let due = store
        .claim("hook", i64::MAX / 2, i64::MAX / 2 + 30, 10)
        .await
        .unwrap()
        .due;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].message.name, "Visitor 2");
}

/// Regression: the two stores added up `stats` differently — SQLite kept
/// the first 1,000 clients it met and put the rest under "other";
/// PostgreSQL listed its 50 largest and no "other" — so 6,000 visits from
/// 1,500 client versions printed two different "clients" charts before
/// and after `migrate`. Now one algorithm serves both.
#[tokio::test(flavor = "multi_thread")]
async fn stats_read_the_same_from_both_stores_with_a_long_tail_of_clients() {
    let Some(pg) = PgServer::start() else {
        return;
    };
    let url = pg.database_url();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = inbox::connect(&Database::Sqlite(data.clone())).unwrap();
    store.prepare().await.unwrap();
    let now = sshfolio::clock::now();
    let sections = ["about", "projects", "skills", "contact"];
    let visits: Vec<Visit> = (0..6000i64)
        .map(|i| Visit {
            started_at: now - (i % 20) * 86_400 - i,
            duration_ms: (i * 7_919) % 5_000_000,
            visitor: format!("visitor-{}", i % 2_345),
            // 1,500 versions, four visits each; a few long-tail kinds too.
            client: format!("SSH-2.0-OpenSSH_9.{}p1 Debian-{}", i % 1_500, i % 3),
            sections: sections[..(i as usize % 4) + 1].join(","),
            kind: match i % 7 {
                0 => "plain".into(),
                1 => format!("exec {}", sections[i as usize % 4]),
                _ => "tui".into(),
            },
            ..Visit::default()
        })
        .collect();
    store.record_visits(&visits).await.unwrap();
    store.close().await;
    let data_arg = data.display().to_string();
    let out = owner(&["migrate", "--data", &data_arg, "--to", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sqlite = stdout(&owner(&["stats", "--data", &data_arg]));
    let postgres = stdout(&owner(&["stats", "--database", &url]));
    assert!(sqlite.contains("6000 visits"), "{sqlite}");
    assert!(
        sqlite.contains("\nclients\n  other "),
        "the tail as other: {sqlite}"
    );
    assert_eq!(postgres, sqlite);
}

#[test]
fn migrate_without_an_inbox_says_so() {
    let Some(pg) = shared_postgres() else {
        return;
    };
    let url = pg.database_url();
    let dir = tempfile::tempdir().unwrap();
    let out = owner(&[
        "migrate",
        "--data",
        &dir.path().display().to_string(),
        "--to",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no inbox to copy"),
        "{}",
        stderr(&out)
    );
}
