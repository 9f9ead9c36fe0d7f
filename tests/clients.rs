//! The client matrix beyond OpenSSH and russh: PuTTY's `plink` and
//! Dropbear's `dbclient`, each for exec and for an interactive session in
//! a real pseudo-terminal, each getting in without any prompt.

use std::net::SocketAddr;

use sshfolio::export;

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

/// plink, pinned to the server's host key (so no prompt), batch mode (so
/// any prompt at all would fail instead).
fn plink_args(server: &TestServer, interactive: bool, command: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "-batch".into(),
        "-P".into(),
        server.addr.port().to_string(),
        "-hostkey".into(),
        server.fingerprint.clone(),
        "-l".into(),
        "visitor".into(),
    ];
    args.push(if interactive { "-t" } else { "-T" }.into());
    args.push("127.0.0.1".into());
    args.extend(command.map(String::from));
    args
}

/// dbclient, not checking or storing host keys (it has no batch flag;
/// -yy makes it never ask).
fn dbclient_args(addr: SocketAddr, interactive: bool, command: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> = vec!["-yy".into(), "-p".into(), addr.port().to_string()];
    if interactive {
        args.push("-t".into());
    }
    args.push("visitor@127.0.0.1".into());
    args.extend(command.map(String::from));
    args
}

fn browse_and_quit(mut client: PtySsh) {
    client.wait_for(ABOUT);
    client.send(b"\t");
    client.wait_for("Where I've Worked");
    client.send(b"4\x1b[B\r");
    client.wait_for("Clients send an idempotency key with each request");
    client.resize(40, 15);
    client.wait_for("‹ 4/6 Insights ›");
    client.send(b"q");
    assert_eq!(client.wait_exit(), 0);
    client.with_screen(|s| {
        assert!(!s.alternate_screen());
        assert!(!s.hide_cursor());
    });
}

#[test]
fn plink_exec_prints_the_resume() {
    if !have_client("plink", "-V") {
        return;
    }
    let server = TestServer::start();
    let out = run_program("plink", &plink_args(&server, false, Some("resume")));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        export::resume(&server.content)
    );
    assert!(
        out.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn plink_interactive_session() {
    if !have_client("plink", "-V") {
        return;
    }
    let server = TestServer::start();
    let client = PtySsh::spawn_program("plink", &plink_args(&server, true, None), 80, 24);
    browse_and_quit(client);
}

#[test]
fn dbclient_exec_prints_the_resume() {
    if !have_client("dbclient", "-V") {
        return;
    }
    let server = TestServer::start();
    let out = run_program(
        "dbclient",
        &dbclient_args(server.addr, false, Some("resume")),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        export::resume(&server.content)
    );
}

#[test]
fn dbclient_interactive_session() {
    if !have_client("dbclient", "-V") {
        return;
    }
    let server = TestServer::start();
    let client = PtySsh::spawn_program("dbclient", &dbclient_args(server.addr, true, None), 80, 24);
    browse_and_quit(client);
}
