//! The server under test, two ways: `TestServer`, the library's server in
//! its own runtime on a background thread (ephemeral port, temp keys and
//! data, settings and limits as the test says), and `ServerProcess`, the
//! real `sshfolio serve` binary with its log collected. Also the binary
//! itself for owner commands (`sshfolio_bin`, `owner_stats`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sshfolio::content::Content;
use sshfolio::inbox::{Database, Inbox, Policy};
use sshfolio::server;
use sshfolio::server::owner::Owner;
use sshfolio::server::{Limits, Settings};
use sshfolio::server::{host_key, ssh_config};
use sshfolio::session::{ContentSource, SessionLimits, Shared};
use tokio_util::sync::CancellationToken;

use super::content::{content_dir, shipped_content};
use super::wait::TIMEOUT;

/// How a test server is set up.
pub struct Options {
    pub keys: Option<PathBuf>,
    pub data: Option<PathBuf>,
    /// The inbox's database; SQLite in `data` when `None`.
    pub database: Option<Database>,
    pub messages_per_hour: u32,
    pub settings: Settings,
    pub limits: SessionLimits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keys: None,
            data: None,
            database: None,
            messages_per_hour: 5,
            settings: Settings {
                limits: Limits {
                    // Tests open many sessions from 127.0.0.1 quickly.
                    connect_rate_per_ip: 100_000,
                    max_connections_per_ip: 1000,
                    ..Limits::default()
                },
                ..Settings::default()
            },
            limits: SessionLimits::default(),
        }
    }
}

/// The server running in its own runtime on a background thread.
pub struct TestServer {
    pub addr: SocketAddr,
    pub fingerprint: String,
    pub content: Arc<Content>,
    /// The server's data directory (messages.db lives here).
    pub data: PathBuf,
    shutdown: CancellationToken,
    thread: Option<JoinHandle<()>>,
    _dirs: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server with fresh temp keys and data.
    pub fn start() -> TestServer {
        let dirs = tempfile::tempdir().unwrap();
        let mut server =
            TestServer::start_in(&dirs.path().join("keys"), &dirs.path().join("data"), 5);
        server._dirs = Some(dirs);
        server
    }

    /// A server using (and creating if needed) the host key in `keys`.
    pub fn start_with_keys(keys: &Path) -> TestServer {
        let data = keys.with_file_name("data");
        TestServer::start_in(keys, &data, 5)
    }

    /// A server with its keys and data where the test says, and a message
    /// limit per hour.
    pub fn start_in(keys: &Path, data: &Path, messages_per_hour: u32) -> TestServer {
        TestServer::start_with(Options {
            keys: Some(keys.to_path_buf()),
            data: Some(data.to_path_buf()),
            messages_per_hour,
            ..Options::default()
        })
    }

    /// A server with these settings and session limits (fresh temp dirs).
    pub fn start_limited(settings: Settings, limits: SessionLimits) -> TestServer {
        TestServer::start_with(Options {
            settings,
            limits,
            ..Options::default()
        })
    }

    pub fn start_with(options: Options) -> TestServer {
        let dirs = tempfile::tempdir().unwrap();
        let keys = options.keys.unwrap_or_else(|| dirs.path().join("keys"));
        let data = options.data.unwrap_or_else(|| dirs.path().join("data"));
        let content = Arc::new(shipped_content());
        let key = host_key::load_or_create(&keys).unwrap();
        let fingerprint = host_key::fingerprint(&key);
        let config = Arc::new(ssh_config::config(key));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let thread = {
            let (content, shutdown) = (content.clone(), shutdown.clone());
            let database = options
                .database
                .unwrap_or_else(|| Database::Sqlite(data.clone()));
            let (limits, per_hour) = (options.limits, options.messages_per_hour);
            // Owner keys, when a test wrote them into the keys directory.
            let settings = Settings {
                owner: Arc::new(Owner::load(&keys, "owner")),
                ..options.settings
            };
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                let entered = runtime.enter();
                let (inbox, inbox_tasks) = Inbox::start(
                    &database,
                    Policy {
                        messages_per_hour: per_hour,
                        ..Policy::default()
                    },
                );
                drop(entered);
                let shared = Shared {
                    content: ContentSource::fixed(content),
                    inbox,
                    limits,
                    census: Default::default(),
                };
                runtime.block_on(async {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    server::run(listener, config, shared, settings, shutdown).await;
                    inbox_tasks.finish(Duration::from_secs(5)).await;
                });
                drop(runtime);
            })
        };
        TestServer {
            addr,
            fingerprint,
            content,
            data,
            shutdown,
            thread: Some(thread),
            _dirs: Some(dirs),
        }
    }

    /// Shuts down and waits for the server to finish draining.
    pub fn stop(mut self) -> Duration {
        let started = Instant::now();
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
        started.elapsed()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `sshfolio stats` on a data directory, as text.
pub fn owner_stats(data: &Path) -> String {
    let out = sshfolio_bin()
        .args(["stats", "--data"])
        .arg(data)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The sshfolio binary.
pub fn sshfolio_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sshfolio"))
}

/// The real server binary, run as an owner would, its log collected.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `sshfolio serve` on 127.0.0.1:0 with these dirs; `wrap` runs
    /// it under another command (e.g. `unshare`), given as its argv head.
    pub fn spawn(keys: &Path, data: &Path, wrap: &[String]) -> ServerProcess {
        ServerProcess::spawn_with(keys, data, &content_dir(), &[], wrap)
    }

    /// With a content directory and extra `serve` flags.
    pub fn spawn_with(
        keys: &Path,
        data: &Path,
        content: &Path,
        extra: &[&str],
        wrap: &[String],
    ) -> ServerProcess {
        use std::io::BufRead;
        let bin = env!("CARGO_BIN_EXE_sshfolio").to_string();
        let mut argv: Vec<String> = wrap.to_vec();
        argv.push(bin);
        // The test's own --listen, if it gives one, replaces loopback.
        let listen = match extra.iter().position(|a| *a == "--listen") {
            Some(i) => extra[i + 1],
            None => "127.0.0.1:0",
        };
        argv.extend(
            [
                "serve",
                "--listen",
                listen,
                "--content",
                &content.display().to_string(),
                "--keys",
                &keys.display().to_string(),
                "--data",
                &data.display().to_string(),
            ]
            .map(String::from),
        );
        let mut rest = extra.iter();
        while let Some(arg) = rest.next() {
            if *arg == "--listen" {
                rest.next();
                continue;
            }
            argv.push(arg.to_string());
        }
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stderr)
                    .lines()
                    .map_while(Result::ok)
                {
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                        let _ = tx.send(addr);
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        let addr = rx
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|_| panic!("server did not start; log: {:?}", log.lock().unwrap()))
            .parse()
            .unwrap();
        ServerProcess { child, addr, log }
    }

    /// The server's resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// The address of `--metrics-listen`, as the server logged it.
    pub fn metrics_addr(&self) -> SocketAddr {
        let line = self.wait_log("metrics on http://");
        let rest = line.split("metrics on http://").nth(1).unwrap();
        rest.split('/').next().unwrap().parse().unwrap()
    }

    /// Waits until a log line contains `text`.
    pub fn wait_log(&self, text: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(line) = self.log.lock().unwrap().iter().find(|l| l.contains(text)) {
                return line.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no log line with {text:?}: {:?}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal by name (TERM, HUP…).
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name}");
    }

    /// Waits for the process to exit; its exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no chance to flush or clean up anything.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
