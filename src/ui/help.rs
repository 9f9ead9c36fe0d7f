//! The `?` overlay: every key binding, in a centred box over the screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Widget};
use unicode_width::UnicodeWidthStr;

use super::put::put;
use super::theme::Theme;

/// (keys, what they do), as shown.
pub const BINDINGS: &[(&str, &str)] = &[
    ("tab → l", "next section"),
    ("shift-tab ← h", "previous section"),
    ("1 … 6", "jump to a section"),
    ("↓ j  ↑ k", "move / scroll"),
    ("pgdn pgup", "page down / up"),
    ("g G home end", "top / bottom"),
    ("enter", "open the selected item"),
    ("esc backspace", "back"),
    ("c", "write me a message"),
    ("y", "copy my email to your clipboard"),
    ("m", "mouse on / off (off: select text)"),
    ("mouse", "click tabs and items, wheel scrolls"),
    ("?", "this help"),
    ("q ctrl-c", "quit"),
];

/// Content problems (`file:line:col: message`) in a box over the screen:
/// the preview shows them while the last good content stays beneath.
pub fn problems(area: Rect, buf: &mut Buffer, problems: &[String], theme: &Theme) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let width = area.width.min(100);
    let inner_width = usize::from(width.saturating_sub(4)).max(1);
    let mut lines: Vec<&str> = Vec::new();
    for problem in problems {
        lines.extend(super::doc::wrap(problem, inner_width));
    }
    let height = (lines.len() as u16 + 3).min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(rect, buf);
    let title = match problems.len() {
        1 => " 1 problem in the content — the last good version is shown ".to_string(),
        n => format!(" {n} problems in the content — the last good version is shown "),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.accent)
        .title(Line::styled(title, theme.accent))
        .title_bottom(Line::styled(" fix and save to reload ", theme.muted));
    let inner = block.inner(rect);
    block.render(rect, buf);
    for (y, line) in (inner.y + 1..inner.bottom()).zip(lines) {
        put(buf, inner.x + 1, y, line, inner_width, theme.base);
    }
}

pub fn overlay(area: Rect, buf: &mut Buffer, theme: &Theme) {
    let key_width = BINDINGS.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let text_width = BINDINGS.iter().map(|(_, t)| t.width()).max().unwrap_or(0);
    let inner_width = (key_width + 2 + text_width) as u16;
    let width = (inner_width + 4).min(area.width);
    let height = (BINDINGS.len() as u16 + 4).min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(rect, buf);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Line::styled(" keys ", theme.heading))
        .title_bottom(Line::styled(" any key closes ", theme.muted));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
    };
    for (y, (keys, action)) in (inner.y..inner.bottom()).zip(BINDINGS) {
        let width = usize::from(inner.width);
        put(buf, inner.x, y, keys, width, theme.key);
        let x = inner.x + key_width as u16 + 2;
        if x < inner.right() {
            put(
                buf,
                x,
                y,
                action,
                usize::from(inner.right() - x),
                theme.base,
            );
        }
    }
}
