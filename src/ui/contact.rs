//! Contact: the invitation and the ways to reach the owner.

use super::doc::{Doc, DocBuilder, Role, Span};
use crate::content::Content;

pub fn doc(content: &Content, width: u16) -> Doc<'_> {
    let c = &content.contact;
    let mut b = DocBuilder::new(width);
    b.para(0, &c.message, Role::Body);
    b.blank();
    for channel in c.channels() {
        let label = Span::new(format!("{:<10}", channel.label), Role::Muted);
        b.link(label, channel.text, channel.url.into());
    }
    b.finish()
}
