//! The owner's console as state and keys: the Inbox (newest first, unread
//! marked, Enter opens one, `r` read/unread, `d` delete after a y/n
//! question, `y` copies the contact), Deliveries (each channel's state,
//! `R` redelivers a failed one) and Stats (the `stats` report and who is
//! connected now). No I/O and no drawing: `handle` changes the state and
//! queues what the terminal must do ([`Effect`]) and what the store must
//! ([`StoreWork`]); [`draw`] renders it; [`OwnerScreen`] runs it on a
//! painter.

mod deliveries;
pub mod draw;
mod screen;
mod tab;

pub use deliveries::{ChannelState, Failed};
use deliveries::{channel_states, failed_deliveries};
pub use screen::OwnerScreen;
pub use tab::Tab;

use crate::app::Motion;
use crate::inbox::{Change, Message};
use crate::term::input::{InputEvent, Key, KeyEvent, MouseButton, MouseEvent, MouseKind};
use crate::term::screen::{Effect, Flow};

/// What the console asks of the store, one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreWork {
    /// Load everything again.
    Reload,
    /// Change the store, then load everything again.
    Change(Change),
}

/// What the store did.
#[derive(Debug)]
pub enum StoreDone {
    Loaded(anyhow::Result<Loaded>),
    /// The change, and whether it changed anything.
    Changed(Change, anyhow::Result<bool>),
}

/// The console's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Console {
    pub tab: Tab,
    /// Newest first.
    pub messages: Vec<Message>,
    /// The highlighted message in the Inbox.
    pub selected: usize,
    /// The message open for reading, by id, and how far it is scrolled.
    pub open: Option<i64>,
    pub scroll: usize,
    /// Waiting for y/n before deleting this message.
    pub confirm_delete: Option<i64>,
    pub channels: Vec<ChannelState>,
    pub failed: Vec<Failed>,
    /// The highlighted failed delivery.
    pub failed_selected: usize,
    /// The stats report's lines.
    pub stats: Vec<String>,
    pub stats_scroll: usize,
    /// Visitors connected to this server right now.
    pub visitors_now: usize,
    /// A line for the footer ("marked read", an error) until the next key.
    pub notice: Option<String>,
    /// Mouse reporting is on (the default); `m` toggles it.
    pub mouse: bool,
    /// The store is being read or changed.
    pub busy: bool,
    pub effects: Vec<Effect>,
    /// What the owner asked of the store since the last look.
    pub work: Vec<StoreWork>,
}

/// What the data loaded from the store is.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub messages: Vec<Message>,
    pub stats: String,
    pub visitors_now: usize,
}

impl Default for Console {
    fn default() -> Self {
        Console {
            tab: Tab::Inbox,
            messages: Vec::new(),
            selected: 0,
            open: None,
            scroll: 0,
            confirm_delete: None,
            channels: Vec::new(),
            failed: Vec::new(),
            failed_selected: 0,
            stats: Vec::new(),
            stats_scroll: 0,
            visitors_now: 0,
            notice: None,
            mouse: true,
            busy: true,
            effects: Vec::new(),
            work: Vec::new(),
        }
    }
}

impl Console {
    /// Takes freshly loaded data; the selection stays on the same message
    /// where it can.
    pub fn load(&mut self, loaded: Loaded) {
        let selected_id = self.messages.get(self.selected).map(|m| m.id);
        self.messages = loaded.messages;
        self.selected = selected_id
            .and_then(|id| self.messages.iter().position(|m| m.id == id))
            .unwrap_or(self.selected)
            .min(self.messages.len().saturating_sub(1));
        if self
            .open
            .is_some_and(|id| !self.messages.iter().any(|m| m.id == id))
        {
            self.open = None;
            self.scroll = 0;
        }
        self.channels = channel_states(&self.messages);
        self.failed = failed_deliveries(&self.messages);
        self.failed_selected = self
            .failed_selected
            .min(self.failed.len().saturating_sub(1));
        self.stats = loaded.stats.lines().map(str::to_string).collect();
        self.visitors_now = loaded.visitors_now;
        self.busy = false;
    }

    /// The store could not be reached or changed.
    pub fn failed_to(&mut self, what: &str) {
        self.busy = false;
        self.notice = Some(format!("could not {what} — the database is not reachable"));
    }

    /// A change went through.
    pub fn changed(&mut self, change: Change) {
        self.notice = Some(match change {
            Change::Read(id) => format!("#{id} marked read"),
            Change::Unread(id) => format!("#{id} marked unread"),
            Change::Delete(id) => format!("#{id} deleted"),
            Change::Redeliver(id) => format!("#{id}: failed deliveries queued again"),
            Change::AllRead => "all marked read".into(),
        });
    }

    /// Clamps scrolling to what a terminal of `cols` x `rows` shows.
    pub fn settle(&mut self, cols: u16, rows: u16) {
        let page = draw::page(rows);
        if let Some(message) = self.open_message() {
            let lines = draw::message_lines(message, draw::body_width(cols)).len();
            self.scroll = self.scroll.min(lines.saturating_sub(page));
        }
        self.stats_scroll = self
            .stats_scroll
            .min((self.stats.len() + 2).saturating_sub(page));
    }

    pub fn unread(&self) -> usize {
        self.messages.iter().filter(|m| !m.is_read()).count()
    }

    pub fn selected_message(&self) -> Option<&Message> {
        self.messages.get(self.selected)
    }

    pub fn open_message(&self) -> Option<&Message> {
        let id = self.open?;
        self.messages.iter().find(|m| m.id == id)
    }

    /// Applies one input event; `page` is how many rows the body shows.
    pub fn handle(&mut self, event: &InputEvent, page: usize) -> Flow {
        let before = self.clone_look();
        let flow = match event {
            InputEvent::Key(KeyEvent {
                key: Key::Char('c' | 'd'),
                mods,
            }) if mods.ctrl => return Flow::Quit,
            InputEvent::Key(key) => {
                self.notice = None;
                self.key(*key, page)
            }
            InputEvent::Mouse(mouse) => self.mouse_event(*mouse, page),
            InputEvent::Paste(_) | InputEvent::FocusGained | InputEvent::FocusLost => {
                Flow::Unchanged
            }
        };
        match flow {
            Flow::Quit => Flow::Quit,
            _ if self.clone_look() != before
                || !self.effects.is_empty()
                || !self.work.is_empty() =>
            {
                Flow::Redraw
            }
            _ => Flow::Unchanged,
        }
    }

    /// Everything a frame depends on besides loaded data.
    fn clone_look(&self) -> Shown {
        Shown {
            tab: self.tab,
            selected: self.selected,
            open: self.open,
            scroll: self.scroll,
            confirm_delete: self.confirm_delete,
            failed_selected: self.failed_selected,
            stats_scroll: self.stats_scroll,
            notice: self.notice.clone(),
            mouse: self.mouse,
        }
    }

    fn key(&mut self, key: KeyEvent, page: usize) -> Flow {
        if let Some(id) = self.confirm_delete {
            self.confirm_delete = None;
            if matches!(key.key, Key::Char('y' | 'Y')) {
                self.work.push(StoreWork::Change(Change::Delete(id)));
                self.open = None;
                self.scroll = 0;
            } else {
                self.notice = Some("kept".into());
            }
            return Flow::Redraw;
        }
        match key.key {
            Key::Char('q') => return Flow::Quit,
            Key::Esc | Key::Backspace | Key::Left if self.open.is_some() => {
                self.open = None;
                self.scroll = 0;
            }
            Key::Esc if self.open.is_none() => return Flow::Quit,
            Key::Tab | Key::Right => self.switch((self.tab.index() + 1) % Tab::ALL.len()),
            Key::BackTab | Key::Left => {
                self.switch((self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len())
            }
            Key::Char(c @ '1'..='3') => self.switch(c as usize - '1' as usize),
            Key::Char('m') => {
                self.mouse = !self.mouse;
                self.effects.push(Effect::Mouse(self.mouse));
                self.notice = Some(if self.mouse { "mouse on" } else { "mouse off" }.into());
            }
            Key::Char('g') if key.mods.ctrl => {}
            Key::Char('l') if key.mods.ctrl => self.work.push(StoreWork::Reload),
            Key::Char('u') => self.work.push(StoreWork::Reload),
            _ => self.tab_key(key, page),
        }
        Flow::Redraw
    }

    fn switch(&mut self, index: usize) {
        self.tab = Tab::ALL[index];
        self.open = None;
        self.scroll = 0;
    }

    fn tab_key(&mut self, key: KeyEvent, page: usize) {
        let motion = Motion::of(key.key);
        match self.tab {
            Tab::Inbox if self.open.is_some() => {
                if let Some(m) = motion {
                    self.scroll = m.apply(self.scroll, page, u16::MAX as usize);
                }
                self.message_key(key.key);
            }
            Tab::Inbox => {
                if let Some(m) = motion {
                    self.selected =
                        m.apply(self.selected, page, self.messages.len().saturating_sub(1));
                }
                match key.key {
                    Key::Enter | Key::Right => {
                        if let Some(m) = self.selected_message() {
                            self.open = Some(m.id);
                            self.scroll = 0;
                        }
                    }
                    _ => self.message_key(key.key),
                }
            }
            Tab::Deliveries => {
                if let Some(m) = motion {
                    self.failed_selected = m.apply(
                        self.failed_selected,
                        page,
                        self.failed.len().saturating_sub(1),
                    );
                }
                if key.key == Key::Char('R') {
                    match self.failed.get(self.failed_selected) {
                        Some(f) => self
                            .work
                            .push(StoreWork::Change(Change::Redeliver(f.message_id))),
                        None => self.notice = Some("no failed deliveries".into()),
                    }
                }
            }
            Tab::Stats => {
                if let Some(m) = motion {
                    self.stats_scroll = m.apply(self.stats_scroll, page, self.stats.len());
                }
            }
        }
    }

    /// `r`, `d` and `y` on the open message, or the highlighted one.
    fn message_key(&mut self, key: Key) {
        let message = match self.open {
            Some(_) => self.open_message(),
            None => self.selected_message(),
        };
        let Some(message) = message else { return };
        let id = message.id;
        match key {
            Key::Char('r') => {
                let change = if message.is_read() {
                    Change::Unread(id)
                } else {
                    Change::Read(id)
                };
                self.work.push(StoreWork::Change(change));
            }
            Key::Char('d') => self.confirm_delete = Some(id),
            Key::Char('y') => {
                let contact = crate::sanitize::clean(&message.contact, crate::sanitize::ONE_LINE);
                if contact.is_empty() {
                    self.notice = Some(format!("#{id} left no contact"));
                } else {
                    self.effects.push(Effect::Copy(contact));
                    self.notice = Some("contact copied".into());
                }
            }
            _ => {}
        }
    }

    fn mouse_event(&mut self, mouse: MouseEvent, page: usize) -> Flow {
        let key = match mouse.kind {
            MouseKind::ScrollUp => Key::Up,
            MouseKind::ScrollDown => Key::Down,
            MouseKind::Down(MouseButton::Left) => {
                if mouse.row == draw::TABS_ROW {
                    if let Some(tab) = draw::tab_at(self, mouse.column) {
                        self.switch(tab.index());
                        return Flow::Redraw;
                    }
                    return Flow::Unchanged;
                }
                if self.tab == Tab::Inbox
                    && self.open.is_none()
                    && let Some(index) = draw::inbox_row_at(self, mouse.row, page)
                {
                    if index == self.selected {
                        return self.key(KeyEvent::plain(Key::Enter), page);
                    }
                    self.selected = index;
                    return Flow::Redraw;
                }
                return Flow::Unchanged;
            }
            _ => return Flow::Unchanged,
        };
        self.key(KeyEvent::plain(key), page)
    }
}

/// What a frame shows, compared before and after an event.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
    tab: Tab,
    selected: usize,
    open: Option<i64>,
    scroll: usize,
    confirm_delete: Option<i64>,
    failed_selected: usize,
    stats_scroll: usize,
    notice: Option<String>,
    mouse: bool,
}

#[cfg(test)]
mod tests;
