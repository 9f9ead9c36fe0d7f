//! What every list section shares: a gutter that marks the selected item,
//! and a blank row between items.

use super::doc::{DocBuilder, Role, Span};

/// Pushes one list item; `build` gets the gutter to start each row with.
pub fn item<'a>(
    b: &mut DocBuilder<'a>,
    selected: bool,
    build: impl FnOnce(&mut DocBuilder<'a>, Span<'a>),
) {
    b.gap();
    let gutter = if selected {
        Span::new("│ ", Role::Marker)
    } else {
        Span::new("  ", Role::Body)
    };
    b.item(|b| build(b, gutter));
}

/// The item's title stands out when it is selected.
pub fn title_role(selected: bool) -> Role {
    if selected {
        Role::Selected
    } else {
        Role::Strong
    }
}
