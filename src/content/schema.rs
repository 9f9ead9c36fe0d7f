//! The content files' schema: one serde struct per TOML file, unknown fields
//! rejected. These are also the shapes `ssh host json` prints, so field names
//! are part of the public contract.

use serde::{Deserialize, Serialize};

/// `profile.toml`: who the owner is. Shown in the header, About and résumé.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The owner's name as visitors should read it.
    pub name: String,
    /// One line under the name; also the About section's subtitle.
    pub headline: String,
    /// The about text, one string per paragraph.
    pub about: Vec<String>,
    #[serde(default)]
    pub education: Vec<Education>,
    #[serde(default)]
    pub certifications: Vec<Certification>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Education {
    pub degree: String,
    pub school: String,
    pub year: Option<u16>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    pub name: String,
    /// Free text such as "April 2026".
    pub date: Option<String>,
}

/// `experience.toml`: where the owner has worked, newest first.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Experience {
    pub subtitle: String,
    #[serde(rename = "job")]
    pub jobs: Vec<Job>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    pub company: String,
    pub role: Option<String>,
    /// Free text such as "2021 – 2023"; left out when unknown.
    pub period: Option<String>,
    #[serde(default)]
    pub current: bool,
    pub summary: String,
    #[serde(default, rename = "highlight")]
    pub highlights: Vec<Highlight>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Highlight {
    pub title: String,
    pub year: Option<u16>,
    pub text: String,
}

/// `skills.toml`: skills in named groups.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Skills {
    pub subtitle: String,
    #[serde(rename = "group")]
    pub groups: Vec<SkillGroup>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SkillGroup {
    pub name: String,
    pub skills: Vec<String>,
}

/// `insights.toml`: lessons from systems built by others.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Insights {
    pub subtitle: String,
    #[serde(rename = "insight")]
    pub insights: Vec<Insight>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Insight {
    pub title: String,
    /// Who built the system (an organisation), when there is one.
    pub source: Option<String>,
    /// Where to read more; shown as a link.
    pub url: Option<String>,
    pub key_ideas: Vec<String>,
}

/// `projects.toml`: things the owner built.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Projects {
    pub subtitle: String,
    #[serde(rename = "project")]
    pub projects: Vec<Project>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: String,
    /// What kind of work it is, such as "Open Source" or an employer.
    pub kind: Option<String>,
    pub year: Option<u16>,
    pub description: String,
    pub url: Option<String>,
}

impl Project {
    /// "Open Source · 2025", whatever of it the content gives.
    pub fn meta(&self) -> String {
        let year = self.year.map(|y| y.to_string());
        [self.kind.as_deref(), year.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// `theme.toml` (optional): the UI's colours, as `#rrggbb`. Terminals with
/// fewer colours get the nearest ones; a missing field keeps its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Palette {
    /// Names, the selected tab and item.
    pub accent: Rgb,
    /// Headings, markers and key names.
    pub highlight: Rgb,
    /// Secondary text: dates, hints, rules.
    pub muted: Rgb,
    /// Links.
    pub link: Rgb,
}

impl Default for Palette {
    fn default() -> Self {
        Palette {
            accent: Rgb(0x4f, 0xa8, 0xd8),
            highlight: Rgb(0xe0, 0x8f, 0x4f),
            muted: Rgb(0x8a, 0x8a, 0x8a),
            link: Rgb(0x5f, 0xaf, 0xaf),
        }
    }
}

/// A colour written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Rgb(pub u8, pub u8, pub u8);

/// A colour not written `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("colour {0:?} is not of the form \"#rrggbb\"")]
pub struct NotAColour(String);

impl Rgb {
    /// Reads `#rrggbb`.
    pub fn parse(text: &str) -> Result<Rgb, NotAColour> {
        let hex = text
            .strip_prefix('#')
            .filter(|h| h.len() == 6 && h.bytes().all(|c| c.is_ascii_hexdigit()))
            .ok_or_else(|| NotAColour(text.to_string()))?;
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        Ok(Rgb(byte(0), byte(2), byte(4)))
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Rgb, D::Error> {
        let text = String::deserialize(deserializer)?;
        Rgb::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl From<Rgb> for String {
    fn from(rgb: Rgb) -> String {
        format!("#{:02x}{:02x}{:02x}", rgb.0, rgb.1, rgb.2)
    }
}

/// `contact.toml`: how to reach the owner.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub subtitle: String,
    /// A short invitation shown above the addresses.
    pub message: String,
    pub email: String,
    /// As shown, e.g. "linkedin.com/in/name"; linked with https://.
    pub linkedin: Option<String>,
    pub website: Option<String>,
    pub github: Option<String>,
}

/// One way to reach the owner, as shown and as a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactLink<'a> {
    pub label: &'static str,
    /// As written in content.
    pub text: &'a str,
    /// `mailto:` for the email, `https://` added to bare addresses.
    pub url: String,
}

impl Contact {
    /// Every way to reach the owner, in display order: email first, then
    /// whichever optional addresses are set.
    pub fn channels(&self) -> impl Iterator<Item = ContactLink<'_>> {
        let email = ContactLink {
            label: "Email",
            text: &self.email,
            url: format!("mailto:{}", self.email),
        };
        let others = [
            ("LinkedIn", self.linkedin.as_ref()),
            ("GitHub", self.github.as_ref()),
            ("Website", self.website.as_ref()),
        ]
        .into_iter()
        .filter_map(|(label, text)| {
            let text = text?.as_str();
            Some(ContactLink {
                label,
                text,
                url: web_url(text),
            })
        });
        std::iter::once(email).chain(others)
    }
}

/// An address as written in content, made into a link.
pub fn web_url(address: &str) -> String {
    if address.starts_with("https://") || address.starts_with("http://") {
        address.to_string()
    } else {
        format!("https://{address}")
    }
}
