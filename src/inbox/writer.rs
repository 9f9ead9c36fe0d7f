//! The inbox's writer thread: it owns the one connection to the database
//! and works through the queue in order — visits batched into one
//! transaction, each message committed (and fsynced) on its own. It opens
//! the database lazily and again after a failure, so a data directory
//! fixed while the server runs works without a restart; and before and
//! after each message it checks that the file it has open is still the
//! one at `data/messages.db`, so a message is never reported sent into a
//! file that was deleted or replaced meanwhile.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

use rusqlite::Connection;
use tokio::sync::watch;

use super::db::{self, NewMessage, Stored, VisitRow};
use super::outbox::{Claim, ClaimRequest};
use super::rows::{checked, unix, visit_row};
use super::{Attempt, ChannelRef, Job, Policy, Submission, SubmitResult, Visit, visitor_key};

/// Most visits written in one transaction.
const VISIT_BATCH: usize = 512;

/// How often old visits are looked for.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Old visits deleted per transaction: each is over in milliseconds, so
/// messages never wait behind a long delete.
const PRUNE_BATCH: u32 = 500;

/// Works through the queue until every handle is gone; in between, deletes
/// visits past their retention, a small batch at a time.
pub(super) fn run(mut state: WriterState, queue: Receiver<Job>) {
    loop {
        // With old visits still to delete, only a job waiting already
        // comes first; otherwise wait for one until the next look.
        let wait = state.prune_wait();
        let first = match queue.recv_timeout(wait) {
            Ok(first) => first,
            Err(RecvTimeoutError::Timeout) => {
                state.prune();
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        drain(&mut state, first, &queue);
    }
}

/// Handles `first` and everything already queued behind it: the visits
/// are written together, in one transaction (flushed before each message,
/// so the order of writes is the queue's).
fn drain(state: &mut WriterState, first: Job, queue: &Receiver<Job>) {
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
            Job::Claim(request, reply) => {
                let _ = reply.send(state.claim(&request));
            }
            Job::Attempted { id, attempt } => state.attempted(id, &attempt),
            Job::Ping(reply) => {
                state.visits(std::mem::take(&mut visits));
                let _ = reply.send(state.ping());
            }
        }
    }
    state.visits(visits);
}

/// Which file a path names: its device and inode.
type FileId = (u64, u64);

fn file_id(path: &Path) -> Option<FileId> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The open database and the key that hashes addresses.
struct Open {
    conn: Connection,
    key: [u8; 32],
    /// The file the connection has open.
    file: Option<FileId>,
}

pub(super) struct WriterState {
    data_dir: PathBuf,
    per_hour: u32,
    /// Where each new message is to be delivered.
    channels: Vec<ChannelRef>,
    /// Bumped for every new message: delivery workers wake.
    stored: watch::Sender<u64>,
    /// How long visits are kept; `None` keeps them all.
    retention: Option<Duration>,
    /// When to look for old visits next.
    next_prune: Instant,
    open: Option<Open>,
    last_error_log: Option<Instant>,
}

impl WriterState {
    pub(super) fn new(data_dir: &Path, policy: Policy, stored: watch::Sender<u64>) -> WriterState {
        WriterState {
            data_dir: data_dir.to_path_buf(),
            per_hour: policy.messages_per_hour,
            channels: policy.channels,
            stored,
            retention: (policy.visits_retention_days > 0)
                .then(|| Duration::from_secs(u64::from(policy.visits_retention_days) * 86_400)),
            // The first look comes soon after start, not at once: the
            // database is opened by the first visit or message.
            next_prune: Instant::now() + Duration::from_secs(60),
            open: None,
            last_error_log: None,
        }
    }

    /// How long the queue may be waited on before the next look for old
    /// visits.
    fn prune_wait(&self) -> Duration {
        match self.retention {
            Some(_) => self.next_prune.saturating_duration_since(Instant::now()),
            None => Duration::MAX,
        }
    }

    /// Deletes one batch of visits past their retention; looks again at
    /// once while there are more, else in an hour.
    pub(super) fn prune(&mut self) {
        let Some(retention) = self.retention else {
            return;
        };
        let before = unix(SystemTime::now() - retention);
        // Nothing to prune in a database no visitor has created yet.
        if self.open.is_none() && !self.db_path().exists() {
            self.next_prune = Instant::now() + PRUNE_EVERY;
            return;
        }
        let Some(open) = self.open() else {
            self.next_prune = Instant::now() + PRUNE_EVERY;
            return;
        };
        match db::prune_visits(&open.conn, before, PRUNE_BATCH) {
            Ok(deleted) if deleted == PRUNE_BATCH as usize => self.next_prune = Instant::now(),
            Ok(_) => self.next_prune = Instant::now() + PRUNE_EVERY,
            Err(e) => {
                self.next_prune = Instant::now() + PRUNE_EVERY;
                self.log_error(&format!("could not delete old visits: {e}"));
            }
        }
    }

    fn db_path(&self) -> PathBuf {
        self.data_dir.join(db::FILE)
    }

    /// Whether the open connection's file is still the one at the path.
    fn still_in_place(&self) -> bool {
        self.open
            .as_ref()
            .is_some_and(|open| open.file.is_some() && file_id(&self.db_path()) == open.file)
    }

    /// The database, opened now if it is not yet, failed before, or its
    /// file was removed or replaced since.
    fn open(&mut self) -> Option<&mut Open> {
        if self.open.is_some() && !self.still_in_place() {
            // Closing checkpoints into the old file and removes its WAL, so
            // the new file starts clean.
            self.open = None;
            tracing::error!(
                path = %self.db_path().display(),
                "the inbox file was removed or replaced while the server ran; starting a new one"
            );
        }
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

    pub(super) fn submit(&mut self, s: &Submission) -> SubmitResult {
        let Some(msg) = checked(s) else {
            return SubmitResult::Invalid;
        };
        // A file removed between the check and the commit got the message
        // nobody will read: it is stored again, in the new file (with the
        // same submission id, so never twice in one file). Once is enough;
        // a file that keeps vanishing fails the message instead.
        let per_hour = self.per_hour;
        let channels = std::mem::take(&mut self.channels);
        let result = self.submit_checked(s, &msg, per_hour, &channels);
        self.channels = channels;
        result
    }

    fn submit_checked(
        &mut self,
        s: &Submission,
        msg: &NewMessage,
        per_hour: u32,
        channels: &[ChannelRef],
    ) -> SubmitResult {
        for _ in 0..2 {
            let Some(open) = self.open() else {
                return SubmitResult::Failed;
            };
            let msg = NewMessage {
                visitor: visitor_key::hash(&open.key, s.peer),
                ..msg.clone()
            };
            let stored = db::insert_message(&mut open.conn, &msg, per_hour, channels);
            if stored.is_err() || self.still_in_place() {
                return self.answer(stored);
            }
        }
        self.log_error("the inbox file keeps being removed; a message was not saved");
        SubmitResult::Failed
    }

    /// What the visitor is told about a message the database took or
    /// refused.
    fn answer(&mut self, stored: rusqlite::Result<Stored>) -> SubmitResult {
        match stored {
            Ok(stored) => stored.answer(&self.stored),
            Err(e) => {
                // Reopen next time: the failure may be the connection's.
                self.open = None;
                self.log_error(&format!(
                    "could not save a message in {}: {e}",
                    self.db_path().display()
                ));
                SubmitResult::Failed
            }
        }
    }

    /// Whether the database answers: opened (or opened again) and read.
    pub(super) fn ping(&mut self) -> Result<(), String> {
        let path = self.db_path();
        let Some(open) = self.open() else {
            return Err(format!("cannot open {}", path.display()));
        };
        open.conn
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    }

    /// Claims due deliveries for a worker; `None` when the database cannot
    /// be read (the worker tries again later). Nothing is claimed before a
    /// database exists.
    fn claim(&mut self, request: &ClaimRequest) -> Option<Claim> {
        if self.open.is_none() && !self.db_path().exists() {
            return Some(Claim::default());
        }
        let open = self.open()?;
        let now = unix(SystemTime::now());
        let lease_until = now + request.lease.as_secs() as i64;
        let claimed = db::claim_deliveries(
            &mut open.conn,
            &request.channel_key,
            now,
            lease_until,
            request.limit,
        )
        .and_then(|due| Ok((due, db::next_due(&open.conn, &request.channel_key)?)));
        match claimed {
            Ok((due, next_due)) => Some(Claim { due, next_due }),
            Err(e) => {
                self.open = None;
                self.log_error(&format!("could not read the deliveries to make: {e}"));
                None
            }
        }
    }

    /// Records how a delivery attempt went.
    fn attempted(&mut self, id: i64, attempt: &Attempt) {
        let Some(open) = self.open() else {
            return;
        };
        let now = unix(SystemTime::now());
        if let Err(e) = db::record_attempt(&open.conn, id, now, attempt) {
            self.open = None;
            self.log_error(&format!("could not record a delivery attempt: {e}"));
        }
    }

    /// Records finished sessions in one transaction. Visits are statistics:
    /// they are committed without waiting for the disk (`synchronous =
    /// NORMAL`, so an application crash loses none, a power cut at most the
    /// last ones), unlike messages, which always are.
    pub(super) fn visits(&mut self, visits: Vec<Visit>) {
        if visits.is_empty() {
            return;
        }
        let Some(open) = self.open() else {
            return;
        };
        let rows: Vec<VisitRow> = visits.iter().map(|v| visit_row(&open.key, v)).collect();
        if let Err(e) = db::record_visits(&mut open.conn, &rows) {
            self.open = None;
            self.log_error(&format!("could not record {} visits: {e}", rows.len()));
        }
    }

    /// Logs an error, at most once a minute, so a broken disk does not
    /// flood the log.
    fn log_error(&mut self, message: &str) {
        crate::telemetry::database_error();
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
    Ok(Open {
        conn,
        key,
        file: file_id(&path),
    })
}
