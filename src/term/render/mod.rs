//! Turns ratatui buffers into the bytes that bring the visitor's screen up
//! to date: only the cells that changed, colours encoded for the session's
//! colour depth (16-colour terminals get SGR 30–37/90–97, not 256-colour
//! codes; a colourless session gets no colour codes at all), and OSC 8
//! hyperlinks wrapped around linked cells without touching the buffer, so
//! ratatui's width accounting and diffing never see them.
//!
//! Between frames the renderer keeps only what the screen shows, packed
//! ([`packed`]: five bytes a cell, under a process-wide budget) and only
//! for the canvas the UI draws in; the ratatui buffers a frame is drawn
//! and diffed in are borrowed from a small pool for the length of one
//! frame. `release` drops the kept frame while the visitor is idle, and
//! the next frame then repaints the whole screen.

mod packed;
mod pool;

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

use super::frame::FrameBuf;
use packed::Packed;

/// A run of cells on one row that links to `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub url: String,
}

impl Link {
    fn covers(&self, x: u16, y: u16) -> bool {
        y == self.y && x >= self.x && x < self.x.saturating_add(self.width)
    }
}

/// Keeps what the visitor's screen shows and writes the difference.
#[derive(Debug, Default)]
pub struct Renderer {
    /// What the screen shows now; `None` when unknown or not kept (the
    /// next frame repaints).
    shown: Option<(Packed, Vec<Link>)>,
    /// Whether to emit OSC 8 hyperlinks.
    hyperlinks: bool,
}

/// Whether the renderer keeps a frame to diff the next one against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Yes,
    /// The next frame repaints (a first frame most visitors only read).
    No,
}

/// The SGR state of the terminal while a frame is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

const PLAIN: Pen = Pen {
    fg: Color::Reset,
    bg: Color::Reset,
    modifier: Modifier::empty(),
};

impl Renderer {
    pub fn new(hyperlinks: bool) -> Self {
        Renderer {
            hyperlinks,
            ..Renderer::default()
        }
    }

    /// Forgets the screen's contents: the next frame repaints everything.
    pub fn forget(&mut self) {
        self.shown = None;
    }

    /// Lets go of what an idle visitor does not need.
    pub fn release(&mut self) {
        self.forget();
    }

    /// Draws a frame with `draw` into a buffer covering `canvas` (the part
    /// of the screen anything is drawn in; the rest stays blank) and
    /// appends the bytes that update the screen to `out`. `draw` returns
    /// the links it placed.
    pub fn frame(
        &mut self,
        canvas: Rect,
        out: &mut FrameBuf,
        keep: Keep,
        draw: impl FnOnce(&mut Buffer) -> Vec<Link>,
    ) {
        let mut next = pool::take(canvas);
        let mut links = draw(&mut next);
        if !self.hyperlinks {
            links.clear();
        }
        let shown = self.shown.take();
        let mut writer = CellWriter::new(&next, &links, out);
        // A change of links, or of canvas, repaints the whole screen: the
        // terminal keeps a link per cell, and the buffer diff cannot see
        // a link that moved under unchanged text.
        let kept = match shown {
            Some((mut prev, prev_links)) if prev.area() == canvas && prev_links == links => {
                let still = prev.update(&next, |x, y, cell| writer.cell(x, y, cell));
                writer.finish();
                still.then_some(prev)
            }
            shown => {
                // A cleared screen is all blank cells: send the others.
                writer.raw(b"\x1b[0m\x1b[H\x1b[2J");
                for (x, y, cell) in non_blank(&next) {
                    writer.cell(x, y, cell);
                }
                writer.finish();
                let old = shown.map(|(packed, _)| packed);
                (keep == Keep::Yes)
                    .then(|| Packed::pack(&next, old, &packed::KEPT))
                    .flatten()
            }
        };
        if keep == Keep::Yes {
            self.shown = kept.map(|packed| (packed, links));
        }
        pool::give_back(next);
    }
}

/// The cells of `buf` that differ from a blank screen, in the order and
/// with the wide-character skipping of a buffer diff — without building a
/// blank buffer to diff against.
fn non_blank(buf: &Buffer) -> impl Iterator<Item = (u16, u16, &Cell)> {
    let width = usize::from(buf.area.width.max(1));
    let mut skip = 0u16;
    buf.content()
        .iter()
        .enumerate()
        .filter_map(move |(i, cell)| {
            if skip > 0 {
                skip -= 1;
                return None;
            }
            skip = cell.cell_width().saturating_sub(1);
            // Within the buffer, so both fit in u16.
            let x = buf.area.x + (i % width) as u16;
            let y = buf.area.y + (i / width) as u16;
            (!is_blank(cell)).then_some((x, y, cell))
        })
}

/// A space in the default pen: what a cleared screen already shows.
fn is_blank(cell: &Cell) -> bool {
    cell.symbol() == " "
        && cell.fg == Color::Reset
        && cell.bg == Color::Reset
        && cell.modifier.is_empty()
}

/// Writes cells of `next`, in screen order, keeping track of the
/// terminal's state as it goes: pen, cursor, open link.
struct CellWriter<'a, 'o> {
    next: &'a Buffer,
    links: &'a [Link],
    out: &'o mut FrameBuf,
    pen: Pen,
    /// Where the terminal's cursor is, when known.
    cursor: Option<(u16, u16)>,
    open_link: Option<usize>,
    /// Reused for escape sequences with numbers in them.
    scratch: String,
}

impl<'a, 'o> CellWriter<'a, 'o> {
    fn new(next: &'a Buffer, links: &'a [Link], out: &'o mut FrameBuf) -> Self {
        CellWriter {
            next,
            links,
            out,
            pen: PLAIN,
            cursor: None,
            open_link: None,
            scratch: String::new(),
        }
    }

    /// Bytes that leave pen, cursor and links as they were.
    fn raw(&mut self, bytes: &[u8]) {
        self.out.extend(bytes);
    }

    fn cell(&mut self, x: u16, y: u16, cell: &Cell) {
        let link = self.links.iter().position(|l| l.covers(x, y));
        // Close a link before moving on, so no cell in between joins it.
        if link != self.open_link && self.open_link.is_some() {
            self.out.extend(b"\x1b]8;;\x1b\\");
            self.open_link = None;
        }
        if self.cursor != Some((x, y)) {
            self.move_to(x, y);
        }
        if let Some(i) = link
            && self.open_link != link
        {
            self.scratch.clear();
            let _ = write!(self.scratch, "\x1b]8;id=sf{i};{}\x1b\\", self.links[i].url);
            self.out.extend(self.scratch.as_bytes());
            self.open_link = link;
        }
        let want = Pen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        };
        if want != self.pen {
            set_pen(self.pen, want, &mut self.scratch);
            self.out.extend(self.scratch.as_bytes());
            self.pen = want;
        }
        let symbol = symbol(cell);
        self.out.extend(symbol.as_bytes());
        // Advance as ratatui's diff counts widths, so the two agree.
        let width = if symbol == cell.symbol() {
            cell.cell_width()
        } else {
            1
        };
        self.cursor = Some((x.saturating_add(width.max(1)), y));
    }

    /// Moves the cursor: a short gap on the same row is cheaper to print
    /// than to jump, when it needs no change of pen or link.
    fn move_to(&mut self, x: u16, y: u16) {
        let fill = self
            .cursor
            .filter(|&(cx, cy)| cy == y && cx < x && x - cx <= MAX_FILL)
            .map(|(cx, _)| cx)
            .filter(|&cx| {
                (cx..x).all(|gx| plain_fill(self.next, gx, y, self.pen, self.links, self.open_link))
            });
        match fill {
            Some(cx) => {
                for gx in cx..x {
                    self.out.extend(symbol(&self.next[(gx, y)]).as_bytes());
                }
            }
            None => {
                self.scratch.clear();
                let _ = write!(self.scratch, "\x1b[{};{}H", y + 1, x + 1);
                self.out.extend(self.scratch.as_bytes());
            }
        }
    }

    /// Closes an open link and resets the pen, so the frame leaves the
    /// terminal as it found it.
    fn finish(self) {
        if self.open_link.is_some() {
            self.out.extend(b"\x1b]8;;\x1b\\");
        }
        if self.pen != PLAIN {
            self.out.extend(b"\x1b[0m");
        }
    }
}

/// Longest gap printed instead of a cursor jump (a jump costs 6–8 bytes).
const MAX_FILL: u16 = 6;

/// Whether the cell at (x, y) can be printed as gap filler: one column
/// wide, in the current pen, under the current link.
fn plain_fill(
    next: &Buffer,
    x: u16,
    y: u16,
    pen: Pen,
    links: &[Link],
    open: Option<usize>,
) -> bool {
    let cell = &next[(x, y)];
    cell.fg == pen.fg
        && cell.bg == pen.bg
        && cell.modifier == pen.modifier
        && cell.symbol().len() == 1
        && links.iter().position(|l| l.covers(x, y)) == open
}

/// What to print for a cell: never a control character, whatever a widget
/// put there.
fn symbol(cell: &Cell) -> &str {
    let s = cell.symbol();
    if s.is_empty() || s.chars().any(char::is_control) {
        " "
    } else {
        s
    }
}

/// The SGR sequence that turns pen `from` into `to`, into `out`.
fn set_pen(from: Pen, to: Pen, out: &mut String) {
    out.clear();
    out.push_str("\x1b[");
    let mut from = from;
    // Attributes cannot be switched off one by one portably: reset and
    // set again what stays.
    if !to.modifier.contains(from.modifier) {
        out.push_str("0;");
        from = PLAIN;
    }
    let added = to.modifier - from.modifier;
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if added.contains(flag) {
            out.push_str(code);
            out.push(';');
        }
    }
    if to.fg != from.fg {
        color_code(to.fg, false, out);
        out.push(';');
    }
    if to.bg != from.bg {
        color_code(to.bg, true, out);
        out.push(';');
    }
    if out.ends_with(';') {
        out.pop();
    }
    if out.len() == 2 {
        // Nothing to change after all.
        out.clear();
    } else {
        out.push('m');
    }
}

/// SGR parameters for a colour: the 16 named colours as 30–37 / 90–97
/// (backgrounds +10), indexed as 38;5;n, RGB as 38;2;r;g;b.
fn color_code(color: Color, background: bool, out: &mut String) {
    let base = if background { 10 } else { 0 };
    let named = |n: u8| u16::from(n) + base;
    let _ = match color {
        Color::Reset => write!(out, "{}", 39 + base),
        Color::Black => write!(out, "{}", named(30)),
        Color::Red => write!(out, "{}", named(31)),
        Color::Green => write!(out, "{}", named(32)),
        Color::Yellow => write!(out, "{}", named(33)),
        Color::Blue => write!(out, "{}", named(34)),
        Color::Magenta => write!(out, "{}", named(35)),
        Color::Cyan => write!(out, "{}", named(36)),
        Color::Gray => write!(out, "{}", named(37)),
        Color::DarkGray => write!(out, "{}", named(90)),
        Color::LightRed => write!(out, "{}", named(91)),
        Color::LightGreen => write!(out, "{}", named(92)),
        Color::LightYellow => write!(out, "{}", named(93)),
        Color::LightBlue => write!(out, "{}", named(94)),
        Color::LightMagenta => write!(out, "{}", named(95)),
        Color::LightCyan => write!(out, "{}", named(96)),
        Color::White => write!(out, "{}", named(97)),
        Color::Indexed(n) => write!(out, "{};5;{n}", 38 + base),
        Color::Rgb(r, g, b) => write!(out, "{};2;{r};{g};{b}", 38 + base),
    };
}

#[cfg(test)]
mod tests;
