//! The visitor's full-screen UI: the app's view state, drawn by this
//! module's [`Page`], with the one timer of its own (how long a footer
//! notice stays). The SSH session and the owner's local preview both run
//! it on a [`Painter`](crate::term::painter::Painter); the message the
//! form sends is work for whoever runs it (the inbox, or nothing in the
//! preview).

use std::sync::Arc;
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tokio::time::Instant;

use super::theme::Theme;
use super::{Page, canvas, geometry};
use crate::app::App;
use crate::content::Content;
use crate::inbox::{Message, SubmitResult};
use crate::term::caps::ColorDepth;
use crate::term::input::InputEvent;
use crate::term::render::Link;
use crate::term::screen::{Effect, Flow, FullScreen};
use crate::term::size::Size;

/// How long a notice (such as "copied") stays in the footer.
pub const NOTICE_FOR: Duration = Duration::from_secs(3);

/// The portfolio as one visitor sees it.
pub struct VisitorScreen {
    content: Arc<Content>,
    app: App,
    depth: ColorDepth,
    theme: Theme,
    /// Problems with the content, shown over the screen (the preview's
    /// live reload); empty when there are none.
    problems: Vec<String>,
    /// When the footer notice goes, while one is shown.
    notice_until: Option<Instant>,
}

impl VisitorScreen {
    pub fn new(content: Arc<Content>, app: App, depth: ColorDepth) -> VisitorScreen {
        VisitorScreen {
            theme: Theme::new(&content.theme, depth),
            content,
            app,
            depth,
            problems: Vec::new(),
            notice_until: None,
        }
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    /// New content (a reload): the view stays where it can.
    pub fn replace_content(&mut self, content: Arc<Content>, size: Size) {
        self.theme = Theme::new(&content.theme, self.depth);
        self.app.reconcile(&geometry(&content, size));
        self.content = content;
        self.problems.clear();
    }

    /// Shows content problems over the screen (empty: hide them).
    pub fn show_problems(&mut self, problems: Vec<String>) {
        self.problems = problems;
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
}

impl FullScreen<Message, SubmitResult> for VisitorScreen {
    fn mouse(&self) -> bool {
        self.app.mouse
    }

    fn canvas(&self, area: Rect) -> Rect {
        canvas(area)
    }

    fn handle(&mut self, event: &InputEvent, size: Size) -> Flow {
        let flow = self.app.handle(event, &geometry(&self.content, size));
        self.time_notice();
        flow
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.app.effects)
    }

    fn take_work(&mut self) -> Option<Message> {
        self.app.outgoing.take().map(|message| *message)
    }

    /// The inbox's answer to the message sent.
    fn done(&mut self, answer: SubmitResult) {
        self.app.answer(answer);
        self.time_notice();
    }

    fn resize(&mut self, size: Size) {
        self.app.settle(&geometry(&self.content, size));
    }

    fn deadline(&self) -> Option<Instant> {
        self.notice_until
    }

    /// The notice's time is up: it goes.
    fn on_deadline(&mut self, now: Instant) -> bool {
        if self.notice_until.is_some_and(|until| until <= now) {
            self.app.notice = None;
            self.notice_until = None;
            return true;
        }
        false
    }

    fn draw(&self, area: Rect, buf: &mut Buffer) -> Vec<Link> {
        let page = Page {
            content: &self.content,
            app: &self.app,
            theme: &self.theme,
            problems: &self.problems,
        };
        page.draw(area, buf)
    }
}
