//! Finds where a value sits in a TOML document, so checks that run after
//! deserialising (empty lists, bad addresses) can still point at
//! `file:line:col`; and walks every string for characters a terminal would
//! interpret.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use unicode_width::UnicodeWidthStr;

/// One step of a path into a TOML document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A parsed document kept only for its spans.
pub struct SpanIndex<'a> {
    root: Spanned<DeValue<'a>>,
}

impl<'a> SpanIndex<'a> {
    /// `None` when the text is not TOML (deserialising reports that first).
    pub fn parse(text: &'a str) -> Option<Self> {
        let table = DeTable::parse(text).ok()?;
        let span = table.span();
        Some(SpanIndex {
            root: Spanned::new(span, DeValue::Table(table.into_inner())),
        })
    }

    /// The span of the value at `path`, or of its deepest ancestor that
    /// exists (a missing key is reported at the table that lacks it).
    pub fn locate(&self, path: &[Seg]) -> Option<Range<usize>> {
        let mut node = &self.root;
        for seg in path {
            let next = match seg {
                Seg::Key(key) => node.get_ref().get(*key),
                Seg::Index(i) => node.get_ref().get(*i),
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        let span = node.span();
        // The root spans the whole file; point at its start instead.
        Some(if std::ptr::eq(node, &self.root) {
            0..0
        } else {
            span
        })
    }

    /// Spans of string values holding a word (a run without spaces) wider
    /// than `columns`, with that word's width: the screen must break it
    /// mid-word.
    pub fn long_words(&self, columns: usize) -> Vec<(Range<usize>, usize)> {
        let mut found = Vec::new();
        walk_strings(&self.root, &mut |span, text| {
            let widest = text
                .split_whitespace()
                .map(UnicodeWidthStr::width)
                .max()
                .unwrap_or(0);
            if widest > columns {
                found.push((span, widest));
            }
        });
        found
    }

    /// Spans of every string value containing a control character other than
    /// a newline: such text would move the visitor's cursor or worse.
    pub fn control_characters(&self) -> Vec<(Range<usize>, char)> {
        let mut found = Vec::new();
        walk(&self.root, &mut found);
        found
    }
}

fn walk(node: &Spanned<DeValue<'_>>, found: &mut Vec<(Range<usize>, char)>) {
    walk_strings(node, &mut |span, text| {
        if let Some(c) = text.chars().find(|&c| is_forbidden(c)) {
            found.push((span, c));
        }
    });
}

/// Calls `visit` with every string value and its span.
fn walk_strings(node: &Spanned<DeValue<'_>>, visit: &mut impl FnMut(Range<usize>, &str)) {
    match node.get_ref() {
        DeValue::String(s) => visit(node.span(), s),
        DeValue::Array(items) => items.iter().for_each(|item| walk_strings(item, visit)),
        DeValue::Table(table) => table.values().for_each(|v| walk_strings(v, visit)),
        _ => {}
    }
}

/// C0 and C1 controls (tab included: its width depends on the terminal),
/// DEL, and bidirectional overrides that can make text read differently
/// from how it is stored.
pub fn is_forbidden(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_values_and_falls_back_to_the_parent() {
        let text = "[[project]]\nname = \"a\"\n\n[[project]]\nname = \"\"\n";
        let index = SpanIndex::parse(text).unwrap();
        let span = index
            .locate(&[Seg::Key("project"), Seg::Index(1), Seg::Key("name")])
            .unwrap();
        assert_eq!(&text[span], "\"\"");
        // A key that is absent is reported where its table is.
        let span = index
            .locate(&[Seg::Key("project"), Seg::Index(1), Seg::Key("url")])
            .unwrap();
        assert_eq!(&text[span.clone()], "[[project]]");
        assert_eq!(span.start, text.rfind("[[project]]").unwrap());
        assert_eq!(index.locate(&[Seg::Key("nothing")]), Some(0..0));
    }

    #[test]
    fn finds_control_characters_in_any_string() {
        let text = "a = \"ok\"\n[t]\nlist = [\"fine\", \"bell\\u0007\"]\nnl = \"x\\ny\"\n";
        let index = SpanIndex::parse(text).unwrap();
        let found = index.control_characters();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1, '\u{7}');
        assert_eq!(&text[found[0].0.clone()], "\"bell\\u0007\"");
    }
}
