//! The interactive session: input bytes → parser → app → frame, one linear
//! loop over the channel. A frame is drawn only when the view changed,
//! every pending message is applied before drawing (so a burst of keys or
//! resizes costs one frame), and a frame leaves as one channel write. While
//! the visitor is idle the ratatui buffers are dropped and rebuilt on the
//! next event, so an idle session holds only its view state.

use std::future::Future;
use std::net::IpAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use russh::server::Msg;
use russh::{Channel, ChannelMsg};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Pty, SessionLimits, Shared, Visitor};
use crate::app::App;
use crate::app::form::Answer;
use crate::content::Content;
use crate::inbox::{Inbox, Submission, SubmitResult};
use crate::server::record;
use crate::term::caps::ClientEnv;
use crate::term::modes;
use crate::term::size::{self, Size};
use crate::tui::Tui;

/// How long after the last frame the screen buffers are released.
const RELEASE_AFTER: Duration = Duration::from_secs(1);

/// How long a notice (such as "copied") stays in the footer.
const NOTICE_FOR: Duration = Duration::from_secs(3);

/// Most channel messages applied before a frame is drawn, so a flood of
/// input still gets a frame out now and then.
const MAX_BATCH: usize = 256;

/// What the visitor sees when the server shuts down under them.
pub const RESTARTING: &str = "the server is restarting — reconnect in a moment";

/// Why the loop ended.
enum End {
    /// The visitor quit: exit status 0.
    Quit,
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
}

impl End {
    /// How the log line names it.
    fn reason(&self) -> &'static str {
        match self {
            End::Quit => "quit",
            End::InputClosed => "input closed",
            End::ClientGone => "client gone",
            End::Shutdown => "shutdown",
            End::Idle => "idle timeout",
            End::SessionLimit => "session limit",
            End::Stalled => "write timeout",
        }
    }
}

/// A token bucket over input bytes: `rate` per second, bursts up to one
/// second's worth.
struct InputBudget {
    rate: f64,
    tokens: f64,
    at: Instant,
    warned: bool,
}

impl InputBudget {
    fn new(rate: u32) -> Self {
        InputBudget {
            rate: f64::from(rate.max(1)),
            tokens: f64::from(rate.max(1)),
            at: Instant::now(),
            warned: false,
        }
    }

    /// How many of `n` bytes may be taken now.
    fn take(&mut self, n: usize) -> usize {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate);
        self.at = now;
        let allowed = (n as f64).min(self.tokens.floor()) as usize;
        self.tokens -= allowed as f64;
        allowed
    }
}

/// The session's side of the UI: the shared UI machine plus what only an
/// SSH session has (limits, the inbox, the channel's end).
struct Session {
    tui: Tui,
    limits: SessionLimits,
    budget: InputBudget,
    last_input: Instant,
    inbox: Inbox,
    /// Who the visitor is, for the message limits.
    peer: Option<IpAddr>,
    key_fingerprint: Option<String>,
    /// The inbox's answer to a message being stored.
    sending: Option<JoinHandle<SubmitResult>>,
    /// Set when a message ends the session; acted on after pending input.
    ending: Option<End>,
}

/// What the session leaves behind for the visit record.
pub struct Summary {
    pub sections: Vec<&'static str>,
    pub left_message: bool,
    pub size: Size,
}

pub async fn run(
    channel: &mut Channel<Msg>,
    content: Arc<Content>,
    shared: &Shared,
    visitor: &Visitor,
    pty: Pty,
    env: ClientEnv,
    shutdown: CancellationToken,
) -> (Option<u32>, Summary) {
    let started = Instant::now();
    let app = App::for_user(&visitor.user);
    let mut tui = Session {
        tui: Tui::new(content, app, env.color_depth(), env.hyperlinks(), pty.size),
        limits: shared.limits,
        budget: InputBudget::new(shared.limits.max_input_rate),
        last_input: started,
        inbox: shared.inbox.clone(),
        peer: visitor.peer.map(|p| p.ip()),
        key_fingerprint: visitor.key_fingerprint.clone(),
        sending: None,
        ending: None,
    };
    let first = tui.tui.enter();
    if !send(channel, first, tui.limits.write_timeout).await {
        record::update(&visitor.record, |r| r.ended = Some(End::Stalled.reason()));
        return (None, tui.summary());
    }
    #[cfg(feature = "fault-injection")]
    if visitor.user == "__panic" {
        panic!("fault injection: a session panics after its first frame");
    }
    // Most visitors read before they type, and many connections never
    // type at all: the first frame's buffers go at once; the first key
    // repaints in full and diffing starts from there.
    tui.tui.release();
    let mut release_at = None;
    let mut notice_until: Option<Instant> = None;
    let end = loop {
        // Measured from the last input, so other wake-ups (a released
        // buffer, a notice) never push a pending escape's deadline back.
        let esc_at = tui.tui.pending_timeout().map(|t| tui.last_input + t);
        let idle_at = tui.last_input + tui.limits.idle_timeout;
        let session_at = started + tui.limits.session_timeout;
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break End::Shutdown,
            () = tokio::time::sleep_until(idle_at) => break End::Idle,
            () = tokio::time::sleep_until(session_at) => break End::SessionLimit,
            message = channel.wait() => tui.apply(message),
            () = sleep_until(esc_at) => tui.tui.flush_timeout(),
            result = answer(&mut tui.sending) => {
                tui.sending = None;
                tui.tui.answer(match result {
                    SubmitResult::Sent => Answer::Sent,
                    SubmitResult::Limited(wait) => Answer::Limited(wait),
                    SubmitResult::Invalid | SubmitResult::Failed => Answer::Failed,
                });
            }
            () = sleep_until(notice_until) => tui.tui.clear_notice(),
            () = sleep_until(release_at) => {
                tui.tui.release();
                release_at = None;
                continue;
            }
        }
        // Everything already waiting joins this frame.
        for _ in 0..MAX_BATCH {
            if tui.ending.is_some() {
                break;
            }
            match ready(channel.wait()) {
                Some(message) => tui.apply(message),
                None => break,
            }
        }
        // Keys that arrived before the end still count: "q" then EOF quits.
        let quit = tui.tui.run_events();
        // A message sent just before the end is still stored.
        tui.send_drafts();
        if quit {
            break End::Quit;
        }
        if let Some(end) = tui.ending.take() {
            break end;
        }
        notice_until = match (tui.tui.app.notice, notice_until) {
            (None, _) => None,
            (Some(_), None) => Some(Instant::now() + NOTICE_FOR),
            (Some(_), until) => until,
        };
        if tui.tui.dirty {
            let frame = tui.tui.frame();
            if !send(channel, frame, tui.limits.write_timeout).await {
                break End::Stalled;
            }
            release_at = Some(Instant::now() + RELEASE_AFTER);
        }
    };
    // A message being stored is finished, not abandoned, whatever ended
    // the session: its writer thread completes it regardless.
    record::update(&visitor.record, |r| r.ended = Some(end.reason()));
    let status = finish(channel, end, &tui.limits).await;
    (status, tui.summary())
}

/// Leaves the visitor's terminal as it was and gives the exit status.
async fn finish(channel: &Channel<Msg>, end: End, limits: &SessionLimits) -> Option<u32> {
    let mut bytes = modes::RESTORE.to_vec();
    let goodbye = match end {
        End::Quit | End::InputClosed => None,
        End::ClientGone | End::Stalled => return None,
        End::Shutdown => Some(RESTARTING.to_string()),
        End::Idle => Some(format!(
            "closed after {} without a key pressed — goodbye, come back any time",
            minutes(limits.idle_timeout)
        )),
        End::SessionLimit => Some(format!(
            "closed at the session time limit ({}) — goodbye, come back any time",
            minutes(limits.session_timeout)
        )),
    };
    if let Some(goodbye) = goodbye {
        bytes.extend_from_slice(format!("{goodbye}\r\n").as_bytes());
    }
    send(channel, Bytes::from(bytes), limits.write_timeout).await;
    Some(0)
}

/// "15 minutes", "2 hours", "30 seconds".
fn minutes(limit: Duration) -> String {
    let s = limit.as_secs();
    let (n, unit) = if s < 120 {
        (s, "second")
    } else if s >= 7200 && s.is_multiple_of(3600) {
        (s / 3600, "hour")
    } else {
        (s / 60, "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

impl Session {
    /// Applies one channel message.
    fn apply(&mut self, message: Option<ChannelMsg>) {
        match message {
            Some(ChannelMsg::Eof) => self.ending = Some(End::InputClosed),
            None | Some(ChannelMsg::Close) => self.ending = Some(End::ClientGone),
            Some(ChannelMsg::Data { data }) => {
                self.last_input = Instant::now();
                // Over the input rate, the excess is dropped unread: the
                // session stays, a flood costs it only its own keys.
                let allowed = self.budget.take(data.len());
                if allowed < data.len() && !self.budget.warned {
                    self.budget.warned = true;
                    tracing::warn!(
                        "input over {} bytes/s; dropping the excess",
                        self.limits.max_input_rate
                    );
                }
                self.tui.input(&data[..allowed]);
            }
            Some(ChannelMsg::WindowChange {
                col_width,
                row_height,
                ..
            }) => self.tui.resize(size::clamp(col_width, row_height)),
            Some(_) => {}
        }
    }

    /// Hands the form's messages to the inbox; the answer comes back in
    /// the loop.
    fn send_drafts(&mut self) {
        for draft in self.tui.take_effects() {
            let submission = Submission {
                submission_id: draft.submission_id,
                name: draft.name,
                contact: draft.contact,
                message: draft.message,
                peer: self.peer,
                key_fingerprint: self.key_fingerprint.clone(),
            };
            let inbox = self.inbox.clone();
            self.sending = Some(tokio::spawn(async move { inbox.submit(submission).await }));
        }
    }

    fn summary(&self) -> Summary {
        Summary {
            sections: self.tui.app.visited_sections(),
            left_message: self.tui.app.sent,
            size: self.tui.size(),
        }
    }
}

/// Sends one frame as one write; false when the client is gone or stopped
/// reading for longer than `limit`.
async fn send(channel: &Channel<Msg>, bytes: Bytes, limit: Duration) -> bool {
    if bytes.is_empty() {
        return true;
    }
    matches!(
        tokio::time::timeout(limit, channel.data_bytes(bytes)).await,
        Ok(Ok(()))
    )
}

/// The inbox's answer, or never when nothing is being sent.
async fn answer(sending: &mut Option<JoinHandle<SubmitResult>>) -> SubmitResult {
    match sending {
        Some(task) => task.await.unwrap_or(SubmitResult::Failed),
        None => std::future::pending().await,
    }
}

/// Sleeps until `at`, or for ever when there is nothing to wait for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The future's value if it is ready right now. Used on `Channel::wait`,
/// which is cancel-safe, so dropping it unfinished loses nothing.
fn ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}
