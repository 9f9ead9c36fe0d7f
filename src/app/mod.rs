//! One visitor's view state and how input changes it. No I/O and no
//! drawing: `handle` mutates the state and says whether a redraw or the end
//! of the session follows. Geometry (how many rows a page is, how far a
//! section can scroll, what a click hits) comes from the UI as a
//! [`Geometry`], computed with the same layout the renderer uses.

pub mod field;
pub mod form;
mod geometry;
mod section;

use form::{Form, FormLook};
pub use geometry::{Geometry, Hit, Measure, Motion};
pub use section::{Section, View};

use crate::inbox::{Message, SubmitResult};
use crate::term::input::{InputEvent, Key, KeyEvent, MouseButton, MouseEvent, MouseKind};
pub use crate::term::screen::{Effect, Flow};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub section: Section,
    pub views: [View; 6],
    pub help: bool,
    /// Mouse reporting is on (the default); `m` toggles it.
    pub mouse: bool,
    /// A short confirmation shown in the footer until the next key.
    pub notice: Option<Notice>,
    /// What the terminal must do besides drawing; the painter drains
    /// these.
    pub effects: Vec<Effect>,
    /// A message the form sent, for the session to store; the answer
    /// comes back through [`App::answer`].
    pub outgoing: Option<Box<Message>>,
    /// The contact form, while it is open (in the Contact section).
    pub form: Option<Form>,
    /// A message was sent during this session.
    pub sent: bool,
    /// Sections seen, one bit per section index.
    pub visited: u8,
}

/// Confirmations shown for a moment in the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Copied,
    Sent,
    MouseOn,
    MouseOff,
}

/// Everything a frame depends on, cheap to copy: `handle` compares it
/// before and after an event to know whether a frame is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Look {
    section: Section,
    views: [View; 6],
    help: bool,
    mouse: bool,
    notice: Option<Notice>,
    sent: bool,
    form: Option<FormLook>,
}

impl App {
    pub fn new(start: Section) -> App {
        App {
            section: start,
            views: [View::default(); 6],
            help: false,
            mouse: true,
            notice: None,
            effects: Vec::new(),
            outgoing: None,
            form: None,
            sent: false,
            visited: 1 << start.index(),
        }
    }

    /// The section a login name asks for: `ssh projects@host` opens
    /// Projects, any other name opens About.
    pub fn for_user(user: &str) -> App {
        App::new(Section::from_name(user).unwrap_or(Section::About))
    }

    pub fn view(&self) -> &View {
        &self.views[self.section.index()]
    }

    fn view_mut(&mut self) -> &mut View {
        &mut self.views[self.section.index()]
    }

    pub fn handle(&mut self, event: &InputEvent, geo: &Geometry) -> Flow {
        let before = self.look();
        let flow = match event {
            // Ctrl-C and Ctrl-D quit everywhere, the form included (only
            // letters are text there).
            InputEvent::Key(KeyEvent {
                key: Key::Char('c' | 'd'),
                mods,
            }) if mods.ctrl => Flow::Quit,
            InputEvent::Key(key) => {
                self.notice = None;
                if self.form_is_open() {
                    self.form_key(*key);
                    Flow::Unchanged
                } else {
                    self.key(*key, geo)
                }
            }
            InputEvent::Paste(text) => {
                if let Some(form) = self
                    .form
                    .as_mut()
                    .filter(|_| self.section == Section::Contact)
                {
                    form.paste(text);
                }
                Flow::Unchanged
            }
            InputEvent::Mouse(mouse) if self.mouse && self.form.is_none() => {
                self.mouse(mouse, geo);
                Flow::Unchanged
            }
            _ => Flow::Unchanged,
        };
        self.visited |= 1 << self.section.index();
        match flow {
            Flow::Quit => Flow::Quit,
            _ if self.look() != before => Flow::Redraw,
            _ => Flow::Unchanged,
        }
    }

    fn look(&self) -> Look {
        Look {
            section: self.section,
            views: self.views,
            help: self.help,
            mouse: self.mouse,
            notice: self.notice,
            sent: self.sent,
            form: self.form.as_ref().map(Form::look),
        }
    }

    /// The form is open and on screen: keys are its.
    fn form_is_open(&self) -> bool {
        self.form.is_some() && self.section == Section::Contact
    }

    /// Keeps the view valid for new content (a reload): selections past
    /// the end of a shorter list move to its last item, a detail whose item
    /// is gone closes, the open form stays.
    pub fn reconcile(&mut self, geo: &Geometry) {
        for section in Section::ALL {
            let count = section.item_count(geo.content);
            let view = &mut self.views[section.index()];
            if section.is_list() && view.selected >= count {
                view.selected = count.saturating_sub(1);
                view.detail = false;
            }
        }
        self.settle(geo);
    }

    /// Brings stored offsets in line with what is on screen, after a resize.
    pub fn settle(&mut self, geo: &Geometry) {
        let m = geo.measure(self);
        let view = self.view_mut();
        view.scroll = view.scroll.min(m.scroll_limit());
        view.offset = m.list_offset(view);
    }

    fn key(&mut self, key: KeyEvent, geo: &Geometry) -> Flow {
        // Ctrl-C and Ctrl-D were taken by `handle`; no other Ctrl or Alt
        // key has a binding: ignore rather than misread.
        if key.mods.ctrl || key.mods.alt {
            return Flow::Unchanged;
        }
        if key.key == Key::Char('q') {
            return Flow::Quit;
        }
        if self.help {
            // Any key closes the help; only q (above) does more.
            self.help = false;
            return Flow::Unchanged;
        }
        match key.key {
            Key::Char('?') => self.help = true,
            Key::Tab | Key::Right | Key::Char('l') => self.section = self.section.next(),
            Key::BackTab | Key::Left | Key::Char('h') => self.section = self.section.prev(),
            Key::Char(c @ '1'..='6') => {
                self.section = Section::ALL[usize::from(c as u8 - b'1')];
            }
            Key::Char('c') => {
                self.section = Section::Contact;
                self.form.get_or_insert_with(Form::new);
            }
            Key::Char('y') => {
                self.effects
                    .push(Effect::Copy(geo.content.contact.email.clone()));
                self.notice = Some(Notice::Copied);
            }
            Key::Char('m') => {
                self.mouse = !self.mouse;
                self.effects.push(Effect::Mouse(self.mouse));
                self.notice = Some(if self.mouse {
                    Notice::MouseOn
                } else {
                    Notice::MouseOff
                });
            }
            Key::Enter => {
                let count = self.section.item_count(geo.content);
                let view = self.view_mut();
                if count > 0 && !view.detail {
                    view.detail = true;
                    view.scroll = 0;
                }
            }
            Key::Esc | Key::Backspace => self.view_mut().detail = false,
            other => {
                if let Some(motion) = Motion::of(other) {
                    self.go(geo, motion);
                }
            }
        }
        Flow::Unchanged
    }

    /// Keys while the form is open: it decides, and may hand over a draft.
    fn form_key(&mut self, key: KeyEvent) {
        let Some(form) = &mut self.form else {
            return;
        };
        match form.key(key) {
            form::FormStep::Stay => {}
            form::FormStep::Close => self.form = None,
            form::FormStep::Send(message) => self.outgoing = Some(message),
        }
    }

    /// The inbox's answer to the draft sent from the form.
    pub fn answer(&mut self, answer: SubmitResult) {
        match answer {
            SubmitResult::Sent => {
                self.form = None;
                self.sent = true;
                self.notice = Some(Notice::Sent);
            }
            other => {
                if let Some(form) = &mut self.form {
                    form.answer(other);
                }
            }
        }
    }

    /// The names of the sections seen, in tab order.
    pub fn visited_sections(&self) -> Vec<&'static str> {
        Section::ALL
            .iter()
            .filter(|s| self.visited & (1 << s.index()) != 0)
            .map(|s| s.name())
            .collect()
    }

    /// Clicks pick tabs and items (a click on the selected item opens it);
    /// the wheel scrolls.
    fn mouse(&mut self, mouse: &MouseEvent, geo: &Geometry) {
        if self.help {
            if matches!(mouse.kind, MouseKind::Down(_)) {
                self.help = false;
            }
            return;
        }
        let wheel = if self.view().scrolls_text(self.section) {
            3
        } else {
            1
        };
        match mouse.kind {
            MouseKind::ScrollDown => self.go(geo, Motion::Step(wheel)),
            MouseKind::ScrollUp => self.go(geo, Motion::Step(-wheel)),
            MouseKind::Down(MouseButton::Left) => match geo.hit(self, mouse.column, mouse.row) {
                Some(Hit::Tab(section)) => self.section = section,
                Some(Hit::PrevSection) => self.section = self.section.prev(),
                Some(Hit::NextSection) => self.section = self.section.next(),
                Some(Hit::Item(i)) if i == self.view().selected => {
                    self.view_mut().detail = true;
                    self.view_mut().scroll = 0;
                }
                Some(Hit::Item(i)) => {
                    let m = geo.measure(self);
                    let view = self.view_mut();
                    view.selected = i;
                    view.offset = m.list_offset(view);
                }
                None => {}
            },
            _ => {}
        }
    }

    /// Moves the selection in a list, or scrolls a text, within bounds.
    fn go(&mut self, geo: &Geometry, motion: Motion) {
        let section = self.section;
        let m = geo.measure(self);
        let view = self.view_mut();
        if view.scrolls_text(section) {
            let page = m.body_rows.saturating_sub(1).max(1);
            view.scroll = motion.apply(view.scroll, page, m.scroll_limit());
        } else {
            let last = section.item_count(geo.content).saturating_sub(1);
            view.selected = motion.apply(view.selected, m.items_per_page(), last);
            view.offset = m.list_offset(view);
        }
    }
}

#[cfg(test)]
mod tests;
