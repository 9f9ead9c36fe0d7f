//! Everything around a section's body: the header with the owner's name,
//! the section tabs (collapsing to a compact selector on narrow screens),
//! the title row, the footer's key hints and the too-small notice.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

use super::put::put;
use super::theme::Theme;
use crate::app::{App, Section};
use crate::content::Content;
use crate::text::wrap;

/// Name on the left; the email on the right when there is room.
pub fn header(area: Rect, buf: &mut Buffer, content: &Content, theme: &Theme) {
    let name = content.profile.name.as_str();
    put(
        buf,
        area.x,
        area.y,
        name,
        usize::from(area.width),
        theme.accent,
    );
    let email = content.contact.email.as_str();
    let room = usize::from(area.width).saturating_sub(name.width() + 3);
    if email.width() <= room {
        let x = area.right() - email.width() as u16;
        put(buf, x, area.y, email, room, theme.muted);
    }
}

/// The tab labels that fit the width: with their number keys, without,
/// or `None` when only the compact selector fits.
fn tab_labels(width: u16) -> Option<Vec<String>> {
    let labels = |numbered: bool| -> Vec<String> {
        Section::ALL
            .iter()
            .map(|s| match numbered {
                true => format!(" {} {} ", s.index() + 1, s.title()),
                false => format!(" {} ", s.title()),
            })
            .collect()
    };
    let fits =
        |labels: &[String]| labels.iter().map(|l| l.width()).sum::<usize>() <= usize::from(width);
    [labels(true), labels(false)].into_iter().find(|l| fits(l))
}

/// `‹ 2/6 Experience ›`, for screens too narrow for every tab.
fn compact_label(current: Section) -> String {
    format!(
        "‹ {}/{} {} ›",
        current.index() + 1,
        Section::ALL.len(),
        current.title()
    )
}

/// Tab labels with their number keys when they fit, without numbers when
/// only that fits, else the compact selector.
pub fn tabs(area: Rect, buf: &mut Buffer, current: Section, theme: &Theme) {
    match tab_labels(area.width) {
        Some(labels) => {
            let mut x = area.x;
            for (section, label) in Section::ALL.iter().zip(&labels) {
                let style = if *section == current {
                    theme.tab_active
                } else {
                    theme.tab_inactive
                };
                let next = put(buf, x, area.y, label, usize::from(area.right() - x), style);
                x = next;
            }
        }
        None => {
            let label = compact_label(current);
            put(
                buf,
                area.x,
                area.y,
                &label,
                usize::from(area.width),
                theme.tab_active,
            );
        }
    }
}

/// What a click at column `x` of the tab row means.
pub fn tab_at(area: Rect, current: Section, x: u16) -> Option<TabHit> {
    let offset = usize::from(x.checked_sub(area.x)?);
    match tab_labels(area.width) {
        Some(labels) => {
            let mut start = 0;
            for (section, label) in Section::ALL.iter().zip(&labels) {
                let end = start + label.width();
                if (start..end).contains(&offset) {
                    return Some(TabHit::Section(*section));
                }
                start = end;
            }
            None
        }
        None => {
            let width = compact_label(current).width();
            match offset {
                0..2 => Some(TabHit::Prev),
                o if o + 2 >= width && o < width => Some(TabHit::Next),
                _ => None,
            }
        }
    }
}

/// A click on the tab row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabHit {
    Section(Section),
    Prev,
    Next,
}

pub fn rule(area: Rect, buf: &mut Buffer, theme: &Theme) {
    super::put::repeat(buf, area.x, area.y, '─', area.width, theme.border);
}

/// The subtitle on the left, where the visitor is on the right.
pub fn title(area: Rect, buf: &mut Buffer, subtitle: &str, position: &str, theme: &Theme) {
    let width = usize::from(area.width);
    let room = width.saturating_sub(position.width() + 2);
    put(buf, area.x, area.y, subtitle, room.max(1), theme.heading);
    if !position.is_empty() && position.width() < width {
        let x = area.right() - position.width() as u16;
        put(buf, x, area.y, position, width, theme.muted);
    }
}

/// A key hint: (key, action, priority: higher stays longer).
type Hint = (&'static str, &'static str, u8);

/// Key hints for what can be done right now, least important dropped first
/// when they do not fit; `scrolls` says whether the text is longer than
/// the screen (no scroll hint when there is nothing to scroll).
pub fn footer(area: Rect, buf: &mut Buffer, app: &App, scrolls: bool, theme: &Theme) {
    let width = usize::from(area.width);
    let cost = |h: &Hint| h.0.width() + 1 + h.1.width();
    let mut shown: Vec<Hint> = hints(app)
        .iter()
        .filter(|h| scrolls || h.1 != "scroll")
        .copied()
        .collect();
    while shown.len() > 1 && shown.iter().map(cost).sum::<usize>() + 2 * (shown.len() - 1) > width {
        if let Some(lowest) = (0..shown.len()).min_by_key(|&i| shown[i].2) {
            shown.remove(lowest);
        }
    }
    let mut x = area.x;
    for (i, (key, action, _)) in shown.iter().enumerate() {
        let gap = if i == 0 { "" } else { "  " };
        for (text, style) in [
            (gap, theme.muted),
            (*key, theme.key),
            (" ", theme.muted),
            (*action, theme.muted),
        ] {
            if x >= area.right() {
                return;
            }
            x = put(buf, x, area.y, text, usize::from(area.right() - x), style);
        }
    }
}

/// The keys that do something on the app's screen right now.
fn hints(app: &App) -> &'static [Hint] {
    let form_open = app.form.is_some() && app.section == Section::Contact;
    if app.help {
        &[("esc", "close help", 2), ("q", "quit", 3)]
    } else if form_open {
        &[
            ("tab", "next field", 3),
            ("ctrl-s", "send", 4),
            ("esc", "leave the form", 2),
        ]
    } else if app.view().detail {
        &[
            ("↑↓", "scroll", 1),
            ("esc", "back", 4),
            ("←→", "sections", 2),
            ("?", "help", 3),
            ("q", "quit", 5),
        ]
    } else if app.section.is_list() {
        &[
            ("↑↓", "select", 1),
            ("enter", "open", 4),
            ("←→", "sections", 2),
            ("?", "help", 3),
            ("q", "quit", 5),
        ]
    } else {
        &[
            ("↑↓", "scroll", 1),
            ("←→", "sections", 2),
            ("?", "help", 3),
            ("q", "quit", 5),
        ]
    }
}

/// Centred request for a bigger window; whatever fits of it at any size.
pub fn too_small(area: Rect, buf: &mut Buffer, theme: &Theme) {
    if area.is_empty() {
        return;
    }
    let lines = wrap(super::TOO_SMALL, usize::from(area.width));
    let top = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    for (y, line) in (top..area.bottom()).zip(lines) {
        let x = area.x + area.width.saturating_sub(line.width() as u16) / 2;
        put(buf, x, y, line, usize::from(area.right() - x), theme.accent);
    }
}
