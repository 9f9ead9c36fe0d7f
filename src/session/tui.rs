//! The interactive session: input bytes → parser → app → frame, one linear
//! loop over the channel. A frame is drawn only when the view changed,
//! every pending message is applied before drawing (so a burst of keys or
//! resizes costs one frame), and a frame leaves as one channel write. While
//! the visitor is idle the ratatui buffers are dropped and rebuilt on the
//! next event, so an idle session holds only its view state.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use ratatui::layout::Rect;
use russh::server::Msg;
use russh::{Channel, ChannelMsg};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Pty, Visitor, WRITE_TIMEOUT};
use base64::Engine as _;

use crate::app::{App, Effect, Flow};
use crate::content::Content;
use crate::term::caps::ClientEnv;
use crate::term::frame::FrameBuf;
use crate::term::input::{InputEvent, InputParser};
use crate::term::modes;
use crate::term::render::Renderer;
use crate::term::size::{self, Size};
use crate::ui::Screen;
use crate::ui::theme::Theme;

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
}

struct Tui {
    content: Arc<Content>,
    app: App,
    theme: Theme,
    size: Size,
    parser: InputParser,
    /// Knows what the visitor's screen shows; forgets it while idle.
    renderer: Renderer,
    /// The bytes of the frame being built.
    out: FrameBuf,
    events: Vec<InputEvent>,
    dirty: bool,
    /// Set when a message ends the session; acted on after pending input.
    ending: Option<End>,
}

pub async fn run(
    channel: &mut Channel<Msg>,
    content: Arc<Content>,
    visitor: &Visitor,
    pty: Pty,
    env: ClientEnv,
    shutdown: CancellationToken,
) -> Option<u32> {
    let mut tui = Tui {
        app: App::for_user(&visitor.user),
        theme: Theme::new(&content.theme, env.color_depth()),
        size: pty.size,
        parser: InputParser::new(),
        renderer: Renderer::new(env.hyperlinks()),
        out: FrameBuf::default(),
        events: Vec::new(),
        dirty: false,
        ending: None,
        content,
    };
    let mut first = Vec::with_capacity(4096);
    first.extend_from_slice(modes::ENTER);
    if tui.app.mouse {
        first.extend_from_slice(modes::MOUSE_ON);
    }
    first.extend_from_slice(&tui.frame());
    if !send(channel, Bytes::from(first)).await {
        return None;
    }
    #[cfg(feature = "fault-injection")]
    if visitor.user == "__panic" {
        panic!("fault injection: a session panics after its first frame");
    }
    let mut release_at = Some(Instant::now() + RELEASE_AFTER);
    let mut notice_until: Option<Instant> = None;
    let end = loop {
        let esc_at = tui.parser.pending_timeout().map(|t| Instant::now() + t);
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break End::Shutdown,
            message = channel.wait() => tui.apply(message),
            () = sleep_until(esc_at) => tui.parser.flush_timeout(&mut tui.events),
            () = sleep_until(notice_until) => {
                tui.app.notice = None;
                tui.dirty = true;
            }
            () = sleep_until(release_at) => {
                tui.release();
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
        if let Some(end) = tui.run_events().or(tui.ending.take()) {
            break end;
        }
        notice_until = match (tui.app.notice, notice_until) {
            (None, _) => None,
            (Some(_), None) => Some(Instant::now() + NOTICE_FOR),
            (Some(_), until) => until,
        };
        if tui.dirty {
            tui.dirty = false;
            let frame = tui.frame();
            if !send(channel, frame).await {
                break End::ClientGone;
            }
            release_at = Some(Instant::now() + RELEASE_AFTER);
        }
    };
    finish(channel, end).await
}

/// Leaves the visitor's terminal as it was and gives the exit status.
async fn finish(channel: &Channel<Msg>, end: End) -> Option<u32> {
    let mut bytes = modes::RESTORE.to_vec();
    match end {
        End::Quit | End::InputClosed => {}
        End::ClientGone => return None,
        End::Shutdown => bytes.extend_from_slice(format!("{RESTARTING}\r\n").as_bytes()),
    }
    send(channel, Bytes::from(bytes)).await;
    Some(0)
}

impl Tui {
    /// Applies one channel message.
    fn apply(&mut self, message: Option<ChannelMsg>) {
        match message {
            Some(ChannelMsg::Eof) => self.ending = Some(End::InputClosed),
            None | Some(ChannelMsg::Close) => self.ending = Some(End::ClientGone),
            Some(ChannelMsg::Data { data }) => {
                self.parser.feed(&data, &mut self.events);
            }
            Some(ChannelMsg::WindowChange {
                col_width,
                row_height,
                ..
            }) => {
                let size = size::clamp(col_width, row_height);
                if size != self.size {
                    // A new size repaints everything: nothing stale
                    // survives a resize.
                    self.size = size;
                    self.app.settle(&self.content, size);
                    self.dirty = true;
                }
            }
            Some(_) => {}
        }
    }

    /// Feeds parsed input to the app.
    fn run_events(&mut self) -> Option<End> {
        for event in self.events.drain(..) {
            match self.app.handle(&event, &self.content, self.size) {
                Flow::Quit => return Some(End::Quit),
                Flow::Redraw => self.dirty = true,
                Flow::Unchanged => {}
            }
        }
        None
    }

    /// The bytes that bring the screen up to date: the app's terminal
    /// effects (clipboard, mouse mode), then the changed cells.
    fn frame(&mut self) -> Bytes {
        for effect in self.app.effects.drain(..) {
            match effect {
                Effect::Copy(text) => {
                    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                    self.out
                        .extend(format!("\x1b]52;c;{encoded}\x1b\\").as_bytes());
                }
                Effect::Mouse(true) => self.out.extend(modes::MOUSE_ON),
                Effect::Mouse(false) => self.out.extend(modes::MOUSE_OFF),
            }
        }
        let area = Rect::new(0, 0, self.size.cols, self.size.rows);
        let screen = Screen {
            content: &self.content,
            app: &self.app,
            theme: &self.theme,
        };
        self.renderer
            .frame(area, &mut self.out, |buf| screen.draw(area, buf));
        self.out.take()
    }

    /// Drops what an idle session does not need.
    fn release(&mut self) {
        self.renderer.release();
        self.out.release();
        self.events = Vec::new();
    }
}

/// Sends one frame as one write; false when the client is gone or stopped
/// reading for too long.
async fn send(channel: &Channel<Msg>, bytes: Bytes) -> bool {
    if bytes.is_empty() {
        return true;
    }
    matches!(
        tokio::time::timeout(WRITE_TIMEOUT, channel.data_bytes(bytes)).await,
        Ok(Ok(()))
    )
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
