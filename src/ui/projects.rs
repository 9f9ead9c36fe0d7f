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
    let meta = meta(project);
    if !meta.is_empty() {
        b.row(vec![gutter.clone(), Span::new(meta, Role::Muted)]);
    }
}

/// "Open Source · 2025", whatever of it the content gives.
pub fn meta(project: &Project) -> String {
    let year = project.year.map(|y| y.to_string());
    [project.kind.as_deref(), year.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn detail<'a>(b: &mut DocBuilder<'a>, project: &'a Project) {
    b.para(0, &project.name, Role::Accent);
    let meta = meta(project);
    if !meta.is_empty() {
        b.row(vec![Span::new(meta, Role::Muted)]);
    }
    if let Some(url) = &project.url {
        b.link(Span::new("", Role::Body), url, url.as_str().into());
    }
    b.blank();
    b.para(0, &project.description, Role::Body);
}
