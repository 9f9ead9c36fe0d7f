//! A connection's record: what its closing log line says. The SSH handler
//! and the session only report what they learn (see
//! [`Reporter`](crate::session::Reporter)); the connection task watches
//! the reports add up and finishes the record here, once, when the
//! connection is over.

use std::time::Duration;

use crate::session::{End, Reports};

/// Names the login on the connection's span, so every later line of the
/// connection says whose it is (never with `--private-logs`).
pub fn name_user(reports: &Reports, private_logs: bool) {
    if let Some((_, user)) = &reports.login
        && !private_logs
    {
        tracing::Span::current().record("user", user.as_str());
    }
}

/// Writes the closing line. `connection_ended` says how the connection
/// itself ended; the session's reason wins when it had one.
pub fn finish(reports: &Reports, connection_ended: End, seconds: Duration, bytes: (u64, u64)) {
    let size = reports
        .size
        .map(|s| format!("{}x{}", s.cols, s.rows))
        .unwrap_or_default();
    let client = reports
        .login
        .as_ref()
        .map_or("", |(client, _)| client.as_str());
    tracing::info!(
        client,
        term = reports.term.as_str(),
        size,
        seconds = seconds.as_secs_f64(),
        bytes_in = bytes.0,
        bytes_out = bytes.1,
        refused = reports.refused,
        ended = reports.session_ended.unwrap_or(connection_ended).reason(),
        "connection closed"
    );
}
