//! The database on its own: migrations, idempotent inserts, the rolling
//! limit by address and by key, listing and marking read, visits.

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

fn count(conn: &Connection) -> i64 {
    conn.query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))
        .unwrap()
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
fn same_submission_is_stored_once() {
    let (_dir, mut conn) = db();
    let m = msg("a1", 1_000_000, "v", None);
    let Stored::New(id) = insert_message(&mut conn, &m, 5, &[]).unwrap() else {
        panic!("first insert stores");
    };
    assert_eq!(
        insert_message(&mut conn, &m, 5, &[]).unwrap(),
        Stored::Duplicate(id)
    );
    assert_eq!(count(&conn), 1);
    // The UNIQUE constraint itself refuses a second row.
    let raw = conn.execute(
        "INSERT INTO messages (submission_id, received_at, name, contact, body, visitor) VALUES ('a1', 0, '', '', '', '')",
        [],
    );
    assert!(raw.is_err());
}

#[test]
fn limit_is_per_rolling_hour_per_address_and_per_key() {
    let (_dir, mut conn) = db();
    let t0 = 1_000_000;
    for i in 0..5 {
        let stored = insert_message(
            &mut conn,
            &msg(&format!("m{i}"), t0 + i * 60, "ip1", None),
            5,
            &[],
        )
        .unwrap();
        assert!(matches!(stored, Stored::New(_)), "{i}: {stored:?}");
    }
    // The sixth, ten minutes after the first: wait until the first is an hour old.
    let sixth = msg("m5", t0 + 600, "ip1", None);
    assert_eq!(
        insert_message(&mut conn, &sixth, 5, &[]).unwrap(),
        Stored::Limited {
            retry_after_secs: 3000
        }
    );
    // A retry of one already stored is not refused: it is that message.
    assert!(matches!(
        insert_message(&mut conn, &msg("m4", t0 + 600, "ip1", None), 5, &[]).unwrap(),
        Stored::Duplicate(_)
    ));
    // Another address is not affected; an hour later the first is free again.
    assert!(matches!(
        insert_message(&mut conn, &msg("o1", t0 + 600, "ip2", None), 5, &[]).unwrap(),
        Stored::New(_)
    ));
    assert!(matches!(
        insert_message(&mut conn, &msg("m6", t0 + 3601, "ip1", None), 5, &[]).unwrap(),
        Stored::New(_)
    ));
    // Refused attempts did not count.
    assert_eq!(count(&conn), 7);

    // A key is limited across addresses.
    for i in 0..3 {
        insert_message(
            &mut conn,
            &msg(&format!("k{i}"), t0, &format!("addr{i}"), Some("SHA256:k")),
            3,
            &[],
        )
        .unwrap();
    }
    assert!(matches!(
        insert_message(
            &mut conn,
            &msg("k3", t0 + 1, "fresh-addr", Some("SHA256:k")),
            3,
            &[],
        )
        .unwrap(),
        Stored::Limited { .. }
    ));
}

#[test]
fn lists_newest_first_and_marks_read() {
    let (_dir, mut conn) = db();
    for (i, at) in [100, 300, 200].into_iter().enumerate() {
        insert_message(
            &mut conn,
            &msg(&format!("s{i}"), at, &format!("v{i}"), None),
            5,
            &[],
        )
        .unwrap();
    }
    let all = list_messages(&conn, false).unwrap();
    let bodies: Vec<&str> = all.iter().map(|m| m.message.as_str()).collect();
    assert_eq!(bodies, ["message s1", "message s2", "message s0"]);
    assert_eq!(all[0].received_at, "1970-01-01T00:05:00Z");
    assert_eq!(mark_read(&conn, Some(all[0].id), 5000).unwrap(), 1);
    assert_eq!(
        mark_read(&conn, Some(all[0].id), 5000).unwrap(),
        0,
        "already read"
    );
    assert_eq!(list_messages(&conn, true).unwrap().len(), 2);
    assert_eq!(mark_read(&conn, None, 5000).unwrap(), 2);
    assert!(list_messages(&conn, true).unwrap().is_empty());
    assert!(list_messages(&conn, false).unwrap().iter().all(|m| m.read));
}

#[test]
fn records_and_reads_visits() {
    let (_dir, mut conn) = db();
    let visit = VisitRow {
        started_at: 86_400 * 3 + 5,
        duration_ms: 61_000,
        visitor: "h".into(),
        client: "SSH-2.0-OpenSSH_9.6".into(),
        term: "xterm-256color".into(),
        cols: 80,
        rows: 24,
        sections: "about,projects".into(),
        left_message: true,
        kind: "tui".into(),
    };
    let other = VisitRow {
        started_at: 86_400 * 3 + 50,
        duration_ms: 1_000,
        visitor: "i".into(),
        client: "SSH-2.0-PuTTY_Release_0.78".into(),
        sections: "projects".into(),
        kind: "exec json".into(),
        ..visit.clone()
    };
    let late = VisitRow {
        started_at: 86_400 * 4 + 1,
        duration_ms: 90_000,
        ..visit.clone()
    };
    record_visits(&mut conn, &[visit, other, late]).unwrap();
    let sync: i64 = conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "messages are committed with FULL again");
    let stats = visit_stats(&conn, 0, &["about", "projects", "contact"]).unwrap();
    assert_eq!(
        stats,
        VisitStats {
            visits: 3,
            visitors: 2,
            median_ms: 61_000,
            per_day: vec![("1970-01-04".into(), 2), ("1970-01-05".into(), 1)],
            sections: vec![
                ("about".into(), 2),
                ("projects".into(), 3),
                ("contact".into(), 0)
            ],
            clients: vec![("OpenSSH_9.6".into(), 2), ("PuTTY_Release_0.78".into(), 1)],
            kinds: vec![("tui".into(), 2), ("exec json".into(), 1)],
        }
    );
    assert_eq!(
        visit_stats(&conn, 86_400 * 4, &["about"]).unwrap().visits,
        1
    );
    assert_eq!(
        visit_stats(&conn, 86_400 * 5, &["about"]).unwrap(),
        VisitStats::default()
    );
}

#[test]
fn old_visits_are_pruned_in_batches() {
    let (_dir, mut conn) = db();
    let rows: Vec<VisitRow> = (0..25)
        .map(|i| VisitRow {
            started_at: i * 100,
            duration_ms: 1,
            visitor: "v".into(),
            client: String::new(),
            term: String::new(),
            cols: 0,
            rows: 0,
            sections: String::new(),
            left_message: false,
            kind: "plain".into(),
        })
        .collect();
    record_visits(&mut conn, &rows).unwrap();
    assert_eq!(prune_visits(&conn, 2000, 8).unwrap(), 8);
    assert_eq!(prune_visits(&conn, 2000, 8).unwrap(), 8);
    assert_eq!(prune_visits(&conn, 2000, 8).unwrap(), 4);
    assert_eq!(prune_visits(&conn, 2000, 8).unwrap(), 0);
    assert_eq!(visit_stats(&conn, 0, &[]).unwrap().visits, 5);
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
