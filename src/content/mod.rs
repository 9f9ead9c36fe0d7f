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
    let mut load = Loader {
        dir,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let profile = load.file(FILES[0], validate::profile, validate::no_warnings);
    let experience = load.file(
        FILES[1],
        validate::experience,
        validate::experience_warnings,
    );
    let skills = load.file(FILES[2], validate::skills, validate::skills_warnings);
    let insights = load.file(FILES[3], validate::insights, validate::insights_warnings);
    let projects = load.file(FILES[4], validate::projects, validate::projects_warnings);
    let contact = load.file(FILES[5], validate::contact, validate::contact_warnings);
    let theme = if dir.join(THEME_FILE).exists() {
        load.file(THEME_FILE, validate::no_warnings, validate::no_warnings)
    } else {
        Some(Palette::default())
    };
    let content = (|| {
        Some(Content {
            profile: profile?,
            experience: experience?,
            skills: skills?,
            insights: insights?,
            projects: projects?,
            contact: contact?,
            theme: theme?,
        })
    })();
    match content {
        Some(content) if load.problems.is_empty() => Ok((content, load.warnings)),
        _ => Err(ContentError {
            problems: load.problems,
        }),
    }
}

/// Reads the files of one content directory, gathering every file's
/// problems and warnings.
struct Loader<'a> {
    dir: &'a Path,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
}

impl Loader<'_> {
    /// Reads one file: bytes → UTF-8 → TOML → schema → rules → warnings.
    /// Problems are gathered; the value is returned only when the file
    /// itself is sound.
    fn file<T: DeserializeOwned>(
        &mut self,
        name: &str,
        rules: fn(&T) -> Vec<Finding>,
        lints: fn(&T) -> Vec<Finding>,
    ) -> Option<T> {
        let path = self.dir.join(name);
        let parsed = read_text(&path).and_then(|text| {
            let value = toml::from_str::<T>(&text)
                .map_err(|e| Problem::at_span(&path, &text, e.span(), tidy(e.message())))?;
            Ok((text, value))
        });
        let (text, value) = match parsed {
            Ok(parsed) => parsed,
            Err(problem) => {
                self.problems.push(problem);
                return None;
            }
        };
        // Spans only locate problems; TOML that parsed always has them.
        let Some(index) = SpanIndex::parse(&text) else {
            return Some(value);
        };
        let before = self.problems.len();
        for (span, c) in index.control_characters() {
            let message = format!("text contains the control character U+{:04X}", c as u32);
            self.problems
                .push(Problem::at(&path, &text, span.start, message));
        }
        for finding in rules(&value) {
            let span = index.locate(&finding.path);
            self.problems
                .push(Problem::at_span(&path, &text, span, finding.message));
        }
        if self.problems.len() > before {
            return None;
        }
        self.warn(&path, &text, &index, lints(&value));
        Some(value)
    }

    /// Valid content that will look bad: words too wide for the text
    /// column, and what `lints` found.
    fn warn(&mut self, path: &Path, text: &str, index: &SpanIndex, lints: Vec<Finding>) {
        for (span, width) in index.long_words(COLUMN) {
            let message = format!(
                "warning: a word {width} columns wide is wider than the screen's text column ({COLUMN}); it will be broken mid-word"
            );
            self.warnings
                .push(Problem::at(path, text, span.start, message));
        }
        for finding in lints {
            let span = index.locate(&finding.path);
            let message = format!("warning: {}", finding.message);
            self.warnings
                .push(Problem::at_span(path, text, span, message));
        }
    }
}

/// A file's text, or the problem with reading it as UTF-8.
fn read_text(path: &Path) -> Result<String, Problem> {
    let bytes = std::fs::read(path)
        .map_err(|e| Problem::at(path, "", 0, format!("cannot read file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid_up_to = e.utf8_error().valid_up_to();
        let valid = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
        Problem::at(path, valid, valid.len(), "file is not valid UTF-8 text")
    })
}

/// toml's messages can span lines; one problem is one line.
fn tidy(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
