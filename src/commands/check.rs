//! `sshfolio check`: validates a content directory; every problem on its
//! own line as `file:line:col: message`, exit 1 if there is any.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Result;

use super::{EXIT_FAILURE, print};
use crate::cli::CheckArgs;
use crate::content;
use crate::text::counted;

pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    match content::load_with_warnings(&args.content) {
        Ok((content, warnings)) => {
            let mut out = String::new();
            for warning in &warnings {
                let _ = writeln!(out, "{warning}");
            }
            let warned = match warnings.len() {
                0 => String::new(),
                n => format!("; {}", counted(n, "warning")),
            };
            let _ = writeln!(
                out,
                "{}: ok ({}, {}, {}{warned})",
                args.content.display(),
                counted(content.experience.jobs.len(), "job"),
                counted(content.insights.insights.len(), "insight"),
                counted(content.projects.projects.len(), "project"),
            );
            print(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            print(&format!("{e}\n"))?;
            eprintln!("{} found", counted(e.problems.len(), "problem"));
            Ok(ExitCode::from(EXIT_FAILURE))
        }
    }
}
