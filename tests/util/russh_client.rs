//! The russh client as a visitor: connecting (from any loopback address,
//! with or without a key, over a stream the test already wrote to),
//! exec and no-PTY sessions collected to their end, and `Visitor`, an
//! interactive session whose every byte feeds a vt100 screen and is kept
//! for byte-level assertions.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client;
use russh::keys::{HashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, Disconnect};

use super::screen::{set_size, vt};
use super::wait::TIMEOUT;

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

/// Connects over any stream (an in-memory one, say) and authenticates
/// with "none" as `user`.
pub async fn russh_connect_stream<S>(stream: S, user: &str) -> client::Handle<impl client::Handler>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    russh_connect_stream_with(stream, user, client::Config::default()).await
}

/// Like `russh_connect_stream`, with a given client configuration.
pub async fn russh_connect_stream_with<S>(
    stream: S,
    user: &str,
    config: client::Config,
) -> client::Handle<impl client::Handler>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let handler = TrustingClient {
        host_key: Arc::new(Mutex::new(None)),
    };
    let config = Arc::new(config);
    let mut handle = tokio::time::timeout(TIMEOUT, client::connect_stream(config, stream, handler))
        .await
        .expect("handshake timed out")
        .expect("handshake");
    let auth = handle.authenticate_none(user).await.expect("auth");
    assert!(auth.success(), "auth none must succeed: {auth:?}");
    handle
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
    /// The connection (dropping it disconnects).
    handle: client::Handle<H>,
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

    /// The connection and the channel without the emulator, for a visitor
    /// whose screen the test does not read.
    pub fn into_parts(self) -> (client::Handle<H>, russh::Channel<client::Msg>) {
        (self.handle, self.channel)
    }

    /// Whether the connection under the session is gone.
    pub fn connection_closed(&self) -> bool {
        self.handle.is_closed()
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
        self.wait_until_within(TIMEOUT, what, done).await;
    }

    /// `wait_until`, for up to `limit`.
    pub async fn wait_until_within(
        &mut self,
        limit: Duration,
        what: &str,
        done: impl Fn(&vt100::Screen) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + limit;
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

    /// A mark for `assert_quiet_since`: the packets received so far.
    pub fn mark(&self) -> usize {
        self.packets.len()
    }

    /// Proves the server sent nothing since `mark` without waiting out a
    /// quiet spell: sends `key`, waits for its frame to show `text`, and
    /// checks that frame is the one packet since the mark. The server
    /// reads input in order and sends each frame as one write, so anything
    /// it sent before answering the key would be a packet of its own.
    pub async fn assert_quiet_since(&mut self, mark: usize, key: &[u8], text: &str) {
        assert!(
            !self.contents().contains(text),
            "{text:?} is already on screen, so it cannot mark the next frame:\n{}",
            self.contents()
        );
        self.send(key).await;
        self.wait_for(text).await;
        let since: usize = self.packets[mark..].iter().sum();
        assert_eq!(
            self.packets.len() - mark,
            1,
            "more than the frame for {:?} arrived since the mark (packets {:?}): {:?}",
            String::from_utf8_lossy(key),
            &self.packets[mark..],
            String::from_utf8_lossy(&self.received[self.received.len() - since..])
        );
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
