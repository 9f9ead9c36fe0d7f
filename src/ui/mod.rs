//! The visitor's screen drawn: a pure function of (content, view state,
//! theme, size) into a ratatui buffer ([`Page`]). [`layout`] places the
//! chrome and the body; each section's body is a [`doc::Doc`] built by its
//! own module; [`measure`] gives the app the same geometry the renderer
//! uses, so scrolling is clamped to what is really on screen; [`screen`]
//! is the visitor's full-screen UI the session and the preview run.

mod about;
pub mod chrome;
mod contact;
pub mod doc;
mod experience;
pub mod field;
mod form;
mod help;
mod insights;
mod layout;
mod list;
mod projects;
pub mod put;
pub mod screen;
mod skills;
pub mod theme;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::app::{App, Geometry, Hit, Measure, Notice, Section, View};
use crate::content::Content;
use crate::term::render::Link;
use crate::term::size::Size;
use doc::{Doc, Role};
pub use layout::{Areas, MAX_COLUMN, MIN_COLS, MIN_ROWS, TOO_SMALL, canvas, column, layout};
use theme::Theme;

/// The body of the app's current section as shown at `width`.
pub fn section_doc<'a>(content: &'a Content, app: &App, width: u16) -> Doc<'a> {
    let view = app.view();
    match app.section {
        Section::About => about::doc(content, width),
        Section::Experience => experience::doc(content, view, width),
        Section::Skills => skills::doc(content, width),
        Section::Insights => insights::doc(content, view, width),
        Section::Projects => projects::doc(content, view, width),
        Section::Contact => contact::doc(content, width, app.sent),
    }
}

/// The screen at `size` as the app needs to know it, measured with this
/// module's layout.
pub fn geometry(content: &Content, size: Size) -> Geometry<'_> {
    Geometry::new(content, size, measure, hit)
}

/// The geometry of the app's current section at a terminal size.
pub fn measure(content: &Content, app: &App, size: Size) -> Measure {
    let area = Rect::new(0, 0, size.cols, size.rows);
    let Some(areas) = layout(area) else {
        return Measure::default();
    };
    let doc = section_doc(content, app, areas.body.width);
    measured(&doc, areas.body)
}

/// How `doc` measures in a body of `body`'s height.
fn measured(doc: &Doc, body: Rect) -> Measure {
    Measure {
        body_rows: usize::from(body.height),
        doc_rows: doc.rows.len(),
        items: doc.items.clone(),
    }
}

/// The whole screen for one visitor, as drawn.
pub struct Page<'a> {
    pub content: &'a Content,
    pub app: &'a App,
    pub theme: &'a Theme,
    /// Content problems to show over everything (live reload); usually
    /// empty.
    pub problems: &'a [String],
}

/// The current section's body, laid out for the screen it is drawn on.
struct Body<'a> {
    doc: Doc<'a>,
    measure: Measure,
    /// The first row of the doc on screen.
    first: usize,
}

impl Page<'_> {
    /// Draws the screen into `area` of `buf`; the hyperlinks it placed.
    /// `area` is the whole screen; `buf` may hold only its [`canvas`],
    /// which is all that is drawn.
    pub fn draw(&self, area: Rect, buf: &mut Buffer) -> Vec<Link> {
        // A buffer holding less than the canvas gets a layout of what it
        // holds: nothing is ever drawn outside it.
        let area = if canvas(area).intersection(buf.area) == canvas(area) {
            area
        } else {
            area.intersection(buf.area)
        };
        let canvas = canvas(area);
        let Some(areas) = layout(area) else {
            chrome::too_small(canvas, buf, self.theme);
            self.overlay(canvas, buf);
            return Vec::new();
        };
        let body = self.body(areas.body);
        self.chrome(&areas, &body, buf);
        let links = self.content_area(&areas, &body, buf);
        self.footer(&areas, &body, buf);
        if self.overlay(canvas, buf) {
            // Links under an overlay are hidden: none are placed.
            return Vec::new();
        }
        links
    }

    fn body(&self, area: Rect) -> Body<'_> {
        let doc = section_doc(self.content, self.app, area.width);
        let measure = measured(&doc, area);
        let view = self.app.view();
        let first = if view.scrolls_text(self.app.section) {
            view.scroll.min(measure.scroll_limit())
        } else {
            measure.list_offset(view)
        };
        Body {
            doc,
            measure,
            first,
        }
    }

    /// The open contact form, when it is what the body shows.
    fn form(&self) -> Option<&crate::app::form::Form> {
        self.app
            .form
            .as_ref()
            .filter(|_| self.app.section == Section::Contact)
    }

    /// Header, tabs, rule and the section's title line.
    fn chrome(&self, areas: &Areas, body: &Body, buf: &mut Buffer) {
        let section = self.app.section;
        if let Some(header) = areas.header {
            chrome::header(header, buf, self.content, self.theme);
        }
        chrome::tabs(areas.tabs, buf, section, self.theme);
        if let Some(rule) = areas.rule {
            chrome::rule(rule, buf, self.theme);
        }
        let position = match self.form() {
            Some(_) => String::new(),
            None => position_label(
                self.content,
                section,
                self.app.view(),
                body.first,
                &body.measure,
            ),
        };
        let subtitle = subtitle(self.content, section);
        chrome::title(areas.title, buf, subtitle, &position, self.theme);
    }

    /// The section's text, or the contact form; the links placed.
    fn content_area(&self, areas: &Areas, body: &Body, buf: &mut Buffer) -> Vec<Link> {
        match self.form() {
            Some(form) => {
                form::draw(
                    form,
                    &self.content.contact.email,
                    areas.body,
                    buf,
                    self.theme,
                );
                Vec::new()
            }
            None => paint_rows(&body.doc, body.first, areas.body, buf, self.theme),
        }
    }

    /// The key hints, or a notice in their place.
    fn footer(&self, areas: &Areas, body: &Body, buf: &mut Buffer) {
        match self.app.notice {
            Some(notice) => {
                let text = notice_text(notice, self.content);
                let width = usize::from(areas.footer.width);
                buf.set_stringn(
                    areas.footer.x,
                    areas.footer.y,
                    &text,
                    width,
                    self.theme.accent,
                );
            }
            None => {
                let scrolls = body.measure.scroll_limit() > 0;
                chrome::footer(areas.footer, buf, self.app, scrolls, self.theme);
            }
        }
    }

    /// Content problems or the help, over everything; whether one was
    /// drawn.
    fn overlay(&self, area: Rect, buf: &mut Buffer) -> bool {
        if !self.problems.is_empty() {
            help::problems(area, buf, self.problems, self.theme);
            return true;
        }
        if self.app.help && layout(area).is_some() {
            help::overlay(area, buf, self.theme);
            return true;
        }
        false
    }
}

impl Widget for &Page<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        self.draw(area, buf);
    }
}

/// Hit-tests a click with the same layout the screen was drawn with.
pub fn hit(content: &Content, app: &App, size: Size, column: u16, row: u16) -> Option<Hit> {
    let areas = layout(Rect::new(0, 0, size.cols, size.rows))?;
    let at = ratatui::layout::Position::new(column, row);
    if areas.tabs.contains(at) {
        return chrome::tab_at(areas.tabs, app.section, column).map(|tab| match tab {
            chrome::TabHit::Section(section) => Hit::Tab(section),
            chrome::TabHit::Prev => Hit::PrevSection,
            chrome::TabHit::Next => Hit::NextSection,
        });
    }
    let view = app.view();
    if !areas.body.contains(at) || view.scrolls_text(app.section) {
        return None;
    }
    let m = measure(content, app, size);
    let doc_row = m.list_offset(view) + usize::from(row - areas.body.y);
    m.items
        .iter()
        .position(|r| r.contains(&doc_row))
        .map(Hit::Item)
}

/// The text of a short-lived notice.
fn notice_text(notice: Notice, content: &Content) -> String {
    match notice {
        Notice::Copied => format!("copied {} to your clipboard", content.contact.email),
        Notice::Sent => "Message sent — thank you".to_string(),
        Notice::MouseOn => "mouse on: click tabs and items, wheel scrolls".to_string(),
        Notice::MouseOff => "mouse off: select text with your terminal · m turns it on".to_string(),
    }
}

/// The section's subtitle from content.
fn subtitle(content: &Content, section: Section) -> &str {
    match section {
        Section::About => &content.profile.headline,
        Section::Experience => &content.experience.subtitle,
        Section::Skills => &content.skills.subtitle,
        Section::Insights => &content.insights.subtitle,
        Section::Projects => &content.projects.subtitle,
        Section::Contact => &content.contact.subtitle,
    }
}

/// "3/6" for a list, or how far a long text is scrolled.
fn position_label(
    content: &Content,
    section: Section,
    view: &View,
    first: usize,
    m: &Measure,
) -> String {
    if !view.scrolls_text(section) {
        return format!("{}/{}", view.selected + 1, section.item_count(content));
    }
    let limit = m.scroll_limit();
    match limit {
        0 => String::new(),
        _ if first == 0 => "top ↓".to_string(),
        _ if first >= limit => "↑ end".to_string(),
        _ => format!("↑ {}% ↓", first * 100 / limit),
    }
}

/// Paints the rows of `doc` starting at `first` into `area`, clipped; the
/// links among them.
fn paint_rows(doc: &Doc, first: usize, area: Rect, buf: &mut Buffer, theme: &Theme) -> Vec<Link> {
    let mut links = Vec::new();
    for (y, row) in (area.y..area.bottom()).zip(doc.rows.iter().skip(first)) {
        let mut x = area.x;
        for span in row {
            if x >= area.right() {
                break;
            }
            let style = role_style(span.role, theme);
            let next = put::put(buf, x, y, &span.text, usize::from(area.right() - x), style);
            if let Some(url) = &span.url
                && next > x
            {
                links.push(Link {
                    x,
                    y,
                    width: next - x,
                    url: url.to_string(),
                });
            }
            x = next;
        }
    }
    links
}

pub fn role_style(role: Role, theme: &Theme) -> ratatui::style::Style {
    match role {
        Role::Body => theme.base,
        Role::Strong => theme.strong,
        Role::Muted => theme.muted,
        Role::Accent => theme.accent,
        Role::Heading => theme.heading,
        Role::Marker => theme.marker,
        Role::Selected => theme.selected,
        Role::Link => theme.link,
    }
}

#[cfg(test)]
mod tests;
