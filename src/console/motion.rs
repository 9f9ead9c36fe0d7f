//! Moving through a list or a page: one step, a page, to either end.

use crate::term::input::Key;

/// A move through a list or a page.
#[derive(Debug, Clone, Copy)]
pub(super) enum Motion {
    Up(usize),
    Down(usize),
    Top,
    Bottom,
}

impl Motion {
    pub(super) fn of(key: Key, page: usize) -> Option<Motion> {
        Some(match key {
            Key::Up | Key::Char('k') => Motion::Up(1),
            Key::Down | Key::Char('j') => Motion::Down(1),
            Key::PageUp => Motion::Up(page.max(1)),
            Key::PageDown | Key::Char(' ') => Motion::Down(page.max(1)),
            Key::Home => Motion::Top,
            Key::End => Motion::Bottom,
            _ => return None,
        })
    }

    pub(super) fn apply(self, value: usize, max: usize) -> usize {
        match self {
            Motion::Up(n) => value.saturating_sub(n),
            Motion::Down(n) => value.saturating_add(n).min(max),
            Motion::Top => 0,
            Motion::Bottom => max,
        }
    }
}
