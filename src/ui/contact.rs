//! Contact: the invitation and the ways to reach the owner.

use super::doc::{Doc, DocBuilder, Role, Span};
use unicode_width::UnicodeWidthStr;

use crate::content::Content;

pub fn doc(content: &Content, width: u16, sent: bool) -> Doc<'_> {
    let c = &content.contact;
    let mut b = DocBuilder::new(width);
    if sent {
        b.para(0, "✓ Message sent — thank you", Role::Accent);
        b.blank();
    }
    b.para(0, &c.message, Role::Body);
    b.blank();
    for channel in c.channels() {
        let label = Span::new(format!("{:<10}", channel.label), Role::Muted);
        b.link(label, channel.text, channel.url.into());
    }
    b.blank();
    keys(&mut b);
    b.finish()
}

/// The section's own keys: on one row when they fit, else one per row,
/// each wrapped under its key like the rest of the text.
fn keys(b: &mut DocBuilder<'_>) {
    const KEYS: [(&str, &str); 2] = [("c", "write me a message here"), ("y", "copy my email")];
    const GAP: &str = "   ";
    let one_row: usize = KEYS
        .iter()
        .map(|(k, t)| k.width() + 1 + t.width())
        .sum::<usize>()
        + GAP.len() * (KEYS.len() - 1);
    if one_row <= b.width() {
        let mut row = Vec::new();
        for (i, (key, text)) in KEYS.into_iter().enumerate() {
            if i > 0 {
                row.push(Span::new(GAP, Role::Muted));
            }
            row.push(Span::new(key, Role::Marker));
            row.push(Span::new(format!(" {text}"), Role::Muted));
        }
        b.row(row);
    } else {
        for (key, text) in KEYS {
            b.hanging(
                Span::new(format!("{key} "), Role::Marker),
                text,
                Role::Muted,
            );
        }
    }
}
