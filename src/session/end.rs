//! How a session, or the connection around it, ended: one [`End`] for
//! every screen and for the connection's closing log line, with the words
//! the log uses and what the user is told on the way out.

use std::time::Duration;

use super::SessionLimits;
use crate::text::plural;

/// What the user sees when the server shuts down under them.
pub const RESTARTING: &str = "the server is restarting — reconnect in a moment";

/// How a session or its connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The user quit: exit status 0.
    Quit,
    /// An exec command or the plain text was answered.
    Done,
    /// The client sent EOF: no more input will come, but the terminal can
    /// still be restored.
    InputClosed,
    /// The client closed the channel or went away.
    ClientGone,
    /// The server is shutting down.
    Shutdown,
    /// No input for the idle limit.
    Idle,
    /// The session reached its time limit.
    SessionLimit,
    /// The client stopped reading for longer than the write limit.
    Stalled,
    /// The owner's key was taken out of the owner's keys (and SIGHUP).
    KeyRemoved,
    /// The session's task panicked (that session only ends).
    Panic,
    /// The session's task was cancelled.
    Cancelled,
    /// The channel asked for neither a shell nor a command in time.
    NoRequest,
    /// The connection: authentication did not finish in time.
    HandshakeTimeout,
    /// The connection: the handshake failed.
    HandshakeFailed,
    /// The connection held no session for longer than it may.
    NoSession,
    /// The connection was cut: its session asked (a client not reading).
    Cut,
    /// The connection closed by itself.
    Closed,
    /// The connection failed.
    ConnectionError,
}

impl End {
    /// How the log's closing line names it.
    pub fn reason(self) -> &'static str {
        match self {
            End::Quit => "quit",
            End::Done => "done",
            End::InputClosed => "input closed",
            End::ClientGone => "client gone",
            End::Shutdown => "shutdown",
            End::Idle => "idle timeout",
            End::SessionLimit => "session limit",
            End::Stalled => "write timeout",
            End::KeyRemoved => "owner key removed",
            End::Panic => "panic",
            End::Cancelled => "cancelled",
            End::NoRequest => "no request",
            End::HandshakeTimeout => "handshake timeout",
            End::HandshakeFailed => "handshake failed",
            End::NoSession => "no session",
            End::Cut => "cut",
            End::Closed => "closed",
            End::ConnectionError => "connection error",
        }
    }

    /// Whether the client can still be written to: not when it went away
    /// or stopped reading.
    pub fn can_write(self) -> bool {
        !matches!(self, End::ClientGone | End::Stalled)
    }

    /// What a screen ended by the server says on its way out.
    pub fn goodbye(self, limits: &SessionLimits) -> Option<String> {
        match self {
            End::Shutdown => Some(RESTARTING.to_string()),
            End::KeyRemoved => {
                Some("the key you logged in with is no longer an owner key — goodbye".to_string())
            }
            End::Idle => Some(format!(
                "closed after {} without a key pressed — goodbye, come back any time",
                duration(limits.idle_timeout)
            )),
            End::SessionLimit => Some(format!(
                "closed at the session time limit ({}) — goodbye, come back any time",
                duration(limits.session_timeout)
            )),
            _ => None,
        }
    }
}

/// "15 minutes", "2 hours", "30 seconds".
fn duration(limit: Duration) -> String {
    let s = limit.as_secs();
    let (n, unit) = if s < 120 {
        (s, "second")
    } else if s >= 7200 && s.is_multiple_of(3600) {
        (s / 3600, "hour")
    } else {
        (s / 60, "minute")
    };
    format!("{n} {unit}{}", plural(n as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_said_in_words() {
        let limits = SessionLimits {
            idle_timeout: Duration::from_secs(900),
            session_timeout: Duration::from_secs(7200),
            ..SessionLimits::default()
        };
        assert_eq!(
            End::Idle.goodbye(&limits).unwrap(),
            "closed after 15 minutes without a key pressed — goodbye, come back any time"
        );
        assert_eq!(
            End::SessionLimit.goodbye(&limits).unwrap(),
            "closed at the session time limit (2 hours) — goodbye, come back any time"
        );
        assert_eq!(duration(Duration::from_secs(3)), "3 seconds");
        assert_eq!(End::Quit.goodbye(&limits), None);
        assert!(!End::Stalled.can_write() && End::Shutdown.can_write());
    }
}
