//! The owner's authoring loop: `sshfolio init`, `check` warnings, and
//! `sshfolio preview` in a real pseudo-terminal — first screen, quitting
//! cleanly, and live reload of good, broken, deleted and swapped files.

use std::path::Path;
use std::time::Instant;

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

fn preview(content: &Path, extra: &[&str], cols: u16, rows: u16) -> PtySsh {
    let mut args = vec![
        "preview".to_string(),
        "--content".into(),
        content.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    PtySsh::spawn_program(env!("CARGO_BIN_EXE_sshfolio"), &args, cols, rows)
}

/// Replaces `from` with `to` in a content file, as an editor saving would.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in {file}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn preview_shows_the_portfolio_and_quits_cleanly() {
    let content = content_copy();
    let mut p = preview(content.path(), &[], 80, 24);
    p.wait_for(ABOUT);
    p.with_screen(|s| assert!(s.alternate_screen() && s.hide_cursor()));
    p.send(b"5");
    p.wait_for("Things I've Built");
    p.send(b"q");
    assert_eq!(p.wait_exit(), 0);
    p.with_screen(|s| {
        assert!(!s.alternate_screen(), "left the alternate screen");
        assert!(!s.hide_cursor());
        assert_eq!(s.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
    });
}

#[test]
fn preview_at_a_fixed_size_and_ctrl_c() {
    let content = content_copy();
    let mut p = preview(content.path(), &["--size", "40x15"], 80, 24);
    p.wait_for("‹ 1/6 About ›");
    p.send(b"\x03");
    assert_eq!(p.wait_exit(), 0);
    p.with_screen(|s| assert!(!s.alternate_screen()));
}

#[test]
fn saving_a_file_reloads_the_preview_in_place() {
    let content = content_copy();
    let mut p = preview(content.path(), &[], 80, 24);
    p.wait_for(ABOUT);
    // On the third project, then its description changes on disk.
    p.send(b"5jj");
    p.wait_for("3/6");
    let saved = Instant::now();
    edit(
        content.path(),
        "projects.toml",
        "name = \"Code Understanding Agent\"",
        "name = \"Code Understanding Agent v2\"",
    );
    p.wait_for("Code Understanding Agent v2");
    let took = saved.elapsed();
    eprintln!("reloaded {took:?} after the save");
    // By the save alone: a reload that waited for something else (a key,
    // a polling watcher) would come at the timeout or never.
    assert!(took < TIMEOUT / 2, "reload took {took:?}");
    assert!(
        p.contents().contains("3/6"),
        "selection kept:\n{}",
        p.contents()
    );
    p.send(b"q");
    assert_eq!(p.wait_exit(), 0);
}

#[test]
fn broken_deleted_and_swap_files_never_crash_the_preview() {
    let content = content_copy();
    let dir = content.path();
    let mut p = preview(dir, &[], 100, 30);
    p.wait_for(ABOUT);

    // A syntax error: its file:line:col over the last good content.
    let contact = std::fs::read_to_string(dir.join("contact.toml")).unwrap();
    std::fs::write(dir.join("contact.toml"), "subtitle = \"x\"\nemail = \n").unwrap();
    p.wait_for("1 problem in the content");
    p.wait_for("contact.toml:2:9:");
    assert!(
        p.contents().contains("Akshay Kale"),
        "the last good content stays beneath"
    );
    // Fixed: the overlay goes.
    std::fs::write(dir.join("contact.toml"), &contact).unwrap();
    p.wait_until("the overlay gone", |s| {
        !s.contents().contains("problem in the content")
    });

    // A file deleted, then back.
    let skills = std::fs::read(dir.join("skills.toml")).unwrap();
    std::fs::remove_file(dir.join("skills.toml")).unwrap();
    p.wait_for("skills.toml:1:1: cannot read file");
    std::fs::write(dir.join("skills.toml"), &skills).unwrap();
    p.wait_until("the overlay gone", |s| {
        !s.contents().contains("problem in the content")
    });

    // Bytes that are not UTF-8.
    std::fs::write(dir.join("skills.toml"), b"subtitle = \"caf\xe9\"\n").unwrap();
    p.wait_for("not valid UTF-8");
    std::fs::write(dir.join("skills.toml"), &skills).unwrap();
    p.wait_until("the overlay gone", |s| {
        !s.contents().contains("problem in the content")
    });

    // An editor's swap and backup files change nothing: a save after
    // them reloads (every reload reads the whole directory, so it sees
    // them too) without a problem.
    std::fs::write(dir.join(".profile.toml.swp"), b"\x00\x01binary swap").unwrap();
    std::fs::write(dir.join("profile.toml~"), b"old = [").unwrap();
    edit(
        dir,
        "profile.toml",
        "headline = \"An Engineer & Athlete\"",
        "headline = \"An Engineer & Athlete, Saved\"",
    );
    p.wait_for("An Engineer & Athlete, Saved");
    assert!(!p.contents().contains("problem"), "{}", p.contents());
    p.send(b"3");
    p.wait_for("Technical Arsenal");
    p.send(b"q");
    assert_eq!(p.wait_exit(), 0);
}

#[test]
fn preview_needs_a_terminal() {
    let out = sshfolio_bin()
        .args(["preview", "--content"])
        .arg(content_dir())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("preview needs a terminal"));
}

#[test]
fn init_writes_content_that_checks_and_previews() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("site");
    let out = sshfolio_bin().arg("init").arg(&target).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = sshfolio_bin()
        .args(["check", "--content"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.ends_with(": ok (1 job, 1 insight, 1 project)\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("warning"), "{stdout}");
    // Every field is commented: each `key =` line follows a comment.
    for file in ["profile.toml", "projects.toml", "contact.toml"] {
        let text = std::fs::read_to_string(target.join(file)).unwrap();
        assert!(
            text.lines().filter(|l| l.starts_with('#')).count() >= 4,
            "{file}"
        );
    }
    // Not over anything already there.
    let out = sshfolio_bin().arg("init").arg(&target).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    // And it previews.
    let mut p = preview(&target, &[], 80, 24);
    p.wait_for("Your Name");
    p.send(b"q");
    assert_eq!(p.wait_exit(), 0);
}

#[test]
fn check_prints_warnings_and_exits_zero() {
    let content = content_copy();
    edit(content.path(), "projects.toml", "year = 2025\n", "");
    let out = sshfolio_bin()
        .args(["check", "--content"])
        .arg(content.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let path = content.path().join("projects.toml").display().to_string();
    assert!(
        stdout.contains(&format!(
            "{path}:5:1: warning: project \"Kodai — Local-First AI Coding Agent\" has no `year`"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("; 1 warning)"), "{stdout}");
}
