//! One session channel, owned by one task: gathers the pty and env
//! requests ([`setup`]), then serves what was asked — for a visitor the
//! portfolio with a PTY ([`visitor`]), the plain-text résumé without, or
//! an exec command ([`plain`]); for the owner the console or a command
//! ([`owner`]) — every screen on the one session loop
//! ([`screen_loop`]). It ends the channel with an exit status and records
//! the visit. A panic inside the task ends this session only, and the
//! supervisor still restores the terminal. What the connection should
//! know (the terminal, how the session ended, a client to cut) is
//! reported to its record.

mod budget;
mod census;
pub mod end;
mod owner;
mod owner_exec;
mod owner_store;
mod plain;
mod report;
pub mod screen_loop;
mod setup;
mod visitor;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use russh::server::{Handle, Msg};
use russh::{Channel, ChannelReadHalf, ChannelWriteHalf};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::clock;
use crate::content::Content;
use crate::inbox::{Inbox, Visit, VisitKind};
use crate::metrics::SessionKind;
use crate::term::modes;
pub use census::Census;
pub use end::{End, RESTARTING};
pub use plain::EXIT_UNKNOWN_COMMAND;
pub use report::{Report, Reporter, Reports};
use setup::{Request, Setup};

/// The current content: replaced as a whole on reload; each session keeps
/// the version it started with.
#[derive(Clone)]
pub struct ContentSource(watch::Receiver<Arc<Content>>);

impl ContentSource {
    /// A source and the sender that replaces its content.
    pub fn new(content: Arc<Content>) -> (watch::Sender<Arc<Content>>, ContentSource) {
        let (tx, rx) = watch::channel(content);
        (tx, ContentSource(rx))
    }

    /// Content that never changes (tests, tools).
    pub fn fixed(content: Arc<Content>) -> ContentSource {
        let (tx, source) = ContentSource::new(content);
        // With the sender gone the value simply stays.
        drop(tx);
        source
    }

    pub fn current(&self) -> Arc<Content> {
        self.0.borrow().clone()
    }
}

/// What every session shares: the content, the inbox, the limits, the
/// count of who is connected.
#[derive(Clone)]
pub struct Shared {
    pub content: ContentSource,
    pub inbox: Inbox,
    pub limits: SessionLimits,
    pub census: Arc<Census>,
}

/// The limits a session enforces itself, from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// No input for this long ends the session.
    pub idle_timeout: Duration,
    /// No session lasts longer.
    pub session_timeout: Duration,
    /// Input bytes accepted per second; the excess is dropped.
    pub max_input_rate: u32,
    /// Longest a single write may wait for a client that stopped reading.
    pub write_timeout: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle_timeout: Duration::from_secs(900),
            session_timeout: Duration::from_secs(7200),
            max_input_rate: 65536,
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// Who is on the other end, as far as the connection knows.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub peer: Option<SocketAddr>,
    /// The client's SSH version string, e.g. "SSH-2.0-OpenSSH_9.6".
    pub client: String,
    /// The login name; picks the start section.
    pub user: String,
    /// SHA256 fingerprint of a key the client proved it holds.
    pub key_fingerprint: Option<String>,
    /// Logged in as the owner with one of the owner's keys: the console
    /// and the owner's commands instead of the portfolio.
    pub owner: bool,
    /// When the connection was accepted (for connect → first frame).
    pub connected_at: Option<Instant>,
}

/// What a session runs with, besides its channel.
pub struct SessionContext {
    pub shared: Shared,
    pub visitor: Visitor,
    pub shutdown: CancellationToken,
    /// For the owner: completes when the key they logged in with is taken
    /// out of the owner's keys, which ends their console. (In a mutex only
    /// so the context can be shared across awaits; taken once.)
    pub revoked: std::sync::Mutex<Option<Revoked>>,
}

/// A future that completes when a session's right to go on is taken away.
pub type Revoked = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The session channel's two halves: read and written apart, so the
/// session never stops reading input while a write waits.
pub struct Io<'a> {
    pub reader: &'a mut ChannelReadHalf,
    pub writer: &'a ChannelWriteHalf<Msg>,
}

/// How a session was served, for the channel's end and the visit record.
struct Served {
    /// The exit status; none when the client is gone or stopped reading.
    status: Option<u32>,
    end: End,
    kind: VisitKind,
    /// What the visitor did in the UI; none outside it.
    summary: Option<visitor::Summary>,
}

/// Runs the session and, should it panic, restores the visitor's terminal
/// through the connection handle (the channel died with the task). Either
/// way the connection's record learns how the session ended.
pub async fn supervise(
    channel: Channel<Msg>,
    handle: Handle,
    ctx: SessionContext,
    reporter: Reporter,
) {
    let id = channel.id();
    let tui_active = Arc::new(AtomicBool::new(false));
    let session = run(channel, ctx, reporter.clone(), tui_active.clone());
    let end = match tokio::spawn(session.in_current_span()).await {
        Ok(end) => end,
        Err(e) if e.is_panic() => {
            tracing::error!("session task panicked; closing that session only");
            if tui_active.load(Ordering::Relaxed) {
                let _ = handle.data(id, Bytes::from_static(modes::RESTORE)).await;
            }
            let _ = handle.exit_status_request(id, 1).await;
            let _ = handle.eof(id).await;
            let _ = handle.close(id).await;
            End::Panic
        }
        Err(_) => End::Cancelled,
    };
    reporter.send(Report::SessionEnded { end });
}

/// The session from its first request to its visit record; how it ended.
async fn run(
    channel: Channel<Msg>,
    ctx: SessionContext,
    reporter: Reporter,
    tui_active: Arc<AtomicBool>,
) -> End {
    let (started_at, started) = (clock::now(), Instant::now());
    // This session keeps the content it started with, whatever reloads.
    let content = ctx.shared.content.current();
    let (mut reader, writer) = channel.split();
    let setup = match setup::gather(&mut reader, &ctx.shutdown).await {
        Ok(setup) => setup,
        Err(end) => {
            let _ = writer.close().await;
            return end;
        }
    };
    reporter.send(Report::SessionStarted {
        term: setup.env.term.clone(),
        size: setup.pty,
    });
    let owner = ctx.visitor.owner;
    let _counted = ctx
        .shared
        .census
        .open(match (&setup.request, setup.pty, owner) {
            (_, _, true) => SessionKind::Owner,
            (Request::Shell, Some(_), false) => SessionKind::Tui,
            (Request::Shell, None, false) => SessionKind::Plain,
            (Request::Exec(_), _, false) => SessionKind::Exec,
        });
    if matches!(setup.request, Request::Shell) && setup.pty.is_some() {
        tui_active.store(true, Ordering::Relaxed);
    }
    let io = Io {
        reader: &mut reader,
        writer: &writer,
    };
    if owner {
        // The owner's session: not a visit, and not counted as a visitor.
        // Boxed: the owner's rare session must not make every visitor's
        // session future (sized for its largest branch) any bigger.
        let (status, end) = Box::pin(owner::serve(io, setup, content, &ctx)).await;
        close(&writer, status, &ctx, &reporter).await;
        return end;
    }
    let visit = Visit {
        started_at,
        peer: ctx.visitor.peer.map(|p| p.ip()),
        client: ctx.visitor.client.clone(),
        term: setup.env.term.clone(),
        cols: setup.pty.map_or(0, |size| size.cols),
        rows: setup.pty.map_or(0, |size| size.rows),
        ..Visit::default()
    };
    let served = serve(io, setup, content, &ctx).await;
    close(&writer, served.status, &ctx, &reporter).await;
    ctx.shared.inbox.record_visit(served.visit(visit, started));
    served.end
}

impl Served {
    /// The visit, as it ended: how the visitor came, what they saw, how
    /// long they stayed.
    fn visit(&self, started: Visit, since: Instant) -> Visit {
        let mut visit = Visit {
            kind: self.kind.label(),
            duration_ms: since.elapsed().as_millis().min(i64::MAX as u128) as i64,
            ..started
        };
        if let Some(summary) = &self.summary {
            visit.sections = summary.sections.join(",");
            visit.left_message = summary.left_message;
            visit.cols = summary.size.cols;
            visit.rows = summary.size.rows;
        }
        visit
    }
}

/// Serves what the visitor asked for: the UI for a shell with a PTY, the
/// résumé for a shell without, or an exec command.
async fn serve(io: Io<'_>, setup: Setup, content: Arc<Content>, ctx: &SessionContext) -> Served {
    let limit = ctx.shared.limits.write_timeout;
    let (status, kind, summary, end) = match (setup.request, setup.pty) {
        (Request::Shell, Some(size)) => {
            let ended = visitor::run(io, ctx, content, size, &setup.env).await;
            (
                ended.status,
                VisitKind::Tui,
                Some(ended.summary),
                Some(ended.end),
            )
        }
        (Request::Shell, None) => {
            let status = plain::resume(io.writer, &content, limit).await;
            (status, VisitKind::Plain, None, None)
        }
        (Request::Exec(command), pty) => {
            let (status, kind) =
                plain::exec(io.writer, &content, &command, pty.is_some(), limit).await;
            (status, kind, None, None)
        }
    };
    Served {
        status,
        end: end.unwrap_or(if status.is_some() {
            End::Done
        } else {
            End::ClientGone
        }),
        kind,
        summary,
    }
}

/// Ends the channel politely: exit status, EOF, close. That needs the
/// client to read; when it does not (or there is no status to give), the
/// connection is asked to cut it instead of waiting for it.
async fn close(
    writer: &ChannelWriteHalf<Msg>,
    status: Option<u32>,
    ctx: &SessionContext,
    reporter: &Reporter,
) {
    let closed = match status {
        Some(status) => {
            let limit = ctx.shared.limits.write_timeout;
            let closed = tokio::time::timeout(limit, async {
                writer.exit_status(status).await?;
                writer.eof().await?;
                writer.close().await
            })
            .await;
            matches!(closed, Ok(Ok(())))
        }
        None => false,
    };
    if !closed {
        reporter.send(Report::Cut);
    }
}
