//! The release server the benchmark runs, and the far end of its
//! notify channel.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How long the server may take to say it is listening.
const STARTUP: Duration = Duration::from_secs(30);
/// How long the receiver waits for a request.
const REQUEST: Duration = Duration::from_secs(10);

/// The release server: [`Server::stop`] ends it (SIGTERM, then SIGKILL);
/// dropped without that, on an error, it is killed.
pub struct Server {
    child: Option<Child>,
    log: PathBuf,
    pub ssh: SocketAddr,
    pub metrics: SocketAddr,
}

impl Server {
    pub async fn start(
        bin: &Path,
        content: &Path,
        keys: &Path,
        data: &Path,
        notify: &str,
        work: &Path,
    ) -> Result<Server> {
        let log = work.join("server.log");
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone().context("opening the log twice")?;
        let child = Command::new(bin)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
            .arg("--keys")
            .arg(keys)
            .arg("--data")
            .arg(data)
            .arg("--content")
            .arg(content)
            .args(["--notify", notify])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut server = Server {
            child: Some(child),
            log,
            ssh: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        // Both addresses are in the log once it listens ("listening on
        // ADDR (host key …)", then "metrics on http://ADDR/metrics …").
        let deadline = Instant::now() + STARTUP;
        loop {
            let text = std::fs::read_to_string(&server.log).unwrap_or_default();
            let ssh = word_after(&text, "listening on ");
            let metrics = word_after(&text, "metrics on http://")
                .and_then(|w| w.strip_suffix("/metrics").map(str::to_string));
            if let (Some(ssh), Some(metrics)) = (ssh, metrics) {
                server.ssh = ssh.parse().context("the server's ssh address")?;
                server.metrics = metrics.parse().context("the server's metrics address")?;
                return Ok(server);
            }
            if let Some(Ok(Some(status))) = server.child.as_mut().map(Child::try_wait) {
                bail!("the server exited ({status}):\n{}", server.log_tail());
            }
            if Instant::now() > deadline {
                bail!(
                    "the server did not listen within {STARTUP:?}:\n{}",
                    server.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, and SIGKILL if it has not exited 10 s later.
    pub async fn stop(mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: kill(2) on the pid of our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!("the server did not stop within 10 s of SIGTERM: killing it");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The last lines of the server's log, for errors.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The whitespace-delimited word after the first `prefix` in `text`.
fn word_after(text: &str, prefix: &str) -> Option<String> {
    let rest = &text[text.find(prefix)? + prefix.len()..];
    rest.split_whitespace().next().map(str::to_string)
}

/// The notify channel's far end: answers every request 200 and counts them.
pub struct Receiver {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start() -> Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the notify receiver")?;
        let addr = listener.local_addr().context("the receiver's address")?;
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    let mut buf = [0u8; 16 * 1024];
                    let _ = tokio::time::timeout(REQUEST, stream.read(&mut buf)).await;
                    let _ = stream
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        )
                        .await;
                });
            }
        });
        Ok(Receiver {
            addr,
            requests,
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
