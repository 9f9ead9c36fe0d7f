//! What every list section shares: a gutter that marks the selected item,
//! and a blank row between items.

use super::doc::{Doc, DocBuilder, Role, Span};
use crate::app::View;

/// A list section's body: the open item's detail, or every item with the
/// selected one marked. `item` gets the gutter each row starts with and
/// the role of the item's title.
pub fn doc<'a, T>(
    items: &'a [T],
    view: &View,
    width: u16,
    item: impl Fn(&mut DocBuilder<'a>, &'a T, &Span<'a>, Role),
    detail: impl FnOnce(&mut DocBuilder<'a>, &'a T),
) -> Doc<'a> {
    let mut b = DocBuilder::new(width);
    match items.get(view.selected).filter(|_| view.detail) {
        Some(open) => detail(&mut b, open),
        None => {
            for (i, it) in items.iter().enumerate() {
                let selected = i == view.selected;
                let gutter = if selected {
                    Span::new("│ ", Role::Marker)
                } else {
                    Span::new("  ", Role::Body)
                };
                b.gap();
                b.item(|b| item(b, it, &gutter, title_role(selected)));
            }
        }
    }
    b.finish()
}

/// The item's title stands out when it is selected.
pub fn title_role(selected: bool) -> Role {
    if selected {
        Role::Selected
    } else {
        Role::Strong
    }
}
