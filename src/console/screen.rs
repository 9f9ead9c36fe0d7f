//! The owner's console as a full-screen UI: the console's state and
//! drawing, the store work it asks for queued one at a time (a change,
//! then a reload; reloads not queued twice; a burst of keys beyond
//! [`MAX_QUEUED`] dropped), and a reload every [`REFRESH`] while it is
//! open (new messages, deliveries, who is connected).

use std::collections::VecDeque;
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use tokio::time::Instant;

use super::{Console, StoreDone, StoreWork, draw};
use crate::inbox::Change;
use crate::term::input::InputEvent;
use crate::term::render::Link;
use crate::term::screen::{Effect, Flow, FullScreen};
use crate::term::size::Size;
use crate::ui::theme::Theme;

/// How often the console reloads while open.
pub const REFRESH: Duration = Duration::from_secs(15);

/// Store work queued at most while one piece runs.
const MAX_QUEUED: usize = 32;

/// The console on a terminal.
pub struct OwnerScreen {
    console: Console,
    theme: Theme,
    size: Size,
    queued: VecDeque<StoreWork>,
    next_refresh: Instant,
}

impl OwnerScreen {
    /// The console at `size`, loading the inbox first.
    pub fn new(theme: Theme, size: Size) -> OwnerScreen {
        let mut screen = OwnerScreen {
            console: Console::default(),
            theme,
            size,
            queued: VecDeque::new(),
            next_refresh: Instant::now() + REFRESH,
        };
        screen.queue(StoreWork::Reload);
        screen
    }

    pub fn console(&self) -> &Console {
        &self.console
    }

    fn queue(&mut self, work: StoreWork) {
        let again = work == StoreWork::Reload && self.queued.contains(&work);
        if self.queued.len() < MAX_QUEUED && !again {
            self.queued.push_back(work);
        }
    }

    /// Queues what the console asked for and keeps its scrolling on screen.
    fn settle(&mut self) {
        for work in std::mem::take(&mut self.console.work) {
            self.queue(work);
        }
        self.console.settle(self.size.cols, self.size.rows);
    }
}

impl FullScreen<StoreWork, StoreDone> for OwnerScreen {
    fn mouse(&self) -> bool {
        self.console.mouse
    }

    fn handle(&mut self, event: &InputEvent, size: Size) -> Flow {
        let flow = self.console.handle(event, draw::page(size.rows));
        self.settle();
        flow
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.console.effects)
    }

    fn take_work(&mut self) -> Option<StoreWork> {
        let work = self.queued.pop_front()?;
        self.console.busy = true;
        Some(work)
    }

    fn done(&mut self, done: StoreDone) {
        match done {
            StoreDone::Loaded(Ok(loaded)) => self.console.load(loaded),
            StoreDone::Loaded(Err(_)) => self.console.failed_to("load the inbox"),
            StoreDone::Changed(change, Ok(true)) => {
                self.console.changed(change);
                self.queue(StoreWork::Reload);
            }
            StoreDone::Changed(change, Ok(false)) => {
                self.console.busy = false;
                self.console.notice = Some(match change {
                    Change::Redeliver(id) => format!("#{id} has no failed deliveries"),
                    _ => "nothing changed — reloading".into(),
                });
                self.queue(StoreWork::Reload);
            }
            StoreDone::Changed(change, Err(_)) => self.console.failed_to(match change {
                Change::Delete(_) => "delete it",
                Change::Redeliver(_) => "queue it again",
                Change::Read(_) | Change::Unread(_) | Change::AllRead => "mark it",
            }),
        }
        self.settle();
    }

    fn resize(&mut self, size: Size) {
        self.size = size;
        self.settle();
    }

    fn deadline(&self) -> Option<Instant> {
        Some(self.next_refresh)
    }

    /// Time for a reload, unless the store is busy already.
    fn on_deadline(&mut self, now: Instant) -> bool {
        self.next_refresh = now + REFRESH;
        if !self.console.busy && self.queued.is_empty() {
            self.queue(StoreWork::Reload);
        }
        false
    }

    fn draw(&self, area: Rect, buf: &mut Buffer) -> Vec<Link> {
        draw::draw(&self.console, &self.theme, area, buf);
        Vec::new()
    }
}
