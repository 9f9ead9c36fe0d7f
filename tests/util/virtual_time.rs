//! The real server in the test's own runtime with tokio's clock paused,
//! visited over in-memory streams. Nothing here waits on a socket or
//! another thread, so time moves only when every task is waiting on a
//! timer, and then straight to the next one: a 15-minute idle limit takes
//! no real time, and "nothing happens before the deadline" is exact rather
//! than a guess about how long a busy machine needs. Tests using it run
//! under `#[tokio::test(start_paused = true)]`.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use russh::client;
use sshfolio::inbox::{Database, Inbox, InboxTasks, Policy};
use sshfolio::server::{Server, Settings, host_key, ssh_config};
use sshfolio::session::{ContentSource, SessionLimits, Shared};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream, ReadBuf};
use tokio_util::sync::CancellationToken;

use super::content::shipped_content;
use super::russh_client::{Visitor, russh_connect_stream, russh_connect_stream_with};

/// Bytes an in-memory stream holds before a writer must wait: a socket
/// buffer's worth.
const STREAM_BUFFER: usize = 64 * 1024;

/// The server, serving in-memory connections in the current runtime.
pub struct VirtualServer {
    server: Server,
    shutdown: CancellationToken,
    next_port: std::sync::atomic::AtomicU16,
    _inbox_tasks: InboxTasks,
    _dirs: tempfile::TempDir,
}

impl VirtualServer {
    /// A server with these limits. Call inside a paused-clock runtime.
    pub fn start(settings: Settings, limits: SessionLimits) -> VirtualServer {
        let dirs = tempfile::tempdir().unwrap();
        let key = host_key::load_or_create(&dirs.path().join("keys")).unwrap();
        let (inbox, inbox_tasks) = Inbox::start(
            &Database::Sqlite(dirs.path().join("data")),
            Policy::default(),
        );
        let shared = Shared {
            content: ContentSource::fixed(Arc::new(shipped_content())),
            inbox,
            limits,
            census: Default::default(),
        };
        let shutdown = CancellationToken::new();
        let config = Arc::new(ssh_config::config(key));
        VirtualServer {
            server: Server::new(config, shared, settings, shutdown.clone()),
            shutdown,
            next_port: 40000.into(),
            _inbox_tasks: inbox_tasks,
            _dirs: dirs,
        }
    }

    /// A new connection; the test holds the client's end of the stream.
    pub fn open(&self) -> DuplexStream {
        let (client, server) = tokio::io::duplex(STREAM_BUFFER);
        let port = self.next_port.fetch_add(1, Ordering::Relaxed);
        let peer = SocketAddr::from(([127, 0, 0, 1], port));
        let this = self.server.clone();
        tokio::spawn(async move { this.serve(server, peer).await });
        client
    }

    /// A connected client, authenticated with "none" as `user`.
    pub async fn connect(&self, user: &str) -> client::Handle<impl client::Handler> {
        russh_connect_stream(self.open(), user).await
    }

    /// An interactive visitor with a PTY of `cols`x`rows`.
    pub async fn visitor(
        &self,
        user: &str,
        term: &str,
        cols: u32,
        rows: u32,
    ) -> Visitor<impl client::Handler> {
        Visitor::open(self.connect(user).await, term, &[], cols, rows).await
    }

    /// An interactive visitor over a stream the test can stop reading.
    pub async fn stallable_visitor(
        &self,
        term: &str,
        cols: u32,
        rows: u32,
        config: client::Config,
    ) -> (Visitor<impl client::Handler>, Arc<AtomicBool>) {
        let stream = Stallable::new(self.open());
        let stalled = stream.stalled.clone();
        let handle = russh_connect_stream_with(stream, "visitor", config).await;
        (Visitor::open(handle, term, &[], cols, rows).await, stalled)
    }

    /// Starts shutdown, as SIGTERM would.
    pub fn begin_shutdown(&self) {
        self.shutdown.cancel();
    }
}

impl Drop for VirtualServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Lets `by` of virtual time pass, everything due meanwhile happening on
/// the way. A test asserting that nothing happens waits this way: when it
/// returns, every task has had every chance to act and is waiting again.
pub async fn let_time_pass(by: Duration) {
    tokio::time::sleep(by).await;
}

/// A client's stream that stops reading what the server sends once
/// `stalled` is set, as a visitor whose network died: the server's writes
/// fill the buffer and then wait.
pub struct Stallable<S> {
    inner: S,
    pub stalled: Arc<AtomicBool>,
}

impl<S> Stallable<S> {
    pub fn new(inner: S) -> Self {
        Stallable {
            inner,
            stalled: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Stallable<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.stalled.load(Ordering::Relaxed) {
            // Never woken: this reader is gone for good.
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Stallable<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
