//! Notifications, against real receivers on loopback: the real server
//! process delivers a visitor's message to a webhook (signed), Discord,
//! Slack and ntfy endpoints, retries what can succeed later with the same
//! id, gives up on what cannot, delays no visitor, loses nothing to
//! kill -9, and never shows a channel's secrets.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

/// How often the delivery workers look at their channels in these tests
/// (10 s in a server): what another process queued goes out this soon.
pub const LOOK_MS: &str = "200";

/// The server with these `--notify` channels (and other flags).
fn server_notifying(dir: &Path, flags: &[String]) -> ServerProcess {
    let mut flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    flags.extend(["--notify-look-ms", LOOK_MS]);
    ServerProcess::spawn_with(
        &dir.join("keys"),
        &dir.join("data"),
        &content_dir(),
        &flags,
        &[],
    )
}

/// `--notify URL` for each URL.
fn notify(urls: &[String]) -> Vec<String> {
    urls.iter()
        .flat_map(|u| ["--notify".to_string(), u.clone()])
        .collect()
}

/// A visitor leaves a message and sees it sent.
async fn leave_message(server: &ServerProcess, name: &str, contact: &str, message: &[u8]) {
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    send_message(&mut v, name, contact, message).await;
    v.wait_for("Message sent — thank you").await;
}

/// `sshfolio messages --json` for a data directory.
fn messages_json(data: &Path) -> serde_json::Value {
    let out = sshfolio_bin()
        .args(["messages", "--json", "--data"])
        .arg(data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn messages_text(data: &Path) -> String {
    let out = sshfolio_bin()
        .args(["messages", "--data"])
        .arg(data)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// Waits until message 1's delivery to `channel` is in `state`.
async fn wait_delivery(data: &Path, channel: &str, state: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let list = messages_json(data);
        let found = list[0]["deliveries"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["channel"] == channel).cloned());
        if let Some(d) = found.filter(|d| d["state"] == state) {
            return d;
        }
        assert!(
            Instant::now() < deadline,
            "no {state} delivery to {channel}: {list:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_reaches_a_signed_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Receiver::start().await;
    let key = b"a secret of twenty-four!";
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    );
    let mut flags = notify(&[hook.url("http", "/hook")]);
    flags.extend(["--notify-secret".to_string(), secret]);
    let server = server_notifying(dir.path(), &flags);
    leave_message(
        &server,
        "Ada Lovelace",
        "ada@example.org",
        b"Hello from the engine.",
    )
    .await;
    let got = hook.wait_requests(1).await;
    let request = &got[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/hook")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    let body = request.json();
    assert_eq!(body["type"], "message.received");
    assert_eq!(body["id"], 1);
    assert_eq!(body["name"], "Ada Lovelace");
    assert_eq!(body["contact"], "ada@example.org");
    assert_eq!(body["message"], "Hello from the engine.");
    assert_eq!(body["key_fingerprint"], serde_json::Value::Null);
    let received = body["received_at"].as_str().unwrap();
    assert!(received.len() == 20 && received.ends_with('Z') && received.as_bytes()[10] == b'T');
    // Standard Webhooks, checked here independently of the server.
    let id = request.header("webhook-id").unwrap();
    let timestamp = request.header("webhook-timestamp").unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now.abs_diff(timestamp.parse().unwrap()) < 60, "{timestamp}");
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(format!("{id}.{timestamp}.{}", request.text()).as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(
        request.header("webhook-signature"),
        Some(format!("v1,{expected}").as_str())
    );
    // The owner sees it delivered.
    let delivery =
        wait_delivery(&dir.path().join("data"), &hook.url("http", ""), "delivered").await;
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["last_error"], serde_json::Value::Null);
    assert!(messages_text(&dir.path().join("data")).contains("delivered"));
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_retried_with_the_same_id_and_refusals_give_up_until_redelivered() {
    let dir = tempfile::tempdir().unwrap();
    let flaky = Receiver::start().await;
    flaky.script([
        Reply::Status(500, Vec::new()),
        Reply::Status(429, vec![("retry-after", "1".to_string())]),
    ]);
    let gone = Receiver::start().await;
    gone.script([Reply::Status(404, Vec::new())]);
    let server = server_notifying(
        dir.path(),
        &notify(&[flaky.url("http", "/a"), gone.url("http", "/b")]),
    );
    leave_message(&server, "Grace", "", b"Retry me.").await;
    let data = dir.path().join("data");
    let tries = flaky.wait_requests(3).await;
    let ids: Vec<&str> = tries
        .iter()
        .map(|r| r.header("webhook-id").unwrap())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let delivered = wait_delivery(&data, &flaky.url("http", ""), "delivered").await;
    assert_eq!(delivered["attempts"], 3);
    // A 404 is not tried again.
    let failed = wait_delivery(&data, &gone.url("http", ""), "failed").await;
    assert_eq!(failed["attempts"], 1);
    assert_eq!(failed["last_error"], "HTTP 404 Not Found");
    let text = messages_text(&data);
    assert!(text.contains("failed: HTTP 404 Not Found"), "{text}");
    assert!(text.contains("--redeliver 1"), "{text}");
    assert_eq!(gone.requests().len(), 1);
    // Until the owner asks: now it goes through.
    let out = sshfolio_bin()
        .args(["messages", "--redeliver", "1", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.starts_with("queued 1 notification of message #1 again"),
        "{said}"
    );
    // The worker's next look finds it.
    gone.wait_requests(2).await;
    wait_delivery(&data, &gone.url("http", ""), "delivered").await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_channels_defuse_hostile_text_and_fit_long_messages() {
    let dir = tempfile::tempdir().unwrap();
    let (discord, slack, ntfy) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let server = server_notifying(
        dir.path(),
        &notify(&[
            discord.url("discord+http", "/api/webhooks/1/token"),
            slack.url("slack+http", "/services/T/B/X"),
            ntfy.url("ntfy+http", "/owner-topic"),
        ]),
    );
    let mut long = b"@everyone <!channel> & <https://evil.example|your bank> ".to_vec();
    // Longer than Discord takes once the title is added.
    long.extend(std::iter::repeat_n(b'z', 1950));
    leave_message(&server, "José", "jose@example.org", &long).await;
    let d = discord.wait_requests(1).await[0].json();
    assert_eq!(d["allowed_mentions"]["parse"], serde_json::json!([]));
    let content = d["content"].as_str().unwrap();
    assert!(
        content.chars().count() <= 2000,
        "{}",
        content.chars().count()
    );
    assert!(
        content.starts_with("New message from José (jose@example.org)"),
        "{content}"
    );
    assert!(
        content.ends_with("`sshfolio messages`)"),
        "cut with a marker"
    );
    let s = slack.wait_requests(1).await[0].json();
    let text = s["text"].as_str().unwrap();
    assert!(
        text.contains("&lt;!channel&gt; &amp; &lt;https://evil.example|your bank&gt;"),
        "{text}"
    );
    assert!(!text.contains('<') && !text.contains('>'));
    let n = &ntfy.wait_requests(1).await[0];
    assert_eq!(n.path, "/owner-topic");
    let title = n.header("title").unwrap();
    assert!(
        title.is_ascii() && title.starts_with("=?UTF-8?B?"),
        "{title}"
    );
    assert!(n.text().starts_with("@everyone <!channel>"), "{}", n.text());
    assert_eq!(
        messages_json(&dir.path().join("data"))[0]["deliveries"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_never_answers_delays_no_visitor_and_no_other_channel() {
    let dir = tempfile::tempdir().unwrap();
    let (stuck, fine) = (Receiver::start().await, Receiver::start().await);
    stuck.script([Reply::Hang, Reply::Hang]);
    let server = server_notifying(
        dir.path(),
        &notify(&[stuck.url("http", "/stuck"), fine.url("http", "/fine")]),
    );
    let started = Instant::now();
    leave_message(&server, "Ada", "", b"Quick, please.").await;
    fine.wait_requests(1).await;
    stuck.wait_requests(1).await;
    // Both well before the stuck receiver's attempt times out (10 s).
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    let list = messages_json(&dir.path().join("data"));
    let stuck_state = list[0]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["channel"] == stuck.url("http", ""))
        .unwrap()["state"]
        .clone();
    assert_eq!(stuck_state, "pending");
    // The timed-out attempt (10 s) is retried: it was not lost.
    let retried = stuck.wait_requests_within(2, Duration::from_secs(20)).await;
    assert_eq!(
        retried[0].header("webhook-id"),
        retried[1].header("webhook-id")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_notifications_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    // A port with nothing listening yet: every attempt fails to connect.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/later");
    let data = dir.path().join("data");
    let server = server_notifying(dir.path(), &notify(std::slice::from_ref(&url)));
    leave_message(&server, "Linus", "", b"Deliver me eventually.").await;
    poll_until("a failed attempt", || {
        messages_json(&data)[0]["deliveries"][0]["attempts"]
            .as_u64()
            .is_some_and(|n| n >= 1)
    });
    server.kill();
    // The receiver comes up on that port, the server comes back.
    let receiver = Receiver::start_on(port).await;
    let _restarted = server_notifying(dir.path(), &notify(&[url]));
    let got = receiver.wait_requests(1).await;
    assert_eq!(got[0].json()["message"], "Deliver me eventually.");
    wait_delivery(&data, &format!("http://127.0.0.1:{port}"), "delivered").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_secrets_never_show() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Receiver::start().await;
    let secret_url = format!(
        "http://user:PASSWORD-SECRET@{}/hooks/PATH-SECRET?token=QUERY-SECRET",
        hook.addr
    );
    // From the environment, as the deploy docs advise.
    let wrap = vec!["env".to_string(), format!("SSHFOLIO_NOTIFY={secret_url}")];
    let server = ServerProcess::spawn_with(
        &dir.path().join("keys"),
        &dir.path().join("data"),
        &content_dir(),
        &["--notify-secret", "plain-SIGNING-SECRET"],
        &wrap,
    );
    // Refused and retried once, so errors are logged too.
    hook.script([Reply::Status(503, Vec::new())]);
    leave_message(&server, "Ada", "", b"Psst.").await;
    hook.wait_requests(2).await;
    let data = dir.path().join("data");
    wait_delivery(&data, &format!("http://{}", hook.addr), "delivered").await;
    let shown = format!(
        "{}{}{}",
        server.log.lock().unwrap().join("\n"),
        messages_text(&data),
        serde_json::to_string(&messages_json(&data)).unwrap()
    );
    for secret in [
        "PASSWORD-SECRET",
        "PATH-SECRET",
        "QUERY-SECRET",
        "SIGNING-SECRET",
    ] {
        assert!(!shown.contains(secret), "{secret} shown:\n{shown}");
    }
    assert!(shown.contains(&format!("http://{}", hook.addr)));
}

#[test]
fn bad_channels_are_refused_before_the_port_opens() {
    let dir = tempfile::tempdir().unwrap();
    for (url, says) in [
        ("teams+https://example.com/x", "unknown kind of channel"),
        ("http://hooks.example.com/SECRET", "plain http is only for"),
        (
            "smtp://mail.example.com?to=nobody",
            "is not an email address",
        ),
        ("ntfy+https://ntfy.sh", "names its topic"),
    ] {
        let out = sshfolio_bin()
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--notify",
                url,
                "--keys",
            ])
            .arg(dir.path().join("keys"))
            .arg("--data")
            .arg(dir.path().join("data"))
            .arg("--content")
            .arg(content_dir())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url}: {stderr}");
        assert!(!stderr.contains("listening on"), "{stderr}");
        let last = stderr.lines().last().unwrap_or("");
        assert!(
            last.starts_with("sshfolio: --notify") && last.contains(says),
            "{url}: {stderr}"
        );
        assert!(!stderr.contains("SECRET"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_test_says_ok_or_why_for_each_channel() {
    let (ok, gone) = (Receiver::start().await, Receiver::start().await);
    gone.script([Reply::Status(404, Vec::new())]);
    let run = |urls: Vec<String>| {
        let mut command = sshfolio_bin();
        command
            .args(["notify", "test", "--content"])
            .arg(content_dir());
        for url in urls {
            command.args(["--notify", &url]);
        }
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    let out = run(vec![ok.url("http", "/a"), gone.url("http", "/b")])
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("http://{}  ok", ok.addr)),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("http://{}  HTTP 404 Not Found", gone.addr)),
        "{stdout}"
    );
    assert_eq!(ok.requests()[0].json()["type"], "test");
    let out = run(vec![ok.url("http", "/a")]).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_arrives_as_email_with_safe_headers() {
    let Some(smtp) = SmtpReceiver::start(Some(("owner@example.org", "p@ss:word"))) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Credentials with characters a URL must escape; the recipient is the
    // content's contact address (no ?to=).
    let url = format!(
        "smtp://owner%40example.org:p%40ss%3Aword@127.0.0.1:{}",
        smtp.port
    );
    let server = server_notifying(dir.path(), &notify(std::slice::from_ref(&url)));
    leave_message(
        &server,
        "Ada Lovelace",
        "ada@example.org",
        b"About the engine.",
    )
    .await;
    let mail = smtp.mail(1);
    assert_eq!(mail["login"], "owner@example.org");
    assert_eq!(
        mail["rcpt_tos"],
        serde_json::json!(["akshaykbkale@gmail.com"])
    );
    assert_eq!(mail["mail_from"], "owner@example.org");
    let data = mail["data"].as_str().unwrap();
    let head = &data[..data.find("\n\n").or_else(|| data.find("\r\n\r\n")).unwrap()];
    assert!(
        head.contains("Subject: New message from Ada Lovelace (ada@example.org)"),
        "{head}"
    );
    assert!(head.contains("Reply-To: ada@example.org"), "{head}");
    assert!(data.contains("About the engine."), "{data}");
    wait_delivery(
        &dir.path().join("data"),
        &format!("smtp://127.0.0.1:{}", smtp.port),
        "delivered",
    )
    .await;
    // A contact that tries to add a header (the form keeps it one line;
    // the email layer's own test tries CR/LF) is no address: no Reply-To,
    // and no header beyond lettre's own.
    leave_message(&server, "Eve", "a@b.c Bcc: x@y.z", b"Hidden copy?").await;
    let mail = smtp.mail(2);
    assert_eq!(
        mail["rcpt_tos"],
        serde_json::json!(["akshaykbkale@gmail.com"])
    );
    let data = mail["data"].as_str().unwrap();
    let head = &data[..data.find("\n\n").or_else(|| data.find("\r\n\r\n")).unwrap()];
    assert!(!head.contains("Reply-To"), "{head}");
    assert!(
        !head
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc")),
        "{head}"
    );
    assert!(
        !server.log.lock().unwrap().join("\n").contains("p@ss"),
        "password logged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_login_fails_the_email_and_says_why() {
    let Some(smtp) = SmtpReceiver::start(Some(("owner@example.org", "right"))) else {
        return;
    };
    let url = format!("smtp://owner%40example.org:wrong@127.0.0.1:{}", smtp.port);
    let out = tokio::task::spawn_blocking(move || {
        sshfolio_bin()
            .args(["notify", "test", "--notify", &url, "--content"])
            .arg(content_dir())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("smtp://127.0.0.1:{}  SMTP", smtp.port)),
        "{stdout}"
    );
    assert!(!stdout.contains("wrong"), "{stdout}");
    assert_eq!(smtp.count(), 0);
}
