//! The benchmark's SSH and HTTP clients: the visitor who types, the
//! owner's `stats` calls, the /metrics scrapes.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use russh::client;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, Disconnect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The SSH handshake and login, for the visitor and each owner call.
const CONNECT: Duration = Duration::from_secs(30);
/// One owner `stats` call, login to answer.
const STATS_CALL: Duration = Duration::from_secs(120);
/// One /metrics scrape.
const SCRAPE: Duration = Duration::from_secs(10);
/// The visitor's screen.
const COLS: NonZeroU16 = NonZeroU16::new(80).unwrap();
const ROWS: NonZeroU16 = NonZeroU16::new(24).unwrap();

struct Trusting;

impl client::Handler for Trusting {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

static NEXT_SOURCE: AtomicUsize = AtomicUsize::new(0);

/// A connection from the next address of 127.2.0.0/16: the visitor and
/// each owner call come from their own, so the server's per-address
/// connection rate (60 a minute) never refuses the owner's repeated calls.
async fn connect(addr: SocketAddr) -> Result<client::Handle<Trusting>> {
    let n = NEXT_SOURCE.fetch_add(1, Ordering::Relaxed);
    let source = IpAddr::from([127, 2, (n / 250 % 250) as u8, (n % 250 + 1) as u8]);
    let socket = tokio::net::TcpSocket::new_v4().context("a socket")?;
    socket
        .bind(SocketAddr::new(source, 0))
        .with_context(|| format!("binding {source}"))?;
    let config = Arc::new(client::Config {
        nodelay: true,
        ..Default::default()
    });
    let handshake = async {
        let stream = socket.connect(addr).await.context("connecting")?;
        stream.set_nodelay(true).context("TCP_NODELAY")?;
        client::connect_stream(config, stream, Trusting)
            .await
            .context("the SSH handshake")
    };
    tokio::time::timeout(CONNECT, handshake)
        .await
        .with_context(|| format!("no SSH handshake within {CONNECT:?}"))?
}

/// What the screen shows in each of the two sections the keys switch.
pub struct Markers {
    /// The Experience section's subtitle.
    experience: String,
    /// The first words of the About text.
    about: String,
}

impl Markers {
    pub fn read(content: &Path) -> Result<Markers> {
        let table = |name: &str| -> Result<toml::Table> {
            let path = content.join(name);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            text.parse()
                .with_context(|| format!("parsing {}", path.display()))
        };
        let experience = table("experience.toml")?
            .get("subtitle")
            .and_then(|v| v.as_str())
            .context("experience.toml has no subtitle")?
            .to_string();
        let profile = table("profile.toml")?;
        let paragraph = profile
            .get("about")
            .and_then(|v| v.as_array())
            .and_then(|a| a.first())
            .and_then(|v| v.as_str())
            .context("profile.toml has no about text")?;
        // A few words, so they sit on the paragraph's first line at 80 columns.
        let mut about = String::new();
        for word in paragraph.split_whitespace() {
            if !about.is_empty() && about.len() + 1 + word.len() > 30 {
                break;
            }
            if !about.is_empty() {
                about.push(' ');
            }
            about.push_str(word);
        }
        if about.is_empty() || experience.is_empty() {
            bail!("the About text and the Experience subtitle must not be empty");
        }
        Ok(Markers { experience, about })
    }
}

/// The visitor: a PTY of 80x24 and a shell, every byte fed to a screen.
pub struct Visitor<'a> {
    handle: client::Handle<Trusting>,
    channel: russh::Channel<client::Msg>,
    screen: vt100::Parser,
    markers: &'a Markers,
    /// Whether the screen shows (or will, once the last key is answered)
    /// About rather than Experience.
    on_about: bool,
}

impl<'a> Visitor<'a> {
    pub async fn open(addr: SocketAddr, markers: &'a Markers) -> Result<Visitor<'a>> {
        let mut handle = connect(addr).await?;
        let login = tokio::time::timeout(CONNECT, handle.authenticate_none("visitor"))
            .await
            .context("visitor login timed out")?
            .context("visitor login")?;
        if !login.success() {
            bail!("the visitor's login was refused");
        }
        let channel = handle
            .channel_open_session()
            .await
            .context("opening the visitor's channel")?;
        let (cols, rows) = (u32::from(COLS.get()), u32::from(ROWS.get()));
        channel
            .request_pty(false, "xterm-256color", cols, rows, 0, 0, &[])
            .await
            .context("requesting a PTY")?;
        channel
            .request_shell(false)
            .await
            .context("requesting a shell")?;
        let mut visitor = Visitor {
            handle,
            channel,
            screen: vt100::Parser::new(ROWS, COLS, 0),
            markers,
            on_about: true,
        };
        let deadline = tokio::time::Instant::now() + CONNECT;
        visitor.wait_for_section(deadline).await.with_context(|| {
            format!(
                "the first frame (About) did not show; screen:\n{}",
                visitor.screen.screen().contents()
            )
        })?;
        Ok(visitor)
    }

    /// Whether the screen shows the section the last key asked for.
    fn shows_section(&self) -> bool {
        let contents = self.screen.screen().contents();
        let experience = contents.contains(&self.markers.experience);
        if self.on_about {
            !experience && contents.contains(&self.markers.about)
        } else {
            experience
        }
    }

    /// Reads until the screen shows the section asked for.
    async fn wait_for_section(&mut self, deadline: tokio::time::Instant) -> Result<()> {
        while !self.shows_section() {
            match tokio::time::timeout_at(deadline, self.channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => self.screen.process(&data),
                Ok(Some(ChannelMsg::Close | ChannelMsg::Eof) | None) => {
                    bail!("the server closed the visitor's session")
                }
                Ok(Some(_)) => {}
                Err(_) => bail!("timed out"),
            }
        }
        Ok(())
    }

    /// Tab and Shift-Tab in turn until `until`; each key's time from sent
    /// to its section on screen.
    pub async fn type_until(
        &mut self,
        until: Instant,
        interval: Duration,
        key_timeout: Duration,
    ) -> Result<Vec<Duration>> {
        let mut latencies = Vec::new();
        let mut next = Instant::now();
        while next < until {
            tokio::time::sleep_until(next.into()).await;
            let key: &[u8] = if self.on_about { b"\t" } else { b"\x1b[Z" };
            self.on_about = !self.on_about;
            let sent = Instant::now();
            self.channel.data(key).await.context("sending a key")?;
            let deadline = tokio::time::Instant::from(sent) + key_timeout;
            self.wait_for_section(deadline).await.with_context(|| {
                format!(
                    "keypress {} showed no new section within {key_timeout:?}; screen:\n{}",
                    latencies.len() + 1,
                    self.screen.screen().contents()
                )
            })?;
            latencies.push(sent.elapsed());
            next = sent + interval;
        }
        Ok(latencies)
    }

    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            let _ = self.channel.data(&b"q"[..]).await;
            let _ = self
                .handle
                .disconnect(Disconnect::ByApplication, "", "en")
                .await;
        })
        .await;
    }
}

/// One owner `stats` call.
pub struct StatsCall {
    /// Exec request sent → the channel closed with the answer.
    pub answer: Duration,
    /// Connect → the channel closed: handshake and login included.
    pub total: Duration,
}

/// `ssh owner@host stats --days N` through the russh client, with the
/// owner's key; an error unless it exits 0 with a report.
async fn owner_stats(addr: SocketAddr, key: Arc<PrivateKey>, days: u32) -> Result<StatsCall> {
    let started = Instant::now();
    let mut handle = connect(addr).await?;
    let key = PrivateKeyWithHashAlg::new(key, None);
    let login = tokio::time::timeout(CONNECT, handle.authenticate_publickey("owner", key))
        .await
        .context("owner login timed out")?
        .context("owner login")?;
    if !login.success() {
        bail!("the owner's key was refused: {login:?}");
    }
    let mut channel = handle
        .channel_open_session()
        .await
        .context("opening the owner's channel")?;
    let sent = Instant::now();
    channel
        .exec(true, format!("stats --days {days}"))
        .await
        .context("sending exec")?;
    let (mut stdout, mut stderr, mut status) = (Vec::new(), Vec::new(), None);
    loop {
        match channel.wait().await {
            Some(ChannelMsg::Data { data }) => stdout.extend_from_slice(&data),
            Some(ChannelMsg::ExtendedData { data, .. }) => stderr.extend_from_slice(&data),
            Some(ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
            Some(ChannelMsg::Close) | None => break,
            Some(_) => {}
        }
    }
    let call = StatsCall {
        answer: sent.elapsed(),
        total: started.elapsed(),
    };
    let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
    if status != Some(0) || stdout.is_empty() {
        bail!(
            "stats exited {status:?}: {}",
            String::from_utf8_lossy(&stderr).trim()
        );
    }
    Ok(call)
}

/// Owner `stats` calls one after another until `until`.
pub async fn stats_loop(
    addr: SocketAddr,
    key: Arc<PrivateKey>,
    days: u32,
    until: Instant,
) -> Vec<Result<StatsCall>> {
    let mut calls = Vec::new();
    while Instant::now() < until {
        let call = tokio::time::timeout(STATS_CALL, owner_stats(addr, key.clone(), days)).await;
        calls
            .push(call.unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within {STATS_CALL:?}"))));
    }
    calls
}

/// GET /metrics every `every` until `until`; each scrape's duration.
pub async fn scrape_loop(
    addr: SocketAddr,
    every: Duration,
    until: Instant,
) -> Vec<Result<Duration>> {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut scrapes = Vec::new();
    loop {
        ticks.tick().await;
        if Instant::now() >= until {
            return scrapes;
        }
        let started = Instant::now();
        let scrape = tokio::time::timeout(SCRAPE, get_metrics(addr)).await;
        scrapes.push(match scrape {
            Ok(Ok(())) => Ok(started.elapsed()),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(anyhow::anyhow!("no answer within {SCRAPE:?}")),
        });
    }
}

/// One plain HTTP/1.1 GET of /metrics; an error unless it answers 200.
async fn get_metrics(addr: SocketAddr) -> Result<()> {
    let mut stream = TcpStream::connect(addr).await.context("connecting")?;
    let request = format!("GET /metrics HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .context("sending")?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.context("reading")?;
    if !response.starts_with(b"HTTP/1.1 200") {
        let head = String::from_utf8_lossy(&response[..response.len().min(40)]).into_owned();
        bail!("answered {head:?}");
    }
    Ok(())
}
