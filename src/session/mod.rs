//! One visitor's session channel, owned by one task: gathers the pty and
//! env requests, then serves the shell (the TUI with a PTY, the plain-text
//! résumé without) or an exec command, and always ends the channel with an
//! exit status. A panic inside the task ends this session only, and the
//! supervisor still restores the visitor's terminal.

mod interactive;

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use russh::server::{Handle, Msg};
use russh::{Channel, ChannelMsg};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::content::Content;
use crate::export::{self, Command};
use crate::inbox::{Inbox, Visit};
use crate::server::record;
use crate::term::caps::ClientEnv;
use crate::term::modes;
use crate::term::size::{self, Size};

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

/// What every session shares: the content, the inbox, the limits.
#[derive(Clone)]
pub struct Shared {
    pub content: ContentSource,
    pub inbox: Inbox,
    pub limits: SessionLimits,
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
    /// The connection's log record, for terminal, size and how it ended.
    pub record: record::Shared,
    /// Cuts the connection: for a client that stopped reading, whose
    /// channel can no longer be closed politely.
    pub cut: CancellationToken,
}

/// A client that opens a channel but never asks for a shell or a command
/// is not kept waiting for ever.
const SETUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Exit status for an unknown exec command, as a shell would give.
pub const EXIT_UNKNOWN_COMMAND: u32 = 127;

/// The terminal the client asked for with pty-req.
#[derive(Debug, Clone)]
pub struct Pty {
    pub size: Size,
}

/// Runs the session and, should it panic, restores the visitor's terminal
/// through the connection handle (the channel died with the task).
pub async fn supervise(
    channel: Channel<Msg>,
    handle: Handle,
    shared: Shared,
    visitor: Visitor,
    shutdown: CancellationToken,
) {
    let id = channel.id();
    let tui_active = Arc::new(AtomicBool::new(false));
    let task = tokio::spawn(run(channel, shared, visitor, shutdown, tui_active.clone()));
    if let Err(e) = task.await
        && e.is_panic()
    {
        tracing::error!("session task panicked; closing that session only");
        if tui_active.load(Ordering::Relaxed) {
            let _ = handle.data(id, Bytes::from_static(modes::RESTORE)).await;
        }
        let _ = handle.exit_status_request(id, 1).await;
        let _ = handle.eof(id).await;
        let _ = handle.close(id).await;
    }
}

/// What the client asked the channel to do.
enum Request {
    Shell,
    Exec(Vec<u8>),
}

async fn run(
    mut channel: Channel<Msg>,
    shared: Shared,
    visitor: Visitor,
    shutdown: CancellationToken,
    tui_active: Arc<AtomicBool>,
) {
    let started = (SystemTime::now(), Instant::now());
    // This session keeps the content it started with, whatever reloads.
    let content = shared.content.current();
    let mut pty: Option<Pty> = None;
    let mut env = ClientEnv::default();
    let mut deadline = pin!(tokio::time::sleep(SETUP_TIMEOUT));
    let request = loop {
        let msg = tokio::select! {
            msg = channel.wait() => msg,
            () = shutdown.cancelled() => None,
            () = &mut deadline => None,
        };
        match msg {
            None | Some(ChannelMsg::Eof | ChannelMsg::Close) => {
                let _ = channel.close().await;
                return;
            }
            Some(ChannelMsg::RequestPty {
                term,
                col_width,
                row_height,
                ..
            }) => {
                env.set("TERM", &term);
                pty = Some(Pty {
                    size: size::clamp(col_width, row_height),
                });
            }
            Some(ChannelMsg::SetEnv {
                variable_name,
                variable_value,
                ..
            }) => {
                env.set(&variable_name, &variable_value);
            }
            Some(ChannelMsg::WindowChange {
                col_width,
                row_height,
                ..
            }) => {
                if let Some(pty) = &mut pty {
                    pty.size = size::clamp(col_width, row_height);
                }
            }
            Some(ChannelMsg::RequestShell { .. }) => break Request::Shell,
            Some(ChannelMsg::Exec { command, .. }) => break Request::Exec(command),
            Some(_) => {}
        }
    };
    let mut visit = Visit {
        started: started.0,
        duration: Duration::ZERO,
        peer: visitor.peer.map(|p| p.ip()),
        client: visitor.client.clone(),
        term: env.term.clone(),
        cols: pty.as_ref().map_or(0, |p| p.size.cols),
        rows: pty.as_ref().map_or(0, |p| p.size.rows),
        sections: Vec::new(),
        left_message: false,
        kind: String::new(),
    };
    let write_timeout = shared.limits.write_timeout;
    record::update(&visitor.record, |r| {
        r.term = visit.term.clone();
        r.size = pty.as_ref().map(|p| p.size);
    });
    let status = match (request, pty) {
        (Request::Shell, Some(pty)) => {
            tui_active.store(true, Ordering::Relaxed);
            visit.kind = "tui".into();
            let (status, summary) = interactive::run(
                &mut channel,
                content.clone(),
                &shared,
                &visitor,
                pty,
                env,
                shutdown,
            )
            .await;
            visit.sections = summary.sections;
            visit.left_message = summary.left_message;
            visit.cols = summary.size.cols;
            visit.rows = summary.size.rows;
            status
        }
        (Request::Shell, None) => {
            visit.kind = "plain".into();
            print(&channel, &export::resume(&content), false, write_timeout).await
        }
        (Request::Exec(command), pty) => match Command::parse(&command) {
            Ok(command) => {
                visit.kind = format!("exec {}", command.name());
                let text = command.output(&content);
                print(&channel, &text, pty.is_some(), write_timeout).await
            }
            Err(line) => {
                visit.kind = "exec unknown".into();
                let line = format!("{line}\n");
                let _ = tokio::time::timeout(
                    write_timeout,
                    channel.extended_data_bytes(1, Bytes::from(crlf(&line, pty.is_some()))),
                )
                .await;
                Some(EXIT_UNKNOWN_COMMAND)
            }
        },
    };
    // Ending the channel politely needs the client to read; one that
    // stopped reading is cut instead of waited for.
    let closed = tokio::time::timeout(write_timeout, async {
        if let Some(status) = status {
            channel.exit_status(status).await?;
        }
        channel.eof().await?;
        channel.close().await
    })
    .await;
    if status.is_none() || !matches!(closed, Ok(Ok(()))) {
        visitor.cut.cancel();
    }
    visit.duration = started.1.elapsed();
    record::update(&visitor.record, |r| {
        r.ended.get_or_insert(match status {
            Some(_) => "done",
            None => "client gone",
        });
    });
    shared.inbox.record_visit(visit);
}

/// Writes a text export; status 0 once it is out, none if the client went
/// or stopped reading for longer than `limit`.
async fn print(channel: &Channel<Msg>, text: &str, pty: bool, limit: Duration) -> Option<u32> {
    let bytes = Bytes::from(crlf(text, pty));
    match tokio::time::timeout(limit, channel.data_bytes(bytes)).await {
        Ok(Ok(())) => Some(0),
        _ => None,
    }
}

/// With a PTY the client's terminal is raw, so a bare `\n` would not
/// return the carriage.
fn crlf(text: &str, pty: bool) -> String {
    if pty {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text.to_string()
    }
}
