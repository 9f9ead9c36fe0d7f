//! Everything that is not browsing is refused with the protocol's failure
//! reply: port forwarding (local, remote, dynamic), agent and X11
//! forwarding, subsystems (sftp, and so scp), env beyond the spec's
//! names, a second session channel. Through the russh client for the
//! exact replies, and through OpenSSH as visitors would try them.

use std::process::{Command, Stdio};

use russh::ChannelMsg;

use crate::util::*;

/// The reply to a channel request sent with want_reply.
async fn reply(channel: &mut russh::Channel<russh::client::Msg>) -> ChannelMsg {
    loop {
        let msg = tokio::time::timeout(TIMEOUT, channel.wait())
            .await
            .expect("a reply")
            .expect("channel open");
        if matches!(msg, ChannelMsg::Success | ChannelMsg::Failure) {
            return msg;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarding_requests_are_refused() {
    let server = TestServer::start();
    let (handle, _) = russh_connect(server.addr, "visitor").await;
    // -L and -D both open direct-tcpip channels.
    assert!(
        handle
            .channel_open_direct_tcpip("127.0.0.1", 22, "127.0.0.1", 5555)
            .await
            .is_err()
    );
    assert!(
        handle
            .channel_open_direct_streamlocal("/run/docker.sock")
            .await
            .is_err()
    );
    // -R asks for tcpip-forward.
    assert!(handle.tcpip_forward("127.0.0.1", 0).await.is_err());
    assert!(handle.streamlocal_forward("/tmp/sock").await.is_err());
    // The connection is still good for what it is for.
    let mut channel = handle.channel_open_session().await.unwrap();
    channel.exec(true, "about").await.unwrap();
    assert!(matches!(reply(&mut channel).await, ChannelMsg::Success));
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_x11_subsystems_and_foreign_env_are_refused() {
    let server = TestServer::start();
    let (handle, _) = russh_connect(server.addr, "visitor").await;
    let mut channel = handle.channel_open_session().await.unwrap();
    channel.agent_forward(true).await.unwrap();
    assert!(
        matches!(reply(&mut channel).await, ChannelMsg::Failure),
        "agent"
    );
    channel
        .request_x11(true, false, "MIT-MAGIC-COOKIE-1", "0123456789abcdef", 0)
        .await
        .unwrap();
    assert!(
        matches!(reply(&mut channel).await, ChannelMsg::Failure),
        "x11"
    );
    for (name, want_ok) in [
        ("LD_PRELOAD", false),
        ("PATH", false),
        ("TERM", true),
        ("LANG", true),
        ("LC_ALL", true),
        ("NO_COLOR", true),
        ("COLORTERM", true),
    ] {
        channel.set_env(true, name, "x").await.unwrap();
        let ok = matches!(reply(&mut channel).await, ChannelMsg::Success);
        assert_eq!(ok, want_ok, "env {name}");
    }
    channel.request_subsystem(true, "sftp").await.unwrap();
    assert!(
        matches!(reply(&mut channel).await, ChannelMsg::Failure),
        "sftp"
    );
}

#[test]
fn openssh_sftp_and_scp_get_nothing() {
    let server = TestServer::start();
    require_ssh();
    let port = server.addr.port().to_string();
    let opts = [
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
    ];
    let dir = tempfile::tempdir().unwrap();
    if Command::new("sftp")
        .arg("-h")
        .stderr(Stdio::null())
        .status()
        .is_ok()
    {
        let out = Command::new("sftp")
            .args(["-F", "/dev/null", "-P", &port])
            .args(opts)
            .args(["-b", "-", "visitor@127.0.0.1"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(0), "sftp must fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("subsystem request failed"), "{stderr}");
    }
    if Command::new("scp")
        .arg("-h")
        .stderr(Stdio::null())
        .status()
        .is_ok()
    {
        let target = dir.path().join("got");
        // Modern scp speaks sftp; -O forces the old protocol, which runs a
        // command on the server: neither gets a file.
        for legacy in [false, true] {
            let mut cmd = Command::new("scp");
            cmd.args(["-F", "/dev/null", "-P", &port]).args(opts);
            if legacy {
                cmd.arg("-O");
            }
            let out = cmd
                .arg("visitor@127.0.0.1:/etc/passwd")
                .arg(&target)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert_ne!(
                out.status.code(),
                Some(0),
                "scp (legacy: {legacy}) must fail"
            );
            assert!(!target.exists());
        }
    }
}

#[test]
fn openssh_remote_forwarding_fails_the_session() {
    let server = TestServer::start();
    let out = openssh_run(
        server.addr,
        &[
            "-o",
            "ExitOnForwardFailure=yes",
            "-R",
            "0:127.0.0.1:9",
            "-N",
        ],
        &[],
        b"",
    );
    assert_eq!(out.status.code(), Some(255), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("remote port forwarding failed"), "{stderr}");
}

#[test]
fn openssh_local_forwarding_is_refused() {
    use std::io::{Read, Write};
    let server = TestServer::start();
    require_ssh();
    // What a working forward would reach: it greets every connection.
    let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target_port = target.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut conn in target.incoming().flatten() {
            let _ = conn.write_all(b"hello");
        }
    });
    // A free local port for ssh to listen on.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let local = free.local_addr().unwrap().port();
    drop(free);
    let mut args = ssh_args(server.addr, "visitor");
    let host = args.pop().unwrap();
    args.extend([
        "-N".into(),
        "-L".into(),
        format!("{local}:127.0.0.1:{target_port}"),
        host,
    ]);
    let mut ssh = Command::new("ssh")
        .args(&args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut tcp = None;
    poll_until("ssh to listen on the forwarded port", || {
        tcp = std::net::TcpStream::connect(("127.0.0.1", local)).ok();
        tcp.is_some()
    });
    let mut tcp = tcp.unwrap();
    tcp.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut got = Vec::new();
    // ssh closes the connection once the server refused its channel: the
    // end of it, not a read timeout, is what shows nothing came through.
    let read = tcp.read_to_end(&mut got);
    assert!(got.is_empty(), "the server forwarded: {got:?}");
    assert!(
        read.is_ok(),
        "ssh never closed the forwarded connection: {read:?}"
    );
    let _ = ssh.kill();
    let _ = ssh.wait();
}
