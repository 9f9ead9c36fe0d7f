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

/// The widest a line of text is shown (the UI's content column): a word
/// wider than this is broken mid-word, which `check` warns about.
pub const COLUMN: usize = 98;

/// Loads and validates every file in `dir`, collecting all problems rather
/// than stopping at the first.
pub fn load(dir: &Path) -> Result<Content, ContentError> {
    load_with_warnings(dir).map(|(content, _)| content)
}

/// Like [`load`], also returning warnings: content that is valid but
/// will look bad (located like problems, message starting "warning: ").
pub fn load_with_warnings(dir: &Path) -> Result<(Content, Vec<Problem>), ContentError> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut out = Found {
        problems: &mut problems,
        warnings: &mut warnings,
    };
    let profile = load_file(
        dir,
        FILES[0],
        validate::profile,
        validate::no_warnings,
        &mut out,
    );
    let experience = load_file(
        dir,
        FILES[1],
        validate::experience,
        validate::experience_warnings,
        &mut out,
    );
    let skills = load_file(
        dir,
        FILES[2],
        validate::skills,
        validate::skills_warnings,
        &mut out,
    );
    let insights = load_file(
        dir,
        FILES[3],
        validate::insights,
        validate::insights_warnings,
        &mut out,
    );
    let projects = load_file(
        dir,
        FILES[4],
        validate::projects,
        validate::projects_warnings,
        &mut out,
    );
    let contact = load_file(
        dir,
        FILES[5],
        validate::contact,
        validate::contact_warnings,
        &mut out,
    );
    let theme = if dir.join(THEME_FILE).exists() {
        load_file(
            dir,
            THEME_FILE,
            validate::no_warnings,
            validate::no_warnings,
            &mut out,
        )
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
        ) if problems.is_empty() => Ok((
            Content {
                profile,
                experience,
                skills,
                insights,
                projects,
                contact,
                theme,
            },
            warnings,
        )),
        _ => Err(ContentError { problems }),
    }
}

/// Where a file's problems and warnings go.
struct Found<'a> {
    problems: &'a mut Vec<Problem>,
    warnings: &'a mut Vec<Problem>,
}

/// Reads one file: bytes → UTF-8 → TOML → schema → rules → warnings.
/// Problems are appended; the value is returned only when the file itself
/// is sound.
fn load_file<T: DeserializeOwned>(
    dir: &Path,
    name: &str,
    rules: fn(&T) -> Vec<Finding>,
    lints: fn(&T) -> Vec<Finding>,
    found: &mut Found,
) -> Option<T> {
    let problems = &mut *found.problems;
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
        if problems.len() == before {
            for (span, width) in index.long_words(COLUMN) {
                let message = format!(
                    "warning: a word {width} columns wide is wider than the screen's text column ({COLUMN}); it will be broken mid-word"
                );
                found
                    .warnings
                    .push(Problem::at(&path, text, span.start, message));
            }
            for finding in lints(&value) {
                let span = index.locate(&finding.path);
                let message = format!("warning: {}", finding.message);
                found
                    .warnings
                    .push(Problem::at_span(&path, text, span, message));
            }
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
