//! What only the SQLite store does: migrations by `user_version`, WAL
//! and fsync settings, opening a new file from several threads at once,
//! reads that never create the file. What both stores do is proven of
//! both by `tests/store.rs`.

use rusqlite::Connection;

use super::schema::{FILE, open};
use super::*;
use crate::inbox::model::{Attempt, ChannelRef, DeliveryState};

fn msg(id: &str, at: i64, visitor: &str) -> Message {
    Message {
        submission_id: id.into(),
        received_at: at,
        name: "Ada".into(),
        contact: "ada@example.com".into(),
        body: format!("message {id}"),
        visitor: visitor.into(),
        ..Message::default()
    }
}

#[test]
fn migrates_once_and_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open(&dir.path().join(FILE)).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = open(&dir.path().join(FILE)).unwrap_err();
    assert!(
        err.to_string().contains("newer than this sshfolio"),
        "{err}"
    );
}

#[test]
fn visits_are_committed_without_fsync_and_messages_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(&dir.path().join(FILE)).unwrap();
    let visit = Visit {
        started_at: 5,
        duration_ms: 61_000,
        visitor: "h".into(),
        kind: "tui".into(),
        ..Visit::default()
    };
    queries::record_visits(&mut conn, &[visit]).unwrap();
    let sync: i64 = conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "messages are committed with FULL again");
}

#[test]
fn threads_opening_a_new_database_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE);
    let openers: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || open(&path).map(|_| ()))
        })
        .collect();
    for opener in openers {
        opener.join().unwrap().unwrap();
    }
}

#[test]
fn a_database_of_the_first_version_gains_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(FILE);
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO messages (submission_id, received_at, name, contact, body, visitor)
             VALUES ('old', 1, 'n', '', 'b', 'v')",
            [],
        )
        .unwrap();
    }
    let mut conn = open(&path).unwrap();
    // The old message is there, with no deliveries: channels configured
    // now do not get old messages.
    let list = queries::list_messages(&conn, false).unwrap();
    assert_eq!((list.len(), list[0].deliveries.len()), (1, 0));
    let channel = ChannelRef {
        key: "k".into(),
        label: "https://hooks.example".into(),
    };
    let Stored::New(id) =
        queries::insert_message(&mut conn, &msg("new", 100, "v2"), 5, &[channel]).unwrap()
    else {
        panic!()
    };
    let claim = queries::claim(&mut conn, "k", 100, 130, 10).unwrap();
    assert_eq!((claim.due.len(), claim.due[0].message.id), (1, id));
    assert_eq!(claim.next_due, Some(130), "leased until then");
    let delivery = claim.due[0].delivery.id;
    let failed = Attempt::Failed {
        error: "HTTP 404".into(),
    };
    queries::record_attempt(&conn, delivery, 111, &failed).unwrap();
    let list = queries::list_messages(&conn, false).unwrap();
    assert_eq!(list[0].deliveries[0].state, DeliveryState::Failed);
}

#[tokio::test(flavor = "multi_thread")]
async fn reads_never_create_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::new(dir.path()).unwrap();
    assert!(store.list_messages(false).await.is_err());
    assert!(!SqliteStore::exists(dir.path()), "no file made by a read");
    store.prepare().await.unwrap();
    assert!(store.list_messages(false).await.unwrap().is_empty());
    store.close().await;
    assert!(
        store.ping().await.is_err(),
        "closed: no more writes, said at once"
    );
}
