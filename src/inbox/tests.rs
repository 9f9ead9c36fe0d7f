//! The SQLite inbox through its handle: failing without losing the
//! server when the data directory cannot be written or the file is not a
//! database, and deleting old visits a batch at a time. What both stores
//! do is proven of both by `tests/store.rs`.

use std::path::Path;
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
async fn unusable_data_dir_fails_the_submit_and_recovers_when_fixed() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the data directory should be: nothing can be created.
    let data = dir.path().join("data");
    std::fs::write(&data, "not a directory").unwrap();
    let (inbox, _writer) = Inbox::start(&Database::Sqlite(data.clone()), Policy::default());
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
    let (inbox, _writer) = Inbox::start(&Database::Sqlite(dir.path().into()), Policy::default());
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
