//! The inbox through its handle: sanitising, idempotent and concurrent
//! submits, the limit, and failing without losing the server when the data
//! directory cannot be written.

use std::sync::Arc;

use std::time::UNIX_EPOCH;

use super::*;

fn submission(id: &str, message: &str) -> Submission {
    Submission {
        submission_id: id.into(),
        name: "Ada".into(),
        contact: "ada@example.com".into(),
        message: message.into(),
        peer: Some("198.51.100.4".parse().unwrap()),
        key_fingerprint: None,
    }
}

fn stored(data: &Path) -> Vec<db::Message> {
    let conn = db::open(&data.join(db::FILE)).unwrap();
    db::list_messages(&conn, false).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn stores_sanitised_text() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, writer) = Inbox::start(dir.path(), Policy::default());
    let mut s = submission(
        "aa11",
        "hi\x1b]52;c;aGVsbG8=\x07 there\x1b[2J\x07\nbye\tnow",
    );
    s.name = "Ada\x1b[31m Lovelace\u{202e}".into();
    assert_eq!(inbox.submit(s).await, SubmitResult::Sent);
    drop(inbox);
    assert!(writer.finish(Duration::from_secs(5)));
    let list = stored(dir.path());
    assert_eq!(list[0].name, "Ada Lovelace");
    assert_eq!(list[0].message, "hi there\nbye\tnow");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_presses_store_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, writer) = Inbox::start(dir.path(), Policy::default());
    let inbox = Arc::new(inbox);
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let inbox = inbox.clone();
            tokio::spawn(async move { inbox.submit(submission("same-id", "hello")).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), SubmitResult::Sent);
    }
    // Thirty-two different messages from one address: five get in.
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let inbox = inbox.clone();
            tokio::spawn(async move { inbox.submit(submission(&format!("id-{i}"), "hello")).await })
        })
        .collect();
    let mut sent = 0;
    for task in tasks {
        match task.await.unwrap() {
            SubmitResult::Sent => sent += 1,
            SubmitResult::Limited(wait) => assert!(wait <= Duration::from_secs(3600)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sent, 4, "one slot was taken by the first message");
    drop(inbox);
    assert!(writer.finish(Duration::from_secs(5)));
    assert_eq!(stored(dir.path()).len(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_invalid_submissions() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, _writer) = Inbox::start(dir.path(), Policy::default());
    assert_eq!(
        inbox.submit(submission("x1", "   ")).await,
        SubmitResult::Invalid
    );
    let mut long = submission("x2", "hi");
    long.name = "n".repeat(101);
    assert_eq!(inbox.submit(long).await, SubmitResult::Invalid);
    assert_eq!(
        inbox.submit(submission("bad id!", "hi")).await,
        SubmitResult::Invalid
    );
    assert_eq!(
        inbox.submit(submission("x3", &"m".repeat(2000))).await,
        SubmitResult::Sent
    );
    assert_eq!(
        inbox.submit(submission("x4", &"m".repeat(2001))).await,
        SubmitResult::Invalid
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_data_dir_fails_the_submit_and_recovers_when_fixed() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the data directory should be: nothing can be created.
    let data = dir.path().join("data");
    std::fs::write(&data, "not a directory").unwrap();
    let (inbox, _writer) = Inbox::start(&data, Policy::default());
    assert_eq!(
        inbox.submit(submission("r1", "hello")).await,
        SubmitResult::Failed
    );
    inbox.record_visit(Visit {
        started: SystemTime::now(),
        duration: Duration::from_secs(1),
        peer: None,
        client: String::new(),
        term: String::new(),
        cols: 80,
        rows: 24,
        sections: vec![],
        left_message: false,
        kind: VisitKind::Tui,
    });
    // The owner fixes it while the server runs: the retry is stored.
    std::fs::remove_file(&data).unwrap();
    assert_eq!(
        inbox.submit(submission("r1", "hello")).await,
        SubmitResult::Sent
    );
    assert_eq!(stored(&data).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn corrupt_database_fails_the_submit_without_losing_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = b"this is not an SQLite database, but somebody's file".repeat(100);
    std::fs::write(dir.path().join(db::FILE), &garbage).unwrap();
    let (inbox, _writer) = Inbox::start(dir.path(), Policy::default());
    assert_eq!(
        inbox.submit(submission("c1", "hello")).await,
        SubmitResult::Failed
    );
    assert_eq!(
        std::fs::read(dir.path().join(db::FILE)).unwrap(),
        garbage,
        "left as it was"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_visits_is_written_in_batches_and_messages_stay_durable() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, writer) = Inbox::start(dir.path(), Policy::default());
    let visit = |i: u64| Visit {
        started: UNIX_EPOCH + Duration::from_secs(1_700_000_000 + i),
        duration: Duration::from_millis(i),
        peer: Some(IpAddr::from([10, 0, (i / 256) as u8, (i % 256) as u8])),
        client: "SSH-2.0-test".into(),
        term: "xterm".into(),
        cols: 80,
        rows: 24,
        sections: vec!["about"],
        left_message: false,
        kind: VisitKind::Tui,
    };
    for i in 0..1000 {
        inbox.record_visit(visit(i));
    }
    assert_eq!(
        inbox.submit(submission("mid", "between visits")).await,
        SubmitResult::Sent
    );
    for i in 1000..1500 {
        inbox.record_visit(visit(i));
    }
    drop(inbox);
    assert!(writer.finish(Duration::from_secs(10)));
    let conn = db::open(&dir.path().join(db::FILE)).unwrap();
    assert_eq!(db::visit_stats(&conn, 0, &[]).unwrap().visits, 1500);
    assert_eq!(db::list_messages(&conn, false).unwrap().len(), 1);
}

#[test]
fn visits_past_their_retention_are_deleted_in_small_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = db::open(&dir.path().join(db::FILE)).unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let row = |age_days: i64| db::VisitRow {
        started_at: now - age_days * 86_400,
        duration_ms: 1,
        visitor: "v".into(),
        client: String::new(),
        term: String::new(),
        cols: 0,
        rows: 0,
        sections: String::new(),
        left_message: false,
        kind: "plain".into(),
    };
    let old: Vec<_> = (0..1200).map(|_| row(3)).collect();
    db::record_visits(&mut conn, &old).unwrap();
    db::record_visits(&mut conn, &[row(0), row(1)]).unwrap();
    let policy = Policy {
        visits_retention_days: 2,
        ..Policy::default()
    };
    let mut state = writer::WriterState::new(dir.path(), policy, watch::channel(0).0);
    let left = |conn: &rusqlite::Connection| db::visit_stats(conn, 0, &[]).unwrap().visits;
    state.prune();
    assert_eq!(left(&conn), 702, "one batch of 500 at a time");
    state.prune();
    state.prune();
    assert_eq!(left(&conn), 2, "the recent ones stay");
    // Kept forever when the retention is 0.
    db::record_visits(&mut conn, &[row(900)]).unwrap();
    let mut keep_all = writer::WriterState::new(
        dir.path(),
        Policy {
            visits_retention_days: 0,
            ..Policy::default()
        },
        watch::channel(0).0,
    );
    keep_all.prune();
    assert_eq!(left(&conn), 3);
}
