//! The `?` overlay: every key binding, in a centred box over the screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
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

/// Clears a rounded box of `size` (clipped to `area`) centred in `area`,
/// draws its border and titles, and returns its inside.
fn boxed(
    area: Rect,
    buf: &mut Buffer,
    size: (u16, u16),
    title: Line,
    bottom: Line,
    border: Style,
) -> Rect {
    let (width, height) = (size.0.min(area.width), size.1.min(area.height));
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(rect, buf);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(title)
        .title_bottom(bottom);
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}

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
        lines.extend(crate::text::wrap(problem, inner_width));
    }
    let height = lines.len() as u16 + 3;
    let title = match problems.len() {
        1 => " 1 problem in the content — the last good version is shown ".to_string(),
        n => format!(" {n} problems in the content — the last good version is shown "),
    };
    let title = Line::styled(title, theme.accent);
    let bottom = Line::styled(" fix and save to reload ", theme.muted);
    let inner = boxed(area, buf, (width, height), title, bottom, theme.accent);
    for (y, line) in (inner.y + 1..inner.bottom()).zip(lines) {
        put(buf, inner.x + 1, y, line, inner_width, theme.base);
    }
}

pub fn overlay(area: Rect, buf: &mut Buffer, theme: &Theme) {
    let key_width = BINDINGS.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    let text_width = BINDINGS.iter().map(|(_, t)| t.width()).max().unwrap_or(0);
    let inner_width = (key_width + 2 + text_width) as u16;
    let size = (inner_width + 4, BINDINGS.len() as u16 + 4);
    let title = Line::styled(" keys ", theme.heading);
    let bottom = Line::styled(" any key closes ", theme.muted);
    let inner = boxed(area, buf, size, title, bottom, theme.border);
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
