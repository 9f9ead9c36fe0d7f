//! The accept loop: takes TCP connections, runs each through russh's
//! `run_stream` in its own task, and on shutdown stops accepting, lets the
//! sessions say goodbye and waits (bounded) for them. Errors of one
//! connection are logged in its task and never end the loop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::server::Config;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::session::Shared;
use crate::ssh::Connection;

/// How long shutdown waits for sessions to finish before giving up on
/// them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a connection is given, after shutdown starts, to close by
/// itself once its session said goodbye.
const DISCONNECT_GRACE: Duration = Duration::from_secs(2);

/// Serves until `shutdown` is cancelled, then drains. Callable on a
/// listener bound to port 0, which is how the tests run it.
pub async fn run(
    listener: TcpListener,
    config: Arc<Config>,
    shared: Shared,
    shutdown: CancellationToken,
) {
    let connections = TaskTracker::new();
    let sessions = TaskTracker::new();
    loop {
        let (socket, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment
                    // rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let handler = Connection::new(
            shared.clone(),
            Some(peer),
            shutdown.clone(),
            sessions.clone(),
        );
        connections.spawn(connection(
            socket,
            peer,
            config.clone(),
            handler,
            shutdown.clone(),
        ));
    }
    drop(listener);
    connections.close();
    sessions.close();
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        sessions.wait().await;
        connections.wait().await;
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            sessions = sessions.len(),
            connections = connections.len(),
            "shutdown grace period over; dropping what is left"
        );
    }
}

/// One TCP connection from accept to close.
async fn connection(
    socket: TcpStream,
    peer: SocketAddr,
    config: Arc<Config>,
    handler: Connection,
    shutdown: CancellationToken,
) {
    let started = Instant::now();
    // Frames are small and latency matters more than packet count.
    let _ = socket.set_nodelay(true);
    tracing::debug!(%peer, "connection opened");
    let running = match russh::server::run_stream(config, socket, handler).await {
        Ok(running) => running,
        Err(e) => {
            tracing::debug!(%peer, "connection ended before the handshake: {e}");
            return;
        }
    };
    let handle = running.handle();
    let mut running = std::pin::pin!(running);
    let result = tokio::select! {
        result = &mut running => result,
        () = shutdown.cancelled() => {
            // Sessions are saying goodbye; give the client a moment to
            // close, then hang up.
            match tokio::time::timeout(DISCONNECT_GRACE, &mut running).await {
                Ok(result) => result,
                Err(_) => {
                    let _ = handle
                        .disconnect(russh::Disconnect::ByApplication, "server restarting".into(), "en".into())
                        .await;
                    Ok(())
                }
            }
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(()) => tracing::info!(%peer, seconds, "connection closed"),
        Err(e) => tracing::info!(%peer, seconds, "connection closed: {e}"),
    }
}
