//! Test helpers: the real server on 127.0.0.1:0 with temp dirs, and three
//! ways to be a visitor — the russh client, OpenSSH `ssh` inside a real
//! pseudo-terminal, and `ssh` with pipes for exec. Every wait has a timeout
//! and fails with the screen as it was.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use russh::client;
use russh::keys::{HashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, Disconnect};
use sshfolio::content::{self, Content};
use sshfolio::inbox::Inbox;
use sshfolio::server;
use sshfolio::server::{Limits, Settings};
use sshfolio::server::{host_key, ssh_config};
use sshfolio::session::{ContentSource, SessionLimits, Shared};
use tokio_util::sync::CancellationToken;

/// How long any single wait may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("content")
}

/// A writable copy of the shipped content.
pub fn content_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(content_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

pub fn shipped_content() -> Content {
    content::load(&content_dir()).expect("shipped content is valid")
}

/// A vt100 terminal emulator of `cols` x `rows` (at least 1x1).
pub fn vt(cols: u16, rows: u16) -> vt100::Parser {
    let nz = |n: u16| std::num::NonZeroU16::new(n.max(1)).unwrap();
    vt100::Parser::new(nz(rows), nz(cols), 0)
}

pub fn set_size(screen: &mut vt100::Screen, cols: u16, rows: u16) {
    let nz = |n: u16| std::num::NonZeroU16::new(n.max(1)).unwrap();
    screen.set_size(nz(rows), nz(cols));
}

/// How a test server is set up.
pub struct Options {
    pub keys: Option<PathBuf>,
    pub data: Option<PathBuf>,
    pub messages_per_hour: u32,
    pub settings: Settings,
    pub limits: SessionLimits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            keys: None,
            data: None,
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
            let data = data.clone();
            let (settings, limits, per_hour) =
                (options.settings, options.limits, options.messages_per_hour);
            std::thread::spawn(move || {
                let (inbox, writer) = Inbox::start(&data, per_hour);
                let shared = Shared {
                    content: ContentSource::fixed(content),
                    inbox,
                    limits,
                };
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    server::run(listener, config, shared, settings, shutdown).await;
                });
                drop(runtime);
                writer.finish(Duration::from_secs(5));
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

    /// Starts shutdown, as SIGTERM would.
    pub fn begin_shutdown(&self) {
        self.shutdown.cancel();
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

/// Accepts any host key and remembers its fingerprint.
struct TrustingClient {
    host_key: Arc<Mutex<Option<String>>>,
}

impl client::Handler for TrustingClient {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        if let PublicKeyOrCertificate::PublicKey { key, .. } = key {
            *self.host_key.lock().unwrap() = Some(key.fingerprint(HashAlg::Sha256).to_string());
        }
        Ok(true)
    }
}

/// Connects with the russh client and authenticates with "none".
pub async fn russh_connect(
    addr: SocketAddr,
    user: &str,
) -> (client::Handle<impl client::Handler>, String) {
    russh_connect_with(addr, user, client::Config::default()).await
}

/// Connects without authenticating yet.
pub async fn russh_connect_only(addr: SocketAddr) -> client::Handle<impl client::Handler> {
    let handler = TrustingClient {
        host_key: Arc::new(Mutex::new(None)),
    };
    let config = Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    });
    tokio::time::timeout(TIMEOUT, client::connect(config, addr, handler))
        .await
        .expect("connect timed out")
        .expect("connect")
}

/// Connects with a given client configuration (TCP_NODELAY always on).
pub async fn russh_connect_with(
    addr: SocketAddr,
    user: &str,
    config: client::Config,
) -> (client::Handle<impl client::Handler>, String) {
    let host_key = Arc::new(Mutex::new(None));
    let handler = TrustingClient {
        host_key: host_key.clone(),
    };
    let config = Arc::new(client::Config {
        nodelay: true,
        ..config
    });
    let mut handle = tokio::time::timeout(TIMEOUT, client::connect(config, addr, handler))
        .await
        .expect("connect timed out")
        .expect("connect");
    let auth = handle.authenticate_none(user).await.expect("auth");
    assert!(auth.success(), "auth none must succeed: {auth:?}");
    let fingerprint = host_key.lock().unwrap().clone().expect("host key seen");
    (handle, fingerprint)
}

/// What an exec or no-PTY session printed.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: Option<u32>,
}

impl Output {
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }
}

/// Reads a channel to its end, collecting output and the exit status.
async fn collect(channel: &mut russh::Channel<client::Msg>) -> Output {
    let mut out = Output::default();
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let msg = tokio::time::timeout_at(deadline, channel.wait())
            .await
            .expect("channel did not close in time");
        match msg {
            Some(ChannelMsg::Data { data }) => out.stdout.extend_from_slice(&data),
            Some(ChannelMsg::ExtendedData { data, ext: 1 }) => out.stderr.extend_from_slice(&data),
            Some(ChannelMsg::ExitStatus { exit_status }) => out.status = Some(exit_status),
            Some(ChannelMsg::Close) | None => return out,
            Some(_) => {}
        }
    }
}

/// `ssh host COMMAND` through the russh client, without a PTY.
pub async fn russh_exec(addr: SocketAddr, command: &str) -> Output {
    let (handle, _) = russh_connect(addr, "visitor").await;
    let mut channel = handle.channel_open_session().await.unwrap();
    channel.exec(true, command).await.unwrap();
    let out = collect(&mut channel).await;
    let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
    out
}

/// Like `russh_exec`, but `None` when the server turns the connection away.
pub async fn try_russh_exec(addr: SocketAddr, command: &str) -> Option<Output> {
    let handler = TrustingClient {
        host_key: Arc::new(Mutex::new(None)),
    };
    let config = Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    });
    let mut handle = tokio::time::timeout(TIMEOUT, client::connect(config, addr, handler))
        .await
        .ok()?
        .ok()?;
    handle.authenticate_none("visitor").await.ok()?;
    let mut channel = handle.channel_open_session().await.ok()?;
    channel.exec(true, command).await.ok()?;
    let out = collect(&mut channel).await;
    let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
    Some(out)
}

/// Connects and authenticates over a TCP stream the test already wrote
/// to; `None` when the server closes it instead.
pub async fn russh_connect_over(
    stream: tokio::net::TcpStream,
) -> Option<client::Handle<impl client::Handler>> {
    let handler = TrustingClient {
        host_key: Arc::new(Mutex::new(None)),
    };
    let config = Arc::new(client::Config::default());
    let connect = client::connect_stream(config, stream, handler);
    let mut handle = tokio::time::timeout(TIMEOUT, connect).await.ok()?.ok()?;
    handle
        .authenticate_none("visitor")
        .await
        .ok()?
        .success()
        .then_some(())?;
    Some(handle)
}

/// `ssh host COMMAND` over a TCP stream the test already wrote to (a
/// PROXY header, say); `None` when the server closes it instead.
pub async fn russh_exec_over(stream: tokio::net::TcpStream, command: &str) -> Option<Output> {
    let handle = russh_connect_over(stream).await?;
    let mut channel = handle.channel_open_session().await.ok()?;
    channel.exec(true, command).await.ok()?;
    let out = collect(&mut channel).await;
    let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
    Some(out)
}

/// `ssh -T host` through the russh client: a shell without a PTY.
pub async fn russh_shell_without_pty(addr: SocketAddr) -> Output {
    let (handle, _) = russh_connect(addr, "visitor").await;
    let mut channel = handle.channel_open_session().await.unwrap();
    channel.request_shell(true).await.unwrap();
    collect(&mut channel).await
}

/// An interactive visitor on the russh client: a PTY, a shell, and a
/// vt100 screen fed with everything the server sends.
pub struct Visitor<H: client::Handler> {
    pub handle: client::Handle<H>,
    pub channel: russh::Channel<client::Msg>,
    pub parser: vt100::Parser,
    pub exit_status: Option<u32>,
    pub closed: bool,
    /// Every byte received, for byte-level assertions.
    pub received: Vec<u8>,
    /// Sizes of each data packet received.
    pub packets: Vec<usize>,
}

pub async fn russh_visitor(
    addr: SocketAddr,
    user: &str,
    term: &str,
    cols: u32,
    rows: u32,
) -> Visitor<impl client::Handler> {
    russh_visitor_with(addr, user, term, &[], cols, rows, client::Config::default()).await
}

/// A visitor with every knob: env requests and the client configuration.
pub async fn russh_visitor_with(
    addr: SocketAddr,
    user: &str,
    term: &str,
    env: &[(&str, &str)],
    cols: u32,
    rows: u32,
    config: client::Config,
) -> Visitor<impl client::Handler> {
    let (handle, _) = russh_connect_with(addr, user, config).await;
    Visitor::open(handle, term, env, cols, rows).await
}

/// Connects from `source` (another 127.0.0.0/8 address: another visitor as
/// far as the server can tell), proving `key` when given, else with "none".
pub async fn russh_connect_from(
    source: std::net::IpAddr,
    addr: SocketAddr,
    key: Option<&russh::keys::PrivateKey>,
) -> client::Handle<impl client::Handler> {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(source, 0)).unwrap();
    let stream = tokio::time::timeout(TIMEOUT, socket.connect(addr))
        .await
        .expect("connect timed out")
        .expect("connect");
    stream.set_nodelay(true).unwrap();
    let handler = TrustingClient {
        host_key: Arc::new(Mutex::new(None)),
    };
    let config = Arc::new(client::Config::default());
    let mut handle = tokio::time::timeout(TIMEOUT, client::connect_stream(config, stream, handler))
        .await
        .expect("handshake timed out")
        .expect("handshake");
    let auth = match key {
        Some(key) => {
            let key = russh::keys::PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None);
            handle.authenticate_publickey("visitor", key).await
        }
        None => handle.authenticate_none("visitor").await,
    };
    assert!(auth.expect("auth").success());
    handle
}

impl<H: client::Handler> Visitor<H> {
    /// Opens the interactive session on a connected, authenticated client:
    /// `env` requests, a PTY of `cols`x`rows`, a shell.
    pub async fn open(
        handle: client::Handle<H>,
        term: &str,
        env: &[(&str, &str)],
        cols: u32,
        rows: u32,
    ) -> Visitor<H> {
        let channel = handle.channel_open_session().await.unwrap();
        for (name, value) in env {
            channel.set_env(false, *name, *value).await.unwrap();
        }
        channel
            .request_pty(true, term, cols, rows, 0, 0, &[])
            .await
            .unwrap();
        channel.request_shell(true).await.unwrap();
        // The screen is what the server will serve: 0 → 80x24, clamped.
        let size = sshfolio::term::size::clamp(cols, rows);
        Visitor {
            handle,
            channel,
            parser: vt(size.cols, size.rows),
            exit_status: None,
            closed: false,
            received: Vec::new(),
            packets: Vec::new(),
        }
    }

    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    pub fn contents(&self) -> String {
        self.parser.screen().contents()
    }

    pub async fn send(&self, bytes: &[u8]) {
        self.channel.data(bytes).await.unwrap();
    }

    pub async fn resize(&mut self, cols: u16, rows: u16) {
        self.channel
            .window_change(u32::from(cols), u32::from(rows), 0, 0)
            .await
            .unwrap();
        set_size(self.parser.screen_mut(), cols, rows);
    }

    /// Handles one message; false once the channel is closed.
    fn take(&mut self, msg: Option<ChannelMsg>) -> bool {
        match msg {
            Some(ChannelMsg::Data { data }) => {
                self.parser.process(&data);
                self.received.extend_from_slice(&data);
                self.packets.push(data.len());
            }
            Some(ChannelMsg::ExitStatus { exit_status }) => self.exit_status = Some(exit_status),
            Some(ChannelMsg::Close) | None => {
                self.closed = true;
                return false;
            }
            Some(_) => {}
        }
        true
    }

    /// Reads until `done` holds for the screen, or fails showing it.
    pub async fn wait_until(&mut self, what: &str, done: impl Fn(&vt100::Screen) -> bool) {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        while !done(self.parser.screen()) {
            let msg = match tokio::time::timeout_at(deadline, self.channel.wait()).await {
                Ok(msg) => msg,
                Err(_) => panic!("timed out waiting for {what}; screen:\n{}", self.contents()),
            };
            if !self.take(msg) && !done(self.parser.screen()) {
                panic!(
                    "channel closed while waiting for {what}; screen:\n{}",
                    self.contents()
                );
            }
        }
    }

    pub async fn wait_for(&mut self, text: &str) {
        let text = text.to_string();
        self.wait_until(&format!("{text:?}"), move |s| s.contents().contains(&text))
            .await;
    }

    /// Reads whatever arrives within `quiet` of the last message.
    pub async fn drain(&mut self, quiet: Duration) {
        while let Ok(msg) = tokio::time::timeout(quiet, self.channel.wait()).await {
            if !self.take(msg) {
                return;
            }
        }
    }

    /// Reads to the end of the channel; the exit status.
    pub async fn wait_closed(&mut self) -> Option<u32> {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        while !self.closed {
            let msg = tokio::time::timeout_at(deadline, self.channel.wait())
                .await
                .unwrap_or_else(|_| panic!("channel did not close; screen:\n{}", self.contents()));
            self.take(msg);
        }
        self.exit_status
    }
}

/// The parameters of every SGR sequence (`ESC [ ... m`) in `bytes`.
pub fn sgr_params(bytes: &[u8]) -> Vec<Vec<u16>> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Vec::new();
    for part in text.split("\x1b[").skip(1) {
        let end = part
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(part.len());
        if part[end..].starts_with('m') {
            found.push(
                part[..end]
                    .split(';')
                    .filter_map(|p| p.parse().ok())
                    .collect(),
            );
        }
    }
    found
}

/// An SGR mouse report (1-based coordinates on the wire).
pub fn sgr_mouse(button: u16, column: u16, row: u16, press: bool) -> Vec<u8> {
    let end = if press { 'M' } else { 'm' };
    format!("\x1b[<{button};{};{}{end}", column + 1, row + 1).into_bytes()
}

/// What the screen should show: the library's own render of `app` at a
/// size, as rows of text.
pub fn expected_rows(
    content: &Content,
    app: &sshfolio::app::App,
    cols: u16,
    rows: u16,
) -> Vec<String> {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use unicode_width::UnicodeWidthStr;
    let theme =
        sshfolio::ui::theme::Theme::new(&content.theme, sshfolio::term::caps::ColorDepth::Ansi256);
    let area = Rect::new(0, 0, cols, rows);
    let mut buf = Buffer::empty(area);
    let screen = sshfolio::ui::Screen {
        content,
        app,
        theme: &theme,
        problems: &[],
    };
    screen.draw(area, &mut buf);
    (0..rows)
        .map(|y| {
            let mut line = String::new();
            let mut x = 0;
            while x < cols {
                let s = buf[(x, y)].symbol();
                line.push_str(s);
                x += s.width().max(1) as u16;
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// The emulator's rows, trimmed like `expected_rows`.
pub fn screen_rows(screen: &vt100::Screen) -> Vec<String> {
    let (rows, cols) = screen.size();
    screen
        .rows(0, cols.get())
        .take(usize::from(rows.get()))
        .map(|r| r.trim_end().to_string())
        .collect()
}

/// The `ssh` arguments every OpenSSH test uses: no config, no known-hosts
/// file, and BatchMode, so any prompt at all would make ssh fail.
pub fn ssh_args(addr: SocketAddr, user: &str) -> Vec<String> {
    [
        "-F",
        "/dev/null",
        "-p",
        &addr.port().to_string(),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=5",
        "-l",
        user,
        "127.0.0.1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Whether an extra client (plink, dbclient) is installed. Missing, the
/// test says loudly that it is skipped — unless SSHFOLIO_REQUIRE_CLIENTS=1
/// (set by .ci/run after installing them), where that is a failure.
pub fn have_client(program: &str, version_arg: &str) -> bool {
    let found = Command::new(program)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        if std::env::var("SSHFOLIO_REQUIRE_CLIENTS").as_deref() == Ok("1") {
            panic!("{program} is required (SSHFOLIO_REQUIRE_CLIENTS=1) but not installed");
        }
        eprintln!("SKIPPED: {program} is not installed; this client is not tested here");
    }
    found
}

/// Polls `done` every 20 ms until it holds; fails naming `what` after
/// the timeout. For conditions outside the test's own runtime (files, the
/// server's process), so blocking between polls is fine.
pub fn poll_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
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

/// Waits for a child process, killing it and failing after the timeout.
fn finish_in_time(child: &mut std::process::Child, what: &str) {
    let deadline = Instant::now() + TIMEOUT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs a client program to completion with stdin closed.
pub fn run_program(program: &str, args: &[String]) -> std::process::Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finish_in_time(&mut child, &format!("{program} {args:?}"));
    child.wait_with_output().unwrap()
}

/// Fails with a clear message if the OpenSSH client is missing.
pub fn require_ssh() {
    let found = Command::new("ssh")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "the OpenSSH client `ssh` is needed: apt-get install openssh-client"
    );
}

/// Runs `ssh` with pipes (no local terminal) and returns its output:
/// `options` go before the host, `command` after it.
pub fn openssh_run(
    addr: SocketAddr,
    options: &[&str],
    command: &[&str],
    stdin: &[u8],
) -> std::process::Output {
    require_ssh();
    let mut args = ssh_args(addr, "visitor");
    let host = args.pop().unwrap();
    args.extend(options.iter().map(|s| s.to_string()));
    args.push(host);
    args.extend(command.iter().map(|s| s.to_string()));
    let mut child = Command::new("ssh")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
        // Dropping `input` sends EOF.
    });
    finish_in_time(&mut child, &format!("ssh {args:?}"));
    writer.join().unwrap();
    child.wait_with_output().unwrap()
}

/// OpenSSH `ssh` running in a real pseudo-terminal of a given size, as a
/// visitor's terminal emulator would run it.
pub struct PtySsh {
    master: Box<dyn portable_pty::MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    reader: Option<JoinHandle<()>>,
}

impl PtySsh {
    pub fn spawn(addr: SocketAddr, user: &str, cols: u16, rows: u16) -> PtySsh {
        require_ssh();
        let mut args = vec!["-tt".to_string()];
        args.extend(ssh_args(addr, user));
        PtySsh::spawn_program("ssh", &args, cols, rows)
    }

    /// Any SSH client program, in a pseudo-terminal of `cols` x `rows`.
    pub fn spawn_program(program: &str, args: &[String], cols: u16, rows: u16) -> PtySsh {
        let pty = portable_pty::native_pty_system();
        let pair = pty
            .openpty(portable_pty::PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = portable_pty::CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt(cols, rows)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let reader = {
            let parser = parser.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    parser.lock().unwrap().process(&buf[..n]);
                }
            })
        };
        PtySsh {
            master: pair.master,
            writer,
            child,
            parser,
            reader: Some(reader),
        }
    }

    pub fn contents(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self.parser.lock().unwrap().screen())
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// Resizes the terminal: the kernel signals ssh, which sends a
    /// window-change.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        set_size(self.parser.lock().unwrap().screen_mut(), cols, rows);
        self.master
            .resize(portable_pty::PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    pub fn wait_until(&self, what: &str, done: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        while !self.with_screen(&done) {
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?}"), |s| s.contents().contains(text));
    }

    /// Waits for ssh to exit; its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                if let Some(reader) = self.reader.take() {
                    let _ = reader.join();
                }
                return status.exit_code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("ssh did not exit; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for PtySsh {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
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
        argv.extend(
            [
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--content",
                &content.display().to_string(),
                "--keys",
                &keys.display().to_string(),
                "--data",
                &data.display().to_string(),
            ]
            .map(String::from),
        );
        argv.extend(extra.iter().map(|s| s.to_string()));
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

/// Fills the contact form (opened with `c`) and sends it with Ctrl-S.
pub async fn send_message<H: client::Handler>(
    v: &mut Visitor<H>,
    name: &str,
    contact: &str,
    message: &[u8],
) {
    v.send(b"c").await;
    v.wait_for("How to reach you").await;
    let mut keys = name.as_bytes().to_vec();
    keys.push(b'\t');
    keys.extend_from_slice(contact.as_bytes());
    keys.push(b'\t');
    v.send(&keys).await;
    v.send(message).await;
    v.send(b"\x13").await;
}
