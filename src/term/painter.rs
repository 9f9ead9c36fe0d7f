//! A full-screen UI on a terminal: the one place input bytes become
//! events for it (through the input parser, with a lone ESC's pause) and
//! its state becomes frames (through the renderer, only the cells that
//! changed, one write each). The visitor's portfolio, the owner's console
//! and the local preview all run on it, so each has the same terminal
//! behaviour: modes on entering, effects ahead of the frame, the screen
//! restored on leaving.

use bytes::Bytes;
use ratatui::layout::Rect;
use tokio::time::Instant;

use super::frame::FrameBuf;
use super::input::{InputEvent, InputParser};
use super::modes;
use super::render::{Keep, Renderer};
use super::screen::{Effect, Flow, FullScreen, Screen};
use super::size::Size;

/// A full-screen UI, painted.
pub struct Painter<F> {
    screen: F,
    size: Size,
    parser: InputParser,
    events: Vec<InputEvent>,
    /// When the last input arrived: a pending escape's pause counts from
    /// it, whatever else wakes the loop meanwhile.
    last_input: Instant,
    /// Knows what the terminal shows; forgets it while idle.
    renderer: Renderer,
    /// The bytes of the next write: effects, then the frame.
    out: FrameBuf,
    /// Something changed since the last frame.
    dirty: bool,
}

impl<F> Painter<F> {
    /// `screen` on a terminal of `size`; `hyperlinks` when it shows OSC 8
    /// links.
    pub fn new(screen: F, size: Size, hyperlinks: bool) -> Painter<F> {
        Painter {
            screen,
            size,
            parser: InputParser::new(),
            events: Vec::new(),
            last_input: Instant::now(),
            renderer: Renderer::new(hyperlinks),
            out: FrameBuf::default(),
            dirty: false,
        }
    }

    pub fn screen(&self) -> &F {
        &self.screen
    }

    pub fn size(&self) -> Size {
        self.size
    }

    /// Changes the screen from outside its input (new content): the next
    /// frame repaints everything.
    pub fn update(&mut self, change: impl FnOnce(&mut F)) {
        change(&mut self.screen);
        self.renderer.forget();
        self.dirty = true;
    }

    fn draw<W, D>(&mut self, keep: Keep) -> Bytes
    where
        F: FullScreen<W, D>,
    {
        self.dirty = false;
        let area = Rect::new(0, 0, self.size.cols, self.size.rows);
        let canvas = self.screen.canvas(area);
        let screen = &self.screen;
        self.renderer
            .frame(canvas, &mut self.out, keep, |buf| screen.draw(area, buf));
        self.out.take()
    }
}

impl<W, D, F: FullScreen<W, D>> Screen<W, D> for Painter<F> {
    /// The alternate screen, the modes and the first frame. The first
    /// frame is not kept: most visitors read before they type, and many
    /// never type; the first key repaints in full.
    fn enter(&mut self) -> Bytes {
        self.out.extend(modes::ENTER);
        if self.screen.mouse() {
            self.out.extend(modes::MOUSE_ON);
        }
        self.draw::<W, D>(Keep::No)
    }

    fn input(&mut self, bytes: &[u8]) {
        self.last_input = Instant::now();
        self.parser.feed(bytes, &mut self.events);
    }

    fn resize(&mut self, size: Size) {
        if size != self.size {
            self.size = size;
            self.screen.resize(size);
            self.dirty = true;
        }
    }

    fn run_events(&mut self) -> bool {
        let (screen, size) = (&mut self.screen, self.size);
        // Events after a quit are dropped with the rest of the drain.
        let mut redraw = false;
        let quit = self
            .events
            .drain(..)
            .any(|event| match screen.handle(&event, size) {
                Flow::Quit => true,
                Flow::Redraw => {
                    redraw = true;
                    false
                }
                Flow::Unchanged => false,
            });
        for effect in screen.take_effects() {
            match effect {
                Effect::Copy(text) => self.out.extend(&modes::copy_to_clipboard(&text)),
                Effect::Mouse(true) => self.out.extend(modes::MOUSE_ON),
                Effect::Mouse(false) => self.out.extend(modes::MOUSE_OFF),
            }
            redraw = true;
        }
        self.dirty |= redraw;
        quit
    }

    fn take_work(&mut self) -> Option<W> {
        self.screen.take_work()
    }

    fn done(&mut self, done: D) {
        self.screen.done(done);
        self.dirty = true;
    }

    /// The end of a lone ESC's pause (or an unfinished paste), or the
    /// screen's own timer.
    fn deadline(&self) -> Option<Instant> {
        let escape = self.parser.pending_timeout().map(|t| self.last_input + t);
        match (escape, self.screen.deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A pending ESC becomes a key (for `run_events`); a due screen timer
    /// runs.
    fn on_deadline(&mut self, now: Instant) {
        if let Some(pause) = self.parser.pending_timeout()
            && self.last_input + pause <= now
        {
            self.parser.flush_timeout(&mut self.events);
        }
        if self.screen.deadline().is_some_and(|at| at <= now) && self.screen.on_deadline(now) {
            self.dirty = true;
        }
    }

    fn dirty(&self) -> bool {
        self.dirty
    }

    /// Any effect bytes, then the changed cells.
    fn frame(&mut self) -> Bytes {
        self.draw::<W, D>(Keep::Yes)
    }

    fn release(&mut self) {
        self.renderer.release();
        self.out.release();
        self.events = Vec::new();
    }

    fn leave(&mut self, goodbye: Option<&str>) -> Bytes {
        let mut bytes = modes::RESTORE.to_vec();
        if let Some(goodbye) = goodbye {
            bytes.extend_from_slice(goodbye.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        Bytes::from(bytes)
    }
}
