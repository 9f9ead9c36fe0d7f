//! What the app needs to know about the screen without drawing it: how a
//! section's body measures at a size (its rows, its items, a page), and
//! what a click at a position hits. The UI computes both from the layout
//! it draws with and hands them over as a [`Geometry`], so the app never
//! depends on the renderer and the two cannot disagree.

use std::ops::Range;

use super::{App, Section, View};
use crate::content::Content;
use crate::term::input::Key;
use crate::term::size::Size;

/// The screen as the app sees it: the content and size it is drawn at,
/// and the UI's functions that measure it.
#[derive(Clone, Copy)]
pub struct Geometry<'a> {
    pub content: &'a Content,
    pub size: Size,
    measure: fn(&Content, &App, Size) -> Measure,
    hit: fn(&Content, &App, Size, u16, u16) -> Option<Hit>,
}

impl<'a> Geometry<'a> {
    pub fn new(
        content: &'a Content,
        size: Size,
        measure: fn(&Content, &App, Size) -> Measure,
        hit: fn(&Content, &App, Size, u16, u16) -> Option<Hit>,
    ) -> Geometry<'a> {
        Geometry {
            content,
            size,
            measure,
            hit,
        }
    }

    /// The current section's body as `app` would show it.
    pub fn measure(&self, app: &App) -> Measure {
        (self.measure)(self.content, app, self.size)
    }

    /// What a click at `column`, `row` means for `app`'s screen.
    pub fn hit(&self, app: &App, column: u16, row: u16) -> Option<Hit> {
        (self.hit)(self.content, app, self.size, column, row)
    }
}

/// What a mouse click at a screen position means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Tab(Section),
    PrevSection,
    NextSection,
    /// A list item, by index.
    Item(usize),
}

/// The geometry of a section's body at a terminal size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measure {
    /// Rows the body has on screen.
    pub body_rows: usize,
    /// Rows the section's text takes at the body's width.
    pub doc_rows: usize,
    /// The rows of each list item, in order.
    pub items: Vec<Range<usize>>,
}

impl Measure {
    /// The furthest a text can scroll: its last row at the bottom.
    pub fn scroll_limit(&self) -> usize {
        self.doc_rows.saturating_sub(self.body_rows)
    }

    /// The list offset that keeps the selected item in view, moving as
    /// little as possible from the stored one.
    pub fn list_offset(&self, view: &View) -> usize {
        let mut offset = view.offset.min(self.scroll_limit());
        if let Some(item) = self.items.get(view.selected) {
            if item.end > offset + self.body_rows {
                offset = item.end.saturating_sub(self.body_rows);
            }
            if item.start < offset {
                offset = item.start;
            }
        }
        offset
    }

    /// Items that fit in one page, at least one.
    pub fn items_per_page(&self) -> usize {
        match self.items.len() {
            0 => 1,
            n => (self.body_rows * n / self.doc_rows.max(1)).max(1),
        }
    }
}

/// A movement within a section, in rows of text or items of a list.
#[derive(Debug, Clone, Copy)]
pub enum Motion {
    Step(isize),
    Page(isize),
    Top,
    Bottom,
}

impl Motion {
    /// The move a key asks for in a list or a text, if any.
    pub fn of(key: Key) -> Option<Motion> {
        Some(match key {
            Key::Down | Key::Char('j') => Motion::Step(1),
            Key::Up | Key::Char('k') => Motion::Step(-1),
            Key::PageDown | Key::Char(' ') => Motion::Page(1),
            Key::PageUp => Motion::Page(-1),
            Key::Home | Key::Char('g') => Motion::Top,
            Key::End | Key::Char('G') => Motion::Bottom,
            _ => return None,
        })
    }

    /// Where `value` goes, for a page of `page` and a last position `max`.
    pub fn apply(self, value: usize, page: usize, max: usize) -> usize {
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
