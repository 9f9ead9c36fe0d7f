//! One visitor's view state and how input changes it. No I/O and no
//! drawing: `handle` mutates the state and says whether a redraw or the end
//! of the session follows. Geometry (how many rows a page is, how far a
//! section can scroll) comes from the same pure layout the renderer uses.

pub mod field;
pub mod form;

use form::{Answer, Draft, Form};

use crate::content::Content;
use crate::term::input::{InputEvent, Key, KeyEvent, MouseButton, MouseEvent, MouseKind};
use crate::term::size::Size;
use crate::ui::{self, Hit};

/// The portfolio's sections, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    About,
    Experience,
    Skills,
    Insights,
    Projects,
    Contact,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::About,
        Section::Experience,
        Section::Skills,
        Section::Insights,
        Section::Projects,
        Section::Contact,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The tab label.
    pub fn title(self) -> &'static str {
        match self {
            Section::About => "About",
            Section::Experience => "Experience",
            Section::Skills => "Skills",
            Section::Insights => "Insights",
            Section::Projects => "Projects",
            Section::Contact => "Contact",
        }
    }

    /// The name used in deep links (`ssh projects@host`) and exec commands.
    pub fn name(self) -> &'static str {
        match self {
            Section::About => "about",
            Section::Experience => "experience",
            Section::Skills => "skills",
            Section::Insights => "insights",
            Section::Projects => "projects",
            Section::Contact => "contact",
        }
    }

    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name.trim()))
    }

    pub fn next(self) -> Section {
        Section::ALL[(self.index() + 1) % Section::ALL.len()]
    }

    pub fn prev(self) -> Section {
        Section::ALL[(self.index() + Section::ALL.len() - 1) % Section::ALL.len()]
    }

    /// Sections that list items with a detail view.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Section::Experience | Section::Insights | Section::Projects
        )
    }

    /// How many selectable items the section lists (0 for text sections).
    pub fn item_count(self, content: &Content) -> usize {
        match self {
            Section::Experience => content.experience.jobs.len(),
            Section::Insights => content.insights.insights.len(),
            Section::Projects => content.projects.projects.len(),
            _ => 0,
        }
    }
}

/// Where the visitor is within one section. Kept per section, so coming
/// back to a section finds it as it was left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    /// Selected item (list sections).
    pub selected: usize,
    /// First visible row of the list.
    pub offset: usize,
    /// The selected item's detail is open.
    pub detail: bool,
    /// First visible row of a text section or of the open detail.
    pub scroll: usize,
}

impl View {
    /// Whether up/down scroll text rather than move a selection.
    pub fn scrolls_text(&self, section: Section) -> bool {
        !section.is_list() || self.detail
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub section: Section,
    pub views: [View; 6],
    pub help: bool,
    /// Mouse reporting is on (the default); `m` toggles it.
    pub mouse: bool,
    /// A short confirmation shown in the footer until the next key.
    pub notice: Option<Notice>,
    /// What the session must do besides drawing; it drains these.
    pub effects: Vec<Effect>,
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

/// Terminal side effects of a key: they are not part of the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Put text on the visitor's clipboard (OSC 52).
    Copy(String),
    /// Switch mouse reporting on or off.
    Mouse(bool),
    /// Store this message; the answer comes back through `App::answer`.
    Send(Draft),
}

/// What the session should do after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Unchanged,
    Redraw,
    Quit,
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

    pub fn handle(&mut self, event: &InputEvent, content: &Content, size: Size) -> Flow {
        let before = self.clone();
        let flow = match event {
            // Ctrl-C and Ctrl-D quit everywhere, the form included (only
            // letters are text there).
            InputEvent::Key(KeyEvent {
                key: Key::Char('c' | 'd'),
                mods,
            }) if mods.ctrl => Flow::Quit,
            InputEvent::Key(key) => {
                self.notice = None;
                match &mut self.form {
                    Some(form) if self.section == Section::Contact => {
                        self.form_key(*key);
                        Flow::Unchanged
                    }
                    _ => self.key(*key, content, size),
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
                self.mouse(mouse, content, size);
                Flow::Unchanged
            }
            _ => Flow::Unchanged,
        };
        self.visited |= 1 << self.section.index();
        match flow {
            Flow::Quit => Flow::Quit,
            _ if *self != before => Flow::Redraw,
            _ => Flow::Unchanged,
        }
    }

    /// Keeps the view valid for new content (a reload): selections past
    /// the end of a shorter list move to its last item, a detail whose item
    /// is gone closes, the open form stays.
    pub fn reconcile(&mut self, content: &Content, size: Size) {
        for section in Section::ALL {
            let count = section.item_count(content);
            let view = &mut self.views[section.index()];
            if section.is_list() && view.selected >= count {
                view.selected = count.saturating_sub(1);
                view.detail = false;
            }
        }
        self.settle(content, size);
    }

    /// Brings stored offsets in line with what is on screen, after a resize.
    pub fn settle(&mut self, content: &Content, size: Size) {
        let m = ui::measure(content, self, size);
        let view = self.view_mut();
        view.scroll = view.scroll.min(m.scroll_limit());
        view.offset = m.list_offset(view);
    }

    fn key(&mut self, key: KeyEvent, content: &Content, size: Size) -> Flow {
        if key.mods.ctrl {
            return match key.key {
                Key::Char('c' | 'd') => Flow::Quit,
                _ => Flow::Unchanged,
            };
        }
        // Alt-modified keys have no binding; ignore rather than misread.
        if key.mods.alt {
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
                    .push(Effect::Copy(content.contact.email.clone()));
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
            Key::Down | Key::Char('j') => self.go(content, size, Motion::Step(1)),
            Key::Up | Key::Char('k') => self.go(content, size, Motion::Step(-1)),
            Key::PageDown | Key::Char(' ') => self.go(content, size, Motion::Page(1)),
            Key::PageUp => self.go(content, size, Motion::Page(-1)),
            Key::Home | Key::Char('g') => self.go(content, size, Motion::Top),
            Key::End | Key::Char('G') => self.go(content, size, Motion::Bottom),
            Key::Enter => {
                let count = self.section.item_count(content);
                let view = self.view_mut();
                if count > 0 && !view.detail {
                    view.detail = true;
                    view.scroll = 0;
                }
            }
            Key::Esc | Key::Backspace => self.view_mut().detail = false,
            _ => {}
        }
        Flow::Unchanged
    }

    /// Keys while the form is open: it decides, and may hand over a draft.
    fn form_key(&mut self, key: KeyEvent) {
        let Some(form) = &mut self.form else {
            return;
        };
        match form.key(key) {
            form::Outcome::Stay => {}
            form::Outcome::Close => self.form = None,
            form::Outcome::Send(draft) => self.effects.push(Effect::Send(draft)),
        }
    }

    /// The inbox's answer to the draft sent from the form.
    pub fn answer(&mut self, answer: Answer) {
        match answer {
            Answer::Sent => {
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
    fn mouse(&mut self, mouse: &MouseEvent, content: &Content, size: Size) {
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
            MouseKind::ScrollDown => self.go(content, size, Motion::Step(wheel)),
            MouseKind::ScrollUp => self.go(content, size, Motion::Step(-wheel)),
            MouseKind::Down(MouseButton::Left) => {
                match ui::hit(content, self, size, mouse.column, mouse.row) {
                    Some(Hit::Tab(section)) => self.section = section,
                    Some(Hit::PrevSection) => self.section = self.section.prev(),
                    Some(Hit::NextSection) => self.section = self.section.next(),
                    Some(Hit::Item(i)) if i == self.view().selected => {
                        self.view_mut().detail = true;
                        self.view_mut().scroll = 0;
                    }
                    Some(Hit::Item(i)) => {
                        let m = ui::measure(content, self, size);
                        let view = self.view_mut();
                        view.selected = i;
                        view.offset = m.list_offset(view);
                    }
                    None => {}
                }
            }
            _ => {}
        }
    }

    /// Moves the selection in a list, or scrolls a text, within bounds.
    fn go(&mut self, content: &Content, size: Size, motion: Motion) {
        let section = self.section;
        let m = ui::measure(content, self, size);
        let view = self.view_mut();
        if view.scrolls_text(section) {
            let page = m.body_rows.saturating_sub(1).max(1);
            view.scroll = motion.apply(view.scroll, page, m.scroll_limit());
        } else {
            let last = section.item_count(content).saturating_sub(1);
            view.selected = motion.apply(view.selected, m.items_per_page(), last);
            view.offset = m.list_offset(view);
        }
    }
}

/// A movement within a section, in rows of text or items of a list.
#[derive(Debug, Clone, Copy)]
enum Motion {
    Step(isize),
    Page(isize),
    Top,
    Bottom,
}

impl Motion {
    /// Where `value` goes, for a page of `page` and a last position `max`.
    fn apply(self, value: usize, page: usize, max: usize) -> usize {
        match self {
            Motion::Step(delta) => add(value, delta, max),
            Motion::Page(direction) => add(value, direction * page as isize, max),
            Motion::Top => 0,
            Motion::Bottom => max,
        }
    }
}

/// `value + delta`, kept within `0..=max`.
fn add(value: usize, delta: isize, max: usize) -> usize {
    value.saturating_add_signed(delta).min(max)
}

#[cfg(test)]
mod tests;
