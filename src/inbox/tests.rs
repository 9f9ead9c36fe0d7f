//! The inbox through its handle on SQLite: failing without losing the
//! server when the data directory cannot be written or the file is not a
//! database, recovering when it is fixed, and deleting old visits a batch
//! at a time. What both stores do is proven of both by `tests/store.rs`.

use std::path::Path;

use super::*;
use crate::inbox::sqlite::FILE;

fn message(id: &str, body: &str) -> Message {
    Message {
        submission_id: id.into(),
        name: "Ada".into(),
        contact: "ada@example.com".into(),
        body: body.into(),
        peer: Some("198.51.100.4".parse().unwrap()),
        ..Message::default()
    }
}

async fn stored(data: &Path) -> Vec<Message> {
    let store = crate::inbox::open(&Database::Sqlite(data.into()))
        .await
        .unwrap()
        .unwrap();
    store.list_messages(false).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_data_dir_fails_the_submit_and_recovers_when_fixed() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the data directory should be: nothing can be created.
    let data = dir.path().join("data");
    std::fs::write(&data, "not a directory").unwrap();
    let (inbox, _tasks) = Inbox::start(&Database::Sqlite(data.clone()), Policy::default());
    let started = Instant::now();
    assert_eq!(
        inbox.submit(message("r1", "hello")).await,
        SubmitResult::Failed
    );
    assert!(
        started.elapsed() < policy::SUBMIT_TIMEOUT,
        "said at once, not after the timeout"
    );
    // The owner fixes it while the server runs: the retry is stored.
    std::fs::remove_file(&data).unwrap();
    assert_eq!(
        inbox.submit(message("r1", "hello")).await,
        SubmitResult::Sent
    );
    assert_eq!(stored(&data).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn corrupt_database_fails_the_submit_without_losing_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = b"this is not an SQLite database, but somebody's file".repeat(100);
    std::fs::write(dir.path().join(FILE), &garbage).unwrap();
    let (inbox, _tasks) = Inbox::start(&Database::Sqlite(dir.path().into()), Policy::default());
    assert_eq!(
        inbox.submit(message("c1", "hello")).await,
        SubmitResult::Failed
    );
    assert_eq!(
        std::fs::read(dir.path().join(FILE)).unwrap(),
        garbage,
        "left as it was"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn visits_past_their_retention_are_deleted_in_small_batches() {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().into());
    let now = clock::now();
    let visit = |age_days: i64| Visit {
        started_at: now - age_days * 86_400,
        duration_ms: 1,
        visitor: "v".into(),
        kind: "plain".into(),
        ..Visit::default()
    };
    let store = crate::inbox::connect(&database).unwrap();
    store.prepare().await.unwrap();
    let old: Vec<_> = (0..1200).map(|_| visit(3)).collect();
    store.record_visits(&old).await.unwrap();
    store.record_visits(&[visit(0), visit(1)]).await.unwrap();
    let policy = Policy {
        visits_retention_days: 2,
        ..Policy::default()
    };
    let (inbox, _tasks) = Inbox::start(&database, policy.clone());
    inbox
        .store(Instant::now() + Duration::from_secs(5))
        .await
        .unwrap();
    let left = async || {
        let rows = store.tally_visits(0).await.unwrap();
        stats::from_rows(&rows, &[]).visits
    };
    inbox.prune_once(policy.retention().unwrap()).await;
    assert_eq!(left().await, 2, "the recent ones stay");
    // Kept forever when the retention is 0.
    store.record_visits(&[visit(900)]).await.unwrap();
    let keep_all = Policy {
        visits_retention_days: 0,
        ..Policy::default()
    };
    assert_eq!(keep_all.retention(), None);
    assert_eq!(left().await, 3);
}

#[test]
fn visits_are_stored_cleaned_and_cut() {
    let visit = policy::checked_visit(Visit {
        client: format!("SSH-2.0-x\x1b[2J{}", "y".repeat(300)),
        ..Visit::default()
    });
    assert!(visit.client.starts_with("SSH-2.0-x") && !visit.client.contains('\x1b'));
    assert_eq!(visit.client.chars().count(), 100);
}
