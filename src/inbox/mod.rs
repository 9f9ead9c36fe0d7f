//! The inbox: messages visitors leave and the visits they make, and the
//! outbox of notifications for them. One handle, two stores chosen at
//! start by `--database` ([`database`]):
//!
//! - SQLite, `DATA/messages.db` (the default): one writer thread owns the
//!   connection and works through a bounded queue, so sessions never wait
//!   on disk on the async runtime ([`writer`]).
//! - PostgreSQL, shared by replicas: tasks on the runtime and a small
//!   pool ([`postgres`]).
//!
//! Either way a submit is answered within seconds whatever the database
//! does, a visit never waits, and a database that comes back is used
//! again without a restart. The owner's commands read through [`Store`].

pub mod database;
pub mod db;
mod outbox;
pub mod postgres;
mod rows;
mod stats;
mod store;
pub mod visitor_key;
mod writer;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{oneshot, watch};

use crate::telemetry;

pub use database::Database;
pub use db::{Attempt, ChannelRef, Due, OutboxMessage};
pub use outbox::Claim;
pub use store::Store;

/// Jobs waiting for the writer; beyond this a submit fails at once (the
/// visitor keeps the draft) and a visit is dropped.
const QUEUE: usize = 1024;

/// Longest a session waits for its message to be stored: the form
/// answers within 10 s of Send.
const SUBMIT_TIMEOUT: Duration = postgres::SUBMIT_TIMEOUT;

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
    /// Say whether the database answers (readiness).
    Ping(oneshot::Sender<Result<(), String>>),
}

/// A handle to the inbox; cheap to clone.
#[derive(Clone)]
pub struct Inbox {
    backend: Backend,
    /// Counts new messages, so delivery workers wake when there are some.
    stored: watch::Receiver<u64>,
}

#[derive(Clone)]
enum Backend {
    /// Jobs for the SQLite writer thread.
    Sqlite(SyncSender<Job>),
    Postgres(Arc<postgres::PgInbox>),
    /// `--database` could not be used at all (the reason was logged):
    /// the portfolio is served, messages fail, visits are not kept.
    Unusable,
}

/// What shutdown waits for: the SQLite writer thread, or the PostgreSQL
/// tasks flushing queued visits.
pub enum Writer {
    Thread(JoinHandle<()>),
    Tasks(postgres::Tasks),
    None,
}

impl Writer {
    /// Writes what is queued, on the runtime (PostgreSQL); waits up to
    /// `limit`. Call before the runtime stops.
    pub async fn flush(&self, limit: Duration) -> bool {
        match self {
            Writer::Tasks(tasks) => tasks.flush(limit).await,
            Writer::Thread(_) | Writer::None => true,
        }
    }

    /// Waits up to `limit` for the writer thread to finish the queue
    /// (SQLite; it does once every handle is gone); false if it did not.
    pub fn finish(self, limit: Duration) -> bool {
        let Writer::Thread(thread) = self else {
            return true;
        };
        let deadline = Instant::now() + limit;
        while !thread.is_finished() {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        thread.join().is_ok()
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
    /// Starts the inbox on `database`. PostgreSQL needs a runtime (it
    /// starts tasks on the current one) and is reached in the background:
    /// this never waits for it.
    pub fn start(database: &Database, policy: Policy) -> (Inbox, Writer) {
        let (stored_tx, stored) = watch::channel(0);
        let (backend, writer) = match database {
            Database::Sqlite(data_dir) => {
                let (jobs, queue) = mpsc::sync_channel(QUEUE);
                let state = writer::WriterState::new(data_dir, policy, stored_tx);
                let thread = std::thread::Builder::new()
                    .name("inbox".into())
                    .spawn(move || writer::run(state, queue))
                    .expect("spawning the inbox thread");
                (Backend::Sqlite(jobs), Writer::Thread(thread))
            }
            Database::Postgres(pg) => match postgres::PgStore::new(pg) {
                Ok(store) => {
                    let (inbox, tasks) = postgres::start(store, policy, stored_tx);
                    (Backend::Postgres(inbox), Writer::Tasks(tasks))
                }
                Err(e) => {
                    tracing::error!(
                        "messages cannot be stored: {e:#}; the portfolio is served without them"
                    );
                    (Backend::Unusable, Writer::None)
                }
            },
        };
        (Inbox { backend, stored }, writer)
    }

    /// An inbox with no database (`--database` was unusable): messages
    /// fail, visits are not kept, the portfolio is served.
    pub fn without_store() -> (Inbox, Writer) {
        let (_, stored) = watch::channel(0);
        let backend = Backend::Unusable;
        (Inbox { backend, stored }, Writer::None)
    }

    /// Stores a message; returns once it is durably stored or refused,
    /// within [`SUBMIT_TIMEOUT`].
    pub async fn submit(&self, submission: Submission) -> SubmitResult {
        let result = self.store_message(submission).await;
        match result {
            // A new message is counted where it is known to be new.
            SubmitResult::Sent => {}
            SubmitResult::Limited(_) => telemetry::message_refused("limited"),
            SubmitResult::Invalid => telemetry::message_refused("invalid"),
            SubmitResult::Failed => telemetry::message_refused("failed"),
        }
        result
    }

    async fn store_message(&self, submission: Submission) -> SubmitResult {
        let jobs = match &self.backend {
            Backend::Sqlite(jobs) => jobs,
            Backend::Postgres(pg) => return pg.submit(submission).await,
            Backend::Unusable => return SubmitResult::Failed,
        };
        let (reply, answer) = oneshot::channel();
        match jobs.try_send(Job::Submit(submission, reply)) {
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

    /// Whether the database answers now, within `limit`; the reason when
    /// it does not.
    pub async fn reachable(&self, limit: Duration) -> Result<(), String> {
        let answer = match &self.backend {
            Backend::Sqlite(jobs) => {
                let (reply, answer) = oneshot::channel();
                match jobs.try_send(Job::Ping(reply)) {
                    Ok(()) => {}
                    // Busy writing: the writer is there and working.
                    Err(TrySendError::Full(_)) => return Ok(()),
                    Err(TrySendError::Disconnected(_)) => {
                        return Err("the inbox writer has stopped".into());
                    }
                }
                tokio::time::timeout(limit, async {
                    answer
                        .await
                        .unwrap_or_else(|_| Err("the inbox writer has stopped".into()))
                })
                .await
            }
            Backend::Postgres(pg) => tokio::time::timeout(limit, pg.reachable()).await,
            Backend::Unusable => return Err("--database cannot be used (see the log)".into()),
        };
        answer.unwrap_or_else(|_| Err(format!("the database did not answer within {limit:?}")))
    }

    /// Records a visit without waiting; dropped if the queue is full.
    pub fn record_visit(&self, visit: Visit) {
        match &self.backend {
            Backend::Sqlite(jobs) => {
                if let Err(TrySendError::Full(_)) = jobs.try_send(Job::Visit(visit)) {
                    tracing::warn!("inbox queue full; a visit was not recorded");
                }
            }
            Backend::Postgres(pg) => pg.record_visit(visit),
            Backend::Unusable => {}
        }
    }
}

#[cfg(test)]
mod tests;
