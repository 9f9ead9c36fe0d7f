//! A real SMTP server for the email tests: aiosmtpd (from PyPI) run by
//! `tests/fixtures/smtp_receiver.py` on a loopback port, each mail kept
//! as a JSON file. Without aiosmtpd the tests are skipped (`require`:
//! recorded for the run's summary, or a failure when
//! `SSHFOLIO_REQUIRE_CLIENTS=1`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::skip::require;
use super::wait::poll_until;

pub struct SmtpReceiver {
    pub port: u16,
    child: Child,
    out: tempfile::TempDir,
}

impl SmtpReceiver {
    /// Started, or `None` (the test skipped) when aiosmtpd is not
    /// installed. With `login`, the server requires AUTH with that user
    /// and password.
    pub fn start(login: Option<(&str, &str)>) -> Option<SmtpReceiver> {
        require("aiosmtpd", || {
            let installed = Command::new("python3")
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            installed
                .then_some(())
                .ok_or_else(|| "`python3 -c 'import aiosmtpd'` failed".to_string())
        })?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let out = tempfile::tempdir().unwrap();
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smtp_receiver.py");
        let mut command = Command::new("python3");
        command.arg(script).arg(port.to_string()).arg(out.path());
        if let Some((user, password)) = login {
            command.args([user, password]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP receiver did not start");
        Some(SmtpReceiver { port, child, out })
    }

    /// Waits for the `n`-th mail (1-based); it as JSON: `mail_from`,
    /// `rcpt_tos`, `login`, `data` (the raw message).
    pub fn mail(&self, n: usize) -> serde_json::Value {
        let path = self.out.path().join(format!("{n}.json"));
        poll_until(&format!("mail {n}"), || path.exists());
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    /// Mails received so far.
    pub fn count(&self) -> usize {
        std::fs::read_dir(self.out.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "json")
            })
            .count()
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(10));
    }
}
