//! What a session, and the SSH handler before it, tell their connection:
//! facts for its closing log line and for its limits (authenticated, a
//! session started or ended), and a request to cut a client that stopped
//! reading. The connection task owns what it does with them.

use tokio::sync::mpsc;

use crate::term::size::Size;

/// What the handler and the session learn about their connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// Authentication succeeded: the handshake deadline no longer applies.
    Authenticated { client: String, user: String },
    /// A session channel began serving (with this terminal, if any).
    SessionStarted { term: String, size: Option<Size> },
    /// The session channel is over, and how.
    SessionEnded { how: &'static str },
    /// The client stopped reading: close the socket, the channel cannot be
    /// closed politely.
    Cut,
}

/// Reports to the connection task. At most a handful of reports exist per
/// connection (one authentication, one session: a second is refused), so
/// the queue is small and sending never waits.
#[derive(Debug, Clone)]
pub struct Reporter(mpsc::Sender<Report>);

/// Room for every report one connection can make, and some to spare.
const REPORTS: usize = 8;

impl Reporter {
    /// A reporter and the connection task's end of it.
    pub fn new() -> (Reporter, mpsc::Receiver<Report>) {
        let (tx, rx) = mpsc::channel(REPORTS);
        (Reporter(tx), rx)
    }

    pub fn send(&self, report: Report) {
        // Full or closed only when the connection is already over.
        let _ = self.0.try_send(report);
    }
}
