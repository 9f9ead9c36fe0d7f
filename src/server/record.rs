//! A connection's record: what its closing log line says. The connection
//! task owns it; the SSH handler and the session only report what they
//! learn ([`Report`]) through a [`Reporter`](crate::session::Reporter),
//! and the connection task applies the reports as they come and finishes
//! the record once, when the connection is over.

use std::time::Duration;

use crate::session::Report;
use crate::term::size::Size;

/// Everything the closing line says, gathered over the connection's life.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// `--private-logs`: the login name is never logged.
    private: bool,
    /// The client's SSH version string (cleaned by the handler).
    pub client: String,
    pub term: String,
    pub size: Option<Size>,
    /// How the session ended, when there was one.
    pub session_ended: Option<&'static str>,
}

impl Record {
    pub fn new(private_logs: bool) -> Record {
        Record {
            private: private_logs,
            ..Record::default()
        }
    }

    /// Applies one report; true when it asks for the socket to be cut.
    pub fn apply(&mut self, report: Report) -> bool {
        match report {
            Report::Authenticated { client, user } => {
                self.client = client;
                if !self.private {
                    // Every later line of the connection names its user.
                    tracing::Span::current().record("user", user.as_str());
                }
            }
            Report::SessionStarted { term, size } => {
                self.term = term;
                self.size = size;
            }
            Report::SessionEnded { how } => {
                self.session_ended.get_or_insert(how);
            }
            Report::Cut => return true,
        }
        false
    }

    /// Writes the closing line. `connection_ended` says how the connection
    /// itself ended; the session's reason wins when it had one.
    pub fn finish(self, connection_ended: &str, seconds: Duration, bytes: (u64, u64)) {
        let size = self
            .size
            .map(|s| format!("{}x{}", s.cols, s.rows))
            .unwrap_or_default();
        tracing::info!(
            client = %self.client,
            term = %self.term,
            size,
            seconds = seconds.as_secs_f64(),
            bytes_in = bytes.0,
            bytes_out = bytes.1,
            ended = self.session_ended.unwrap_or(connection_ended),
            "connection closed"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_session_ending_is_kept() {
        let mut record = Record::new(false);
        assert!(!record.apply(Report::Authenticated {
            client: "SSH-2.0-x".into(),
            user: "visitor".into(),
        }));
        assert_eq!(record.client, "SSH-2.0-x");
        record.apply(Report::SessionEnded { how: "quit" });
        record.apply(Report::SessionEnded { how: "panic" });
        assert_eq!(record.session_ended, Some("quit"));
        assert!(record.apply(Report::Cut));
    }
}
