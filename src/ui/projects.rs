//! Projects: a list of things built; the detail shows the description.

use super::doc::{Doc, DocBuilder, Role, Span};
use super::list;
use crate::app::View;
use crate::content::{Content, Project};

pub fn doc<'a>(content: &'a Content, view: &View, width: u16) -> Doc<'a> {
    let projects = &content.projects.projects;
    let mut b = DocBuilder::new(width);
    match projects.get(view.selected).filter(|_| view.detail) {
        Some(project) => detail(&mut b, project),
        None => {
            for (i, project) in projects.iter().enumerate() {
                let selected = i == view.selected;
                list::item(&mut b, selected, |b, gutter| {
                    b.prefixed(&gutter, &project.name, list::title_role(selected));
                    let meta = meta(project);
                    if !meta.is_empty() {
                        b.row(vec![gutter, Span::new(meta, Role::Muted)]);
                    }
                });
            }
        }
    }
    b.finish()
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
        b.para(0, url, Role::Link);
    }
    b.blank();
    b.para(0, &project.description, Role::Body);
}
