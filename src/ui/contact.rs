//! Contact: the invitation and the ways to reach the owner.

use super::doc::{Doc, DocBuilder, Role, Span};
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
    b.row(vec![
        Span::new("c", Role::Marker),
        Span::new(" write me a message here   ", Role::Muted),
        Span::new("y", Role::Marker),
        Span::new(" copy my email", Role::Muted),
    ]);
    b.finish()
}
