//! Experience: the jobs as a list; a job's detail shows its highlights.

use super::doc::{Doc, DocBuilder, Role, Span};
use super::list;
use crate::app::View;
use crate::content::{Content, Job};

pub fn doc<'a>(content: &'a Content, view: &View, width: u16) -> Doc<'a> {
    list::doc(&content.experience.jobs, view, width, item, detail)
}

fn item<'a>(b: &mut DocBuilder<'a>, job: &'a Job, gutter: &Span<'a>, title: Role) {
    b.prefixed(gutter, &job.company, title);
    let meta = meta(job);
    if !meta.is_empty() {
        b.row(vec![gutter.clone(), Span::new(meta, Role::Muted)]);
    }
    b.prefixed(gutter, &job.summary, Role::Body);
}

/// "Role · period" or "current", whatever the content gives.
fn meta(job: &Job) -> String {
    let period = match (&job.period, job.current) {
        (Some(p), _) => Some(p.as_str()),
        (None, true) => Some("current"),
        (None, false) => None,
    };
    [job.role.as_deref(), period]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn detail<'a>(b: &mut DocBuilder<'a>, job: &'a Job) {
    b.para(0, &job.company, Role::Accent);
    let meta = meta(job);
    if !meta.is_empty() {
        b.row(vec![Span::new(meta, Role::Muted)]);
    }
    b.blank();
    b.para(0, &job.summary, Role::Body);
    for h in &job.highlights {
        b.blank();
        let title = match h.year {
            Some(year) => vec![
                Span::new(h.title.as_str(), Role::Strong),
                Span::new(format!(" · {year}"), Role::Muted),
            ],
            None => vec![Span::new(h.title.as_str(), Role::Strong)],
        };
        b.row(title);
        b.para(2, &h.text, Role::Body);
    }
}
