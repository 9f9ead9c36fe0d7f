//! Load generator for sshfolio, over loopback only.
//!
//! Opens `--sessions` interactive sessions (PTY 80x24 + shell) through the
//! russh client, `--concurrency` at a time, and measures connect → first
//! complete frame (p50/p99), sessions per second and first-frame bytes.
//! With `--pid`, also reads the server's CPU time and memory from /proc:
//! CPU per session over the run, the memory of `--hold` idle sessions kept
//! open at the end, and after each of `--bursts` bursts of sessions.
//! Sessions come from addresses spread over 127.1.0.0/16, so the server's
//! per-address limits apply as they would to real visitors.
//!
//!     cargo run --release --example loadgen -- --addr 127.0.0.1:2222 \
//!         --sessions 500 --concurrency 50 --hold 1000 --pid $(pgrep -n sshfolio)

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use russh::client;
use russh::keys::PublicKeyOrCertificate;
use russh::{ChannelMsg, Disconnect};

#[derive(Parser, Debug)]
struct Args {
    /// Server address; must be on loopback (127.0.0.0/8).
    #[arg(long, default_value = "127.0.0.1:2222")]
    addr: SocketAddr,
    /// Sessions to open and close, for latency and throughput.
    #[arg(long, default_value_t = 200)]
    sessions: usize,
    /// How many at a time.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Idle sessions to open and hold at the end, for memory per session.
    #[arg(long, default_value_t = 0)]
    hold: usize,
    /// The server's pid, to read its CPU and memory from /proc.
    #[arg(long)]
    pid: Option<u32>,
    /// Bursts to run at the end: each opens `--burst-size` sessions, holds
    /// them all, then closes them all; memory is read after each.
    #[arg(long, default_value_t = 0)]
    bursts: usize,
    #[arg(long, default_value_t = 1000)]
    burst_size: usize,
    /// Keypresses to time on one session (key sent → first byte of the
    /// new frame), after everything else.
    #[arg(long, default_value_t = 0)]
    keys: usize,
    /// Active sessions to run at the end: each opens a PTY of
    /// `--active-size` and presses a key every `--key-interval-ms` for
    /// `--active-seconds`; the server's memory is read while they type and
    /// 10 s after they leave.
    #[arg(long, default_value_t = 0)]
    active: usize,
    #[arg(long, default_value = "500x200")]
    active_size: String,
    #[arg(long, default_value_t = 300)]
    key_interval_ms: u64,
    #[arg(long, default_value_t = 10)]
    active_seconds: u64,
    /// Hostile sessions to hold at the end: each opens a PTY of
    /// `--active-size` with a huge SSH window, stops reading what the
    /// server sends, keeps changing sections until the server's writes
    /// block, then floods input; the server's memory per such session is
    /// read.
    #[arg(long, default_value_t = 0)]
    stalled: usize,
    /// Key exchange the client offers: `default` (russh's order, which
    /// prefers mlkem768x25519 like OpenSSH 10) or `curve25519` (what
    /// OpenSSH 7.4–9.8, PuTTY and Dropbear use).
    #[arg(long, default_value = "default")]
    kex: String,
}

struct Trusting;

impl client::Handler for Trusting {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// An open interactive session whose first frame has arrived.
struct Session {
    handle: client::Handle<Trusting>,
    channel: russh::Channel<client::Msg>,
    first_frame: Duration,
    bytes: usize,
}

/// The source address of the n-th session: spread over 127.1.0.0/16 so
/// the server's per-address limits see many visitors, as in real life.
fn source(n: usize) -> IpAddr {
    IpAddr::from([127, 1, (n / 250 % 250) as u8, (n % 250 + 1) as u8])
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

async fn open(addr: SocketAddr, config: Arc<client::Config>) -> Result<Session> {
    open_sized(addr, config, (80, 24)).await
}

async fn open_sized(
    addr: SocketAddr,
    config: Arc<client::Config>,
    size: (u32, u32),
) -> Result<Session> {
    open_over(connect(addr).await?, config, size).await
}

/// A TCP connection from the next source address.
async fn connect(addr: SocketAddr) -> Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(
        source(NEXT.fetch_add(1, Ordering::Relaxed)),
        0,
    ))?;
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

async fn open_over<S>(
    stream: S,
    config: Arc<client::Config>,
    (cols, rows): (u32, u32),
) -> Result<Session>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let start = Instant::now();
    let mut handle = client::connect_stream(config, stream, Trusting).await?;
    if !handle.authenticate_none("visitor").await?.success() {
        bail!("auth none refused");
    }
    let mut channel = handle.channel_open_session().await?;
    channel
        .request_pty(false, "xterm-256color", cols, rows, 0, 0, &[])
        .await?;
    channel.request_shell(false).await?;
    let mut received = Vec::new();
    // The footer's last hint ends the first frame.
    while !received.windows(4).any(|w| w == b"quit") {
        match tokio::time::timeout(Duration::from_secs(10), channel.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => received.extend_from_slice(&data),
            Ok(Some(_)) => {}
            Ok(None) => bail!("channel closed before the first frame"),
            Err(_) => bail!("no first frame within 10 s"),
        }
    }
    Ok(Session {
        handle,
        channel,
        first_frame: start.elapsed(),
        bytes: received.len(),
    })
}

async fn close(session: Session) {
    let _ = session.channel.data(&b"q"[..]).await;
    let _ = session
        .handle
        .disconnect(Disconnect::ByApplication, "", "en")
        .await;
}

/// Server CPU time (user + system) in seconds, from /proc/PID/stat.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Server resident memory in KiB, from /proc/PID/status.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let loopback = match args.addr.ip() {
        std::net::IpAddr::V4(ip) => ip.is_loopback(),
        std::net::IpAddr::V6(ip) => ip.is_loopback(),
    };
    if !loopback {
        bail!("loadgen only talks to loopback addresses (127.0.0.0/8, ::1)");
    }
    let mut preferred = russh::Preferred::default();
    if args.kex == "curve25519" {
        preferred.kex = std::borrow::Cow::Borrowed(&[
            russh::kex::CURVE25519,
            russh::kex::EXTENSION_SUPPORT_AS_CLIENT,
            russh::kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT,
        ]);
    }
    let config = Arc::new(client::Config {
        nodelay: true,
        preferred,
        ..Default::default()
    });

    let cpu_before = args.pid.and_then(cpu_seconds);
    let started = Instant::now();
    let queue = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (queue, config, addr, total) =
            (queue.clone(), config.clone(), args.addr, args.sessions);
        workers.push(tokio::spawn(async move {
            let mut results = Vec::new();
            while queue.fetch_add(1, Ordering::Relaxed) < total {
                let session = open(addr, config.clone()).await;
                match session {
                    Ok(s) => {
                        results.push(Ok((s.first_frame, s.bytes)));
                        close(s).await;
                    }
                    Err(e) => results.push(Err(e)),
                }
            }
            results
        }));
    }
    let mut latencies = Vec::new();
    let mut bytes = Vec::new();
    let mut errors = 0;
    for worker in workers {
        for result in worker.await.context("worker")? {
            match result {
                Ok((latency, n)) => {
                    latencies.push(latency);
                    bytes.push(n);
                }
                Err(e) => {
                    errors += 1;
                    if errors <= 3 {
                        eprintln!("session failed: {e:#}");
                    }
                }
            }
        }
    }
    let elapsed = started.elapsed();
    let cpu_after = args.pid.and_then(cpu_seconds);
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "sessions: {} ok, {errors} failed, {} at a time",
        latencies.len(),
        args.concurrency
    );
    println!(
        "connect → first frame: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(percentile(&latencies, 1.0))
    );
    println!(
        "throughput: {:.0} sessions/s",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    if let Some(n) = bytes.first() {
        println!("first frame: {n} bytes (80x24, xterm-256color)");
    }
    if let (Some(before), Some(after)) = (cpu_before, cpu_after) {
        let per = (after - before) * 1000.0 / latencies.len().max(1) as f64;
        println!("server CPU: {per:.3} ms per session (handshake to first frame and close)");
    }

    if args.hold > 0 {
        let before = args.pid.and_then(rss_kib);
        let mut held = Vec::with_capacity(args.hold);
        for _ in 0..args.hold {
            held.push(open(args.addr, config.clone()).await?);
        }
        // Let the server drop the screen buffers of idle sessions.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = args.pid.and_then(rss_kib);
        println!("holding {} idle sessions", held.len());
        if let (Some(before), Some(after)) = (before, after) {
            println!(
                "server memory: {before} KiB → {after} KiB, {:.1} KiB per idle session",
                (after.saturating_sub(before)) as f64 / held.len() as f64
            );
        }
        let cpu0 = args.pid.and_then(cpu_seconds);
        tokio::time::sleep(Duration::from_secs(5)).await;
        let cpu1 = args.pid.and_then(cpu_seconds);
        if let (Some(a), Some(b)) = (cpu0, cpu1) {
            println!(
                "server CPU while idle: {:.1}% of a core",
                (b - a) / 5.0 * 100.0
            );
        }
        let probe = open(args.addr, config.clone()).await?;
        println!(
            "a new visitor meanwhile: first frame in {:.2} ms",
            ms(probe.first_frame)
        );
        close(probe).await;
        for s in held {
            close(s).await;
        }
    }
    if args.keys > 0 {
        let mut session = open(args.addr, config.clone()).await?;
        let mut latencies = Vec::with_capacity(args.keys);
        for i in 0..args.keys {
            // Alternate sections, so every key changes the screen.
            let key = if i % 2 == 0 { &b"2"[..] } else { &b"1"[..] };
            let sent = Instant::now();
            session.channel.data(key).await?;
            loop {
                match tokio::time::timeout(Duration::from_secs(5), session.channel.wait()).await {
                    Ok(Some(ChannelMsg::Data { .. })) => break,
                    Ok(Some(_)) => {}
                    _ => bail!("no frame after a key"),
                }
            }
            latencies.push(sent.elapsed());
            // Let the frame finish arriving before the next key.
            while let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(2), session.channel.wait()).await
            {
            }
        }
        latencies.sort();
        println!(
            "keypress → first byte of the frame ({} keys): p50 {:.3} ms, p99 {:.3} ms",
            latencies.len(),
            ms(percentile(&latencies, 0.5)),
            ms(percentile(&latencies, 0.99))
        );
        close(session).await;
    }
    if args.active > 0 {
        active(&args, config.clone()).await?;
    }
    if args.stalled > 0 {
        stalled(&args).await?;
    }
    for burst in 1..=args.bursts {
        let mut held = Vec::with_capacity(args.burst_size);
        let mut opening = Vec::new();
        let per_worker = args.burst_size.div_ceil(args.concurrency.max(1));
        for _ in 0..args.concurrency.max(1) {
            let config = config.clone();
            let addr = args.addr;
            opening.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                for _ in 0..per_worker {
                    if let Ok(s) = open(addr, config.clone()).await {
                        mine.push(s);
                    }
                }
                mine
            }));
        }
        for task in opening {
            held.extend(task.await.context("burst worker")?);
        }
        let opened = held.len();
        for s in held {
            close(s).await;
        }
        // Let the server finish closing them.
        tokio::time::sleep(Duration::from_secs(2)).await;
        match args.pid.and_then(rss_kib) {
            Some(rss) => println!(
                "burst {burst}: {opened} sessions opened and closed; server memory {rss} KiB"
            ),
            None => println!("burst {burst}: {opened} sessions opened and closed"),
        }
    }
    Ok(())
}

/// Sessions that keep typing on a large screen: the server's memory
/// before, with them idle, at its peak while they type, and 10 s after
/// they all left.
async fn active(args: &Args, config: Arc<client::Config>) -> Result<()> {
    let (cols, rows) = args
        .active_size
        .split_once('x')
        .and_then(|(c, r)| Some((c.parse().ok()?, r.parse().ok()?)))
        .context("--active-size is COLSxROWS")?;
    let start = args.pid.and_then(rss_kib);
    let mut sessions = Vec::with_capacity(args.active);
    for _ in 0..args.active {
        sessions.push(open_sized(args.addr, config.clone(), (cols, rows)).await?);
    }
    // Idle: the server has released every session's screen.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = args.pid.and_then(rss_kib);
    let peak = Arc::new(AtomicUsize::new(0));
    let sampler = args.pid.map(|pid| {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                if let Some(rss) = rss_kib(pid) {
                    peak.fetch_max(rss as usize, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    });
    let frames = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs(args.active_seconds);
    let interval = Duration::from_millis(args.key_interval_ms);
    let mut typing = Vec::new();
    for (n, mut session) in sessions.into_iter().enumerate() {
        let frames = frames.clone();
        typing.push(tokio::spawn(async move {
            const KEYS: [&[u8]; 9] = [b"2", b"j", b"3", b"4", b"j", b"5", b"j", b"6", b"1"];
            // Spread the sessions over the interval.
            tokio::time::sleep(interval * (n % 16) as u32 / 16).await;
            let mut i = 0;
            while Instant::now() < until {
                let _ = session.channel.data(KEYS[i % KEYS.len()]).await;
                i += 1;
                let next = tokio::time::Instant::now() + interval;
                while let Ok(Some(msg)) =
                    tokio::time::timeout_at(next, session.channel.wait()).await
                {
                    if matches!(msg, ChannelMsg::Data { .. }) {
                        frames.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            session
        }));
    }
    let mut sessions = Vec::new();
    for task in typing {
        sessions.push(task.await.context("typing session")?);
    }
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    let count = sessions.len();
    for s in sessions {
        close(s).await;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = args.pid.and_then(rss_kib);
    println!(
        "active: {count} sessions at {cols}x{rows}, a key every {} ms for {} s, {} frame packets",
        args.key_interval_ms,
        args.active_seconds,
        frames.load(Ordering::Relaxed)
    );
    if let (Some(start), Some(idle), Some(after)) = (start, idle, after) {
        let peak = peak.load(Ordering::Relaxed) as u64;
        println!(
            "active memory: {start} KiB at start, {idle} KiB with them idle, peak {peak} KiB typing \
             (+{:.1} MiB, {:.0} KiB per active session), {after} KiB 10 s after they left (+{:.1} MiB)",
            peak.saturating_sub(idle) as f64 / 1024.0,
            peak.saturating_sub(idle) as f64 / count.max(1) as f64,
            after.saturating_sub(start) as f64 / 1024.0,
        );
    }
    Ok(())
}

/// A stream that stops reading once `stop` is set, as a client whose
/// network died while it still sends.
struct Stalling<S> {
    inner: S,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Stalling<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.stop.load(Ordering::Relaxed) {
            return std::task::Poll::Pending;
        }
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Stalling<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The worst a connection can cost: a large screen, a huge window, a
/// client that stopped reading and floods input. Memory is read once the
/// server's writes to every one of them are blocked and the floods sent.
async fn stalled(args: &Args) -> Result<()> {
    let size = args
        .active_size
        .split_once('x')
        .and_then(|(c, r)| Some((c.parse().ok()?, r.parse().ok()?)))
        .context("--active-size is COLSxROWS")?;
    let config = Arc::new(client::Config {
        window_size: u32::MAX / 2,
        maximum_packet_size: 65535,
        ..Default::default()
    });
    let start = args.pid.and_then(rss_kib);
    let mut held = Vec::new();
    for _ in 0..args.stalled {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stream = Stalling {
            inner: connect(args.addr).await?,
            stop: stop.clone(),
        };
        let session = open_over(stream, config.clone(), size).await?;
        stop.store(true, Ordering::Relaxed);
        held.push(session);
    }
    let mut pressing = Vec::new();
    for session in held {
        pressing.push(tokio::spawn(async move {
            // Section changes until the server's writes block (each send
            // then waits), then a flood of input.
            const KEYS: [&[u8]; 6] = [b"1", b"2", b"3", b"4", b"5", b"6"];
            for key in KEYS.iter().cycle().take(3000) {
                let send = session.channel.data(*key);
                if tokio::time::timeout(Duration::from_millis(100), send)
                    .await
                    .is_err()
                {
                    break;
                }
            }
            let flood = vec![b'x'; 30_000];
            for _ in 0..100 {
                let send = session.channel.data(&flood[..]);
                if tokio::time::timeout(Duration::from_millis(100), send)
                    .await
                    .is_err()
                {
                    break;
                }
            }
            session
        }));
    }
    let mut held = Vec::new();
    for task in pressing {
        held.push(task.await.context("stalled session")?);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = args.pid.and_then(rss_kib);
    if let (Some(start), Some(after)) = (start, after) {
        println!(
            "stalled: {} sessions at {}x{} not reading, flooding input: {start} KiB → {after} KiB, {:.0} KiB per session",
            held.len(),
            size.0,
            size.1,
            after.saturating_sub(start) as f64 / held.len().max(1) as f64
        );
    }
    drop(held);
    Ok(())
}
