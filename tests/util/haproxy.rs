//! HAProxy (Debian's `haproxy` package) in front of the replicas under
//! test, run with the deploy example `deploy/haproxy.cfg` itself: its
//! frontend moved to a loopback port, its two servers to the replicas'
//! addresses, health checks every 300 ms, and in the foreground (no
//! daemon, no user switch, no syslog). Without the binary the test is
//! skipped (`require`: recorded for the run's summary, or a failure when
//! `SSHFOLIO_REQUIRE_CLIENTS=1`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::skip::require;
use super::wait::poll_until;

pub struct Haproxy {
    pub addr: SocketAddr,
    child: Child,
    _dir: tempfile::TempDir,
}

/// The installed binary; `None` (the test skipped) when there is none.
fn binary() -> Option<PathBuf> {
    const PLACES: [&str; 3] = [
        "/usr/sbin/haproxy",
        "/usr/local/sbin/haproxy",
        "/usr/bin/haproxy",
    ];
    require("haproxy", || {
        PLACES
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .ok_or_else(|| format!("not found: {}", PLACES.join(", ")))
    })
}

/// Whether HAProxy is installed (the test skipped when not).
pub fn haproxy_installed() -> bool {
    binary().is_some()
}

impl Haproxy {
    /// HAProxy balancing over `replicas`, started; `None` (the test
    /// skipped) when it is not installed.
    /// Each replica is its SSH address and its metrics address (where the
    /// health check asks `/readyz`).
    pub fn start(replicas: &[(SocketAddr, SocketAddr)]) -> Option<Haproxy> {
        let bin = binary()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let example = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("deploy/haproxy.cfg"),
        )
        .unwrap();
        let config = for_test(&example, port, replicas);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, &config).unwrap();
        let check = Command::new(&bin)
            .arg("-c")
            .arg("-f")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "haproxy -c: {}\n{config}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new(&bin)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        poll_until("haproxy listening", || {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        });
        Some(Haproxy {
            addr,
            child,
            _dir: dir,
        })
    }
}

/// The deploy example with test addresses and timings.
fn for_test(example: &str, port: u16, replicas: &[(SocketAddr, SocketAddr)]) -> String {
    let mut servers = replicas.iter();
    let mut config = String::new();
    for line in example.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let line = match words.first().copied() {
            Some("daemon" | "user" | "group" | "log") => continue,
            Some("bind") => format!("    bind 127.0.0.1:{port}"),
            Some("server") => {
                let (addr, metrics) = servers.next().expect("as many replicas as the example has");
                line.replace(words[2], &addr.to_string())
                    .replace("port 9100", &format!("port {}", metrics.port()))
                    .replace("inter 2s fall 2 rise 2", "inter 300ms fall 1 rise 1")
            }
            _ => line.to_string(),
        };
        config.push_str(&line);
        config.push('\n');
    }
    assert!(
        servers.next().is_none(),
        "the example has a server per replica"
    );
    assert!(config.contains("send-proxy-v2") && config.contains("mode tcp"));
    let settings: Vec<&str> = config
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    assert!(settings.iter().any(|l| l.contains("GET /readyz")));
    assert!(!settings.iter().any(|l| l.contains("port 9100")));
    config
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
