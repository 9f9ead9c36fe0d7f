//! Rules the schema alone cannot express: required text that is blank, empty
//! sections, addresses that are not addresses. Each finding carries the
//! path of the offending value so it can be located in the file.

use super::locate::Seg;
use super::schema::*;

/// A rule broken at `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub path: Vec<Seg>,
    pub message: String,
}

#[derive(Default)]
struct Checker {
    findings: Vec<Finding>,
}

impl Checker {
    fn push(&mut self, path: &[Seg], message: String) {
        self.findings.push(Finding {
            path: path.to_vec(),
            message,
        });
    }

    /// Required text must say something.
    fn text(&mut self, path: &[Seg], value: &str) {
        if value.trim().is_empty() {
            let name = field_name(path);
            self.push(path, format!("`{name}` must not be empty"));
        }
    }

    fn optional_text(&mut self, path: &[Seg], value: Option<&str>) {
        if let Some(v) = value {
            self.text(path, v);
        }
    }

    /// A section needs at least one entry, or it would render blank.
    fn entries<T>(&mut self, path: &[Seg], list: &[T], what: &str) {
        if list.is_empty() {
            self.push(path, format!("empty section: add at least one {what}"));
        }
    }

    fn url(&mut self, path: &[Seg], value: Option<&str>) {
        if let Some(url) = value
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            self.push(
                path,
                format!("`url` must start with https:// or http:// (got {url:?})"),
            );
        }
    }

    fn year(&mut self, path: &[Seg], year: Option<u16>) {
        if let Some(y) = year
            && !(1900..=2200).contains(&y)
        {
            self.push(path, format!("`year` {y} is not a plausible year"));
        }
    }
}

fn field_name(path: &[Seg]) -> &'static str {
    path.iter()
        .rev()
        .find_map(|s| match s {
            Seg::Key(k) => Some(*k),
            Seg::Index(_) => None,
        })
        .unwrap_or("value")
}

use Seg::{Index as I, Key as K};

pub fn profile(p: &Profile) -> Vec<Finding> {
    let mut c = Checker::default();
    c.text(&[K("name")], &p.name);
    c.text(&[K("headline")], &p.headline);
    c.entries(&[K("about")], &p.about, "paragraph to `about`");
    for (i, para) in p.about.iter().enumerate() {
        c.text(&[K("about"), I(i)], para);
    }
    for (i, e) in p.education.iter().enumerate() {
        c.text(&[K("education"), I(i), K("degree")], &e.degree);
        c.text(&[K("education"), I(i), K("school")], &e.school);
        c.year(&[K("education"), I(i), K("year")], e.year);
    }
    for (i, cert) in p.certifications.iter().enumerate() {
        c.text(&[K("certifications"), I(i), K("name")], &cert.name);
        c.optional_text(
            &[K("certifications"), I(i), K("date")],
            cert.date.as_deref(),
        );
    }
    c.findings
}

pub fn experience(e: &Experience) -> Vec<Finding> {
    let mut c = Checker::default();
    c.entries(&[K("job")], &e.jobs, "[[job]]");
    for (i, job) in e.jobs.iter().enumerate() {
        let at = |k| [K("job"), I(i), K(k)];
        c.text(&at("company"), &job.company);
        c.text(&at("summary"), &job.summary);
        c.optional_text(&at("role"), job.role.as_deref());
        c.optional_text(&at("period"), job.period.as_deref());
        for (j, h) in job.highlights.iter().enumerate() {
            let at = |k| [K("job"), I(i), K("highlight"), I(j), K(k)];
            c.text(&at("title"), &h.title);
            c.text(&at("text"), &h.text);
            c.year(&at("year"), h.year);
        }
    }
    c.findings
}

pub fn skills(s: &Skills) -> Vec<Finding> {
    let mut c = Checker::default();
    c.entries(&[K("group")], &s.groups, "[[group]]");
    for (i, g) in s.groups.iter().enumerate() {
        c.text(&[K("group"), I(i), K("name")], &g.name);
        c.entries(&[K("group"), I(i), K("skills")], &g.skills, "skill");
        for (j, skill) in g.skills.iter().enumerate() {
            c.text(&[K("group"), I(i), K("skills"), I(j)], skill);
        }
    }
    c.findings
}

pub fn insights(s: &Insights) -> Vec<Finding> {
    let mut c = Checker::default();
    c.entries(&[K("insight")], &s.insights, "[[insight]]");
    for (i, insight) in s.insights.iter().enumerate() {
        let at = |k| [K("insight"), I(i), K(k)];
        c.text(&at("title"), &insight.title);
        c.optional_text(&at("source"), insight.source.as_deref());
        c.url(&at("url"), insight.url.as_deref());
        for (j, idea) in insight.key_ideas.iter().enumerate() {
            c.text(&[K("insight"), I(i), K("key_ideas"), I(j)], idea);
        }
    }
    c.findings
}

pub fn projects(p: &Projects) -> Vec<Finding> {
    let mut c = Checker::default();
    c.entries(&[K("project")], &p.projects, "[[project]]");
    for (i, project) in p.projects.iter().enumerate() {
        let at = |k| [K("project"), I(i), K(k)];
        c.text(&at("name"), &project.name);
        c.text(&at("description"), &project.description);
        c.optional_text(&at("kind"), project.kind.as_deref());
        c.year(&at("year"), project.year);
        c.url(&at("url"), project.url.as_deref());
    }
    c.findings
}

pub fn contact(k: &Contact) -> Vec<Finding> {
    let mut c = Checker::default();
    c.text(&[K("message")], &k.message);
    let email = k.email.trim();
    let valid = email
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
        && !email.contains(char::is_whitespace);
    if !valid {
        c.push(
            &[K("email")],
            format!("`email` is not an email address (got {email:?})"),
        );
    }
    c.optional_text(&[K("linkedin")], k.linkedin.as_deref());
    c.optional_text(&[K("website")], k.website.as_deref());
    c.optional_text(&[K("github")], k.github.as_deref());
    c.findings
}

// Warnings: content that is valid but will look bad.

/// A blank subtitle leaves the row under the tabs empty.
fn subtitle_warning(c: &mut Checker, subtitle: &str) {
    if subtitle.trim().is_empty() {
        c.push(
            &[K("subtitle")],
            "the subtitle is empty; the row under the tabs will be blank".into(),
        );
    }
}

pub fn experience_warnings(e: &Experience) -> Vec<Finding> {
    let mut c = Checker::default();
    subtitle_warning(&mut c, &e.subtitle);
    c.findings
}

pub fn skills_warnings(s: &Skills) -> Vec<Finding> {
    let mut c = Checker::default();
    subtitle_warning(&mut c, &s.subtitle);
    c.findings
}

pub fn insights_warnings(s: &Insights) -> Vec<Finding> {
    let mut c = Checker::default();
    subtitle_warning(&mut c, &s.subtitle);
    for (i, insight) in s.insights.iter().enumerate() {
        if insight.key_ideas.is_empty() {
            c.push(
                &[K("insight"), I(i), K("key_ideas")],
                format!(
                    "insight {:?} has no key ideas; its page will be nearly empty",
                    insight.title
                ),
            );
        }
    }
    c.findings
}

pub fn projects_warnings(p: &Projects) -> Vec<Finding> {
    let mut c = Checker::default();
    subtitle_warning(&mut c, &p.subtitle);
    for (i, project) in p.projects.iter().enumerate() {
        if project.year.is_none() {
            c.push(
                &[K("project"), I(i)],
                format!("project {:?} has no `year`", project.name),
            );
        }
    }
    c.findings
}

pub fn contact_warnings(k: &Contact) -> Vec<Finding> {
    let mut c = Checker::default();
    subtitle_warning(&mut c, &k.subtitle);
    c.findings
}

pub fn no_warnings<T>(_: &T) -> Vec<Finding> {
    Vec::new()
}
