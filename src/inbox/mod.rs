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
pub mod visitor_key;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::sanitize;
use db::{NewMessage, Stored, VisitRow};

// Field limits are enforced here too, whatever the UI did.
use crate::message::{MAX_CONTACT, MAX_MESSAGE, MAX_NAME};

/// Jobs waiting for the writer; beyond this a submit fails at once (the
/// visitor keeps the draft) and a visit is dropped.
const QUEUE: usize = 1024;

/// Most visits written in one transaction.
const VISIT_BATCH: usize = 512;

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
}

/// A handle to the inbox; cheap to clone.
#[derive(Clone)]
pub struct Inbox {
    jobs: SyncSender<Job>,
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

impl Inbox {
    /// Starts the writer for `data_dir`, allowing `per_hour` messages per
    /// visitor per rolling hour.
    pub fn start(data_dir: &Path, per_hour: u32) -> (Inbox, Writer) {
        let (jobs, queue) = mpsc::sync_channel(QUEUE);
        let mut state = WriterState {
            data_dir: data_dir.to_path_buf(),
            per_hour,
            open: None,
            last_error_log: None,
        };
        let thread = std::thread::Builder::new()
            .name("inbox".into())
            .spawn(move || {
                // Everything already queued is taken in one go: its visits
                // are written together, in one transaction (flushed before
                // each message, so the order of writes is the queue's).
                while let Ok(first) = queue.recv() {
                    let mut visits = Vec::new();
                    let waiting = std::iter::from_fn(|| queue.try_recv().ok());
                    for job in std::iter::once(first).chain(waiting) {
                        match job {
                            Job::Visit(visit) => {
                                visits.push(visit);
                                if visits.len() >= VISIT_BATCH {
                                    state.visits(std::mem::take(&mut visits));
                                }
                            }
                            Job::Submit(submission, reply) => {
                                state.visits(std::mem::take(&mut visits));
                                let _ = reply.send(state.submit(&submission));
                            }
                        }
                    }
                    state.visits(visits);
                }
            })
            .expect("spawning the inbox thread");
        (Inbox { jobs }, Writer { thread })
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

/// The open database and the key that hashes addresses.
struct Open {
    conn: Connection,
    key: [u8; 32],
}

struct WriterState {
    data_dir: PathBuf,
    per_hour: u32,
    open: Option<Open>,
    last_error_log: Option<Instant>,
}

impl WriterState {
    /// The database, opened now if it is not yet (or failed before).
    fn open(&mut self) -> Option<&mut Open> {
        if self.open.is_none() {
            match open(&self.data_dir) {
                Ok(open) => self.open = Some(open),
                Err(e) => {
                    self.log_error(&format!(
                        "cannot open the inbox in {}: {e:#}",
                        self.data_dir.display()
                    ));
                    return None;
                }
            }
        }
        self.open.as_mut()
    }

    fn submit(&mut self, s: &Submission) -> SubmitResult {
        let Some(msg) = checked(s) else {
            return SubmitResult::Invalid;
        };
        let per_hour = self.per_hour;
        let Some(open) = self.open() else {
            return SubmitResult::Failed;
        };
        let msg = NewMessage {
            visitor: visitor_key::hash(&open.key, s.peer),
            ..msg
        };
        match db::insert_message(&mut open.conn, &msg, per_hour) {
            Ok(Stored::New(id)) => {
                tracing::info!(id, "message received");
                SubmitResult::Sent
            }
            Ok(Stored::Duplicate(_)) => SubmitResult::Sent,
            Ok(Stored::Limited { retry_after_secs }) => {
                SubmitResult::Limited(Duration::from_secs(retry_after_secs.max(1) as u64))
            }
            Err(e) => {
                // Reopen next time: the failure may be the connection's.
                self.open = None;
                self.log_error(&format!(
                    "could not save a message in {}: {e}",
                    self.data_dir.join(db::FILE).display()
                ));
                SubmitResult::Failed
            }
        }
    }

    /// Records finished sessions in one transaction. Visits are statistics:
    /// they are committed without waiting for the disk (`synchronous =
    /// NORMAL`, so an application crash loses none, a power cut at most the
    /// last ones), unlike messages, which always are.
    fn visits(&mut self, visits: Vec<Visit>) {
        if visits.is_empty() {
            return;
        }
        let Some(open) = self.open() else {
            return;
        };
        let rows: Vec<VisitRow> = visits
            .iter()
            .map(|v| VisitRow {
                started_at: unix(v.started),
                duration_ms: v.duration.as_millis().min(i64::MAX as u128) as i64,
                visitor: visitor_key::hash(&open.key, v.peer),
                client: short(&v.client, 100),
                term: short(&v.term, 40),
                cols: v.cols,
                rows: v.rows,
                sections: v.sections.join(","),
                left_message: v.left_message,
                kind: v.kind.label(),
            })
            .collect();
        if let Err(e) = db::record_visits(&mut open.conn, &rows) {
            self.open = None;
            self.log_error(&format!("could not record {} visits: {e}", rows.len()));
        }
    }

    /// Logs an error, at most once a minute, so a broken disk does not
    /// flood the log.
    fn log_error(&mut self, message: &str) {
        let now = Instant::now();
        if self
            .last_error_log
            .is_none_or(|last| now.duration_since(last) > Duration::from_secs(60))
        {
            tracing::error!("{message}");
            self.last_error_log = Some(now);
        }
    }
}

/// Opens the data directory's database and visitor key, creating both.
fn open(data_dir: &Path) -> anyhow::Result<Open> {
    use anyhow::Context;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let key = visitor_key::load_or_create(data_dir)?;
    let path = data_dir.join(db::FILE);
    let conn = db::open(&path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Open { conn, key })
}

/// The submission sanitised and within limits, or `None`.
fn checked(s: &Submission) -> Option<NewMessage> {
    let name = sanitize::clean(&s.name, sanitize::ONE_LINE)
        .trim()
        .to_string();
    let contact = sanitize::clean(&s.contact, sanitize::ONE_LINE)
        .trim()
        .to_string();
    let body = sanitize::clean(&s.message, sanitize::STORED)
        .trim()
        .to_string();
    let id_ok = !s.submission_id.is_empty()
        && s.submission_id.len() <= 64
        && s.submission_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let fits = |text: &str, max: usize| text.chars().count() <= max;
    let valid = id_ok
        && !name.is_empty()
        && !body.is_empty()
        && fits(&name, MAX_NAME)
        && fits(&contact, MAX_CONTACT)
        && fits(&body, MAX_MESSAGE);
    valid.then(|| NewMessage {
        submission_id: s.submission_id.clone(),
        received_at: unix(SystemTime::now()),
        name,
        contact,
        body,
        visitor: String::new(),
        key_fingerprint: s.key_fingerprint.as_deref().map(|k| short(k, 100)),
    })
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().min(i64::MAX as u64) as i64)
}

/// Untrusted one-line text, cleaned and cut to `max` characters.
fn short(text: &str, max: usize) -> String {
    sanitize::clean(text, sanitize::ONE_LINE)
        .chars()
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests;
