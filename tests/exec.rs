//! No-PTY and exec sessions: the exact bytes of each export, exit codes,
//! and the refusal of unknown commands.

use sshfolio::app::Section;
use sshfolio::export;

use crate::util::*;

#[tokio::test(flavor = "multi_thread")]
async fn shell_without_pty_prints_the_resume() {
    let server = TestServer::start();
    let out = russh_shell_without_pty(server.addr).await;
    assert_eq!(out.stdout_text(), export::resume(&server.content));
    assert!(!out.stdout.contains(&0x1b), "no escape byte anywhere");
    assert_eq!(out.status, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_commands_print_their_exports() {
    let server = TestServer::start();
    let c = &server.content;
    let mut cases = vec![
        ("resume", export::resume(c)),
        ("json", export::json(c)),
        ("vcard", export::vcard(c)),
        ("help", export::help(c)),
    ];
    for section in Section::ALL {
        cases.push((section.name(), export::section_text(c, section)));
    }
    for (command, want) in cases {
        let out = russh_exec(server.addr, command).await;
        assert_eq!(out.stdout_text(), want, "{command}");
        assert!(out.stderr.is_empty(), "{command}");
        assert!(!out.stdout.contains(&0x1b), "{command}");
        assert_eq!(out.status, Some(0), "{command}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_command_exits_127_naming_the_valid_ones() {
    let server = TestServer::start();
    let out = russh_exec(server.addr, "cat /etc/passwd").await;
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "sshfolio: unknown command \"cat /etc/passwd\"; try one of: {}\n",
            export::COMMANDS
        )
    );
    assert_eq!(out.status, Some(127));
}

#[test]
fn openssh_exec_resume_and_json() {
    let server = TestServer::start();
    let out = openssh_run(server.addr, &[], &["resume"], b"");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        export::resume(&server.content)
    );
    assert!(
        out.stderr.is_empty(),
        "no prompt, no warning: {:?}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = openssh_run(server.addr, &[], &["json"], b"");
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["profile"]["name"], "Akshay Kale");
}

#[test]
fn openssh_without_pty_prints_the_resume() {
    let server = TestServer::start();
    let out = openssh_run(server.addr, &["-T"], &[], b"");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        export::resume(&server.content)
    );
}

#[test]
fn openssh_unknown_command_exits_127() {
    let server = TestServer::start();
    let out = openssh_run(server.addr, &[], &["sh", "-c", "id"], b"");
    assert_eq!(out.status.code(), Some(127));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("sshfolio: unknown command \"sh -c id\""),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn openssh_exec_with_forced_pty_uses_crlf() {
    let server = TestServer::start();
    let out = openssh_run(server.addr, &["-tt"], &["contact"], b"");
    assert_eq!(out.status.code(), Some(0));
    let want = export::section_text(&server.content, Section::Contact).replace('\n', "\r\n");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
}
