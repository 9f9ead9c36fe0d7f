//! About: the about text, education and certifications.

use super::doc::{Doc, DocBuilder, Role, Span};
use unicode_width::UnicodeWidthStr;

use crate::content::Content;

pub fn doc(content: &Content, width: u16) -> Doc<'_> {
    let p = &content.profile;
    let mut b = DocBuilder::new(width);
    for para in &p.about {
        b.gap();
        b.para(0, para, Role::Body);
    }
    if !p.education.is_empty() {
        b.gap();
        b.row(vec![Span::new("Education", Role::Heading)]);
        for e in &p.education {
            b.para(0, &e.degree, Role::Strong);
            let place = match e.year {
                Some(year) => format!("{} · {year}", e.school),
                None => e.school.clone(),
            };
            b.row(vec![Span::new(place, Role::Muted)]);
        }
    }
    if !p.certifications.is_empty() {
        b.gap();
        b.row(vec![Span::new("Certifications", Role::Heading)]);
        for c in &p.certifications {
            let one_row = c.name.width() + c.date.as_ref().map_or(0, |d| d.width() + 3);
            match &c.date {
                Some(date) if one_row <= b.width() => b.row(vec![
                    Span::new(c.name.as_str(), Role::Strong),
                    Span::new(format!(" · {date}"), Role::Muted),
                ]),
                Some(date) => {
                    b.para(0, &c.name, Role::Strong);
                    b.para(0, date, Role::Muted);
                }
                None => b.para(0, &c.name, Role::Strong),
            }
        }
    }
    b.finish()
}
