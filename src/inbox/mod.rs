//! The inbox: messages visitors leave and the visits they make, in
//! `data/messages.db`. The only module that touches SQLite.
//!
//! One writer thread owns the connection and works through a bounded
//! queue, so sessions never wait on disk on the async runtime: a submit is
//! a queued job plus an awaited reply, a visit is a queued job. The thread
//! opens the database lazily and again after a failure, so a data
//! directory fixed while the server runs starts working without a restart.
//! It ends when every handle is dropped, after finishing the queue.

pub mod db;
mod outbox;
mod stats;
pub mod visitor_key;
mod writer;

use std::net::IpAddr;
use std::path::Path;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{oneshot, watch};

pub use db::{Attempt, ChannelRef, Due, OutboxMessage};
pub use outbox::Claim;

/// Jobs waiting for the writer; beyond this a submit fails at once (the
/// visitor keeps the draft) and a visit is dropped.
const QUEUE: usize = 1024;

/// Longest a session waits for its message to be stored.
const SUBMIT_TIMEOUT: Duration = Duration::from_secs(15);

/// A message as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// Chosen by the form; the same id twice stores one message.
    pub submission_id: String,
    pub name: String,
    pub contact: String,
    pub message: String,
    pub peer: Option<IpAddr>,
    pub key_fingerprint: Option<String>,
}

/// What the visitor is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitResult {
    /// Durably stored (now, or by an earlier press of the same form).
    Sent,
    /// Over the hourly limit; may write again after this long.
    Limited(Duration),
    /// A field is empty or too long (the form prevents this).
    Invalid,
    /// Could not be stored (disk full, read-only, locked, corrupt…).
    Failed,
}

/// One finished session, as the session knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub started: SystemTime,
    pub duration: Duration,
    pub peer: Option<IpAddr>,
    pub client: String,
    pub term: String,
    pub cols: u16,
    pub rows: u16,
    pub sections: Vec<&'static str>,
    pub left_message: bool,
    pub kind: VisitKind,
}

/// How a visitor came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitKind {
    /// The interactive UI, in a PTY.
    Tui,
    /// A shell without a PTY: the plain-text résumé.
    Plain,
    /// An exec command, by name.
    Exec(&'static str),
    /// An exec command that does not exist.
    UnknownCommand,
}

impl VisitKind {
    /// How `sshfolio stats` and the database name it.
    pub fn label(self) -> String {
        match self {
            VisitKind::Tui => "tui".into(),
            VisitKind::Plain => "plain".into(),
            VisitKind::Exec(name) => format!("exec {name}"),
            VisitKind::UnknownCommand => "exec unknown".into(),
        }
    }
}

enum Job {
    Submit(Submission, oneshot::Sender<SubmitResult>),
    Visit(Visit),
    /// Claim a channel's due deliveries (see `outbox`).
    Claim(outbox::ClaimRequest, oneshot::Sender<Option<Claim>>),
    /// Record how an attempt at a delivery went.
    Attempted {
        id: i64,
        attempt: Attempt,
    },
}

/// A handle to the inbox; cheap to clone.
#[derive(Clone)]
pub struct Inbox {
    jobs: SyncSender<Job>,
    /// Counts new messages, so delivery workers wake when there are some.
    stored: watch::Receiver<u64>,
}

/// The writer thread; `finish` waits for it after the last handle is gone.
pub struct Writer {
    thread: JoinHandle<()>,
}

impl Writer {
    /// Waits up to `limit` for queued writes to finish; false if they did
    /// not.
    pub fn finish(self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while !self.thread.is_finished() {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.thread.join().is_ok()
    }
}

/// What the inbox allows, keeps and notifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Messages per visitor (address, and key) per rolling hour.
    pub messages_per_hour: u32,
    /// Visits older than this many days are deleted; 0 keeps them all.
    pub visits_retention_days: u32,
    /// The channels each new message is to be delivered to.
    pub channels: Vec<ChannelRef>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            messages_per_hour: 5,
            visits_retention_days: 400,
            channels: Vec::new(),
        }
    }
}

impl Inbox {
    /// Starts the writer for `data_dir`.
    pub fn start(data_dir: &Path, policy: Policy) -> (Inbox, Writer) {
        let (jobs, queue) = mpsc::sync_channel(QUEUE);
        let (stored_tx, stored) = watch::channel(0);
        let state = writer::WriterState::new(data_dir, policy, stored_tx);
        let thread = std::thread::Builder::new()
            .name("inbox".into())
            .spawn(move || writer::run(state, queue))
            .expect("spawning the inbox thread");
        (Inbox { jobs, stored }, Writer { thread })
    }

    /// Stores a message; returns once it is durably on disk or refused.
    pub async fn submit(&self, submission: Submission) -> SubmitResult {
        let (reply, answer) = oneshot::channel();
        match self.jobs.try_send(Job::Submit(submission, reply)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::error!("inbox queue full; a message could not be saved");
                return SubmitResult::Failed;
            }
            Err(TrySendError::Disconnected(_)) => return SubmitResult::Failed,
        }
        match tokio::time::timeout(SUBMIT_TIMEOUT, answer).await {
            Ok(Ok(result)) => result,
            _ => SubmitResult::Failed,
        }
    }

    /// Records a visit without waiting; dropped if the queue is full.
    pub fn record_visit(&self, visit: Visit) {
        if let Err(TrySendError::Full(_)) = self.jobs.try_send(Job::Visit(visit)) {
            tracing::warn!("inbox queue full; a visit was not recorded");
        }
    }
}

#[cfg(test)]
mod tests;
