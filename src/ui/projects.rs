//! Projects: a list of things built; the detail shows the description.

use super::doc::{Doc, DocBuilder, Role, Span};
use super::list;
use crate::app::View;
use crate::content::{Content, Project};

pub fn doc<'a>(content: &'a Content, view: &View, width: u16) -> Doc<'a> {
    list::doc(&content.projects.projects, view, width, item, detail)
}

fn item<'a>(b: &mut DocBuilder<'a>, project: &'a Project, gutter: &Span<'a>, title: Role) {
    b.prefixed(gutter, &project.name, title);
    let meta = project.meta();
    if !meta.is_empty() {
        b.row(vec![gutter.clone(), Span::new(meta, Role::Muted)]);
    }
}

fn detail<'a>(b: &mut DocBuilder<'a>, project: &'a Project) {
    b.para(0, &project.name, Role::Accent);
    let meta = project.meta();
    if !meta.is_empty() {
        b.row(vec![Span::new(meta, Role::Muted)]);
    }
    if let Some(url) = &project.url {
        b.link(Span::new("", Role::Body), url, url.as_str().into());
    }
    b.blank();
    b.para(0, &project.description, Role::Body);
}
