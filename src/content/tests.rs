//! Loader tests: the shipped content loads; each kind of broken file is
//! reported at the right `file:line:col`.

use std::path::{Path, PathBuf};

use super::*;

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

/// A copy of the shipped content with one file replaced.
fn with_file(name: &str, text: &[u8]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in FILES.iter().chain([&THEME_FILE]) {
        std::fs::copy(shipped().join(file), dir.path().join(file)).unwrap();
    }
    std::fs::write(dir.path().join(name), text).unwrap();
    dir
}

/// The problems as printed, with the temp dir's path cut off.
fn problems(dir: &tempfile::TempDir) -> Vec<String> {
    let err = load(dir.path()).expect_err("content should be rejected");
    let prefix = format!("{}/", dir.path().display());
    err.problems
        .iter()
        .map(|p| p.to_string().replace(&prefix, ""))
        .collect()
}

#[test]
fn shipped_content_loads() {
    let content = load(&shipped()).unwrap();
    assert_eq!(content.profile.name, "Akshay Kale");
    assert_eq!(content.insights.insights.len(), 6);
    assert_eq!(content.projects.projects.len(), 6);
    assert!(
        content
            .insights
            .insights
            .iter()
            .all(|i| i.key_ideas.len() == 4)
    );
}

#[test]
fn reports_bad_toml_syntax_at_its_position() {
    let dir = with_file("contact.toml", b"subtitle = \"x\"\nmessage = \n");
    let found = problems(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("contact.toml:2:11: "), "{found:?}");
}

#[test]
fn reports_unknown_field_at_the_key() {
    let text = "subtitle = \"s\"\n\n[[project]]\nname = \"a\"\ndescription = \"d\"\nstars = 5\n";
    let dir = with_file("projects.toml", text.as_bytes());
    let found = problems(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("projects.toml:6:1: unknown field `stars`"),
        "{found:?}"
    );
}

#[test]
fn reports_missing_required_field() {
    let text = "subtitle = \"s\"\n\n[[project]]\nname = \"a\"\n";
    let dir = with_file("projects.toml", text.as_bytes());
    let found = problems(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("projects.toml:"), "{found:?}");
    assert!(
        found[0].contains("missing field `description`"),
        "{found:?}"
    );
}

#[test]
fn reports_empty_section_and_blank_text() {
    let text = "subtitle = \"s\"\nproject = []\n";
    let dir = with_file("projects.toml", text.as_bytes());
    assert_eq!(
        problems(&dir),
        ["projects.toml:2:11: empty section: add at least one [[project]]"]
    );

    let text = "subtitle = \"s\"\n[[group]]\nname = \"  \"\nskills = [\"a\"]\n";
    let dir = with_file("skills.toml", text.as_bytes());
    assert_eq!(
        problems(&dir),
        ["skills.toml:3:8: `name` must not be empty"]
    );
}

#[test]
fn reports_problems_in_several_files_at_once() {
    let dir = with_file(
        "contact.toml",
        b"subtitle = \"s\"\nmessage = \"m\"\nemail = \"nope\"\n",
    );
    std::fs::write(dir.path().join("skills.toml"), "subtitle = 1\n").unwrap();
    let found = problems(&dir);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("skills.toml:1:12: invalid type"),
        "{found:?}"
    );
    assert_eq!(
        found[1],
        "contact.toml:3:9: `email` is not an email address (got \"nope\")"
    );
}

#[test]
fn rejects_control_characters_in_text() {
    let text = "subtitle = \"s\"\nmessage = \"hi\\u001b[2J\"\nemail = \"a@b.c\"\n";
    let dir = with_file("contact.toml", text.as_bytes());
    assert_eq!(
        problems(&dir),
        ["contact.toml:2:11: text contains the control character U+001B"]
    );
}

#[test]
fn rejects_non_utf8_and_missing_files() {
    let dir = with_file("contact.toml", b"subtitle = \"s\"\nmessage = \"caf\xe9\"\n");
    assert_eq!(
        problems(&dir),
        ["contact.toml:2:15: file is not valid UTF-8 text"]
    );

    let dir = with_file("contact.toml", b"");
    std::fs::remove_file(dir.path().join("insights.toml")).unwrap();
    let found = problems(&dir);
    assert!(
        found[0].starts_with("insights.toml:1:1: cannot read file"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("contact.toml:1:1: missing field"),
        "{found:?}"
    );
}

#[test]
fn rejects_urls_that_are_not_links() {
    let text = "subtitle = \"s\"\n[[insight]]\ntitle = \"t\"\nurl = \"javascript:x\"\nkey_ideas = [\"a\"]\n";
    let dir = with_file("insights.toml", text.as_bytes());
    assert_eq!(
        problems(&dir),
        ["insights.toml:4:7: `url` must start with https:// or http:// (got \"javascript:x\")"]
    );
}

#[test]
fn theme_is_optional_and_validated() {
    let dir = with_file(
        "contact.toml",
        &std::fs::read(shipped().join("contact.toml")).unwrap(),
    );
    std::fs::remove_file(dir.path().join(THEME_FILE)).ok();
    assert_eq!(load(dir.path()).unwrap().theme, Palette::default());

    std::fs::write(dir.path().join(THEME_FILE), "accent = \"#102030\"\n").unwrap();
    let theme = load(dir.path()).unwrap().theme;
    assert_eq!(theme.accent, Rgb(0x10, 0x20, 0x30));
    assert_eq!(theme.muted, Palette::default().muted);

    std::fs::write(
        dir.path().join(THEME_FILE),
        "accent = \"#102030\"\nlink = \"blue\"\n",
    )
    .unwrap();
    assert_eq!(
        problems(&dir),
        ["theme.toml:2:8: colour \"blue\" is not of the form \"#rrggbb\""]
    );
    std::fs::write(dir.path().join(THEME_FILE), "background = \"#000000\"\n").unwrap();
    assert!(problems(&dir)[0].starts_with("theme.toml:1:1: unknown field `background`"));
}

/// The warnings, as printed, with the temp dir's path cut off.
fn warnings(dir: &tempfile::TempDir) -> Vec<String> {
    let (_, warnings) = load_with_warnings(dir.path()).expect("content should load");
    let prefix = format!("{}/", dir.path().display());
    warnings
        .iter()
        .map(|p| p.to_string().replace(&prefix, ""))
        .collect()
}

#[test]
fn shipped_content_has_no_warnings() {
    let (_, warnings) = load_with_warnings(&shipped()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn warns_about_content_that_will_look_bad() {
    let long = "x".repeat(120);
    let text =
        format!("subtitle = \"\"\n[[project]]\nname = \"a\"\ndescription = \"see {long} here\"\n");
    let dir = with_file("projects.toml", text.as_bytes());
    assert_eq!(
        warnings(&dir),
        [
            "projects.toml:4:15: warning: a word 120 columns wide is wider than the screen's text column (98); it will be broken mid-word",
            "projects.toml:1:12: warning: the subtitle is empty; the row under the tabs will be blank",
            "projects.toml:2:1: warning: project \"a\" has no `year`",
        ]
    );
    let text = "subtitle = \"s\"\n[[insight]]\ntitle = \"t\"\nkey_ideas = []\n";
    let dir = with_file("insights.toml", text.as_bytes());
    assert_eq!(
        warnings(&dir),
        [
            "insights.toml:4:13: warning: insight \"t\" has no key ideas; its page will be nearly empty"
        ]
    );
}

/// Every field name under `value`, as `parent.child` paths (list entries
/// share their list's path).
fn field_paths(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.push(path.clone());
                field_paths(child, &path, out);
            }
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|item| field_paths(item, prefix, out))
        }
        _ => {}
    }
}

/// docs/content.md names every file and every field of the schema: a field
/// added without documenting it fails here.
#[test]
fn content_reference_documents_every_field() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/content.md"))
            .unwrap();
    let content = load(&shipped()).unwrap();
    // Fill every optional field so it appears in the serialisation.
    let mut full = content.clone();
    full.experience.jobs[0].role = Some("r".into());
    full.experience.jobs[0].period = Some("p".into());
    full.insights.insights[0].url = Some("https://x".into());
    full.projects.projects[0].url = Some("https://x".into());
    full.contact.github = Some("g".into());
    full.contact.website = Some("w".into());
    let value = serde_json::to_value(&full).unwrap();
    for (section, file) in [
        "profile",
        "experience",
        "skills",
        "insights",
        "projects",
        "contact",
    ]
    .iter()
    .zip(FILES)
    {
        assert!(
            docs.contains(&format!("## {file}")),
            "no heading for {file}"
        );
        let mut paths = Vec::new();
        field_paths(&value[section], "", &mut paths);
        assert!(!paths.is_empty());
        for path in paths {
            assert!(
                docs.contains(&format!("| `{path}` |")),
                "{file}: field `{path}` is not documented"
            );
        }
    }
    let mut paths = Vec::new();
    field_paths(
        &serde_json::to_value(Palette::default()).unwrap(),
        "",
        &mut paths,
    );
    assert!(docs.contains("## theme.toml"));
    for path in paths {
        assert!(
            docs.contains(&format!("| `{path}` |")),
            "theme.toml: field `{path}` is not documented"
        );
    }
}
