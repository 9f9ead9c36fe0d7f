//! The inbox test suite, run against both stores: SQLite in a temp data
//! directory and a real PostgreSQL server (a fresh database per test).
//! Whatever the inbox promises — idempotent submits, the rolling-hour
//! limit by address and by key, sanitising, listing and marking read,
//! visits and their stats, retention, the outbox's claims and leases, a
//! visitor key made once — is proven of both, through the same calls.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use sshfolio::clock;
use sshfolio::inbox::{
    self, Attempt, Backlog, Change, ChannelRef, Database, DeliveryState, Inbox, InboxTasks,
    Message, Policy, Store, Stored, SubmitResult, Visit, VisitKind, VisitStats,
};

/// Defines each test twice: `sqlite::NAME` and `postgres::NAME`.
macro_rules! on_both_stores {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let dir = tempfile::tempdir().unwrap();
                    super::$test(sshfolio::inbox::Database::Sqlite(dir.path().join("data"))).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let Some(database) = crate::util::postgres_database() else {
                        return;
                    };
                    super::$test(database).await;
                }
            )*
        }
    };
}

on_both_stores!(
    same_submission_is_stored_once,
    limit_is_per_rolling_hour_per_address_and_per_key,
    lists_newest_first_and_marks_read,
    records_and_adds_up_visits,
    old_visits_are_pruned_in_batches,
    outbox_claims_lease_retry_and_redeliver,
    visitor_key_is_made_once,
    stores_sanitised_text,
    concurrent_presses_store_one_message,
    two_inboxes_on_one_store_hold_one_limit,
    refuses_invalid_submissions,
    a_flood_of_visits_is_written_and_messages_stay_durable,
    messages_wake_delivery_and_are_claimed_once,
);

/// A message as the store takes it: checked, hashed, timed.
fn msg(id: &str, at: i64, visitor: &str, key: Option<&str>) -> Message {
    Message {
        submission_id: id.into(),
        received_at: at,
        name: "Ada".into(),
        contact: "ada@example.com".into(),
        body: format!("message {id}"),
        visitor: visitor.into(),
        key_fingerprint: key.map(String::from),
        ..Message::default()
    }
}

/// A message as the form sends it.
fn submission(id: &str, body: &str) -> Message {
    Message {
        submission_id: id.into(),
        name: "Ada".into(),
        contact: "ada@example.com".into(),
        body: body.into(),
        peer: Some("198.51.100.4".parse().unwrap()),
        ..Message::default()
    }
}

fn visit_row(started_at: i64, duration_ms: i64) -> Visit {
    Visit {
        started_at,
        duration_ms,
        visitor: "v".into(),
        kind: "plain".into(),
        ..Visit::default()
    }
}

async fn store(database: &Database) -> Arc<dyn Store> {
    let store = inbox::connect(database).unwrap();
    store.prepare().await.unwrap();
    store
}

/// Every queued write finished and the handle gone.
async fn close(inbox: Inbox, tasks: InboxTasks) {
    drop(inbox);
    assert!(tasks.finish(Duration::from_secs(10)).await);
}

async fn count(store: &Arc<dyn Store>) -> usize {
    store.list_messages(false).await.unwrap().len()
}

async fn stats(store: &Arc<dyn Store>, since: i64, sections: &[&str]) -> VisitStats {
    store.visit_stats(since, sections).await.unwrap()
}

async fn same_submission_is_stored_once(database: Database) {
    let store = store(&database).await;
    let m = msg("a1", 1_000_000, "v", None);
    let Stored::New(id) = store.insert_message(&m, 5, &[]).await.unwrap() else {
        panic!("first insert stores");
    };
    assert_eq!(
        store.insert_message(&m, 5, &[]).await.unwrap(),
        Stored::Duplicate(id)
    );
    assert_eq!(count(&store).await, 1);
}

async fn limit_is_per_rolling_hour_per_address_and_per_key(database: Database) {
    let store = store(&database).await;
    let t0 = 1_000_000;
    for i in 0..5 {
        let stored = store
            .insert_message(&msg(&format!("m{i}"), t0 + i * 60, "ip1", None), 5, &[])
            .await
            .unwrap();
        assert!(matches!(stored, Stored::New(_)), "{i}: {stored:?}");
    }
    // The sixth, ten minutes after the first: wait until the first is an
    // hour old.
    let sixth = msg("m5", t0 + 600, "ip1", None);
    assert_eq!(
        store.insert_message(&sixth, 5, &[]).await.unwrap(),
        Stored::Limited {
            retry_after_secs: 3000
        }
    );
    // A retry of one already stored is not refused: it is that message.
    assert!(matches!(
        store
            .insert_message(&msg("m4", t0 + 600, "ip1", None), 5, &[])
            .await
            .unwrap(),
        Stored::Duplicate(_)
    ));
    // Another address is not affected; an hour later the first is free.
    assert!(matches!(
        store
            .insert_message(&msg("o1", t0 + 600, "ip2", None), 5, &[])
            .await
            .unwrap(),
        Stored::New(_)
    ));
    assert!(matches!(
        store
            .insert_message(&msg("m6", t0 + 3601, "ip1", None), 5, &[])
            .await
            .unwrap(),
        Stored::New(_)
    ));
    // Refused attempts did not count.
    assert_eq!(count(&store).await, 7);

    // A key is limited across addresses.
    for i in 0..3 {
        let m = msg(&format!("k{i}"), t0, &format!("addr{i}"), Some("SHA256:k"));
        store.insert_message(&m, 3, &[]).await.unwrap();
    }
    let fourth = msg("k3", t0 + 1, "fresh-addr", Some("SHA256:k"));
    assert!(matches!(
        store.insert_message(&fourth, 3, &[]).await.unwrap(),
        Stored::Limited { .. }
    ));
}

async fn lists_newest_first_and_marks_read(database: Database) {
    let store = store(&database).await;
    for (i, at) in [100, 300, 200].into_iter().enumerate() {
        let m = msg(&format!("s{i}"), at, &format!("v{i}"), None);
        store.insert_message(&m, 5, &[]).await.unwrap();
    }
    let all = store.list_messages(false).await.unwrap();
    let bodies: Vec<&str> = all.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["message s1", "message s2", "message s0"]);
    assert_eq!(clock::rfc3339(all[0].received_at), "1970-01-01T00:05:00Z");
    assert!(store.message_exists(all[0].id).await.unwrap());
    assert!(!store.message_exists(all[0].id + 100).await.unwrap());
    let id = all[0].id;
    assert_eq!(store.change(Change::Read(id), 5000).await.unwrap(), 1);
    assert_eq!(
        store.change(Change::Read(id), 5000).await.unwrap(),
        0,
        "already read"
    );
    assert_eq!(store.list_messages(true).await.unwrap().len(), 2);
    assert_eq!(store.change(Change::AllRead, 5000).await.unwrap(), 2);
    assert!(store.list_messages(true).await.unwrap().is_empty());
    let all = store.list_messages(false).await.unwrap();
    assert!(all.iter().all(|m| m.read_at == Some(5000)));
    assert_eq!(store.change(Change::Unread(id), 0).await.unwrap(), 1);
    assert_eq!(store.list_messages(true).await.unwrap().len(), 1);
    assert!(store.change(Change::Delete(id), 0).await.unwrap() == 1);
    assert!(!store.message_exists(id).await.unwrap());
    assert_eq!(store.messages_since(200).await.unwrap(), 1);
}

async fn records_and_adds_up_visits(database: Database) {
    let store = store(&database).await;
    let visit = Visit {
        started_at: 86_400 * 3 + 5,
        duration_ms: 61_400,
        visitor: "h".into(),
        client: "SSH-2.0-OpenSSH_9.6 Debian-3".into(),
        term: "xterm-256color".into(),
        cols: 80,
        rows: 24,
        sections: "about,projects".into(),
        left_message: true,
        kind: "tui".into(),
        ..Visit::default()
    };
    let other = Visit {
        started_at: 86_400 * 3 + 50,
        duration_ms: 1_000,
        visitor: "i".into(),
        client: "SSH-2.0-PuTTY_Release_0.78".into(),
        sections: "projects".into(),
        kind: "exec json".into(),
        ..visit.clone()
    };
    let late = Visit {
        started_at: 86_400 * 4 + 1,
        duration_ms: 7_300_000,
        ..visit.clone()
    };
    let short = Visit {
        started_at: 86_400 * 4 + 2,
        duration_ms: 500,
        visitor: "j".into(),
        ..visit.clone()
    };
    store
        .record_visits(&[visit, other, late, short])
        .await
        .unwrap();
    let got = stats(&store, 0, &["about", "projects", "contact"]).await;
    assert_eq!(
        got,
        VisitStats {
            visits: 4,
            visitors: 3,
            // The upper middle of four, to the second.
            median_ms: 61_000,
            per_day: vec![("1970-01-04".into(), 2), ("1970-01-05".into(), 2)],
            sections: vec![
                ("about".into(), 3),
                ("projects".into(), 4),
                ("contact".into(), 0)
            ],
            clients: vec![("OpenSSH_9.6".into(), 3), ("PuTTY_Release_0.78".into(), 1)],
            kinds: vec![("tui".into(), 3), ("exec json".into(), 1)],
        }
    );
    let since_day_5 = stats(&store, 86_400 * 4, &["about"]).await;
    // Over an hour, the median is to the minute.
    assert_eq!((since_day_5.visits, since_day_5.median_ms), (2, 7_260_000));
    assert_eq!(
        stats(&store, 86_400 * 5, &["about"]).await,
        VisitStats::default()
    );
}

async fn old_visits_are_pruned_in_batches(database: Database) {
    let store = store(&database).await;
    let rows: Vec<Visit> = (0..25).map(|i| visit_row(i * 100, 1)).collect();
    store.record_visits(&rows).await.unwrap();
    assert_eq!(store.prune_visits(2000, 8).await.unwrap(), 8);
    assert_eq!(store.prune_visits(2000, 8).await.unwrap(), 8);
    assert_eq!(store.prune_visits(2000, 8).await.unwrap(), 4);
    assert_eq!(store.prune_visits(2000, 8).await.unwrap(), 0);
    assert_eq!(stats(&store, 0, &[]).await.visits, 5);
}

async fn outbox_claims_lease_retry_and_redeliver(database: Database) {
    let store = store(&database).await;
    let channel = ChannelRef {
        key: "k".into(),
        label: "https://hooks.example".into(),
    };
    let other = ChannelRef {
        key: "other".into(),
        label: "ntfy.example".into(),
    };
    let new = msg("new", 100, "v2", None);
    let Stored::New(id) = store
        .insert_message(&new, 5, &[channel, other])
        .await
        .unwrap()
    else {
        panic!()
    };
    // A duplicate queues nothing more.
    store
        .insert_message(
            &new,
            5,
            &[ChannelRef {
                key: "k".into(),
                label: "https://hooks.example".into(),
            }],
        )
        .await
        .unwrap();
    let claim = store.claim("k", 100, 130, 10).await.unwrap();
    let due = claim.due;
    assert_eq!((due.len(), due[0].message.id), (1, id));
    assert_eq!(due[0].message.body, "message new");
    // Leased: not claimed twice, until the lease runs out.
    let again = store.claim("k", 101, 131, 10).await.unwrap();
    assert!(again.due.is_empty());
    assert_eq!(again.next_due, Some(130));
    assert_eq!(
        store.claim("k", 130, 160, 10).await.unwrap().due.len(),
        1,
        "a lease that ran out is taken over"
    );
    let delivery = due[0].delivery.id;
    let retry = Attempt::Retry {
        at: 140,
        error: "HTTP 503".into(),
    };
    store.record_attempt(delivery, 132, &retry).await.unwrap();
    let retried = store.claim("k", 140, 170, 10).await.unwrap();
    assert_eq!(retried.due[0].delivery.attempts, 1);
    let failed = Attempt::Failed {
        error: "HTTP 404".into(),
    };
    store.record_attempt(delivery, 141, &failed).await.unwrap();
    assert_eq!(store.claim("k", 141, 171, 10).await.unwrap().next_due, None);
    let listed = store.list_messages(false).await.unwrap();
    let states: Vec<(&str, DeliveryState)> = listed[0]
        .deliveries
        .iter()
        .map(|d| (d.channel.as_str(), d.state))
        .collect();
    assert_eq!(
        states,
        [
            ("https://hooks.example", DeliveryState::Failed),
            ("ntfy.example", DeliveryState::Pending)
        ]
    );
    assert_eq!(
        listed[0].deliveries[0].last_error.as_deref(),
        Some("HTTP 404")
    );
    let backlog = |channel: &str, pending, failed| Backlog {
        channel: channel.into(),
        pending,
        failed,
    };
    assert_eq!(
        store.backlog().await.unwrap(),
        [
            backlog("https://hooks.example", 0, 1),
            backlog("ntfy.example", 1, 0)
        ]
    );
    assert_eq!(store.change(Change::Redeliver(id), 200).await.unwrap(), 1);
    let again = store.claim("k", 200, 230, 10).await.unwrap().due;
    let d = &again[0].delivery;
    assert_eq!((again.len(), d.attempts, d.created_at), (1, 0, 200));
    store
        .record_attempt(d.id, 201, &Attempt::Delivered)
        .await
        .unwrap();
    assert_eq!(store.change(Change::Redeliver(id), 300).await.unwrap(), 0);
}

async fn visitor_key_is_made_once(database: Database) {
    let keys = keys_at_once(&database).await;
    let key = keys[0];
    assert!(keys.iter().all(|k| *k == key));
    assert_ne!(key, [0; 32]);
    assert_eq!(store(&database).await.prepare().await.unwrap(), key);
}

/// Four stores prepared at once on an empty database: migrated once, one
/// key.
async fn keys_at_once(database: &Database) -> Vec<[u8; 32]> {
    let opening: Vec<_> = (0..4)
        .map(|_| {
            let database = database.clone();
            tokio::spawn(async move { inbox::connect(&database).unwrap().prepare().await.unwrap() })
        })
        .collect();
    let mut keys = Vec::new();
    for key in opening {
        keys.push(key.await.unwrap());
    }
    keys
}

async fn stores_sanitised_text(database: Database) {
    let (inbox, tasks) = Inbox::start(&database, Policy::default());
    let mut s = submission(
        "aa11",
        "hi\x1b]52;c;aGVsbG8=\x07 there\x1b[2J\x07\nbye\tnow",
    );
    s.name = "Ada\x1b[31m Lovelace\u{202e}".into();
    assert_eq!(inbox.submit(s).await, SubmitResult::Sent);
    close(inbox, tasks).await;
    let list = store(&database).await.list_messages(false).await.unwrap();
    assert_eq!(list[0].name, "Ada Lovelace");
    assert_eq!(list[0].body, "hi there\nbye\tnow");
}

async fn concurrent_presses_store_one_message(database: Database) {
    let (inbox, tasks) = Inbox::start(&database, Policy::default());
    let inbox = Arc::new(inbox);
    let presses: Vec<_> = (0..32)
        .map(|_| {
            let inbox = inbox.clone();
            tokio::spawn(async move { inbox.submit(submission("same-id", "hello")).await })
        })
        .collect();
    for task in presses {
        assert_eq!(task.await.unwrap(), SubmitResult::Sent);
    }
    // Thirty-two different messages from one address: five get in.
    let sent = submit_many(&inbox, 0..32).await;
    assert_eq!(sent, 4, "one slot was taken by the first message");
    close(Arc::into_inner(inbox).unwrap(), tasks).await;
    assert_eq!(count(&store(&database).await).await, 5);
}

/// Submits messages `ids` from one address at once; how many were sent
/// (the rest must be limited).
async fn submit_many(inbox: &Arc<Inbox>, ids: std::ops::Range<u32>) -> usize {
    let tasks: Vec<_> = ids
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
    sent
}

/// Two inboxes on one database, as two replicas (or the server and a
/// second process) would be: one visitor's twenty submissions through
/// both at once store exactly five.
async fn two_inboxes_on_one_store_hold_one_limit(database: Database) {
    let (a, a_tasks) = Inbox::start(&database, Policy::default());
    let (b, b_tasks) = Inbox::start(&database, Policy::default());
    let (a, b) = (Arc::new(a), Arc::new(b));
    let (through_a, through_b) = tokio::join!(submit_many(&a, 0..10), submit_many(&b, 10..20));
    assert_eq!(through_a + through_b, 5, "{through_a} + {through_b}");
    close(Arc::into_inner(a).unwrap(), a_tasks).await;
    close(Arc::into_inner(b).unwrap(), b_tasks).await;
    assert_eq!(count(&store(&database).await).await, 5);
}

async fn refuses_invalid_submissions(database: Database) {
    let (inbox, tasks) = Inbox::start(&database, Policy::default());
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
    close(inbox, tasks).await;
    assert_eq!(count(&store(&database).await).await, 1);
}

fn visit(i: u64) -> Visit {
    Visit {
        started_at: 1_700_000_000 + i as i64,
        duration_ms: i as i64,
        peer: Some(IpAddr::from([10, 0, (i / 256) as u8, (i % 256) as u8])),
        client: "SSH-2.0-test\x1b[2J".into(),
        term: "xterm".into(),
        cols: 80,
        rows: 24,
        sections: "about".into(),
        kind: VisitKind::Tui.label(),
        ..Visit::default()
    }
}

/// 1,500 sessions ending at once around a message: every visit written
/// (in batches), the message durable, each visitor counted once.
async fn a_flood_of_visits_is_written_and_messages_stay_durable(database: Database) {
    let (inbox, tasks) = Inbox::start(&database, Policy::default());
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
    // The same address twice more: still 1,500 visitors.
    inbox.record_visit(visit(7));
    inbox.record_visit(visit(8));
    close(inbox, tasks).await;
    let store = store(&database).await;
    let got = stats(&store, 0, &["about"]).await;
    assert_eq!((got.visits, got.visitors), (1502, 1500));
    // Cleaned before it was stored.
    assert_eq!(got.clients, [("test".to_string(), 1502)]);
    assert_eq!(count(&store).await, 1);
}

/// A stored message wakes the delivery workers, and a claim through the
/// inbox takes each delivery once.
async fn messages_wake_delivery_and_are_claimed_once(database: Database) {
    let policy = Policy {
        channels: vec![ChannelRef {
            key: "hook".into(),
            label: "https://hooks.example".into(),
        }],
        ..Policy::default()
    };
    let (inbox, tasks) = Inbox::start(&database, policy);
    let mut stored = inbox.stored_messages();
    stored.borrow_and_update();
    assert_eq!(
        inbox.submit(submission("w1", "hello")).await,
        SubmitResult::Sent
    );
    tokio::time::timeout(Duration::from_secs(5), stored.changed())
        .await
        .expect("workers woken")
        .unwrap();
    let lease = Duration::from_secs(60);
    let (first, second) = tokio::join!(
        inbox.claim("hook", 10, lease),
        inbox.claim("hook", 10, lease)
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(first.due.len() + second.due.len(), 1, "claimed once");
    let due = first.due.iter().chain(&second.due).next().unwrap();
    inbox.attempted(due.delivery.id, Attempt::Delivered).await;
    close(inbox, tasks).await;
    let list = store(&database).await.list_messages(false).await.unwrap();
    assert_eq!(list[0].deliveries[0].state, DeliveryState::Delivered);
}
