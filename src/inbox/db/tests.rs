//! What only the SQLite database does: migrations by `user_version`, WAL
//! and fsync settings, opening a new file from several processes. What
//! both stores do is proven of both by `tests/store.rs`.

use super::*;

fn db() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = open(&dir.path().join(FILE)).unwrap();
    (dir, conn)
}

fn msg(id: &str, at: i64, visitor: &str, key: Option<&str>) -> NewMessage {
    NewMessage {
        submission_id: id.into(),
        received_at: at,
        name: "Ada".into(),
        contact: "ada@example.com".into(),
        body: format!("message {id}"),
        visitor: visitor.into(),
        key_fingerprint: key.map(String::from),
    }
}

#[test]
fn migrates_once_and_refuses_a_newer_schema() {
    let (dir, conn) = db();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    drop(conn);
    let conn = open(&dir.path().join(FILE)).unwrap();
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
    let (_dir, mut conn) = db();
    let visit = VisitRow {
        started_at: 5,
        duration_ms: 61_000,
        visitor: "h".into(),
        client: "SSH-2.0-OpenSSH_9.6".into(),
        term: "xterm-256color".into(),
        cols: 80,
        rows: 24,
        sections: "about".into(),
        left_message: false,
        kind: "tui".into(),
    };
    record_visits(&mut conn, &[visit]).unwrap();
    let sync: i64 = conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "messages are committed with FULL again");
    assert_eq!(visit_stats(&conn, 0, &[]).unwrap().visits, 1);
}

#[test]
fn two_processes_opening_a_new_database_at_once_both_succeed() {
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
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO messages (submission_id, received_at, name, contact, body, visitor)
             VALUES ('old', 1, 'n', '', 'b', 'v')",
            [],
        )
        .unwrap();
    }
    let mut conn = open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, MIGRATIONS.len());
    // The old message is there, with no deliveries: channels configured
    // now do not get old messages.
    let list = list_messages(&conn, false).unwrap();
    assert_eq!((list.len(), list[0].deliveries.len()), (1, 0));
    let channel = ChannelRef {
        key: "k".into(),
        label: "https://hooks.example".into(),
    };
    let new = msg("new", 100, "v2", None);
    let Stored::New(id) = insert_message(&mut conn, &new, 5, &[channel]).unwrap() else {
        panic!()
    };
    let due = claim_deliveries(&mut conn, "k", 100, 130, 10).unwrap();
    assert_eq!((due.len(), due[0].message.id), (1, id));
    // Leased: not claimed twice.
    assert!(
        claim_deliveries(&mut conn, "k", 101, 131, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(next_due(&conn, "k").unwrap(), Some(130));
    record_attempt(
        &conn,
        due[0].id,
        102,
        &Attempt::Retry {
            at: 110,
            error: "HTTP 503".into(),
        },
    )
    .unwrap();
    assert_eq!(next_due(&conn, "k").unwrap(), Some(110));
    assert_eq!(
        claim_deliveries(&mut conn, "k", 110, 140, 10).unwrap()[0].attempts,
        1
    );
    record_attempt(
        &conn,
        due[0].id,
        111,
        &Attempt::Failed {
            error: "HTTP 404".into(),
        },
    )
    .unwrap();
    assert_eq!(redeliver(&conn, id, 200).unwrap(), 1);
    let again = claim_deliveries(&mut conn, "k", 200, 230, 10).unwrap();
    assert_eq!(
        (again.len(), again[0].attempts, again[0].created_at),
        (1, 0, 200)
    );
}
