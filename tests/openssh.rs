//! The interactive UI through the OpenSSH client running in a real
//! pseudo-terminal: no prompt, first screen, navigation, resize by the
//! terminal, quit with status 0 and the terminal restored.

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

#[test]
fn openssh_visitor_browses_and_quits() {
    let server = TestServer::start();
    let mut ssh = PtySsh::spawn(server.addr, "visitor", 80, 24);
    ssh.wait_for(ABOUT);
    assert!(ssh.contents().contains("1 About"));
    ssh.send(b"\t");
    ssh.wait_for("Where I've Worked");
    ssh.send(b"4");
    ssh.wait_for("Scaling LLM Inference");
    // Down arrow as the terminal sends it, then Enter.
    ssh.send(b"\x1b[B\r");
    ssh.wait_for("Clients send an idempotency key with each request");
    ssh.send(b"\x1b");
    ssh.wait_for("2/6");
    ssh.resize(40, 15);
    ssh.wait_for("‹ 4/6 Insights ›");
    ssh.resize(100, 30);
    ssh.wait_for("5 Projects");
    ssh.send(b"q");
    assert_eq!(ssh.wait_exit(), 0);
    ssh.with_screen(|s| {
        assert!(!s.alternate_screen());
        assert!(!s.hide_cursor());
    });
}

#[test]
fn openssh_deep_link_opens_projects() {
    let server = TestServer::start();
    let mut ssh = PtySsh::spawn(server.addr, "projects", 80, 24);
    ssh.wait_for("Things I've Built");
    ssh.send(b"\x03");
    assert_eq!(ssh.wait_exit(), 0);
}

#[test]
fn openssh_forced_tty_without_a_local_terminal_gets_80x24() {
    // `ssh -tt` from a script: stdin is a pipe, the pty-req says 0x0.
    let server = TestServer::start();
    let out = openssh_run(server.addr, &["-tt"], &[], b"q");
    assert_eq!(out.status.code(), Some(0));
    let mut parser = vt(80, 24);
    // Replay up to the restore, to see the UI's last frame.
    let end = out
        .stdout
        .windows(8)
        .position(|w| w == b"\x1b[?1049l")
        .unwrap_or(out.stdout.len());
    parser.process(&out.stdout[..end]);
    let rows: Vec<String> = parser.screen().rows(0, 80).collect();
    assert!(rows[0].contains("Akshay Kale"), "{rows:#?}");
    assert!(rows[23].contains("q quit"), "footer on row 24: {rows:#?}");
}
