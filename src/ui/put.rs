//! Writing text into the buffer. ratatui's `set_stringn` splits every
//! string into grapheme clusters; nearly everything on our screens is
//! ASCII, where each byte is one cell, so that case skips the segmentation
//! (the first frame of every session is drawn through here).

use ratatui::buffer::Buffer;
use ratatui::style::Style;

/// Writes `text` at (x, y), at most `max_width` cells, clipped to the
/// buffer; returns the column after the last cell written.
pub fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, max_width: usize, style: Style) -> u16 {
    if !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return buf.set_stringn(x, y, text, max_width, style).0;
    }
    let area = buf.area;
    if y < area.top() || y >= area.bottom() || x < area.left() {
        return x;
    }
    let room = usize::from(area.right().saturating_sub(x)).min(max_width);
    let n = text.len().min(room);
    for (i, byte) in text.bytes().take(n).enumerate() {
        let cell = &mut buf[(x + i as u16, y)];
        cell.set_char(char::from(byte));
        cell.set_style(style);
    }
    x + n as u16
}

/// `n` copies of a one-cell character (a rule), clipped to the buffer.
pub fn repeat(buf: &mut Buffer, x: u16, y: u16, c: char, n: u16, style: Style) {
    let area = buf.area;
    if y < area.top() || y >= area.bottom() {
        return;
    }
    for cx in x.max(area.left())..x.saturating_add(n).min(area.right()) {
        let cell = &mut buf[(cx, y)];
        cell.set_char(c);
        cell.set_style(style);
    }
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Modifier};

    use super::*;

    /// `put` must leave exactly what `set_stringn` leaves, however the
    /// text is clipped.
    #[test]
    fn matches_set_stringn() {
        let style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
        let cases: &[(&str, u16, u16, usize)] = &[
            ("hello world", 0, 0, 100),
            ("hello world", 3, 1, 5),
            ("hello world", 8, 2, 100),
            ("", 0, 0, 10),
            ("abc", 10, 0, 10),
            ("abc", 0, 9, 10),
            ("café ☕ 日本", 1, 1, 100),
            ("e\u{301}tude", 0, 2, 4),
        ];
        for &(text, x, y, max) in cases {
            let area = Rect::new(0, 0, 10, 3);
            let (mut ours, mut theirs) = (Buffer::empty(area), Buffer::empty(area));
            let got = put(&mut ours, x, y, text, max, style);
            let want = if y < 3 {
                theirs.set_stringn(x, y, text, max, style).0
            } else {
                x
            };
            assert_eq!(ours, theirs, "{text:?} at {x},{y} max {max}");
            assert_eq!(got, want, "{text:?} at {x},{y} max {max}");
        }
    }

    #[test]
    fn repeat_fills_and_clips() {
        let area = Rect::new(0, 0, 5, 1);
        let mut buf = Buffer::empty(area);
        repeat(&mut buf, 2, 0, '─', 10, Style::new());
        let row: String = (0..5).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert_eq!(row, "  ───");
    }
}
