//! The portfolio as text for no-PTY and exec sessions: the plain-text
//! résumé, one section, JSON, a vCard, and the help. One source for these
//! texts; none of them contains an escape sequence.

use std::fmt::Write as _;

use crate::app::Section;
use crate::content::Content;
use crate::text::wrap;

/// Width plain text is wrapped to.
const WIDTH: usize = 78;

/// What an exec request can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exec {
    Resume,
    Json,
    Vcard,
    Help,
    Section(Section),
}

/// The commands, as listed to visitors.
pub const COMMANDS: &str =
    "resume, json, vcard, help, about, experience, skills, insights, projects, contact";

/// An exec request that names no command: its line for stderr.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sshfolio: unknown command \"{0}\"; try one of: {COMMANDS}")]
pub struct UnknownCommand(String);

impl Exec {
    /// Reads an exec request.
    pub fn parse(raw: &[u8]) -> Result<Exec, UnknownCommand> {
        let text = String::from_utf8_lossy(raw);
        let word = text.trim();
        let command = match word.to_ascii_lowercase().as_str() {
            "resume" | "résumé" | "cv" => Some(Exec::Resume),
            "json" => Some(Exec::Json),
            "vcard" | "vcf" => Some(Exec::Vcard),
            "help" | "--help" | "-h" => Some(Exec::Help),
            other => Section::from_name(other).map(Exec::Section),
        };
        // What is shown of it: printable, and short.
        command.ok_or_else(|| {
            UnknownCommand(word.chars().filter(|c| !c.is_control()).take(40).collect())
        })
    }

    /// The command's name, for the visit record.
    pub fn name(self) -> &'static str {
        match self {
            Exec::Resume => "resume",
            Exec::Json => "json",
            Exec::Vcard => "vcard",
            Exec::Help => "help",
            Exec::Section(section) => section.name(),
        }
    }

    /// The text the command prints.
    pub fn output(self, content: &Content) -> String {
        match self {
            Exec::Resume => resume(content),
            Exec::Json => json(content),
            Exec::Vcard => vcard(content),
            Exec::Help => help(content),
            Exec::Section(section) => section_text(content, section),
        }
    }
}

/// The whole portfolio as plain text.
pub fn resume(content: &Content) -> String {
    let mut out = String::new();
    let p = &content.profile;
    let c = &content.contact;
    out.push_str(&p.name);
    out.push('\n');
    out.push_str(&p.headline);
    out.push('\n');
    let reach: Vec<&str> = c.channels().map(|channel| channel.text).collect();
    out.push_str(&reach.join(" · "));
    out.push('\n');
    for section in Section::ALL {
        out.push('\n');
        out.push_str(&section_text(content, section));
    }
    out
}

/// One section as plain text, headed by its name and subtitle.
pub fn section_text(content: &Content, section: Section) -> String {
    let mut out = String::new();
    let heading = section.title().to_uppercase();
    let subtitle = match section {
        Section::About => "",
        Section::Experience => content.experience.subtitle.as_str(),
        Section::Skills => content.skills.subtitle.as_str(),
        Section::Insights => content.insights.subtitle.as_str(),
        Section::Projects => content.projects.subtitle.as_str(),
        Section::Contact => content.contact.subtitle.as_str(),
    };
    let heading = if subtitle.is_empty() {
        heading
    } else {
        format!("{heading} — {subtitle}")
    };
    let rule = "=".repeat(heading.chars().count().min(WIDTH));
    let _ = writeln!(out, "{heading}\n{rule}");
    match section {
        Section::About => about(&mut out, content),
        Section::Experience => experience(&mut out, content),
        Section::Skills => skills(&mut out, content),
        Section::Insights => insights(&mut out, content),
        Section::Projects => projects(&mut out, content),
        Section::Contact => contact(&mut out, content),
    }
    out
}

/// Appends `text` wrapped, the first row after `first`, the rest indented
/// by as much.
fn para(out: &mut String, first: &str, text: &str) {
    let indent = first.chars().count();
    for (i, line) in wrap(text, WIDTH - indent).into_iter().enumerate() {
        if i == 0 {
            out.push_str(first);
        } else {
            out.push_str(&" ".repeat(indent));
        }
        out.push_str(line);
        out.push('\n');
    }
}

fn about(out: &mut String, content: &Content) {
    let p = &content.profile;
    for (i, text) in p.about.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        para(out, "", text);
    }
    if !p.education.is_empty() {
        out.push_str("\nEducation\n");
        for e in &p.education {
            let year = e.year.map(|y| format!(" · {y}")).unwrap_or_default();
            para(out, "  ", &format!("{}, {}{year}", e.degree, e.school));
        }
    }
    if !p.certifications.is_empty() {
        out.push_str("\nCertifications\n");
        for c in &p.certifications {
            let date = c
                .date
                .as_ref()
                .map(|d| format!(" · {d}"))
                .unwrap_or_default();
            para(out, "  ", &format!("{}{date}", c.name));
        }
    }
}

fn experience(out: &mut String, content: &Content) {
    for (i, job) in content.experience.jobs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let period = match (&job.period, job.current) {
            (Some(p), _) => format!(" ({p})"),
            (None, true) => " (current)".to_string(),
            (None, false) => String::new(),
        };
        let role = job
            .role
            .as_ref()
            .map(|r| format!(", {r}"))
            .unwrap_or_default();
        para(out, "", &format!("{}{role}{period}", job.company));
        para(out, "  ", &job.summary);
        for h in &job.highlights {
            let year = h.year.map(|y| format!(" ({y})")).unwrap_or_default();
            para(out, "  - ", &format!("{}{year}: {}", h.title, h.text));
        }
    }
}

fn skills(out: &mut String, content: &Content) {
    for group in &content.skills.groups {
        para(
            out,
            "",
            &format!("{}: {}", group.name, group.skills.join(", ")),
        );
    }
}

fn insights(out: &mut String, content: &Content) {
    for (i, insight) in content.insights.insights.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let source = insight
            .source
            .as_ref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        para(out, "", &format!("{}{source}", insight.title));
        if let Some(url) = &insight.url {
            para(out, "  ", url);
        }
        for idea in &insight.key_ideas {
            para(out, "  - ", idea);
        }
    }
}

fn projects(out: &mut String, content: &Content) {
    for (i, project) in content.projects.projects.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let meta = project.meta();
        if meta.is_empty() {
            para(out, "", &project.name);
        } else {
            para(out, "", &format!("{} ({meta})", project.name));
        }
        if let Some(url) = &project.url {
            para(out, "  ", url);
        }
        para(out, "  ", &project.description);
    }
}

fn contact(out: &mut String, content: &Content) {
    let c = &content.contact;
    para(out, "", &c.message);
    out.push('\n');
    for channel in c.channels() {
        let _ = writeln!(out, "  {:<10}{}", channel.label, channel.text);
    }
}

/// The content as one JSON object: profile, experience, skills, insights,
/// projects, contact.
pub fn json(content: &Content) -> String {
    // Serialising plain structs of strings and numbers cannot fail.
    let mut out = serde_json::to_string_pretty(content).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

/// The owner's contact card, vCard 4.0 (RFC 6350): CRLF line ends, values
/// escaped, lines folded at 75 octets.
pub fn vcard(content: &Content) -> String {
    let p = &content.profile;
    let c = &content.contact;
    let mut lines = vec![
        "BEGIN:VCARD".to_string(),
        "VERSION:4.0".to_string(),
        format!("FN:{}", escape(&p.name)),
    ];
    let mut names: Vec<&str> = p.name.split_whitespace().collect();
    if let Some(family) = names.pop() {
        lines.push(format!(
            "N:{};{};;;",
            escape(family),
            escape(&names.join(" "))
        ));
    }
    lines.push(format!("EMAIL:{}", escape(&c.email)));
    for channel in c.channels().skip(1) {
        lines.push(format!("URL:{}", escape(&channel.url)));
    }
    lines.push(format!("NOTE:{}", escape(&c.message)));
    lines.push("END:VCARD".to_string());
    let mut out = String::new();
    for line in lines {
        fold(&mut out, &line);
    }
    out
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded into pieces of at most 75 octets, never inside a
/// UTF-8 character, continuation pieces starting with a space.
fn fold(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
}

/// What `ssh host help` prints.
pub fn help(content: &Content) -> String {
    let name = &content.profile.name;
    format!(
        "{name} — portfolio over SSH

  ssh HOST                 the interactive portfolio (needs a terminal)
  ssh SECTION@HOST         open it at a section, e.g. ssh projects@HOST
  ssh HOST resume          the whole portfolio as plain text
  ssh HOST SECTION         one section as plain text:
                           about, experience, skills, insights, projects, contact
  ssh HOST json            the content as JSON
  ssh HOST vcard           a contact card (vCard 4.0): ssh HOST vcard > contact.vcf
  ssh HOST help            this text
"
    )
}

#[cfg(test)]
mod tests;
