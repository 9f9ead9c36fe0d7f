//! What the server counts for Prometheus: every metric family's name,
//! labels and help in one place, and one small function per event for the
//! code that sees it happen. The `metrics` facade records nothing until
//! [`install`] sets the Prometheus recorder (`serve --metrics-listen`);
//! without it each call is a no-op. Labels are low-cardinality only: a
//! reason, a kind, a channel's kind, an outcome — never an address, a user
//! name, a key or a URL.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use metrics::{
    Counter, Gauge, Histogram, counter, describe_counter, describe_gauge, describe_histogram,
    gauge, histogram,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

const ACCEPTED: &str = "sshfolio_connections_accepted_total";
const REFUSED: &str = "sshfolio_connections_refused_total";
const HANDSHAKE_FAILURES: &str = "sshfolio_handshake_failures_total";
const SESSIONS_OPEN: &str = "sshfolio_sessions_open";
const SESSIONS: &str = "sshfolio_sessions_total";
const SESSION_SECONDS: &str = "sshfolio_session_duration_seconds";
const FIRST_FRAME: &str = "sshfolio_first_frame_seconds";
const STORED: &str = "sshfolio_messages_stored_total";
const MESSAGES_REFUSED: &str = "sshfolio_messages_refused_total";
const DATABASE_ERRORS: &str = "sshfolio_database_errors_total";
const DELIVERIES: &str = "sshfolio_deliveries_total";
const PENDING: &str = "sshfolio_deliveries_pending";
const RELOADS: &str = "sshfolio_content_reloads_total";
const RECEIVED: &str = "sshfolio_received_bytes_total";
const SENT: &str = "sshfolio_sent_bytes_total";
const READY: &str = "sshfolio_ready";
const BUILD: &str = "sshfolio_build_info";

/// Connect → first frame buckets: the budget is 5 ms one at a time.
const FIRST_FRAME_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Session length buckets, up to the 2 h session limit.
const SESSION_BUCKETS: &[f64] = &[
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0,
];

/// The handles every connection touches, looked up once (after
/// [`install`], which `serve` calls before the first connection) rather
/// than by name each time.
struct Hot {
    accepted: Counter,
    first_frame: Histogram,
    received: Counter,
    sent: Counter,
    /// By [`SessionKind`]: started, open, lengths.
    sessions: [(Counter, Gauge, Histogram); 4],
}

static HOT: LazyLock<Hot> = LazyLock::new(|| Hot {
    accepted: counter!(ACCEPTED),
    first_frame: histogram!(FIRST_FRAME),
    received: counter!(RECEIVED),
    sent: counter!(SENT),
    sessions: SessionKind::ALL.map(|kind| {
        (
            counter!(SESSIONS, "kind" => kind.label()),
            gauge!(SESSIONS_OPEN, "kind" => kind.label()),
            histogram!(SESSION_SECONDS, "kind" => kind.label()),
        )
    }),
});

/// Session kinds, for `sessions_*{kind}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Tui,
    Plain,
    Exec,
    Owner,
}

impl SessionKind {
    pub const ALL: [SessionKind; 4] = [
        SessionKind::Tui,
        SessionKind::Plain,
        SessionKind::Exec,
        SessionKind::Owner,
    ];

    fn label(self) -> &'static str {
        match self {
            SessionKind::Tui => "tui",
            SessionKind::Plain => "plain",
            SessionKind::Exec => "exec",
            SessionKind::Owner => "owner",
        }
    }
}

/// Sets the Prometheus recorder for this process and describes every
/// family, so each appears (at zero) from the first scrape.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(FIRST_FRAME.into()), FIRST_FRAME_BUCKETS)?
        .set_buckets_for_metric(Matcher::Full(SESSION_SECONDS.into()), SESSION_BUCKETS)?
        .install_recorder()?;
    describe();
    gauge!(BUILD, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    start_at_zero();
    Ok(handle)
}

/// Every family's help text, for the first scrape.
fn describe() {
    describe_counter!(ACCEPTED, "SSH connections accepted (before the handshake).");
    describe_counter!(
        REFUSED,
        "Connections turned away by a limit, by reason (max_connections, per_ip, rate, proxy_header)."
    );
    describe_counter!(
        HANDSHAKE_FAILURES,
        "Connections that ended before login, by reason (failed, timeout)."
    );
    describe_gauge!(
        SESSIONS_OPEN,
        "Sessions open now, by kind (tui, plain, exec, owner)."
    );
    describe_counter!(
        SESSIONS,
        "Sessions started, by kind (tui, plain, exec, owner)."
    );
    describe_histogram!(
        SESSION_SECONDS,
        metrics::Unit::Seconds,
        "How long sessions lasted, by kind."
    );
    describe_histogram!(
        FIRST_FRAME,
        metrics::Unit::Seconds,
        "From the connection being accepted to the UI's first frame written."
    );
    describe_counter!(STORED, "Visitor messages stored.");
    describe_counter!(
        MESSAGES_REFUSED,
        "Visitor messages not stored, by reason (limited, invalid, failed)."
    );
    describe_counter!(DATABASE_ERRORS, "Inbox database operations that failed.");
    describe_counter!(
        DELIVERIES,
        "Notification attempts, by channel kind and outcome (delivered, retry, failed)."
    );
    describe_gauge!(PENDING, "Notifications not delivered yet, by channel kind.");
    describe_counter!(RELOADS, "Content reloads on SIGHUP, by result (ok, error).");
    describe_counter!(RECEIVED, "Bytes received from SSH clients.");
    describe_counter!(SENT, "Bytes sent to SSH clients.");
    describe_gauge!(READY, "1 while /readyz says ready, else 0.");
    describe_gauge!(BUILD, "Always 1; the version is the label.");
}

/// Families with labels appear once something is counted; these start at
/// zero so dashboards and alerts see them from the start.
fn start_at_zero() {
    HOT.accepted.absolute(0);
    HOT.received.absolute(0);
    HOT.sent.absolute(0);
    counter!(STORED).absolute(0);
    counter!(DATABASE_ERRORS).absolute(0);
    for reason in ["max_connections", "per_ip", "rate", "proxy_header"] {
        counter!(REFUSED, "reason" => reason).absolute(0);
    }
    for reason in ["failed", "timeout"] {
        counter!(HANDSHAKE_FAILURES, "reason" => reason).absolute(0);
    }
    for reason in ["limited", "invalid", "failed"] {
        counter!(MESSAGES_REFUSED, "reason" => reason).absolute(0);
    }
    for result in ["ok", "error"] {
        counter!(RELOADS, "result" => result).absolute(0);
    }
    for (started, open, _) in &HOT.sessions {
        open.set(0.0);
        started.absolute(0);
    }
}

pub fn connection_accepted() {
    HOT.accepted.increment(1);
}

/// `reason`: max_connections, per_ip, rate, proxy_header.
pub fn connection_refused(reason: &'static str) {
    counter!(REFUSED, "reason" => reason).increment(1);
}

/// `reason`: failed, timeout.
pub fn handshake_failed(reason: &'static str) {
    counter!(HANDSHAKE_FAILURES, "reason" => reason).increment(1);
}

/// A session of `kind`, counted open until dropped; its length is
/// recorded then.
pub struct OpenSession {
    kind: SessionKind,
    since: Instant,
}

pub fn session_started(kind: SessionKind) -> OpenSession {
    let (started, open, _) = &HOT.sessions[kind as usize];
    started.increment(1);
    open.increment(1.0);
    OpenSession {
        kind,
        since: Instant::now(),
    }
}

impl Drop for OpenSession {
    fn drop(&mut self) {
        let (_, open, lengths) = &HOT.sessions[self.kind as usize];
        open.decrement(1.0);
        lengths.record(self.since.elapsed().as_secs_f64());
    }
}

pub fn first_frame(after: Duration) {
    HOT.first_frame.record(after.as_secs_f64());
}

pub fn message_stored() {
    counter!(STORED).increment(1);
}

/// `reason`: limited, invalid, failed.
pub fn message_refused(reason: &'static str) {
    counter!(MESSAGES_REFUSED, "reason" => reason).increment(1);
}

pub fn database_error() {
    counter!(DATABASE_ERRORS).increment(1);
}

/// `channel`: the channel's kind (webhook, discord, slack, ntfy, email);
/// `outcome`: delivered, retry, failed.
pub fn delivery(channel: &'static str, outcome: &'static str) {
    counter!(DELIVERIES, "channel" => channel, "outcome" => outcome).increment(1);
}

/// Starts each configured channel kind's delivery series at zero.
pub fn channels(kinds: &[&'static str]) {
    for kind in kinds {
        for outcome in ["delivered", "retry", "failed"] {
            counter!(DELIVERIES, "channel" => *kind, "outcome" => outcome).absolute(0);
        }
        gauge!(PENDING, "channel" => *kind).set(0.0);
    }
}

/// Notifications not yet delivered, for one channel kind.
pub fn deliveries_pending(channel: &'static str, pending: u64) {
    gauge!(PENDING, "channel" => channel).set(pending as f64);
}

pub fn content_reloaded(ok: bool) {
    counter!(RELOADS, "result" => if ok { "ok" } else { "error" }).increment(1);
}

/// A closed connection's traffic.
pub fn traffic(received: u64, sent: u64) {
    HOT.received.increment(received);
    HOT.sent.increment(sent);
}

pub fn ready(ready: bool) {
    gauge!(READY).set(if ready { 1.0 } else { 0.0 });
}
