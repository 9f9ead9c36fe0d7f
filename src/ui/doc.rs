//! A section's body laid out as rows of styled text for one width: wrapped,
//! indented, with the row range of each list item. Built fresh from content
//! and view state (a pure function); the app measures it to clamp scrolling
//! and the renderer paints the visible window of it. Roles are semantic, so
//! the theme and colour depth are applied only when painting.

use std::borrow::Cow;
use std::ops::Range;

use unicode_width::UnicodeWidthStr;

use crate::text::wrap;

/// What a piece of text is, for styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Body,
    Strong,
    Muted,
    Accent,
    Heading,
    Marker,
    Selected,
    Link,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span<'a> {
    pub text: Cow<'a, str>,
    pub role: Role,
    /// Where the text links to (an OSC 8 hyperlink when shown).
    pub url: Option<Cow<'a, str>>,
}

impl<'a> Span<'a> {
    pub fn new(text: impl Into<Cow<'a, str>>, role: Role) -> Self {
        Span {
            text: text.into(),
            role,
            url: None,
        }
    }

    /// Text that links to `url`.
    pub fn link(text: impl Into<Cow<'a, str>>, url: impl Into<Cow<'a, str>>) -> Self {
        Span {
            text: text.into(),
            role: Role::Link,
            url: Some(url.into()),
        }
    }

    pub fn width(&self) -> usize {
        self.text.width()
    }
}

/// One screen row.
pub type Row<'a> = Vec<Span<'a>>;

#[derive(Debug, Default, Clone)]
pub struct Doc<'a> {
    pub rows: Vec<Row<'a>>,
    /// The rows each list item occupies, in item order (lists only).
    pub items: Vec<Range<usize>>,
}

impl Doc<'_> {
    /// Plain text of a row, for tests and measuring.
    pub fn row_text(&self, i: usize) -> String {
        self.rows
            .get(i)
            .map(|row| row.iter().map(|s| s.text.as_ref()).collect())
            .unwrap_or_default()
    }
}

/// Lays text out into a [`Doc`] at a fixed width.
pub struct DocBuilder<'a> {
    width: usize,
    doc: Doc<'a>,
}

impl<'a> DocBuilder<'a> {
    pub fn new(width: u16) -> Self {
        DocBuilder {
            width: usize::from(width).max(1),
            doc: Doc::default(),
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn finish(self) -> Doc<'a> {
        self.doc
    }

    pub fn blank(&mut self) {
        self.doc.rows.push(Vec::new());
    }

    /// Blank row between blocks, but never at the top.
    pub fn gap(&mut self) {
        if !self.doc.rows.is_empty() {
            self.blank();
        }
    }

    /// One row as given; the renderer clips what does not fit.
    pub fn row(&mut self, spans: Row<'a>) {
        self.doc.rows.push(spans);
    }

    /// Text wrapped to the width, every row starting with `prefix` on the
    /// first row and as many spaces on the rest (a hanging indent).
    pub fn hanging(&mut self, prefix: Span<'a>, text: &'a str, role: Role) {
        self.hanging_with(prefix, text, |line| Span::new(line, role));
    }

    /// A link wrapped like [`hanging`](Self::hanging); every row of it
    /// links to `url`.
    pub fn link(&mut self, prefix: Span<'a>, text: &'a str, url: Cow<'a, str>) {
        self.hanging_with(prefix, text, |line| Span::link(line, url.clone()));
    }

    fn hanging_with(
        &mut self,
        prefix: Span<'a>,
        text: &'a str,
        span: impl Fn(&'a str) -> Span<'a>,
    ) {
        let indent = prefix.width();
        let mut first = Some(prefix);
        for line in wrap(text, self.width.saturating_sub(indent)) {
            let lead = first
                .take()
                .unwrap_or_else(|| Span::new(" ".repeat(indent), Role::Body));
            self.doc.rows.push(vec![lead, span(line)]);
        }
    }

    /// Text wrapped to the width, every row starting with `prefix` (a list
    /// gutter, say).
    pub fn prefixed(&mut self, prefix: &Span<'a>, text: &'a str, role: Role) {
        for line in wrap(text, self.width.saturating_sub(prefix.width())) {
            self.doc
                .rows
                .push(vec![prefix.clone(), Span::new(line, role)]);
        }
    }

    /// Text wrapped to the width, indented by `indent` columns.
    pub fn para(&mut self, indent: usize, text: &'a str, role: Role) {
        self.hanging(Span::new(" ".repeat(indent), Role::Body), text, role);
    }

    /// Marks the rows pushed by `build` as one list item.
    pub fn item(&mut self, build: impl FnOnce(&mut Self)) {
        let start = self.doc.rows.len();
        build(self);
        let end = self.doc.rows.len();
        self.doc.items.push(start..end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hanging_indent_and_items() {
        let mut b = DocBuilder::new(12);
        b.item(|b| {
            b.hanging(
                Span::new("▸ ", Role::Marker),
                "one two three four",
                Role::Body,
            )
        });
        b.gap();
        b.item(|b| b.para(2, "five", Role::Body));
        let doc = b.finish();
        let rows: Vec<String> = (0..doc.rows.len()).map(|i| doc.row_text(i)).collect();
        assert_eq!(rows, ["▸ one two", "  three four", "", "  five"]);
        assert_eq!(doc.items, [0..2, 3..4]);
    }
}
