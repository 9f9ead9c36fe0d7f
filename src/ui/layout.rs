//! Where each part of the visitor's screen goes at a size: the content
//! column (capped and centred on wide screens), the chrome's rows, the
//! body; decoration dropped as height runs out, and nothing below the
//! smallest usable size but a notice.

use ratatui::layout::Rect;

/// Below this the UI shows only a notice asking for a bigger window.
pub const MIN_COLS: u16 = 20;
pub const MIN_ROWS: u16 = 8;
/// The content column never gets wider than this, so lines stay readable.
pub const MAX_COLUMN: u16 = 100;

/// The text shown when the terminal is too small.
pub const TOO_SMALL: &str = "please enlarge your terminal (need 20x8)";

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Option<Rect>,
    pub tabs: Rect,
    pub rule: Option<Rect>,
    pub title: Rect,
    pub body: Rect,
    pub footer: Rect,
}

/// The part of the screen the UI draws in: the content column's full
/// width (at most [`MAX_COLUMN`], centred), or the whole screen when it is
/// too small for the layout. Everything outside stays blank, so a renderer
/// needs to keep only this part of a frame.
pub fn canvas(area: Rect) -> Rect {
    if area.width < MIN_COLS || area.height < MIN_ROWS {
        return area;
    }
    let width = area.width.min(MAX_COLUMN);
    Rect {
        x: area.x + (area.width - width) / 2,
        width,
        ..area
    }
}

/// The centred content column within the whole screen: the canvas less a
/// margin of one column each side when there is room for it.
pub fn column(area: Rect) -> Rect {
    let canvas = canvas(area);
    let pad = if canvas.width >= 30 { 1 } else { 0 };
    Rect {
        x: canvas.x + pad,
        width: canvas.width - 2 * pad,
        ..canvas
    }
}

/// Lays the screen out, dropping decoration as height runs out; `None`
/// when it is too small to be usable.
pub fn layout(area: Rect) -> Option<Areas> {
    if area.width < MIN_COLS || area.height < MIN_ROWS {
        return None;
    }
    let col = column(area);
    let h = col.height;
    let row = |y: u16| Rect {
        y: col.y + y,
        height: 1,
        ..col
    };
    // (header, tabs, rule, title) rows; decoration goes first as the
    // height shrinks.
    let (header, tabs, rule, title) = match h {
        16.. => (Some(0), 1, Some(2), 3),
        12..16 => (Some(0), 1, None, 2),
        _ => (None, 0, None, 1),
    };
    // A blank row under the title when there is room for it.
    let body_top = if h >= 16 { title + 2 } else { title + 1 };
    let body = Rect {
        y: col.y + body_top,
        height: h - body_top - 1,
        ..col
    };
    let (header, tabs, rule, title) = (header.map(row), row(tabs), rule.map(row), row(title));
    let footer = row(h - 1);
    Some(Areas {
        header,
        tabs,
        rule,
        title,
        body,
        footer,
    })
}
