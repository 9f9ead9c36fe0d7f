//! The SQLite store's write thread: it owns the one write connection and
//! runs the jobs sent to it in order, answering each through a oneshot,
//! so an async caller awaits a write without ever blocking the runtime.
//! The queue is bounded: when it is full a write fails at once (the
//! inbox says so) rather than piling up.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

use anyhow::{Context, Result, anyhow};
use rusqlite::Connection;
use tokio::sync::oneshot;

use super::queries;
use super::schema::{self, FILE};
use crate::inbox::model::{ChannelRef, Message, Stored};

/// Writes waiting for the thread; beyond this a write fails at once.
const QUEUE: usize = 1024;

/// Which file a path names: its device and inode.
pub type FileId = (u64, u64);

pub fn file_id(path: &Path) -> Option<FileId> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

enum WriteJob {
    Run(Box<dyn FnOnce(&mut WriteConn) + Send>),
    /// Finish what came before, then end the thread.
    Stop,
}

/// The handle to the write thread.
pub struct WriteThread {
    jobs: SyncSender<WriteJob>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl WriteThread {
    /// Starts the thread for the database in `dir` (opened on first use).
    pub fn start(dir: &Path) -> Result<WriteThread> {
        let (jobs, queue) = mpsc::sync_channel(QUEUE);
        let conn = WriteConn {
            dir: dir.to_path_buf(),
            open: None,
        };
        let thread = std::thread::Builder::new()
            .name("inbox".into())
            .spawn(move || run(conn, queue))
            .context("starting the inbox thread")?;
        Ok(WriteThread {
            jobs,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `job` on the thread and waits for its answer.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut WriteConn) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job = WriteJob::Run(Box::new(move |conn: &mut WriteConn| {
            let result = job(conn);
            if result.is_err() {
                // Opened again next time: the failure may be the connection's.
                conn.open = None;
            }
            let _ = reply.send(result);
        }));
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(anyhow!("the inbox is busy: its queue is full"));
            }
            Err(TrySendError::Disconnected(_)) => return Err(anyhow!("the inbox has stopped")),
        }
        answer.await.map_err(|_| anyhow!("the inbox has stopped"))?
    }

    /// Lets the thread finish what is queued and waits for it to end.
    pub async fn stop(&self) {
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        let Some(thread) = thread else { return };
        // A full queue is drained before the stop is read: wait for room.
        let jobs = self.jobs.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let _ = jobs.send(WriteJob::Stop);
            let _ = thread.join();
        })
        .await;
    }
}

fn run(mut conn: WriteConn, queue: Receiver<WriteJob>) {
    while let Ok(job) = queue.recv() {
        match job {
            WriteJob::Run(job) => job(&mut conn),
            WriteJob::Stop => return,
        }
    }
}

/// The write connection, as the thread holds it: opened on first use,
/// dropped after a failure so the next job opens it again.
pub struct WriteConn {
    dir: PathBuf,
    /// The open connection and the file it has open.
    open: Option<(Connection, Option<FileId>)>,
}

impl WriteConn {
    fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// Whether the open connection's file is still the one at the path.
    fn still_in_place(&self) -> bool {
        self.open
            .as_ref()
            .is_some_and(|(_, file)| file.is_some() && file_id(&self.path()) == *file)
    }

    /// The connection, opened now if it is not yet, failed before, or its
    /// file was removed or replaced since.
    pub fn conn(&mut self) -> Result<&mut Connection> {
        if self.open.is_some() && !self.still_in_place() {
            // Closing checkpoints into the old file and removes its WAL, so
            // the new file starts clean.
            self.open = None;
            tracing::error!(
                path = %self.path().display(),
                "the inbox file was removed or replaced while the server ran; starting a new one"
            );
        }
        if self.open.is_none() {
            let path = self.path();
            let conn =
                schema::open(&path).with_context(|| format!("opening {}", path.display()))?;
            self.open = Some((conn, file_id(&path)));
        }
        match &mut self.open {
            Some((conn, _)) => Ok(conn),
            None => Err(anyhow!("the inbox is not open")),
        }
    }

    /// Stores a message. A file removed between the check and the commit
    /// got the message nobody will read: it is stored again, in the new
    /// file (with the same submission id, so never twice in one file).
    /// Once is enough; a file that keeps vanishing fails the message.
    pub fn insert_message(
        &mut self,
        message: &Message,
        per_hour: u32,
        channels: &[ChannelRef],
    ) -> Result<Stored> {
        for _ in 0..2 {
            let stored = queries::insert_message(self.conn()?, message, per_hour, channels)?;
            if self.still_in_place() {
                return Ok(stored);
            }
        }
        Err(anyhow!(
            "the inbox file keeps being removed; a message was not saved"
        ))
    }
}
