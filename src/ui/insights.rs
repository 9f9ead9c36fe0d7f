//! Insights: a list of lessons; the detail shows the key ideas.

use super::doc::{Doc, DocBuilder, Role, Span};
use super::list;
use crate::app::View;
use crate::content::{Content, Insight};

pub fn doc<'a>(content: &'a Content, view: &View, width: u16) -> Doc<'a> {
    list::doc(&content.insights.insights, view, width, item, detail)
}

fn item<'a>(b: &mut DocBuilder<'a>, insight: &'a Insight, gutter: &Span<'a>, title: Role) {
    b.prefixed(gutter, &insight.title, title);
    let ideas = match insight.key_ideas.len() {
        1 => "1 key idea".to_string(),
        n => format!("{n} key ideas"),
    };
    let meta = match &insight.source {
        Some(source) => format!("{source} · {ideas}"),
        None => ideas,
    };
    b.row(vec![gutter.clone(), Span::new(meta, Role::Muted)]);
}

fn detail<'a>(b: &mut DocBuilder<'a>, insight: &'a Insight) {
    b.para(0, &insight.title, Role::Accent);
    if let Some(source) = &insight.source {
        b.para(0, source, Role::Muted);
    }
    if let Some(url) = &insight.url {
        b.link(Span::new("", Role::Body), url, url.as_str().into());
    }
    if !insight.key_ideas.is_empty() {
        b.blank();
        b.row(vec![Span::new("Key ideas", Role::Heading)]);
        for idea in &insight.key_ideas {
            b.hanging(Span::new("▸ ", Role::Marker), idea, Role::Body);
        }
    }
}
