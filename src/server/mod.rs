//! The server: the accept loop and every connection's life. Limits
//! (global, per address, rate) are decided right after accept, before any
//! crypto; each admitted connection runs in its own task and tracing span
//! ([`connection`]); on shutdown the loop stops accepting, sessions say
//! goodbye, and the server waits for them (bounded). Errors of one
//! connection never end the loop. Only this module knows about limits and
//! shutdown.

mod address;
mod connection;
pub mod handler;
pub mod host_key;
mod lifetime;
pub mod limits;
pub mod listen;
pub mod ops;
pub mod owner;
pub mod proxy;
pub mod record;
pub mod ssh_config;
mod trim;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::server::Config;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use crate::metrics;
use crate::session::Shared;
pub use lifetime::DISCONNECT_GRACE;
pub use limits::Limits;
use limits::{Gate, IpSlot, Refusal};
use owner::Owner;

/// How long shutdown waits for sessions to finish before giving up on
/// them. Within the spec's 10 s for the whole stop: 7 s here, then at
/// most 1 s for the runtime and 2 s for queued inbox writes
/// (`commands::serve`).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(7);

/// How the server runs, beyond what every session shares.
#[derive(Debug, Clone)]
pub struct Settings {
    pub limits: Limits,
    /// Every connection starts with a PROXY v1/v2 header from a trusted
    /// load balancer; its address is the visitor's.
    pub proxy_protocol: bool,
    /// Log addresses only as their network (a /24 or /48), never whole.
    pub private_logs: bool,
    /// Who the owner is: the user name whose logins need the owner's key.
    pub owner: Arc<Owner>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits: Limits::default(),
            proxy_protocol: false,
            private_logs: false,
            owner: Arc::new(Owner::nobody(owner::DEFAULT_USER)),
        }
    }
}

/// What every connection task shares.
pub struct Context {
    config: Arc<Config>,
    shared: Shared,
    settings: Settings,
    gate: Arc<Gate>,
    /// Session tasks, so shutdown can wait for their goodbyes.
    sessions: TaskTracker,
    shutdown: CancellationToken,
    /// Connections closed since memory was last given back.
    closed: Arc<trim::Closed>,
}

impl Context {
    fn new(
        config: Arc<Config>,
        shared: Shared,
        settings: Settings,
        shutdown: CancellationToken,
    ) -> Arc<Context> {
        Arc::new(Context {
            gate: Gate::new(&settings.limits),
            config,
            shared,
            settings,
            sessions: TaskTracker::new(),
            shutdown,
            closed: Arc::default(),
        })
    }

    /// A place under the limits for a new connection from `peer`: the
    /// global permit, and the address's slot unless the address is only
    /// known from a PROXY header still to be read. Both are held as long
    /// as the connection; dropping them (however it ends) frees the place.
    fn admit(&self, peer: SocketAddr) -> Result<(OwnedSemaphorePermit, Option<IpSlot>), Refusal> {
        let permit = self.gate.admit()?;
        if self.settings.proxy_protocol {
            return Ok((permit, None));
        }
        Ok((permit, Some(self.gate.admit_ip(peer.ip())?)))
    }
}

/// Serves until `shutdown` is cancelled, then drains. Callable on a
/// listener bound to port 0, which is how the tests run it.
pub async fn run(
    listener: TcpListener,
    config: Arc<Config>,
    shared: Shared,
    settings: Settings,
    shutdown: CancellationToken,
) {
    Server::new(config, shared, settings, shutdown)
        .run(listener)
        .await;
}

/// A server's shared state: cheap to clone, one per listening process.
#[derive(Clone)]
pub struct Server(Arc<Context>);

impl Server {
    pub fn new(
        config: Arc<Config>,
        shared: Shared,
        settings: Settings,
        shutdown: CancellationToken,
    ) -> Server {
        Server(Context::new(config, shared, settings, shutdown))
    }

    /// Accepts on `listener` until shutdown, then drains.
    pub async fn run(&self, listener: TcpListener) {
        let ctx = &self.0;
        let connections = TaskTracker::new();
        let reporter = tokio::spawn(report_refusals(ctx.gate.clone()));
        let trimmer = tokio::spawn(trim::run(ctx.closed.clone()));
        while let Some((socket, peer)) = accept(&listener, &ctx.shutdown).await {
            admit(socket, peer, ctx, &connections);
        }
        drop(listener);
        drain(ctx, connections).await;
        trimmer.abort();
        reporter.abort();
        ctx.gate.report();
    }

    /// Serves one connection that is already open — an in-process stream,
    /// a socket handed over by a supervisor — as an accepted one, under
    /// the same limits as every other connection of this server. Returns
    /// when the connection is over.
    pub async fn serve<S>(&self, stream: S, peer: SocketAddr)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let ctx = &self.0;
        let (_permit, slot) = match ctx.admit(peer) {
            Ok(admitted) => admitted,
            Err(why) => return metrics::connection_refused(why.reason()),
        };
        metrics::connection_accepted();
        let span = connection_span(peer, &ctx.settings);
        connection::serve(stream, peer, slot, ctx.clone())
            .instrument(span)
            .await;
    }
}

/// The next connection, or `None` once shutdown starts.
async fn accept(
    listener: &TcpListener,
    shutdown: &CancellationToken,
) -> Option<(TcpStream, SocketAddr)> {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return None,
            accepted = listener.accept() => match accepted {
                Ok((socket, mut peer)) => {
                    peer.set_ip(peer.ip().to_canonical());
                    // Frames are small and latency matters more than
                    // packet count.
                    let _ = socket.set_nodelay(true);
                    return Some((socket, peer));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment
                    // rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

/// Admits a connection under the limits and spawns its task, or turns it
/// away with a one-line reason without waiting on it.
fn admit(socket: TcpStream, peer: SocketAddr, ctx: &Arc<Context>, connections: &TaskTracker) {
    let (permit, slot) = match ctx.admit(peer) {
        Ok(admitted) => admitted,
        Err(why) => return refuse(&socket, why),
    };
    metrics::connection_accepted();
    let span = connection_span(peer, &ctx.settings);
    let ctx = ctx.clone();
    connections.spawn(
        async move {
            let _permit = permit;
            connection::serve(socket, peer, slot, ctx).await;
        }
        .instrument(span),
    );
}

/// The span every log line of one connection is written in: its address
/// (as the logs may show it) and, once known, the login name.
fn connection_span(peer: SocketAddr, settings: &Settings) -> tracing::Span {
    tracing::info_span!(
        "conn",
        peer = %address::shown(peer.ip(), settings),
        user = tracing::field::Empty,
    )
}

fn refuse(socket: &TcpStream, why: Refusal) {
    metrics::connection_refused(why.reason());
    let _ = socket.try_write(why.line());
}

/// Waits for sessions and connections to finish, at most the grace
/// period.
async fn drain(ctx: &Context, connections: TaskTracker) {
    connections.close();
    ctx.sessions.close();
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        ctx.sessions.wait().await;
        connections.wait().await;
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            sessions = ctx.sessions.len(),
            connections = connections.len(),
            "shutdown grace period over; dropping what is left"
        );
    }
}

/// Logs refusals in aggregate, and the SSH library's log lines dropped
/// over their rate, once a second at most.
async fn report_refusals(gate: Arc<Gate>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        gate.report();
        let dropped = crate::logs::take_dropped();
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "the SSH library's log lines over its rate were dropped"
            );
        }
    }
}
