//! One visitor's session channel, owned by one task: gathers the pty and
//! env requests ([`setup`]), then serves the shell (the UI with a PTY,
//! [`interactive`]; the plain-text résumé without) or an exec command
//! ([`plain`]), ends the channel with an exit status, and records the
//! visit. A panic inside the task ends this session only, and the
//! supervisor still restores the visitor's terminal. What the connection
//! should know (the terminal, how the session ended, a client to cut) is
//! reported to its record.

mod budget;
mod console;
mod goodbye;
mod interactive;
mod owner_exec;
mod owner_store;
mod plain;
mod report;
mod setup;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use russh::server::{Handle, Msg};
use russh::{Channel, ChannelReadHalf, ChannelWriteHalf};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::clock;
use crate::content::Content;
use crate::inbox::{Inbox, Visit, VisitKind};
use crate::server::owner::Owner;
use crate::telemetry::{self, SessionKind};
use crate::term::modes;
pub use interactive::RESTARTING;
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
/// owner.
#[derive(Clone)]
pub struct Shared {
    pub content: ContentSource,
    pub inbox: Inbox,
    pub limits: SessionLimits,
    pub owner: Arc<Owner>,
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

/// When a session began, by the wall clock (for the visit record) and by
/// the monotonic clock (for its length).
#[derive(Debug, Clone, Copy)]
struct Started {
    at: SystemTime,
    clock: Instant,
}

impl Started {
    fn now() -> Started {
        Started {
            at: SystemTime::now(),
            clock: Instant::now(),
        }
    }
}

/// How a session was served, for the channel's end and the visit record.
struct Served {
    /// The exit status; none when the client is gone or stopped reading.
    status: Option<u32>,
    /// How the session ended, for the connection's closing line.
    how: &'static str,
    kind: VisitKind,
    /// What the visitor did in the UI; none outside it.
    summary: Option<interactive::Summary>,
}

/// Runs the session and, should it panic, restores the visitor's terminal
/// through the connection handle (the channel died with the task). Either
/// way the connection's record learns how the session ended.
pub async fn supervise(
    channel: Channel<Msg>,
    handle: Handle,
    shared: Shared,
    visitor: Visitor,
    reporter: Reporter,
    shutdown: CancellationToken,
) {
    let id = channel.id();
    let tui_active = Arc::new(AtomicBool::new(false));
    let session = run(
        channel,
        shared,
        visitor,
        reporter.clone(),
        shutdown,
        tui_active.clone(),
    );
    let how = match tokio::spawn(session.in_current_span()).await {
        Ok(how) => how,
        Err(e) if e.is_panic() => {
            tracing::error!("session task panicked; closing that session only");
            if tui_active.load(Ordering::Relaxed) {
                let _ = handle.data(id, Bytes::from_static(modes::RESTORE)).await;
            }
            let _ = handle.exit_status_request(id, 1).await;
            let _ = handle.eof(id).await;
            let _ = handle.close(id).await;
            "panic"
        }
        Err(_) => "cancelled",
    };
    reporter.send(Report::SessionEnded { how });
}

/// The session from its first request to its visit record; how it ended.
async fn run(
    channel: Channel<Msg>,
    shared: Shared,
    visitor: Visitor,
    reporter: Reporter,
    shutdown: CancellationToken,
    tui_active: Arc<AtomicBool>,
) -> &'static str {
    let started = Started::now();
    // This session keeps the content it started with, whatever reloads.
    let content = shared.content.current();
    // Read and written apart, so the session never stops reading input
    // while a write waits.
    let (mut reader, writer) = channel.split();
    let setup = match setup::gather(&mut reader, &shutdown).await {
        Ok(setup) => setup,
        Err(why) => {
            let _ = writer.close().await;
            return why;
        }
    };
    reporter.send(Report::SessionStarted {
        term: setup.env.term.clone(),
        size: setup.pty,
    });
    let _open = telemetry::session_started(match (&setup.request, setup.pty, visitor.owner) {
        (_, _, true) => SessionKind::Owner,
        (Request::Shell, Some(_), false) => SessionKind::Tui,
        (Request::Shell, None, false) => SessionKind::Plain,
        (Request::Exec(_), _, false) => SessionKind::Exec,
    });
    if visitor.owner {
        // The owner's session: not a visit, and not counted as a visitor.
        if matches!(setup.request, Request::Shell) && setup.pty.is_some() {
            tui_active.store(true, Ordering::Relaxed);
        }
        // Boxed: the owner's rare session must not make every visitor's
        // session future (sized for its largest branch) any bigger.
        let served = Box::pin(console::serve(
            (&mut reader, &writer),
            setup,
            content,
            &shared,
            shutdown,
        ))
        .await;
        if !close(&writer, served.0, shared.limits.write_timeout).await {
            reporter.send(Report::Cut);
        }
        return served.1;
    }
    let _counted = shared.owner.visitor_session();
    let mut visit = Visit {
        started_at: clock::unix(started.at),
        peer: visitor.peer.map(|p| p.ip()),
        client: visitor.client.clone(),
        term: setup.env.term.clone(),
        cols: setup.pty.map_or(0, |size| size.cols),
        rows: setup.pty.map_or(0, |size| size.rows),
        ..Visit::default()
    };
    let served = serve(
        (&mut reader, &writer),
        setup,
        content,
        &shared,
        &visitor,
        shutdown,
        &tui_active,
    )
    .await;
    if !close(&writer, served.status, shared.limits.write_timeout).await {
        reporter.send(Report::Cut);
    }
    visit.kind = served.kind.label();
    if let Some(summary) = served.summary {
        visit.sections = summary.sections.join(",");
        visit.left_message = summary.left_message;
        visit.cols = summary.size.cols;
        visit.rows = summary.size.rows;
    }
    visit.duration_ms = started.clock.elapsed().as_millis().min(i64::MAX as u128) as i64;
    shared.inbox.record_visit(visit);
    served.how
}

/// Serves what the client asked for: the UI for a shell with a PTY, the
/// résumé for a shell without, or an exec command.
async fn serve(
    (reader, writer): (&mut ChannelReadHalf, &ChannelWriteHalf<Msg>),
    setup: Setup,
    content: Arc<Content>,
    shared: &Shared,
    visitor: &Visitor,
    shutdown: CancellationToken,
    tui_active: &AtomicBool,
) -> Served {
    let limit = shared.limits.write_timeout;
    let (status, kind, summary, how) = match (setup.request, setup.pty) {
        (Request::Shell, Some(size)) => {
            tui_active.store(true, Ordering::Relaxed);
            let ended = interactive::run(
                (reader, writer),
                content,
                shared,
                visitor,
                size,
                setup.env,
                shutdown,
            )
            .await;
            (
                ended.status,
                VisitKind::Tui,
                Some(ended.summary),
                Some(ended.how),
            )
        }
        (Request::Shell, None) => {
            let status = plain::resume(writer, &content, limit).await;
            (status, VisitKind::Plain, None, None)
        }
        (Request::Exec(command), pty) => {
            let (status, kind) =
                plain::exec(writer, &content, &command, pty.is_some(), limit).await;
            (status, kind, None, None)
        }
    };
    Served {
        status,
        how: how.unwrap_or(if status.is_some() {
            "done"
        } else {
            "client gone"
        }),
        kind,
        summary,
    }
}

/// Ends the channel politely: exit status, EOF, close. That needs the
/// client to read; false when it does not (or there is no status to give),
/// so the connection is cut instead of waited for.
async fn close(writer: &ChannelWriteHalf<Msg>, status: Option<u32>, limit: Duration) -> bool {
    let Some(status) = status else {
        return false;
    };
    let closed = tokio::time::timeout(limit, async {
        writer.exit_status(status).await?;
        writer.eof().await?;
        writer.close().await
    })
    .await;
    matches!(closed, Ok(Ok(())))
}
