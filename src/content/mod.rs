//! The portfolio: TOML files under `content/` deserialised into one
//! immutable [`Content`], validated as a whole. Every problem is reported
//! with its `file:line:col`; nothing is served from content with problems.

mod locate;
mod problem;
pub mod schema;
mod validate;

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use problem::{ContentError, Problem};
pub use schema::*;

use locate::SpanIndex;
use validate::Finding;

/// Everything a visitor can see, loaded once and shared read-only by every
/// session. Serialises as the `json` export: one object with these keys.
#[derive(Debug, Clone, Serialize)]
pub struct Content {
    pub profile: Profile,
    pub experience: Experience,
    pub skills: Skills,
    pub insights: Insights,
    pub projects: Projects,
    pub contact: Contact,
    /// The UI's colours; not part of the JSON export.
    #[serde(skip)]
    pub theme: Palette,
}

/// The content files, in the order their sections appear.
pub const FILES: [&str; 6] = [
    "profile.toml",
    "experience.toml",
    "skills.toml",
    "insights.toml",
    "projects.toml",
    "contact.toml",
];

/// The optional file of UI colours.
pub const THEME_FILE: &str = "theme.toml";

/// Loads and validates every file in `dir`, collecting all problems rather
/// than stopping at the first.
pub fn load(dir: &Path) -> Result<Content, ContentError> {
    let mut problems = Vec::new();
    let profile = load_file(dir, FILES[0], validate::profile, &mut problems);
    let experience = load_file(dir, FILES[1], validate::experience, &mut problems);
    let skills = load_file(dir, FILES[2], validate::skills, &mut problems);
    let insights = load_file(dir, FILES[3], validate::insights, &mut problems);
    let projects = load_file(dir, FILES[4], validate::projects, &mut problems);
    let contact = load_file(dir, FILES[5], validate::contact, &mut problems);
    let theme = if dir.join(THEME_FILE).exists() {
        load_file(dir, THEME_FILE, |_: &Palette| Vec::new(), &mut problems)
    } else {
        Some(Palette::default())
    };
    match (
        profile, experience, skills, insights, projects, contact, theme,
    ) {
        (
            Some(profile),
            Some(experience),
            Some(skills),
            Some(insights),
            Some(projects),
            Some(contact),
            Some(theme),
        ) if problems.is_empty() => Ok(Content {
            profile,
            experience,
            skills,
            insights,
            projects,
            contact,
            theme,
        }),
        _ => Err(ContentError { problems }),
    }
}

/// Reads one file: bytes → UTF-8 → TOML → schema → rules. Problems are
/// appended; the value is returned only when the file itself is sound.
fn load_file<T: DeserializeOwned>(
    dir: &Path,
    name: &str,
    rules: fn(&T) -> Vec<Finding>,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let path = dir.join(name);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            problems.push(Problem::at(&path, "", 0, format!("cannot read file: {e}")));
            return None;
        }
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            problems.push(Problem::at(
                &path,
                valid,
                valid.len(),
                "file is not valid UTF-8 text",
            ));
            return None;
        }
    };
    let value: T = match toml::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            problems.push(Problem::at_span(&path, text, e.span(), tidy(e.message())));
            return None;
        }
    };
    let before = problems.len();
    if let Some(index) = SpanIndex::parse(text) {
        for (span, c) in index.control_characters() {
            let message = format!("text contains the control character U+{:04X}", c as u32);
            problems.push(Problem::at(&path, text, span.start, message));
        }
        for finding in rules(&value) {
            let span = index.locate(&finding.path);
            problems.push(Problem::at_span(&path, text, span, finding.message));
        }
    }
    (problems.len() == before).then_some(value)
}

/// toml's messages can span lines; one problem is one line.
fn tidy(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
