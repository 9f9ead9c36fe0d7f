//! The one session loop, for every screen: the client's bytes in →
//! screen → frames out, one linear loop. A frame is drawn only when the
//! screen changed; every message already waiting is applied before
//! drawing (a burst of keys or resizes costs one frame); a frame leaves
//! as one write, one in flight at a time, while input is read all along,
//! so the connection never waits for a session that waits for it. Work
//! the screen asks for (a message to store, the inbox to read) runs on a
//! task of its own beside the loop. The idle and session limits, shutdown
//! and a client that stops reading end it; the terminal is restored on
//! every way out. While the user is idle the screen's buffers are
//! dropped and rebuilt on the next event.
//!
//! The loop reads from a [`ClientInput`] and writes to a
//! [`ClientOutput`]: an SSH channel's halves, or a test's in-memory pair.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use russh::server::Msg;
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Revoked;
use super::SessionLimits;
use super::budget::InputBudget;
use super::end::End;
use crate::term::screen::{Screen, sleep_until};
use crate::term::size::{self, Size};

/// How long after the last frame the screen's buffers are released.
const RELEASE_AFTER: Duration = Duration::from_secs(1);

/// Most client messages applied before a frame is drawn, so a flood of
/// input still gets a frame out now and then.
const MAX_BATCH: usize = 256;

/// What the client sent, as the loop needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromClient {
    Data(Bytes),
    /// A new terminal size, clamped.
    Resize(Size),
    /// No more input will come.
    Eof,
    /// The client closed the channel or went away.
    Gone,
    /// Something the loop ignores.
    Other,
}

/// Where the loop's input comes from. `next` must be cancel-safe: the
/// loop drops it unfinished and calls it again.
pub trait ClientInput {
    fn next(&mut self) -> impl Future<Output = FromClient> + Send;
}

/// Where the loop's frames go; false when the client is gone.
pub trait ClientOutput: Sync {
    fn write(&self, bytes: Bytes) -> impl Future<Output = bool> + Send;
}

impl ClientInput for ChannelReadHalf {
    async fn next(&mut self) -> FromClient {
        match self.wait().await {
            Some(ChannelMsg::Data { data }) => FromClient::Data(data),
            Some(ChannelMsg::WindowChange {
                col_width,
                row_height,
                ..
            }) => FromClient::Resize(size::clamp(col_width, row_height)),
            Some(ChannelMsg::Eof) => FromClient::Eof,
            None | Some(ChannelMsg::Close) => FromClient::Gone,
            Some(_) => FromClient::Other,
        }
    }
}

impl ClientOutput for ChannelWriteHalf<Msg> {
    async fn write(&self, bytes: Bytes) -> bool {
        self.data_bytes(bytes).await.is_ok()
    }
}

/// One screen's session: the screen, its limits, and the work it runs
/// (`W` handed out, `D` taken back).
pub struct Driver<S, P, W, D> {
    screen: S,
    limits: SessionLimits,
    budget: InputBudget,
    started: Instant,
    last_input: Instant,
    /// When the idle screen's buffers go, after a frame.
    release_at: Option<Instant>,
    /// Runs the screen's work; its answer comes back in the loop.
    perform: P,
    working: Option<JoinHandle<D>>,
    /// Set when a message ends the session; acted on after pending input.
    ending: Option<End>,
    /// Something else that ends the session when it completes, and how.
    ends_when: Option<(Revoked, End)>,
    work: PhantomData<fn(W)>,
}

/// What woke the loop.
enum Wake<D> {
    Shutdown,
    /// The idle or the session limit is reached.
    Limit(End),
    Client(FromClient),
    /// The frame being written is out (true), or the client stopped
    /// reading (false).
    Sent(bool),
    Done(D),
    /// Releasing the buffers, or one of the screen's own timers, is due.
    Timer,
}

/// A frame on its way out.
type InFlight<'w> = Pin<Box<dyn Future<Output = bool> + Send + 'w>>;

impl<S, P, F, W, D> Driver<S, P, W, D>
where
    S: Screen<W, D>,
    P: FnMut(W) -> F,
    F: Future<Output = D> + Send + 'static,
    D: Send + 'static,
{
    pub fn new(screen: S, limits: SessionLimits, perform: P) -> Driver<S, P, W, D> {
        let now = Instant::now();
        Driver {
            screen,
            budget: InputBudget::new(limits.max_input_rate),
            limits,
            started: now,
            last_input: now,
            release_at: None,
            perform,
            working: None,
            ending: None,
            ends_when: None,
            work: PhantomData,
        }
    }

    /// Ends the session, as `end`, when `ended` completes.
    pub fn end_when(&mut self, ended: Revoked, end: End) {
        self.ends_when = Some((ended, end));
    }

    pub fn screen(&self) -> &S {
        &self.screen
    }

    /// Serves until something ends the session; `first_frame` runs once
    /// the first frame is out.
    pub async fn run(
        &mut self,
        input: &mut impl ClientInput,
        output: &impl ClientOutput,
        shutdown: &CancellationToken,
        first_frame: impl FnOnce(),
    ) -> End {
        let first = self.screen.enter();
        if !send(output, first, self.limits.write_timeout).await {
            return End::Stalled;
        }
        first_frame();
        // Most visitors read before they type, and many connections never
        // type at all: the first frame's buffers go at once.
        self.screen.release();
        // What the screen wants from the start (the console's inbox).
        self.start_work();
        self.serve(input, output, shutdown).await
    }

    /// Leaves the terminal as it was, with a word on why when the server
    /// ended the session; the exit status, none when the client cannot be
    /// written to.
    pub async fn finish(&mut self, output: &impl ClientOutput, end: End) -> Option<u32> {
        if !end.can_write() {
            return None;
        }
        let goodbye = end.goodbye(&self.limits);
        let bytes = self.screen.leave(goodbye.as_deref());
        send(output, bytes, self.limits.write_timeout).await;
        Some(0)
    }

    async fn serve(
        &mut self,
        input: &mut impl ClientInput,
        output: &impl ClientOutput,
        shutdown: &CancellationToken,
    ) -> End {
        let mut in_flight: Option<InFlight<'_>> = None;
        let end = loop {
            match self.wake(input, &mut in_flight, shutdown).await {
                Wake::Shutdown => break End::Shutdown,
                Wake::Limit(end) => break end,
                Wake::Client(message) => self.apply(message),
                Wake::Done(done) => self.screen.done(done),
                Wake::Sent(true) => {
                    in_flight = None;
                    self.release_at = Some(Instant::now() + RELEASE_AFTER);
                }
                Wake::Sent(false) => return End::Stalled,
                Wake::Timer => self.on_timer(),
            }
            if let Some(end) = self.step(input) {
                break end;
            }
            if self.screen.dirty() && in_flight.is_none() {
                let frame = self.screen.frame();
                in_flight = Some(Box::pin(send(output, frame, self.limits.write_timeout)));
            }
        };
        // The frame on its way out goes before the goodbye.
        let out = match in_flight {
            Some(frame) => frame.await,
            None => true,
        };
        if out { end } else { End::Stalled }
    }

    /// After a wake: everything already waiting, the input run, work
    /// started; how the session ends, if it does.
    fn step(&mut self, input: &mut impl ClientInput) -> Option<End> {
        for _ in 0..MAX_BATCH {
            if self.ending.is_some() {
                break;
            }
            match ready(input.next()) {
                Some(message) => self.apply(message),
                None => break,
            }
        }
        // Keys that arrived before the end still count: "q" then EOF quits.
        let quit = self.screen.run_events();
        // Work asked for just before the end still starts (a message sent
        // with the last keys is stored).
        self.start_work();
        if quit {
            return Some(End::Quit);
        }
        self.ending.take()
    }

    /// Waits for the next thing to happen. Shutdown and the limits come
    /// first (a client flooding input still meets them), then the client,
    /// then the frame going out, the work, and the other timers (so bytes
    /// that complete an escape sequence win over its pause running out).
    async fn wake(
        &mut self,
        input: &mut impl ClientInput,
        in_flight: &mut Option<InFlight<'_>>,
        shutdown: &CancellationToken,
    ) -> Wake<D> {
        let idle_at = self.last_input + self.limits.idle_timeout;
        let session_at = self.started + self.limits.session_timeout;
        let timer = [self.release_at, self.screen.deadline()]
            .into_iter()
            .flatten()
            .min();
        tokio::select! {
            biased;
            () = shutdown.cancelled() => Wake::Shutdown,
            () = tokio::time::sleep_until(idle_at) => Wake::Limit(End::Idle),
            () = tokio::time::sleep_until(session_at) => Wake::Limit(End::SessionLimit),
            end = ended(&mut self.ends_when) => Wake::Limit(end),
            message = input.next() => Wake::Client(message),
            sent = frame_out(in_flight) => Wake::Sent(sent),
            done = finished(&mut self.working) => {
                self.working = None;
                Wake::Done(done)
            }
            () = sleep_until(timer) => Wake::Timer,
        }
    }

    /// Acts on the timers that are due: releases an idle screen's
    /// buffers, and runs the screen's own timers.
    fn on_timer(&mut self) {
        let now = Instant::now();
        if self.release_at.is_some_and(|at| at <= now) {
            self.screen.release();
            self.release_at = None;
        }
        self.screen.on_deadline(now);
    }

    /// Applies one message from the client.
    fn apply(&mut self, message: FromClient) {
        match message {
            FromClient::Data(data) => {
                self.last_input = Instant::now();
                let allowed = self.budget.take(data.len());
                self.screen.input(&data[..allowed]);
            }
            FromClient::Resize(size) => self.screen.resize(size),
            FromClient::Eof => self.ending = Some(End::InputClosed),
            FromClient::Gone => self.ending = Some(End::ClientGone),
            FromClient::Other => {}
        }
    }

    /// Starts the screen's next work when none is running.
    fn start_work(&mut self) {
        if self.working.is_some() {
            return;
        }
        if let Some(work) = self.screen.take_work() {
            self.working = Some(tokio::spawn((self.perform)(work)));
        }
    }
}

/// Sends one write; false when the client is gone or stopped reading for
/// longer than `limit`.
pub async fn send(output: &impl ClientOutput, bytes: Bytes, limit: Duration) -> bool {
    if bytes.is_empty() {
        return true;
    }
    matches!(
        tokio::time::timeout(limit, output.write(bytes)).await,
        Ok(true)
    )
}

/// How the session ends when what it waits on completes, or never.
async fn ended(ends_when: &mut Option<(Revoked, End)>) -> End {
    match ends_when {
        Some((ended, end)) => {
            ended.await;
            *end
        }
        None => std::future::pending().await,
    }
}

/// Whether the frame in flight got out, or never when there is none.
async fn frame_out(in_flight: &mut Option<InFlight<'_>>) -> bool {
    match in_flight {
        Some(frame) => frame.await,
        None => std::future::pending().await,
    }
}

/// The work's answer, or never when none runs. A panic in the work is the
/// session's: it ends this session only (see `supervise`).
async fn finished<D>(working: &mut Option<JoinHandle<D>>) -> D {
    let Some(task) = working else {
        return std::future::pending().await;
    };
    match task.await {
        Ok(done) => done,
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // Cancelled: only when the runtime stops, which ends us too.
            Err(_) => std::future::pending().await,
        },
    }
}

/// The future's value if it is ready right now. Used on cancel-safe
/// input, so dropping it unfinished loses nothing.
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
#[cfg(test)]
mod tests;
