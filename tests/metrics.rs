//! The operator's port (`serve --metrics-listen`): the metrics count what
//! visitors did and pass `promtool check metrics`; `/healthz`, `/readyz`
//! (503 with the reason while the database is down and from the moment
//! the server drains) and 404 for anything else; a flood of silent clients
//! on that port never delays a visitor.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";
const SENT: &str = "Message sent — thank you";

/// A server process with metrics on a free loopback port.
fn server_with_metrics(dir: &std::path::Path, extra: &[&str]) -> (ServerProcess, SocketAddr) {
    let mut flags = vec!["--metrics-listen", "127.0.0.1:0"];
    flags.extend_from_slice(extra);
    let server = ServerProcess::spawn_with(
        &dir.join("keys"),
        &dir.join("data"),
        &content_dir(),
        &flags,
        &[],
    );
    let metrics = server.metrics_addr();
    (server, metrics)
}

/// `METHOD http://addr/path`: the status and the body.
async fn http(method: &str, addr: SocketAddr, path: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = client
        .request(method, format!("http://{addr}{path}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The value of one sample line (`name{labels} value`).
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .unwrap_or_else(|| panic!("no {series} in:\n{metrics}"))
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// `promtool check metrics` on `text`; left out when promtool is missing
/// (the test then runs without it, and the run's summary says so),
/// unless the clients are required.
fn promtool_check(text: &str) {
    if !have_client("promtool", "--version") {
        return;
    }
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_what_happened_and_pass_promtool() {
    let dir = tempfile::tempdir().unwrap();
    let receiver = Receiver::start().await;
    let hook = receiver.url("http", "/hook");
    let (server, metrics) = server_with_metrics(
        dir.path(),
        &["--max-connections-per-ip", "3", "--notify", &hook],
    );
    let (status, before) = http("GET", metrics, "/metrics").await;
    assert_eq!(status, 200);
    promtool_check(&before);
    assert_eq!(sample(&before, "sshfolio_connections_accepted_total"), 0.0);
    assert_eq!(sample(&before, "sshfolio_sessions_open{kind=\"tui\"}"), 0.0);
    // Every family an alert or a dashboard reads is there from the start.
    for series in [
        "sshfolio_connections_refused_total{reason=\"rate\"}",
        "sshfolio_handshake_failures_total{reason=\"timeout\"}",
        "sshfolio_messages_refused_total{reason=\"failed\"}",
        "sshfolio_content_reloads_total{result=\"error\"}",
        "sshfolio_database_errors_total",
        "sshfolio_deliveries_total{channel=\"webhook\",outcome=\"failed\"}",
        "sshfolio_deliveries_pending{channel=\"webhook\"}",
    ] {
        assert_eq!(sample(&before, series), 0.0, "{series}");
    }

    // A visitor who leaves a message, one who runs a command, one who
    // never finishes the handshake, and one over the per-address cap.
    let mut v = russh_visitor(server.addr, "recruiter", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    send_message(&mut v, "Ada", "ada@example.com", b"Hello").await;
    v.wait_for(SENT).await;
    let (_, during) = http("GET", metrics, "/metrics").await;
    assert_eq!(sample(&during, "sshfolio_sessions_open{kind=\"tui\"}"), 1.0);
    let out = russh_exec(server.addr, "about").await;
    assert_eq!(out.status, Some(0));
    {
        use std::io::Write;
        let mut raw = std::net::TcpStream::connect(server.addr).unwrap();
        raw.write_all(b"SSH-2.0-broken\r\nnot a packet at all, just bytes\r\n")
            .unwrap();
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(std::net::TcpStream::connect(server.addr).unwrap());
        }
        server.wait_log("over the limits");
        drop(held);
    }
    v.send(b"q").await;
    assert_eq!(v.wait_closed().await, Some(0));
    server.signal("HUP");
    server.wait_log("content reloaded");

    poll_until_async("the metrics to add up", async || {
        let (_, text) = http("GET", metrics, "/metrics").await;
        text.contains("sshfolio_sessions_open{kind=\"tui\"} 0")
            && !text.contains("sshfolio_handshake_failures_total{reason=\"failed\"} 0")
            && text
                .contains("sshfolio_deliveries_total{channel=\"webhook\",outcome=\"delivered\"} 1")
    })
    .await;
    let (_, after) = http("GET", metrics, "/metrics").await;
    promtool_check(&after);
    assert!(sample(&after, "sshfolio_connections_accepted_total") >= 3.0);
    assert_eq!(sample(&after, "sshfolio_sessions_total{kind=\"tui\"}"), 1.0);
    assert_eq!(
        sample(&after, "sshfolio_sessions_total{kind=\"exec\"}"),
        1.0
    );
    assert_eq!(sample(&after, "sshfolio_first_frame_seconds_count"), 1.0);
    assert!(sample(&after, "sshfolio_first_frame_seconds_sum") < 5.0);
    assert_eq!(
        sample(
            &after,
            "sshfolio_session_duration_seconds_count{kind=\"tui\"}"
        ),
        1.0
    );
    assert_eq!(sample(&after, "sshfolio_messages_stored_total"), 1.0);
    assert!(
        sample(
            &after,
            "sshfolio_connections_refused_total{reason=\"per_ip\"}"
        ) >= 1.0
    );
    // The broken client, and any held connection that was let in.
    let failed = sample(
        &after,
        "sshfolio_handshake_failures_total{reason=\"failed\"}",
    );
    assert!(failed >= 1.0, "{failed}");
    assert_eq!(
        sample(&after, "sshfolio_content_reloads_total{result=\"ok\"}"),
        1.0
    );
    assert!(sample(&after, "sshfolio_sent_bytes_total") > 1000.0);
    assert!(sample(&after, "sshfolio_received_bytes_total") > 100.0);
    assert_eq!(sample(&after, "sshfolio_ready"), 1.0);
    // Every family the deploy examples use (dashboard, alerts) exists.
    let families: Vec<&str> = after
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for example in [
        "deploy/grafana/sshfolio.json",
        "deploy/prometheus/alerts.yml",
    ] {
        let text = std::fs::read_to_string(root.join(example)).unwrap();
        let mut used = 0;
        for (at, _) in text.match_indices("sshfolio_") {
            let name: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix))
                .unwrap_or(&name);
            assert!(
                families.contains(&family),
                "{example} uses {name}, which is not served"
            );
            used += 1;
        }
        assert!(used >= 5, "{example} uses the metrics");
    }
    // Low-cardinality labels only: no address, no login name.
    assert!(!after.contains("127.0.0.1"), "{after}");
    assert!(!after.contains("recruiter"), "{after}");
}

#[tokio::test(flavor = "multi_thread")]
async fn health_readiness_and_404_and_503_while_draining() {
    let dir = tempfile::tempdir().unwrap();
    let (server, metrics) = server_with_metrics(dir.path(), &[]);
    assert_eq!(http("GET", metrics, "/healthz").await, (200, "ok\n".into()));
    assert_eq!(
        http("GET", metrics, "/readyz").await,
        (200, "ready\n".into())
    );
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/metrics/x"),
        ("GET", "/admin"),
        ("POST", "/metrics"),
        ("DELETE", "/readyz"),
    ] {
        assert_eq!(http(method, metrics, path).await.0, 404, "{method} {path}");
    }
    // A visitor whose client keeps the connection after its goodbye keeps
    // the server draining for a moment: /readyz says so at once.
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    server.signal("TERM");
    let (status, body) = http("GET", metrics, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body, "not ready: draining: the server is shutting down\n");
    assert_eq!(
        http("GET", metrics, "/healthz").await.0,
        200,
        "still running"
    );
    v.wait_for("the server is restarting").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_is_503_while_the_database_is_down() {
    let Some(pg) = PgServer::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = pg.database_url();
    let (server, metrics) = server_with_metrics(dir.path(), &["--database", &url]);
    server.wait_log("inbox database ready");
    assert_eq!(http("GET", metrics, "/readyz").await.0, 200);
    pg.stop();
    poll_until_async("readyz to say the database is down", async || {
        let (status, body) = http("GET", metrics, "/readyz").await;
        status == 503 && body.starts_with("not ready: database not reachable")
    })
    .await;
    let (_, text) = http("GET", metrics, "/metrics").await;
    assert_eq!(sample(&text, "sshfolio_ready"), 0.0);
    assert!(!text.contains("postgres://"), "no URL in the metrics");
    // The portfolio is still served meanwhile.
    let out = russh_exec(server.addr, "about").await;
    assert_eq!(out.status, Some(0));
    pg.restart();
    poll_until_async("readyz to recover", async || {
        http("GET", metrics, "/readyz").await.0 == 200
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn silent_clients_on_the_metrics_port_never_delay_a_visitor() {
    let dir = tempfile::tempdir().unwrap();
    let (server, metrics) = server_with_metrics(dir.path(), &[]);
    // Twice the port's connection cap, each sending half a request line
    // and then nothing.
    let mut silent = Vec::new();
    for _ in 0..32 {
        let mut s = tokio::net::TcpStream::connect(metrics).await.unwrap();
        use tokio::io::AsyncWriteExt;
        let _ = s.write_all(b"GET /metr").await;
        silent.push(s);
    }
    let started = std::time::Instant::now();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "first frame took {:?}",
        started.elapsed()
    );
    // Their header deadline (5 s) frees the port again.
    poll_until_async("the metrics port to answer again", async || {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        client
            .get(format!("http://{metrics}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
    })
    .await;
    drop(silent);
}
