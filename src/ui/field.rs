//! Draws a text field: its label and character counter on the first row,
//! the text wrapped below behind a gutter, scrolled so the cursor (a
//! reverse-video cell, since the terminal's own cursor stays hidden) is
//! always in view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use unicode_width::UnicodeWidthStr;

use super::put::put;
use super::theme::Theme;
use crate::app::field::TextField;
use crate::text::wrap;

/// Draws `field` into `area` (at least two rows: label, then text).
pub fn render(
    field: &TextField,
    label: &str,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    label_row(field, label, focused, area, buf, theme);
    let text_area = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    if text_area.height > 0 {
        text_rows_at(field, focused, text_area, buf, theme);
    }
}

/// The label on the left, the character counter on the right.
fn label_row(
    field: &TextField,
    label: &str,
    focused: bool,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let width = usize::from(area.width);
    let counter = format!("{}/{}", field.chars(), field.max_chars());
    let label_style = if focused { theme.heading } else { theme.muted };
    let room = width.saturating_sub(counter.width() + 1);
    put(buf, area.x, area.y, label, room, label_style);
    if counter.width() < width {
        let style = if field.chars() >= field.max_chars() {
            theme.accent
        } else {
            theme.muted
        };
        let x = area.right() - counter.width() as u16;
        put(buf, x, area.y, &counter, width, style);
    }
}

/// The wrapped text behind its gutter, scrolled to the cursor, which is
/// shown as a reverse-video cell when the field has the focus.
fn text_rows_at(field: &TextField, focused: bool, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let gutter_style = if focused { theme.marker } else { theme.border };
    let inner = usize::from(area.width.saturating_sub(2)).max(1);
    let lines = visual_lines(field.text(), inner);
    let (cursor_line, cursor_col) = cursor_position(field, &lines);
    let first = (cursor_line + 1).saturating_sub(usize::from(area.height));
    for (row, y) in (area.y..area.bottom()).enumerate() {
        put(buf, area.x, y, "│ ", usize::from(area.width), gutter_style);
        let Some(&(start, end)) = lines.get(first + row) else {
            continue;
        };
        if area.width <= 2 {
            continue;
        }
        let x = area.x + 2;
        put(buf, x, y, &field.text()[start..end], inner, theme.base);
        if focused && first + row == cursor_line {
            let cx = x + (cursor_col.min(inner - 1)) as u16;
            if cx < area.right() {
                let cell = &mut buf[(cx, y)];
                cell.set_style(cell.style().add_modifier(Modifier::REVERSED));
            }
        }
    }
}

/// Rows the text needs at a width (at least one), not counting the label.
pub fn text_rows(field: &TextField, width: u16) -> usize {
    visual_lines(field.text(), usize::from(width.saturating_sub(2)).max(1)).len()
}

/// Byte ranges of the wrapped lines of `text`.
fn visual_lines(text: &str, width: usize) -> Vec<(usize, usize)> {
    let base = text.as_ptr() as usize;
    let mut lines = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        for piece in wrap(line, width) {
            // `wrap` returns slices of `text`: their offsets are exact.
            let start = if piece.is_empty() {
                line_start
            } else {
                piece.as_ptr() as usize - base
            };
            lines.push((start, start + piece.len()));
        }
        line_start += line.len() + 1;
    }
    lines
}

/// The visual line and column the cursor is on.
fn cursor_position(field: &TextField, lines: &[(usize, usize)]) -> (usize, usize) {
    let cursor = field.cursor();
    let text = field.text();
    let line = lines
        .iter()
        .rposition(|&(start, _)| start <= cursor)
        .unwrap_or(0);
    let (start, end) = lines.get(line).copied().unwrap_or((0, 0));
    let col = text[start..cursor.clamp(start, end)].width();
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Palette;
    use crate::term::caps::ColorDepth;
    use crate::term::input::{Key, KeyEvent};

    fn rows(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn shows_label_counter_wrapped_text_and_cursor() {
        let theme = Theme::new(&Palette::default(), ColorDepth::None);
        let mut field = TextField::new(2000, true);
        field.paste("Hello there, I saw your talk\nand wanted to say hi");
        let area = Rect::new(0, 0, 20, 5);
        let mut buf = Buffer::empty(area);
        render(&field, "Message", true, area, &mut buf, &theme);
        let r = rows(&buf);
        assert_eq!(r[0], "Message      49/2000");
        // Four text rows are needed, four fit: the first stays in view.
        assert_eq!(r[1], "│ Hello there, I saw");
        assert_eq!(r[2], "│ your talk");
        assert_eq!(r[3], "│ and wanted to say");
        assert_eq!(r[4], "│ hi");
        // The cursor is after "hi".
        assert!(buf[(4, 4)].modifier.contains(Modifier::REVERSED));
        assert_eq!(text_rows(&field, 20), 4);
    }

    #[test]
    fn scrolls_to_keep_the_cursor_visible() {
        let theme = Theme::new(&Palette::default(), ColorDepth::None);
        let mut field = TextField::new(2000, true);
        field.paste("one\ntwo\nthree\nfour\nfive");
        let area = Rect::new(0, 0, 12, 3);
        let mut buf = Buffer::empty(area);
        render(&field, "Message", true, area, &mut buf, &theme);
        assert_eq!(rows(&buf)[1..], ["│ four", "│ five"]);
        for _ in 0..4 {
            field.handle(KeyEvent::plain(Key::Up));
        }
        let mut buf = Buffer::empty(area);
        render(&field, "Message", true, area, &mut buf, &theme);
        assert_eq!(rows(&buf)[1..], ["│ one", "│ two"]);
        // Column 4 kept while moving up, clamped to the end of "one".
        assert!(buf[(5, 1)].modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn tiny_areas_do_not_panic() {
        let theme = Theme::new(&Palette::default(), ColorDepth::None);
        let mut field = TextField::new(10, false);
        field.paste("日本語テキスト");
        for (w, h) in [(0, 0), (1, 1), (1, 2), (2, 2), (3, 2), (4, 9)] {
            let area = Rect::new(0, 0, w, h);
            let mut buf = Buffer::empty(area);
            render(&field, "Name", true, area, &mut buf, &theme);
        }
    }
}
