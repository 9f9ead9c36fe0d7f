//! `sshfolio init DIR`: a complete starter content directory for a new
//! owner — every section with one example entry and a comment on every
//! field — that passes `sshfolio check` as written.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use super::print;
use crate::cli::InitArgs;

/// Writes the starter and says what to do next.
pub fn run(args: &InitArgs) -> Result<ExitCode> {
    let files = write(&args.dir)?;
    let mut out = format!("wrote {} files to {}:\n", files.len(), args.dir.display());
    for file in files {
        let _ = writeln!(out, "  {file}");
    }
    let _ = writeln!(
        out,
        "next: edit them, then `sshfolio preview --content {0}` and `sshfolio check --content {0}`",
        args.dir.display()
    );
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// The starter files, by name.
pub const FILES: &[(&str, &str)] = &[
    ("profile.toml", include_str!("profile.toml")),
    ("experience.toml", include_str!("experience.toml")),
    ("skills.toml", include_str!("skills.toml")),
    ("insights.toml", include_str!("insights.toml")),
    ("projects.toml", include_str!("projects.toml")),
    ("contact.toml", include_str!("contact.toml")),
    ("theme.toml", include_str!("theme.toml")),
];

/// Writes the starter files into `dir` (created if missing); refuses a
/// directory that already has anything in it. Returns the names written.
pub fn write(dir: &Path) -> Result<Vec<&'static str>> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty; init writes only into a new or empty directory",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, text) in FILES {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(FILES.iter().map(|(name, _)| *name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content;

    #[test]
    fn starter_passes_check_without_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("new");
        write(&target).unwrap();
        let (content, warnings) = content::load_with_warnings(&target).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(content.profile.name, "Your Name");
        assert_eq!(content.projects.projects.len(), 1);
    }

    #[test]
    fn refuses_a_directory_with_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
        let err = write(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is not empty"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("keep.txt")).unwrap(),
            "mine"
        );
        // An existing empty directory is fine.
        let empty = tempfile::tempdir().unwrap();
        assert!(write(empty.path()).is_ok());
    }
}
