//! The `sshfolio` binary: `check` on good and bad content, and `serve`
//! refusing bad content and announcing its address and host key.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::*;

fn sshfolio() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sshfolio"))
}

/// A copy of the shipped content with one file replaced.
fn broken_content(file: &str, text: &str) -> tempfile::TempDir {
    let dir = content_copy();
    std::fs::write(dir.path().join(file), text).unwrap();
    dir
}

#[test]
fn check_accepts_the_shipped_content() {
    let out = sshfolio()
        .args(["check", "--content"])
        .arg(content_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8(out.stdout).unwrap().contains(": ok"));
}

#[test]
fn check_prints_file_line_col_and_exits_1() {
    let dir = broken_content(
        "projects.toml",
        "subtitle = \"x\"\n[[project]]\nname = \"a\"\ndescription = \"b\"\nstars = 3\n",
    );
    std::fs::write(
        dir.path().join("contact.toml"),
        "subtitle = \"s\"\nmessage = \"m\"\nemail = \"a@b.c\"\nemail = \"d\"\n",
    )
    .unwrap();
    let out = sshfolio()
        .args(["check", "--content"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let path = |f: &str| dir.path().join(f).display().to_string();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with(&format!(
            "{}:5:1: unknown field `stars`",
            path("projects.toml")
        )),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with(&format!("{}:4:1: ", path("contact.toml"))),
        "{stdout}"
    );
    assert!(lines[1].contains("duplicate key"), "{stdout}");
}

#[test]
fn check_reads_the_content_dir_from_the_environment() {
    let dir = broken_content("skills.toml", "subtitle = \"s\"\ngroup = []\n");
    let out = sshfolio()
        .arg("check")
        .env("SSHFOLIO_CONTENT", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("skills.toml:2:9: empty section: add at least one [[group]]"),
        "{stdout}"
    );
}

#[test]
fn serve_refuses_invalid_content() {
    let dir = broken_content("profile.toml", "name = \n");
    let keys = tempfile::tempdir().unwrap();
    let out = sshfolio()
        .args(["serve", "--listen", "127.0.0.1:0", "--content"])
        .arg(dir.path())
        .arg("--keys")
        .arg(keys.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "{}:1:8: ",
            dir.path().join("profile.toml").display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("listening"), "{stderr}");
    assert!(
        !keys.path().join("ssh_host_ed25519_key").exists(),
        "nothing started"
    );
}

#[test]
fn serve_logs_its_address_and_host_key_then_serves() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let mut child = sshfolio()
        .args(["--listen", "127.0.0.1:0", "--content"])
        .arg(content_dir())
        .arg("--keys")
        .arg(&keys)
        .arg("--data")
        .arg(dir.path().join("data"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines
        .by_ref()
        .map(|l| l.unwrap())
        .find(|l| l.contains("listening on"))
        .expect("a listening line");
    assert!(
        !line.contains('\x1b'),
        "no colour codes in a piped log: {line:?}"
    );
    let rest = line.split("listening on ").nth(1).unwrap();
    let (addr, key) = rest.split_once(" (host key ").unwrap();
    let fingerprint = key.trim_end_matches(')');
    assert!(fingerprint.starts_with("SHA256:"), "{line}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(keys.join("ssh_host_ed25519_key"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    let out = openssh_run(addr.parse().unwrap(), &[], &["about"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("ABOUT"));

    // SIGTERM: a clean exit.
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(Path::new(&keys).join("ssh_host_ed25519_key.pub").exists());
}

/// `sshfolio messages | head -1` and the like: a reader that went away
/// before the output was written. Regression: `print!` panicked on the
/// broken pipe (status 101 and a panic message on stderr).
#[test]
fn owner_commands_end_quietly_when_the_reader_goes_away() {
    let data = tempfile::tempdir().unwrap();
    for args in [
        &["messages"][..],
        &["messages", "--json"],
        &["stats"],
        &["check"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        // Nobody will ever read: the first write fails with EPIPE.
        drop(reader);
        let out = sshfolio()
            .args(args)
            .arg(if args[0] == "check" {
                "--content"
            } else {
                "--data"
            })
            .arg(if args[0] == "check" {
                content_dir()
            } else {
                data.path().to_path_buf()
            })
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// Whether `text` holds anything a terminal would act on or that would
/// disguise the text: control characters but newline and tab, DEL, C1,
/// direction overrides, line separators.
fn terminal_unsafe(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| !matches!(c, '\n' | '\t') && sshfolio::sanitize::is_terminal_unsafe(c))
        .collect()
}

/// Rows written straight into the database (an old version, a hand edit)
/// with escape sequences, C1 controls and direction overrides in every
/// text column: nothing the owner's commands print carries them out.
#[test]
fn owner_output_is_clean_whatever_the_database_holds() {
    let data = tempfile::tempdir().unwrap();
    let conn = sshfolio::inbox::sqlite::schema::open(&data.path().join("messages.db")).unwrap();
    let evil = "x\x1b[2J\x1b]52;c;ZXZpbA==\x07\u{9b}31m\u{202e}gnp.exe\u{2028}y\x7f";
    conn.execute(
        "INSERT INTO messages (submission_id, received_at, name, contact, body, visitor, key_fingerprint)
         VALUES ('s1', strftime('%s','now'), ?1, ?1, ?1, 'v', ?1)",
        [evil],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO visits (started_at, duration_ms, visitor, client, term, cols, rows, sections, left_message, kind)
         VALUES (strftime('%s','now'), 5000, 'v', ?1, ?1, 80, 24, ?2, 0, ?1)",
        [evil, &format!("about,{evil},skills")],
    )
    .unwrap();
    drop(conn);
    for args in [
        &["messages"][..],
        &["messages", "--json"],
        &["messages", "--unread"],
        &["stats"],
    ] {
        let out = sshfolio()
            .args(args)
            .arg("--data")
            .arg(data.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(terminal_unsafe(&stdout).is_empty(), "{args:?}: {stdout:?}");
        assert!(
            stdout.contains('x'),
            "{args:?}: the text itself is kept: {stdout}"
        );
    }
    // The JSON still says exactly what is stored.
    let out = sshfolio()
        .args(["messages", "--json", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["name"], evil);
}

#[test]
fn version_names_the_release_and_the_commit() {
    let out = sshfolio_bin().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8(out.stdout).unwrap();
    let prefix = format!("sshfolio {} (commit ", env!("CARGO_PKG_VERSION"));
    let commit = said
        .trim_end()
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{said:?}"));
    // Built from this checkout: the commit is its HEAD (as of the build).
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        Some(head) => assert!(
            commit == head || commit == format!("{head}-dirty"),
            "{commit} is not HEAD {head}"
        ),
        None => assert_eq!(commit, "unknown"),
    }
}
