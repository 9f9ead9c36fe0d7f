//! Skills: each group as a heading over its skills.

use super::doc::{Doc, DocBuilder, Role, Span};
use crate::content::Content;

pub fn doc(content: &Content, width: u16) -> Doc<'_> {
    let mut b = DocBuilder::new(width);
    for group in &content.skills.groups {
        b.gap();
        b.para(0, &group.name, Role::Heading);
        for skill in &group.skills {
            b.hanging(Span::new("• ", Role::Marker), skill, Role::Body);
        }
    }
    b.finish()
}
