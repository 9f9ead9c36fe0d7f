//! Reading screens: the vt100 emulator every visitor's bytes are fed to,
//! the rows it shows, the rows the library itself renders for a state (to
//! compare against), and the escape sequences tests look for or send (SGR
//! colours, SGR mouse reports).

use sshfolio::content::Content;

/// A vt100 terminal emulator of `cols` x `rows` (at least 1x1).
pub fn vt(cols: u16, rows: u16) -> vt100::Parser {
    let nz = |n: u16| std::num::NonZeroU16::new(n.max(1)).unwrap();
    vt100::Parser::new(nz(rows), nz(cols), 0)
}

pub fn set_size(screen: &mut vt100::Screen, cols: u16, rows: u16) {
    let nz = |n: u16| std::num::NonZeroU16::new(n.max(1)).unwrap();
    screen.set_size(nz(rows), nz(cols));
}

/// The parameters of every SGR sequence (`ESC [ ... m`) in `bytes`.
pub fn sgr_params(bytes: &[u8]) -> Vec<Vec<u16>> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Vec::new();
    for part in text.split("\x1b[").skip(1) {
        let end = part
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(part.len());
        if part[end..].starts_with('m') {
            found.push(
                part[..end]
                    .split(';')
                    .filter_map(|p| p.parse().ok())
                    .collect(),
            );
        }
    }
    found
}

/// An SGR mouse report (1-based coordinates on the wire).
pub fn sgr_mouse(button: u16, column: u16, row: u16, press: bool) -> Vec<u8> {
    let end = if press { 'M' } else { 'm' };
    format!("\x1b[<{button};{};{}{end}", column + 1, row + 1).into_bytes()
}

/// What the screen should show: the library's own render of `app` at a
/// size, as rows of text.
pub fn expected_rows(
    content: &Content,
    app: &sshfolio::app::App,
    cols: u16,
    rows: u16,
) -> Vec<String> {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use unicode_width::UnicodeWidthStr;
    let theme =
        sshfolio::ui::theme::Theme::new(&content.theme, sshfolio::term::caps::ColorDepth::Ansi256);
    let area = Rect::new(0, 0, cols, rows);
    let mut buf = Buffer::empty(area);
    let screen = sshfolio::ui::Page {
        content,
        app,
        theme: &theme,
        problems: &[],
    };
    screen.draw(area, &mut buf);
    (0..rows)
        .map(|y| {
            let mut line = String::new();
            let mut x = 0;
            while x < cols {
                let s = buf[(x, y)].symbol();
                line.push_str(s);
                x += s.width().max(1) as u16;
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// The emulator's rows, trimmed like `expected_rows`.
pub fn screen_rows(screen: &vt100::Screen) -> Vec<String> {
    let (rows, cols) = screen.size();
    screen
        .rows(0, cols.get())
        .take(usize::from(rows.get()))
        .map(|r| r.trim_end().to_string())
        .collect()
}
