//! What a visitor's screen shows, kept between frames in five bytes a
//! cell instead of a ratatui cell's forty-odd: each cell's symbol as one
//! `u32` (the character itself, or an index into the few longer grapheme
//! clusters) and its style as one byte (an index into the few distinct
//! styles seen). The next frame is compared with it and written over it
//! in one pass.
//!
//! All kept frames of the process share one budget ([`BUDGET`]): a frame
//! that would exceed it is not kept, and that session's next frame
//! repaints the screen instead of diffing. So however many visitors type
//! at once on however large a screen, what is kept between frames never
//! exceeds the budget; it costs those visitors bandwidth, never the server
//! memory.

use std::sync::atomic::{AtomicUsize, Ordering};

use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

/// Bytes all kept frames of the process may hold together: at most this
/// much memory stays with sessions between frames, whatever they do.
pub const BUDGET: usize = 48 * 1024 * 1024;

/// The process's budget for kept frames.
pub static KEPT: Budget = Budget::new(BUDGET);

/// A limit on the bytes held by packed frames, and what they hold now.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    held: AtomicUsize,
}

impl Budget {
    pub const fn new(limit: usize) -> Budget {
        Budget {
            limit,
            held: AtomicUsize::new(0),
        }
    }

    /// Bytes held now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// Takes `bytes` if the limit allows.
    fn take(&self, bytes: usize) -> bool {
        self.held
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                (held + bytes <= self.limit).then_some(held + bytes)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: usize) {
        self.held.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// Symbols at or above this are indices into `Packed::long` (chars end at
/// 0x10FFFF).
const LONG: u32 = 0x11_0000;

/// A cell's colours and modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PackedPen {
    fg: Color,
    bg: Color,
    modifier: Modifier,
}

impl PackedPen {
    fn of(cell: &Cell) -> PackedPen {
        PackedPen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        }
    }
}

/// Most grapheme clusters of more than one character a kept frame holds
/// before it is dropped (and the next frame repaints).
const MAX_LONG: usize = 1024;

/// A frame as the screen shows it, packed.
#[derive(Debug)]
pub struct Packed {
    area: Rect,
    symbols: Vec<u32>,
    pens: Vec<u8>,
    /// The distinct styles seen (at most 256).
    styles: Vec<PackedPen>,
    /// Grapheme clusters of more than one character (or none).
    long: Vec<String>,
    /// The budget this frame's bytes are reserved from, and how many.
    budget: &'static Budget,
    reserved: usize,
}

impl Packed {
    pub fn area(&self) -> Rect {
        self.area
    }

    /// Packs `buf` afresh, reusing `old`'s allocations, within `budget`.
    /// `None` when the budget is spent or the frame cannot be packed (more
    /// than 256 styles, or cells marked to be skipped): the next frame
    /// then repaints.
    pub fn pack(buf: &Buffer, old: Option<Packed>, budget: &'static Budget) -> Option<Packed> {
        let mut packed = match old {
            Some(old) if std::ptr::eq(old.budget, budget) => old,
            _ => Packed {
                area: Rect::default(),
                symbols: Vec::new(),
                pens: Vec::new(),
                styles: Vec::new(),
                long: Vec::new(),
                budget,
                reserved: 0,
            },
        };
        let cells = buf.content().len();
        packed.area = buf.area;
        packed.symbols.clear();
        packed.pens.clear();
        packed.styles.clear();
        packed.long.clear();
        // What a smaller screen does not need is given back.
        packed.symbols.shrink_to(cells);
        packed.pens.shrink_to(cells);
        // Reserve before growing, so the budget is never overdrawn.
        if !packed.reserve(cells * 5) {
            return None;
        }
        packed.symbols.reserve_exact(cells);
        packed.pens.reserve_exact(cells);
        let mut last = None;
        for cell in buf.content() {
            let (symbol, pen) = packed.code(cell, &mut last)?;
            packed.symbols.push(symbol);
            packed.pens.push(pen);
        }
        Some(packed)
    }

    /// Brings the kept frame up to `next` (of the same area) in one pass,
    /// calling `changed` for every cell the terminal must be sent, in
    /// screen order: cells that differ, but not the columns a wide
    /// character covers, and again the columns a wide character used to
    /// cover. False when the frame can no longer be kept (its tables are
    /// full); the cells reported are complete either way.
    pub fn update<'a>(
        &mut self,
        next: &'a Buffer,
        mut changed: impl FnMut(u16, u16, &'a Cell),
    ) -> bool {
        let width = usize::from(self.area.width.max(1));
        let mut keep = true;
        let mut last = None;
        // Columns still covered by the wide character just sent, and
        // columns a wide character of the old frame covered.
        let (mut to_skip, mut invalidated) = (0u16, 0u16);
        for (i, cell) in next.content.iter().enumerate() {
            let old_symbol = self.symbols[i];
            // Most cells of most frames are as they were: check that first,
            // without coding the cell.
            let old_pen = self.styles[usize::from(self.pens[i])];
            let unchanged = PackedPen::of(cell) == old_pen
                && matches!(cell.diff_option, CellDiffOption::None)
                && self.symbol_is(old_symbol, cell.symbol());
            let (same, new_width, old_width) = if unchanged {
                let width = self.width(old_symbol);
                (true, width, width)
            } else {
                let code = if keep {
                    self.code(cell, &mut last)
                } else {
                    None
                };
                let new_width = match code {
                    Some((symbol, _)) => self.width(symbol),
                    None => cell.cell_width(),
                };
                match code {
                    Some((symbol, pen)) => {
                        self.symbols[i] = symbol;
                        self.pens[i] = pen;
                    }
                    None => keep = false,
                }
                (false, new_width, self.width(old_symbol))
            };
            if (!same || invalidated > 0) && to_skip == 0 {
                // Within the area, so both fit in u16.
                let x = self.area.x + (i % width) as u16;
                let y = self.area.y + (i / width) as u16;
                changed(x, y, cell);
            }
            to_skip = new_width.saturating_sub(1);
            invalidated = new_width.max(old_width).max(invalidated).saturating_sub(1);
        }
        keep
    }

    /// A cell as a (symbol, style) pair; `None` when the tables are full
    /// or the cell is marked to be skipped. `last` caches the previous
    /// cell's style: neighbours mostly share one.
    fn code(&mut self, cell: &Cell, last: &mut Option<(PackedPen, u8)>) -> Option<(u32, u8)> {
        if !matches!(cell.diff_option, CellDiffOption::None) {
            return None;
        }
        let pen = PackedPen::of(cell);
        let index = match *last {
            Some((same, index)) if same == pen => index,
            _ => self.pen_index(pen)?,
        };
        *last = Some((pen, index));
        Some((self.symbol(cell.symbol())?, index))
    }

    fn symbol(&mut self, symbol: &str) -> Option<u32> {
        if let [byte] = symbol.as_bytes() {
            return Some(u32::from(*byte));
        }
        let mut chars = symbol.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Some(u32::from(c));
        }
        // Rare (combining marks, emoji sequences): kept whole, once.
        let index = match self.long.iter().position(|s| s == symbol) {
            Some(i) => i,
            None if self.long.len() < MAX_LONG => {
                self.long.push(symbol.to_string());
                self.long.len() - 1
            }
            None => return None,
        };
        Some(LONG + index as u32)
    }

    /// Whether a packed symbol is `text`.
    fn symbol_is(&self, symbol: u32, text: &str) -> bool {
        match text.as_bytes() {
            [byte] => u32::from(*byte) == symbol,
            _ => self.symbol_str(symbol) == text,
        }
    }

    /// How many columns a packed symbol takes, as ratatui counts them.
    fn width(&self, symbol: u32) -> u16 {
        if symbol < 0x80 {
            // Cells never hold control characters: ASCII is one column.
            return 1;
        }
        self.symbol_str(symbol).cell_width()
    }

    /// The text of a packed symbol.
    fn symbol_str(&self, symbol: u32) -> SymbolStr<'_> {
        match char::from_u32(symbol) {
            Some(c) => SymbolStr::Char(c, [0; 4]),
            None => SymbolStr::Long(&self.long[(symbol - LONG) as usize]),
        }
    }

    fn pen_index(&mut self, pen: PackedPen) -> Option<u8> {
        // A frame uses a handful of styles: a linear search is cheapest.
        if let Some(i) = self.styles.iter().position(|p| *p == pen) {
            return u8::try_from(i).ok();
        }
        let i = u8::try_from(self.styles.len()).ok()?;
        self.styles.push(pen);
        Some(i)
    }

    /// Holds exactly `bytes` of the budget for this frame; false when the
    /// budget does not have them.
    fn reserve(&mut self, bytes: usize) -> bool {
        if bytes > self.reserved {
            if !self.budget.take(bytes - self.reserved) {
                return false;
            }
        } else {
            self.budget.give_back(self.reserved - bytes);
        }
        self.reserved = bytes;
        true
    }
}

/// A packed symbol's text, without allocating.
enum SymbolStr<'a> {
    Char(char, [u8; 4]),
    Long(&'a str),
}

impl SymbolStr<'_> {
    fn cell_width(mut self) -> u16 {
        self.as_str().cell_width()
    }

    fn as_str(&mut self) -> &str {
        match self {
            SymbolStr::Char(c, buf) => c.encode_utf8(buf),
            SymbolStr::Long(s) => s,
        }
    }
}

impl PartialEq<&str> for SymbolStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        match self {
            SymbolStr::Char(c, _) => {
                let mut chars = other.chars();
                chars.next() == Some(*c) && chars.next().is_none()
            }
            SymbolStr::Long(s) => s == other,
        }
    }
}

impl Drop for Packed {
    fn drop(&mut self) {
        self.budget.give_back(self.reserved);
    }
}

#[cfg(test)]
mod tests {
    use ratatui::style::Style;

    use super::*;

    /// The cells `update` reports, as (x, y, symbol).
    fn changes(packed: &mut Packed, next: &Buffer) -> (Vec<(u16, u16, String)>, bool) {
        let mut out = Vec::new();
        let kept = packed.update(next, |x, y, cell| {
            out.push((x, y, cell.symbol().to_string()))
        });
        (out, kept)
    }

    #[test]
    fn updates_report_what_changed_and_keep_the_new_frame() {
        static BUDGET: Budget = Budget::new(1000);
        let area = Rect::new(3, 2, 12, 3);
        let mut buf = Buffer::empty(area);
        buf.set_string(3, 2, "héllo 日本", Style::new().fg(Color::Red));
        buf.set_string(4, 3, "e\u{301}👩‍💻", Style::new().bg(Color::Rgb(1, 2, 3)));
        let mut packed = Packed::pack(&buf, None, &BUDGET).unwrap();
        assert_eq!(BUDGET.held(), 36 * 5);
        // The same frame: nothing to send.
        assert_eq!(changes(&mut packed, &buf), (vec![], true));
        // One letter and one colour.
        let mut next = buf.clone();
        next.set_string(4, 2, "a", Style::new().fg(Color::Red));
        next.set_string(3, 4, "x", Style::new().add_modifier(Modifier::BOLD));
        let (sent, kept) = changes(&mut packed, &next);
        assert_eq!(sent, [(4, 2, "a".into()), (3, 4, "x".into())]);
        assert!(kept);
        assert_eq!(changes(&mut packed, &next), (vec![], true));
        drop(packed);
        assert_eq!(BUDGET.held(), 0);
    }

    #[test]
    fn wide_characters_replaced_by_narrow_ones_resend_what_they_covered() {
        static BUDGET: Budget = Budget::new(1000);
        let area = Rect::new(0, 0, 6, 1);
        let mut wide = Buffer::empty(area);
        wide.set_string(0, 0, "日本", Style::new());
        let mut packed = Packed::pack(&wide, None, &BUDGET).unwrap();
        let mut narrow = Buffer::empty(area);
        narrow.set_string(0, 0, "ab", Style::new());
        // "a" over 日, then the column 日 covered, then " " over 本 and the
        // column it covered: every column 日本 touched is sent again.
        let (sent, _) = changes(&mut packed, &narrow);
        let columns: Vec<u16> = sent.iter().map(|(x, _, _)| *x).collect();
        assert_eq!(columns, [0, 1, 2, 3]);
        // And back: a wide character is sent once, its second column not.
        let (sent, _) = changes(&mut packed, &wide);
        let columns: Vec<u16> = sent.iter().map(|(x, _, _)| *x).collect();
        assert_eq!(columns, [0, 2]);
    }

    #[test]
    fn frames_past_the_budget_are_not_kept_and_the_budget_comes_back() {
        static BUDGET: Budget = Budget::new(10 * 100 * 200 * 5);
        let big = Buffer::empty(Rect::new(0, 0, 100, 200));
        let mut held = Vec::new();
        while let Some(p) = Packed::pack(&big, None, &BUDGET) {
            held.push(p);
            assert!(BUDGET.held() <= 10 * 100 * 200 * 5);
        }
        assert_eq!(held.len(), 10);
        // Repacking into a kept frame reserves nothing more.
        let again = Packed::pack(&big, held.pop(), &BUDGET);
        assert!(again.is_some());
        drop(again);
        held.clear();
        assert_eq!(BUDGET.held(), 0);
        assert!(Packed::pack(&big, None, &BUDGET).is_some());
    }
}
