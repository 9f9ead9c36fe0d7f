//! What a session, and the SSH handler before it, tell their connection:
//! facts for its closing log line and for its limits (authenticated, a
//! session started or ended), and a request to cut a client that stopped
//! reading. The reports build up one small [`Reports`] value that the
//! connection task watches; what it does with them is its own business.

use tokio::sync::watch;

use super::end::End;
use crate::term::size::Size;

/// One thing the handler or the session learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// Authentication succeeded: the handshake deadline no longer applies.
    Authenticated { client: String, user: String },
    /// A session channel began serving (with this terminal, if any).
    SessionStarted { term: String, size: Option<Size> },
    /// The session channel is over, and how.
    SessionEnded { end: End },
    /// The client stopped reading: close the socket, the channel cannot be
    /// closed politely.
    Cut,
    /// A request was refused (forwarding, a subsystem, …).
    Refused,
    /// A login for the owner's name was refused (a wrong key, no key).
    OwnerRefused,
    /// The owner logged in with one of the owner's keys.
    OwnerLoggedIn,
}

/// Everything reported so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reports {
    /// The client's SSH version string and login name, once authenticated.
    pub login: Option<(String, String)>,
    pub term: String,
    pub size: Option<Size>,
    /// A session channel is being served now.
    pub in_session: bool,
    /// How the connection's session ended, once it did.
    pub session_ended: Option<End>,
    /// The session asked for the socket to be cut.
    pub cut: bool,
    /// Requests refused.
    pub refused: u32,
    /// A login for the owner's name was refused on this connection.
    pub owner_refused: bool,
    /// The owner logged in on this connection.
    pub owner_logged_in: bool,
}

impl Reports {
    fn apply(&mut self, report: Report) {
        match report {
            Report::Authenticated { client, user } => self.login = Some((client, user)),
            Report::SessionStarted { term, size } => {
                self.term = term;
                self.size = size;
                self.in_session = true;
            }
            Report::SessionEnded { end } => {
                self.in_session = false;
                self.session_ended.get_or_insert(end);
            }
            Report::Cut => self.cut = true,
            Report::Refused => self.refused = self.refused.saturating_add(1),
            Report::OwnerRefused => self.owner_refused = true,
            Report::OwnerLoggedIn => self.owner_logged_in = true,
        }
    }
}

/// The handler's and the session's line to their connection. Sending
/// never waits; the connection task sees the reports add up.
#[derive(Debug, Clone)]
pub struct Reporter(watch::Sender<Reports>);

impl Reporter {
    /// A reporter and the connection task's end of it.
    pub fn new() -> (Reporter, watch::Receiver<Reports>) {
        let (tx, rx) = watch::channel(Reports::default());
        (Reporter(tx), rx)
    }

    pub fn send(&self, report: Report) {
        self.0.send_modify(|reports| reports.apply(report));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_add_up_and_the_first_ending_stays() {
        let (reporter, reports) = Reporter::new();
        reporter.send(Report::Authenticated {
            client: "SSH-2.0-x".into(),
            user: "visitor".into(),
        });
        reporter.send(Report::SessionStarted {
            term: "xterm".into(),
            size: None,
        });
        assert!(reports.borrow().in_session);
        reporter.send(Report::SessionEnded { end: End::Quit });
        reporter.send(Report::SessionEnded { end: End::Panic });
        reporter.send(Report::Cut);
        let got = reports.borrow().clone();
        assert_eq!(got.login, Some(("SSH-2.0-x".into(), "visitor".into())));
        assert_eq!(got.session_ended, Some(End::Quit));
        assert!(!got.in_session && got.cut);
    }
}
