//! The interactive session: input bytes → parser → app → frame, one linear
//! loop over the channel. A frame is drawn only when the view changed,
//! every pending message is applied before drawing (so a burst of keys or
//! resizes costs one frame), and a frame leaves as one channel write. While
//! the visitor is idle the ratatui buffers are dropped and rebuilt on the
//! next event, so an idle session holds only its view state.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use russh::server::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::budget::InputBudget;
use super::goodbye::finish;
use super::{SessionLimits, Shared, Visitor};
use crate::app::App;
use crate::content::Content;
use crate::inbox::{Inbox, Message, SubmitResult};
use crate::term::caps::ClientEnv;
use crate::term::size::{self, Size};
use crate::tui::{Tui, sleep_until};

/// How long after the last frame the screen buffers are released.
const RELEASE_AFTER: Duration = Duration::from_secs(1);

/// Most channel messages applied before a frame is drawn, so a flood of
/// input still gets a frame out now and then.
const MAX_BATCH: usize = 256;

/// What the visitor sees when the server shuts down under them.
pub const RESTARTING: &str = "the server is restarting — reconnect in a moment";

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
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
    fn reason(self) -> &'static str {
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

/// What the session leaves behind for the visit record.
pub struct Summary {
    pub sections: Vec<&'static str>,
    pub left_message: bool,
    pub size: Size,
}

/// How the interactive session ended.
pub struct Ended {
    /// The exit status; none when the client is gone or stopped reading.
    pub status: Option<u32>,
    pub how: &'static str,
    pub summary: Summary,
}

/// The session's side of the UI: the shared UI machine plus what only an
/// SSH session has (limits, the inbox, the channel's end).
struct Session {
    ui: Tui,
    limits: SessionLimits,
    budget: InputBudget,
    started: Instant,
    last_input: Instant,
    /// When the idle screen's buffers go, after a frame.
    release_at: Option<Instant>,
    inbox: Inbox,
    visitor: Visitor,
    /// The inbox's answer to a message being stored.
    sending: Option<JoinHandle<SubmitResult>>,
    /// Set when a message ends the session; acted on after pending input.
    ending: Option<End>,
}

/// What woke the loop.
enum Wake {
    Shutdown,
    /// The idle or the session limit is reached.
    Limit(End),
    Message(Option<ChannelMsg>),
    Answer(SubmitResult),
    /// The frame being written is out (true), or the client stopped
    /// reading (false).
    Sent(bool),
    /// Releasing the buffers, or one of the UI's own timers, is due.
    Timer,
}

/// The channel's write side, as the session's frames go out.
pub(super) type Writer = ChannelWriteHalf<Msg>;

/// A frame on its way out: the loop goes on reading input meanwhile, so
/// the connection never waits for a session that waits for it.
type InFlight<'w> = Pin<Box<dyn Future<Output = bool> + Send + 'w>>;

pub async fn run(
    (reader, writer): (&mut ChannelReadHalf, &Writer),
    content: Arc<Content>,
    shared: &Shared,
    visitor: &Visitor,
    size: Size,
    env: ClientEnv,
    shutdown: CancellationToken,
) -> Ended {
    let mut session = Session::new(content, shared, visitor, size, &env);
    let end = match session.first_frame(writer).await {
        Ok(()) => session.serve(reader, writer, &shutdown).await,
        Err(end) => end,
    };
    // A message being stored is finished, not abandoned, whatever ended
    // the session: its writer thread completes it regardless.
    Ended {
        status: finish(writer, end, &session.limits).await,
        how: end.reason(),
        summary: session.summary(),
    }
}

impl Session {
    fn new(
        content: Arc<Content>,
        shared: &Shared,
        visitor: &Visitor,
        size: Size,
        env: &ClientEnv,
    ) -> Session {
        let now = Instant::now();
        let app = App::for_user(&visitor.user);
        Session {
            ui: Tui::new(content, app, env.color_depth(), env.hyperlinks(), size),
            limits: shared.limits,
            budget: InputBudget::new(shared.limits.max_input_rate),
            started: now,
            last_input: now,
            release_at: None,
            inbox: shared.inbox.clone(),
            visitor: visitor.clone(),
            sending: None,
            ending: None,
        }
    }

    /// The alternate screen and the first frame, in one write.
    async fn first_frame(&mut self, writer: &Writer) -> Result<(), End> {
        let first = self.ui.enter();
        if !send(writer, first, self.limits.write_timeout).await {
            return Err(End::Stalled);
        }
        if let Some(connected) = self.visitor.connected_at {
            crate::telemetry::first_frame(connected.elapsed());
        }
        #[cfg(feature = "fault-injection")]
        if self.visitor.user == "__panic" {
            panic!("fault injection: a session panics after its first frame");
        }
        // Most visitors read before they type, and many connections never
        // type at all: the first frame's buffers go at once; the first key
        // repaints in full and diffing starts from there.
        self.ui.release();
        Ok(())
    }

    /// Serves the visitor until something ends the session. One frame is
    /// in flight at a time; input is read all along.
    async fn serve(
        &mut self,
        reader: &mut ChannelReadHalf,
        writer: &Writer,
        shutdown: &CancellationToken,
    ) -> End {
        let mut in_flight: Option<InFlight<'_>> = None;
        let end = loop {
            match self.wake(reader, &mut in_flight, shutdown).await {
                Wake::Shutdown => break End::Shutdown,
                Wake::Limit(end) => break end,
                Wake::Message(message) => self.apply(message),
                Wake::Answer(result) => self.answered(result),
                Wake::Sent(true) => {
                    in_flight = None;
                    self.release_at = Some(Instant::now() + RELEASE_AFTER);
                }
                Wake::Sent(false) => return End::Stalled,
                Wake::Timer => self.on_timer(),
            }
            // Everything already waiting joins this frame.
            for _ in 0..MAX_BATCH {
                if self.ending.is_some() {
                    break;
                }
                match ready(reader.wait()) {
                    Some(message) => self.apply(message),
                    None => break,
                }
            }
            // Keys that arrived before the end still count: "q" then EOF quits.
            let quit = self.ui.run_events();
            // A message sent just before the end is still stored.
            self.send_drafts();
            if quit {
                break End::Quit;
            }
            if let Some(end) = self.ending.take() {
                break end;
            }
            if self.ui.dirty() && in_flight.is_none() {
                in_flight = Some(Box::pin(send(
                    writer,
                    self.ui.frame(),
                    self.limits.write_timeout,
                )));
            }
        };
        // The frame on its way out goes before the goodbye.
        match in_flight {
            Some(frame) => {
                if frame.await {
                    end
                } else {
                    End::Stalled
                }
            }
            None => end,
        }
    }

    /// Waits for the next thing to happen. Shutdown and the limits come
    /// first (a client flooding input still meets them), then the client,
    /// then the frame going out, the inbox, and the other timers (so bytes
    /// that complete an escape sequence win over its pause running out).
    async fn wake(
        &mut self,
        reader: &mut ChannelReadHalf,
        in_flight: &mut Option<InFlight<'_>>,
        shutdown: &CancellationToken,
    ) -> Wake {
        let idle_at = self.last_input + self.limits.idle_timeout;
        let session_at = self.started + self.limits.session_timeout;
        let timer = [self.release_at, self.ui.deadline()]
            .into_iter()
            .flatten()
            .min();
        tokio::select! {
            biased;
            () = shutdown.cancelled() => Wake::Shutdown,
            () = tokio::time::sleep_until(idle_at) => Wake::Limit(End::Idle),
            () = tokio::time::sleep_until(session_at) => Wake::Limit(End::SessionLimit),
            message = reader.wait() => Wake::Message(message),
            sent = frame_out(in_flight) => Wake::Sent(sent),
            result = answer(&mut self.sending) => {
                self.sending = None;
                Wake::Answer(result)
            }
            () = sleep_until(timer) => Wake::Timer,
        }
    }

    /// Acts on the timers that are due: releases an idle screen's buffers,
    /// and runs the UI's own timers.
    fn on_timer(&mut self) {
        let now = Instant::now();
        if self.release_at.is_some_and(|at| at <= now) {
            self.ui.release();
            self.release_at = None;
        }
        self.ui.on_deadline(now);
    }

    /// Applies one channel message.
    fn apply(&mut self, message: Option<ChannelMsg>) {
        match message {
            Some(ChannelMsg::Eof) => self.ending = Some(End::InputClosed),
            None | Some(ChannelMsg::Close) => self.ending = Some(End::ClientGone),
            Some(ChannelMsg::Data { data }) => {
                self.last_input = Instant::now();
                let allowed = self.budget.take(data.len());
                self.ui.input(&data[..allowed]);
            }
            Some(ChannelMsg::WindowChange {
                col_width,
                row_height,
                ..
            }) => self.ui.resize(size::clamp(col_width, row_height)),
            Some(_) => {}
        }
    }

    /// The inbox's answer, as the form shows it.
    fn answered(&mut self, result: SubmitResult) {
        self.ui.answer(result);
    }

    /// Hands the form's messages to the inbox; the answer comes back in
    /// the loop.
    fn send_drafts(&mut self) {
        for draft in self.ui.take_effects() {
            let message = Message {
                peer: self.visitor.peer.map(|p| p.ip()),
                key_fingerprint: self.visitor.key_fingerprint.clone(),
                ..draft
            };
            let inbox = self.inbox.clone();
            self.sending = Some(tokio::spawn(async move { inbox.submit(message).await }));
        }
    }

    fn summary(&self) -> Summary {
        Summary {
            sections: self.ui.app().visited_sections(),
            left_message: self.ui.app().sent,
            size: self.ui.size(),
        }
    }
}

/// Sends one frame as one write; false when the client is gone or stopped
/// reading for longer than `limit`.
pub(super) async fn send(writer: &Writer, bytes: Bytes, limit: Duration) -> bool {
    if bytes.is_empty() {
        return true;
    }
    matches!(
        tokio::time::timeout(limit, writer.data_bytes(bytes)).await,
        Ok(Ok(()))
    )
}

/// Whether the frame in flight got out, or never when there is none.
async fn frame_out(in_flight: &mut Option<InFlight<'_>>) -> bool {
    match in_flight {
        Some(frame) => frame.await,
        None => std::future::pending().await,
    }
}

/// The inbox's answer, or never when nothing is being sent.
async fn answer(sending: &mut Option<JoinHandle<SubmitResult>>) -> SubmitResult {
    match sending {
        Some(task) => task.await.unwrap_or(SubmitResult::Failed),
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
