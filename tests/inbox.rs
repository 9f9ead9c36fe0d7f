//! The owner's side through real sessions: a message sent from the form
//! is durably stored (even across SIGKILL), read back with `sshfolio
//! messages`, limited per hour per address and per key (refusals do not
//! count), never duplicated, never able to attack the owner's terminal; a
//! data directory that cannot be written costs the visitor nothing but a
//! clear note and their draft stays.

use std::process::Command;

use russh::keys::{Algorithm, PrivateKey};

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

fn messages_json(data: &std::path::Path) -> serde_json::Value {
    let out = sshfolio_bin()
        .args(["messages", "--json", "--data"])
        .arg(data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn message_from_the_form_reaches_the_owner() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    // The message arrives as a bracketed paste with hostile bytes inside.
    let message = b"\x1b[200~Hello Akshay,\r\nlet's talk.\x1b]52;c;aGk=\x07\x1b[2J\x07\x1b[201~";
    send_message(&mut v, "Jane Recruiter", "jane@corp.example", message).await;
    v.wait_for("Message sent — thank you").await;
    let list = messages_json(&server.data);
    let m = &list[0];
    assert_eq!(m["name"], "Jane Recruiter");
    assert_eq!(m["contact"], "jane@corp.example");
    assert_eq!(m["message"], "Hello Akshay,\nlet's talk.");
    assert_eq!(m["read"], false);
    assert!(m["received_at"].as_str().unwrap().ends_with('Z'));

    let text = sshfolio_bin()
        .args(["messages", "--data"])
        .arg(&server.data)
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("from   Jane Recruiter"), "{text}");
    assert!(text.contains("      let's talk."), "{text}");
    assert!(text.contains("unread"));

    let out = sshfolio_bin()
        .args(["messages", "--mark-read", "all", "--data"])
        .arg(&server.data)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "marked 1 message read\n"
    );
    let out = sshfolio_bin()
        .args(["messages", "--unread", "--data"])
        .arg(&server.data)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "no unread messages\n"
    );
}

#[test]
fn owner_output_never_carries_escape_codes() {
    // A row written by hand, as if the sanitiser had been bypassed.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let conn =
        sshfolio::inbox::sqlite::schema::open(&data.join(sshfolio::inbox::sqlite::FILE)).unwrap();
    conn.execute(
        "INSERT INTO messages (submission_id, received_at, name, contact, body, visitor, key_fingerprint)
         VALUES ('raw', 1700000000, 'Mallory\x1b[2J', 'x\x07', 'copy me \x1b]52;c;ZXZpbA==\x07 and \x1b[2J ring\x07 done', 'v', 'SHA256:\x1b[31mk')",
        [],
    )
    .unwrap();
    drop(conn);
    let out = sshfolio_bin()
        .args(["messages", "--data"])
        .arg(data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !out.stdout.contains(&0x1b),
        "no ESC: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!out.stdout.contains(&0x07), "no BEL");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("copy me  and  ring done"), "{text}");
    // JSON escapes control characters instead of printing them.
    let out = sshfolio_bin()
        .args(["messages", "--json", "--data"])
        .arg(data)
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
}

#[tokio::test(flavor = "multi_thread")]
async fn double_send_stores_one_message() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    // Ctrl-S twice in one packet, then once more while it is being stored.
    send_message(&mut v, "Ada", "", b"Hello\x13\x13").await;
    v.wait_for("Message sent — thank you").await;
    // A later message, typed after every Ctrl-S above was read: the inbox
    // stores in order, so by the time it is stored a duplicate would be.
    send_message(&mut v, "Ada", "", b"Later").await;
    poll_until("the later message stored", || {
        messages_json(&server.data)
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["message"] == "Later")
    });
    let list = messages_json(&server.data);
    let bodies: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Later", "Hello"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn form_keys_cycle_wrap_and_enter_on_send_submits() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"c").await;
    v.wait_for("How to reach you").await;
    // Enter inside the message is a newline; Tab from Send wraps to the name.
    v.send(b"Ada\tada@example.co\tline one\rline two\t\t!")
        .await;
    // Shift-Tab from the name wraps back to Send, then to the message, then
    // to how to reach you.
    v.send(b"\x1b[Z\x1b[Z?\x1b[Zm").await;
    v.wait_for("ada@example.com").await;
    let screen = v.contents();
    assert!(
        screen.contains("Ada!") && screen.contains("line two?"),
        "{screen}"
    );
    assert!(messages_json(&server.data).as_array().unwrap().is_empty());
    // Back through the name to Send (wrapping again); Enter on Send submits.
    v.send(b"\x1b[Z\x1b[Z\r").await;
    v.wait_for("Message sent — thank you").await;
    let list = messages_json(&server.data);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "Ada!");
    assert_eq!(list[0]["contact"], "ada@example.com");
    assert_eq!(list[0]["message"], "line one\nline two?");
}

#[tokio::test(flavor = "multi_thread")]
async fn form_says_when_the_visitor_may_write_again() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&dir.path().join("keys"), &dir.path().join("data"), 1);
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    send_message(&mut v, "Ada", "", b"first").await;
    v.wait_for("Message sent — thank you").await;
    send_message(&mut v, "Ada", "", b"second message").await;
    v.wait_for("you can write again in 60 minutes").await;
    assert!(v.contents().contains("second message"), "the draft stays");
    // Another visitor is limited too: same address.
    let mut w = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    w.wait_for(ABOUT).await;
    send_message(&mut w, "Bob", "", b"hi").await;
    w.wait_for("you can write again in").await;
    assert_eq!(messages_json(&server.data).as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hourly_limit_follows_a_key_across_addresses_and_refusals_do_not_count() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(&dir.path().join("keys"), &dir.path().join("data"), 1);
    let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap();
    let (here, there) = ("127.0.0.2".parse().unwrap(), "127.0.0.3".parse().unwrap());
    let visitor = |source, key| async move {
        let handle = russh_connect_from(source, server.addr, key).await;
        let mut v = Visitor::open(handle, "xterm", &[], 80, 24).await;
        v.wait_for(ABOUT).await;
        v
    };
    // A key holder writes from one address...
    let mut first = visitor(here, Some(&key)).await;
    send_message(&mut first, "Ada", "", b"first").await;
    first.wait_for("Message sent — thank you").await;
    // ...and the same key from another address is over its limit.
    let mut second = visitor(there, Some(&key)).await;
    send_message(&mut second, "Ada", "", b"second").await;
    second.wait_for("you can write again in 60 minutes").await;
    // That refused attempt does not count against its address: a visitor
    // there without the key may still write.
    let mut third = visitor(there, None).await;
    send_message(&mut third, "Bob", "", b"third").await;
    third.wait_for("Message sent — thank you").await;
    let list = messages_json(&server.data);
    let bodies: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["third", "first"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn validation_and_discard_question() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"c").await;
    v.wait_for("How to reach you").await;
    v.send(b"\x13").await;
    v.wait_for("please tell me your name").await;
    assert!(v.contents().contains("please write a message"));
    // Letters are text in the form: q does not quit.
    v.send(b"q").await;
    v.wait_for("1/100").await;
    v.send(b"\x1b").await;
    v.wait_for("discard this message? y/n").await;
    v.send(b"n").await;
    v.wait_until("the question gone", |s| {
        !s.contents().contains("discard this")
    })
    .await;
    v.send(b"\x1b").await;
    v.wait_for("discard this message? y/n").await;
    v.send(b"y").await;
    v.wait_for("c write me a message here").await;
    // Out of the form, q quits again.
    v.send(b"q").await;
    assert_eq!(v.wait_closed().await, Some(0));
    assert!(messages_json(&server.data).as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn sent_message_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, data) = (dir.path().join("keys"), dir.path().join("data"));
    let server = ServerProcess::spawn(&keys, &data, &[]);
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    send_message(
        &mut v,
        "Grace Hopper",
        "grace@navy.example",
        b"Durable, please.",
    )
    .await;
    v.wait_for("Message sent — thank you").await;
    // The instant "sent" is on screen, the process dies without cleanup.
    server.kill();
    let restarted = ServerProcess::spawn(&keys, &data, &[]);
    let list = messages_json(&data);
    assert_eq!(list[0]["name"], "Grace Hopper");
    assert_eq!(list[0]["message"], "Durable, please.");
    // And the restarted server serves.
    let out = russh_exec(restarted.addr, "contact").await;
    assert_eq!(out.status, Some(0));
}

/// Runs the server with `data` read-only: a read-only bind mount in a
/// private mount namespace when we are root (root ignores file modes),
/// else plain permissions.
fn read_only_wrapper(data: &std::path::Path) -> Vec<String> {
    std::fs::create_dir_all(data).unwrap();
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let can_unshare = root
        && Command::new("unshare")
            .args(["--mount", "true"])
            .status()
            .is_ok_and(|s| s.success());
    if can_unshare {
        let d = data.display().to_string();
        vec![
            "unshare".into(),
            "--mount".into(),
            "sh".into(),
            "-c".into(),
            format!("mount --bind '{d}' '{d}' && mount -o remount,bind,ro '{d}' && exec \"$@\""),
            "sh".into(),
        ]
    } else {
        assert!(
            !root,
            "root without mount namespaces cannot make a read-only directory here"
        );
        let mut perms = std::fs::metadata(data).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
        std::fs::set_permissions(data, perms).unwrap();
        Vec::new()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_data_dir_keeps_the_draft_and_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, data) = (dir.path().join("keys"), dir.path().join("data"));
    let wrap = read_only_wrapper(&data);
    let server = ServerProcess::spawn(&keys, &data, &wrap);
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    send_message(&mut v, "Ada", "ada@example.com", b"Please keep this draft").await;
    v.wait_for("couldn't save your message — please email akshaykbkale@gmail.com")
        .await;
    assert!(
        v.contents().contains("Please keep this draft"),
        "{}",
        v.contents()
    );
    let line = server.wait_log("cannot open the inbox in");
    assert!(line.contains("ERROR"), "{line}");
    // Everyone else is still served.
    let out = russh_exec(server.addr, "about").await;
    assert_eq!(out.status, Some(0));
    // The same visitor can still browse and quit.
    v.send(b"\x1b").await;
    v.wait_for("discard this message? y/n").await;
    v.send(b"y2").await;
    v.wait_for("Where I've Worked").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn visits_are_counted_for_the_owner() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"5").await;
    v.wait_for("Things I've Built").await;
    v.send(b"q").await;
    v.wait_closed().await;
    russh_exec(server.addr, "resume").await;
    poll_until("two visits recorded", || {
        owner_stats(&server.data).contains("2 visits")
    });
    let text = owner_stats(&server.data);
    assert!(text.contains("2 visits from 1 visitor"), "{text}");
    assert!(text.contains("most viewed sections"), "{text}");
    assert!(text.contains("projects"), "{text}");
    assert!(text.contains("exec resume"), "{text}");
    assert!(text.contains("russh"), "client name: {text}");
    // No address is stored.
    let db = std::fs::read(server.data.join("messages.db")).unwrap();
    let wal = std::fs::read(server.data.join("messages.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(
            !bytes.windows(9).any(|w| w == b"127.0.0.1"),
            "raw address stored"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_sent_just_before_eof_is_stored() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"c").await;
    v.wait_for("How to reach you").await;
    // The whole form, Ctrl-S and the end of input, back to back.
    v.send(b"Ada\t\tLast words\x13").await;
    v.channel.eof().await.unwrap();
    v.wait_closed().await;
    poll_until("the message stored", || {
        messages_json(&server.data)
            .as_array()
            .is_some_and(|l| !l.is_empty())
    });
    assert_eq!(messages_json(&server.data)[0]["message"], "Last words");
}

/// Regression: with `messages.db` deleted while the server ran, the next
/// message was shown as sent but went into the deleted file, and was gone.
#[tokio::test(flavor = "multi_thread")]
async fn a_message_sent_after_the_inbox_file_vanished_is_in_the_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, data) = (dir.path().join("keys"), dir.path().join("data"));
    let server = ServerProcess::spawn(&keys, &data, &[]);
    let mut first = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    first.wait_for(ABOUT).await;
    send_message(&mut first, "Before", "", b"Into the first file.").await;
    first.wait_for("Message sent — thank you").await;
    // Deleted (and moved aside) under the running server.
    std::fs::rename(data.join("messages.db"), dir.path().join("moved.db")).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("messages.db{suffix}")));
    }
    let mut second = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    second.wait_for(ABOUT).await;
    send_message(
        &mut second,
        "After",
        "",
        b"Into whatever file is there now.",
    )
    .await;
    second.wait_for("Message sent — thank you").await;
    let list = messages_json(&data);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["name"], "After");
    server.wait_log("the inbox file was removed or replaced");
    // And it is still there after a restart.
    server.kill();
    let _restarted = ServerProcess::spawn(&keys, &data, &[]);
    assert_eq!(messages_json(&data)[0]["name"], "After");
}
