//! The portfolio UI as a machine: input bytes in, frame bytes out, for one
//! terminal. The SSH session (`session::interactive`) and the owner's
//! local preview (`commands::preview`) both drive this one type, so there
//! is one copy of the UI: parser → app → renderer, the terminal side
//! effects, and the UI's own timers (a lone ESC's pause, how long a
//! footer notice stays).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ratatui::layout::Rect;
use tokio::time::Instant;

use crate::app::{App, Effect, Flow};
use crate::content::Content;
use crate::inbox::{Message, SubmitResult};
use crate::term::caps::ColorDepth;
use crate::term::frame::FrameBuf;
use crate::term::input::{InputEvent, InputParser};
use crate::term::modes;
use crate::term::render::{Keep, Renderer};
use crate::term::size::Size;
use crate::ui::theme::Theme;
use crate::ui::{self, Screen};

/// How long a notice (such as "copied") stays in the footer.
pub const NOTICE_FOR: Duration = Duration::from_secs(3);

pub struct Tui {
    content: Arc<Content>,
    app: App,
    depth: ColorDepth,
    theme: Theme,
    size: Size,
    parser: InputParser,
    /// Knows what the terminal shows; forgets it while idle.
    renderer: Renderer,
    /// The bytes of the next write: effects, then the frame.
    out: FrameBuf,
    events: Vec<InputEvent>,
    /// Something changed since the last frame.
    dirty: bool,
    /// When the last input arrived: a pending escape's pause counts from
    /// it, whatever else wakes the UI meanwhile.
    last_input: Instant,
    /// When the footer notice goes, while one is shown.
    notice_until: Option<Instant>,
    /// Problems with the content, shown over the screen (the preview's
    /// live reload); empty when there are none.
    problems: Vec<String>,
}

impl Tui {
    pub fn new(
        content: Arc<Content>,
        app: App,
        depth: ColorDepth,
        hyperlinks: bool,
        size: Size,
    ) -> Tui {
        Tui {
            theme: Theme::new(&content.theme, depth),
            content,
            app,
            depth,
            size,
            parser: InputParser::new(),
            renderer: Renderer::new(hyperlinks),
            out: FrameBuf::default(),
            events: Vec::new(),
            dirty: false,
            last_input: Instant::now(),
            notice_until: None,
            problems: Vec::new(),
        }
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// Whether the terminal is out of date: a frame is due.
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    pub fn size(&self) -> Size {
        self.size
    }

    /// The first write: alternate screen, modes, the first frame. The
    /// first frame is not kept: most visitors read before they type, and
    /// many never type; the first key repaints in full.
    pub fn enter(&mut self) -> Bytes {
        self.out.extend(modes::ENTER);
        if self.app.mouse {
            self.out.extend(modes::MOUSE_ON);
        }
        self.draw(Keep::No)
    }

    /// Input bytes, parsed into events for `run_events`.
    pub fn input(&mut self, bytes: &[u8]) {
        self.last_input = Instant::now();
        self.parser.feed(bytes, &mut self.events);
    }

    /// When the UI's next timer is due, if one is running: the end of a
    /// lone ESC's pause (or an unfinished paste), or of a notice.
    pub fn deadline(&self) -> Option<Instant> {
        let escape = self.parser.pending_timeout().map(|t| self.last_input + t);
        match (escape, self.notice_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Acts on the timers that are due at `now`: a pending ESC becomes a
    /// key (for `run_events`), a notice whose time is up goes.
    pub fn on_deadline(&mut self, now: Instant) {
        if let Some(pause) = self.parser.pending_timeout()
            && self.last_input + pause <= now
        {
            self.parser.flush_timeout(&mut self.events);
        }
        if self.notice_until.is_some_and(|until| until <= now) {
            self.app.notice = None;
            self.notice_until = None;
            self.dirty = true;
        }
    }

    /// A new terminal size; the next frame repaints everything.
    pub fn resize(&mut self, size: Size) {
        if size != self.size {
            self.size = size;
            self.app.settle(&ui::geometry(&self.content, size));
            self.dirty = true;
        }
    }

    /// Feeds the parsed input to the app; true when the visitor quit.
    pub fn run_events(&mut self) -> bool {
        // Events after a quit are dropped with the rest of the drain.
        let geo = ui::geometry(&self.content, self.size);
        let quit = self
            .events
            .drain(..)
            .any(|event| match self.app.handle(&event, &geo) {
                Flow::Quit => true,
                Flow::Redraw => {
                    self.dirty = true;
                    false
                }
                Flow::Unchanged => false,
            });
        self.time_notice();
        quit
    }

    /// Starts the notice's clock when one appears; a notice replaced by
    /// another keeps the first one's time.
    fn time_notice(&mut self) {
        self.notice_until = match (self.app.notice, self.notice_until) {
            (None, _) => None,
            (Some(_), None) => Some(Instant::now() + NOTICE_FOR),
            (Some(_), until) => until,
        };
    }

    /// Carries out the app's terminal effects (their bytes go ahead of the
    /// next frame) and returns the messages it wants sent.
    pub fn take_effects(&mut self) -> Vec<Message> {
        let mut drafts = Vec::new();
        for effect in std::mem::take(&mut self.app.effects) {
            match effect {
                Effect::Copy(text) => self.out.extend(&modes::copy_to_clipboard(&text)),
                Effect::Mouse(true) => self.out.extend(modes::MOUSE_ON),
                Effect::Mouse(false) => self.out.extend(modes::MOUSE_OFF),
                Effect::Send(draft) => drafts.push(*draft),
            }
            self.dirty = true;
        }
        drafts
    }

    /// The answer to a sent message.
    pub fn answer(&mut self, answer: SubmitResult) {
        self.app.answer(answer);
        self.time_notice();
        self.dirty = true;
    }

    /// New content (a reload): the view stays where it can.
    pub fn replace_content(&mut self, content: Arc<Content>) {
        self.theme = Theme::new(&content.theme, self.depth);
        self.app.reconcile(&ui::geometry(&content, self.size));
        self.content = content;
        self.problems.clear();
        self.renderer.forget();
        self.dirty = true;
    }

    /// Shows content problems over the screen (empty: hide them).
    pub fn show_problems(&mut self, problems: Vec<String>) {
        if problems != self.problems {
            self.problems = problems;
            self.dirty = true;
        }
    }

    /// The bytes that bring the terminal up to date: any effect bytes,
    /// then the changed cells.
    pub fn frame(&mut self) -> Bytes {
        self.draw(Keep::Yes)
    }

    fn draw(&mut self, keep: Keep) -> Bytes {
        self.dirty = false;
        let area = Rect::new(0, 0, self.size.cols, self.size.rows);
        let screen = Screen {
            content: &self.content,
            app: &self.app,
            theme: &self.theme,
            problems: &self.problems,
        };
        self.renderer
            .frame(ui::canvas(area), &mut self.out, keep, |buf| {
                screen.draw(area, buf)
            });
        self.out.take()
    }

    /// Drops what an idle terminal does not need; the next frame repaints.
    pub fn release(&mut self) {
        self.renderer.release();
        self.out.release();
        self.events = Vec::new();
    }
}

/// Sleeps until `at`, or for ever when there is nothing to wait for: how
/// a loop waits for [`Tui::deadline`].
pub async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
