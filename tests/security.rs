//! The crypto policy as an outside auditor sees it: `ssh-audit` (from
//! PyPI) against the real server reports no failure and no warning —
//! except one we keep on purpose: classical curve25519 key exchange, which
//! ssh-audit flags as not post-quantum. Without it every client older than
//! OpenSSH 9.9 (and PuTTY, Dropbear, most phone apps) could not connect at
//! all; clients that can, get mlkem768x25519 first.

use std::process::Command;

use crate::util::*;

/// Warnings accepted, each for the reason above.
const ACCEPTED: &[&str] = &[
    "(kex) curve25519-sha256 -- [warn] does not provide protection against post-quantum attacks",
    "(kex) curve25519-sha256@libssh.org -- [warn] does not provide protection against post-quantum attacks",
];

#[test]
fn ssh_audit_finds_no_failures_or_unexpected_warnings() {
    if !have_client("ssh-audit", "-h") {
        return;
    }
    let server = TestServer::start();
    let out = Command::new("ssh-audit")
        .args([
            "-b",
            "-n",
            "-p",
            &server.addr.port().to_string(),
            "127.0.0.1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut findings = Vec::new();
    for line in text.lines() {
        // One finding per line in batch mode; squeeze runs of spaces.
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if (line.contains("[fail]") || line.contains("[warn]"))
            && !ACCEPTED.contains(&line.as_str())
        {
            findings.push(line);
        }
    }
    assert!(
        text.contains("kex-strict-s-v00@openssh.com"),
        "strict kex advertised:\n{text}"
    );
    assert!(
        text.contains("mlkem768x25519-sha256"),
        "post-quantum kex offered:\n{text}"
    );
    assert!(
        findings.is_empty(),
        "ssh-audit findings:\n{}\n\nfull output:\n{text}",
        findings.join("\n")
    );
}
