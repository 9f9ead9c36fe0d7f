//! The portfolio UI as a machine: input bytes in, frame bytes out, for one
//! terminal. The SSH session (`session::tui`) and the owner's local
//! preview (`preview`) both drive this one type, so there is one copy of
//! the UI: parser → app → renderer, and the terminal side effects.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use ratatui::layout::Rect;

use crate::app::form::{Answer, Draft};
use crate::app::{App, Effect, Flow};
use crate::content::Content;
use crate::term::caps::ColorDepth;
use crate::term::frame::FrameBuf;
use crate::term::input::{InputEvent, InputParser};
use crate::term::modes;
use crate::term::render::Renderer;
use crate::term::size::Size;
use crate::ui::Screen;
use crate::ui::theme::Theme;

pub struct Tui {
    content: Arc<Content>,
    pub app: App,
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
    pub dirty: bool,
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
            problems: Vec::new(),
        }
    }

    pub fn content(&self) -> &Arc<Content> {
        &self.content
    }

    pub fn size(&self) -> Size {
        self.size
    }

    /// The first write: alternate screen, modes, the first frame.
    pub fn enter(&mut self) -> Bytes {
        self.out.extend(modes::ENTER);
        if self.app.mouse {
            self.out.extend(modes::MOUSE_ON);
        }
        self.frame()
    }

    /// Input bytes, parsed into events for `run_events`.
    pub fn input(&mut self, bytes: &[u8]) {
        self.parser.feed(bytes, &mut self.events);
    }

    /// How long to wait for more input before `flush_timeout`.
    pub fn pending_timeout(&self) -> Option<Duration> {
        self.parser.pending_timeout()
    }

    /// The pause after a lone ESC (or an unfinished paste) has passed.
    pub fn flush_timeout(&mut self) {
        self.parser.flush_timeout(&mut self.events);
    }

    /// A new terminal size; the next frame repaints everything.
    pub fn resize(&mut self, size: Size) {
        if size != self.size {
            self.size = size;
            self.app.settle(&self.content, size);
            self.dirty = true;
        }
    }

    /// Feeds the parsed input to the app; true when the visitor quit.
    pub fn run_events(&mut self) -> bool {
        for event in self.events.drain(..) {
            match self.app.handle(&event, &self.content, self.size) {
                Flow::Quit => return true,
                Flow::Redraw => self.dirty = true,
                Flow::Unchanged => {}
            }
        }
        false
    }

    /// Carries out the app's terminal effects (their bytes go ahead of the
    /// next frame) and returns the messages it wants sent.
    pub fn take_effects(&mut self) -> Vec<Draft> {
        let mut drafts = Vec::new();
        for effect in std::mem::take(&mut self.app.effects) {
            match effect {
                Effect::Copy(text) => {
                    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                    self.out
                        .extend(format!("\x1b]52;c;{encoded}\x1b\\").as_bytes());
                }
                Effect::Mouse(true) => self.out.extend(modes::MOUSE_ON),
                Effect::Mouse(false) => self.out.extend(modes::MOUSE_OFF),
                Effect::Send(draft) => drafts.push(draft),
            }
            self.dirty = true;
        }
        drafts
    }

    /// The answer to a sent message.
    pub fn answer(&mut self, answer: Answer) {
        self.app.answer(answer);
        self.dirty = true;
    }

    /// Clears the footer notice (its time is up).
    pub fn clear_notice(&mut self) {
        self.app.notice = None;
        self.dirty = true;
    }

    /// New content (a reload): the view stays where it can.
    pub fn replace_content(&mut self, content: Arc<Content>) {
        self.theme = Theme::new(&content.theme, self.depth);
        self.app.reconcile(&content, self.size);
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
        self.dirty = false;
        let area = Rect::new(0, 0, self.size.cols, self.size.rows);
        let screen = Screen {
            content: &self.content,
            app: &self.app,
            theme: &self.theme,
            problems: &self.problems,
        };
        self.renderer
            .frame(area, &mut self.out, |buf| screen.draw(area, buf));
        self.out.take()
    }

    /// Drops what an idle terminal does not need; the next frame repaints.
    pub fn release(&mut self) {
        self.renderer.release();
        self.out.release();
        self.events = Vec::new();
    }
}
