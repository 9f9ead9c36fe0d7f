//! The accept loop and every connection's life: the limits (global, per
//! address, rate) decided right after accept and before any crypto, the
//! optional PROXY header, the handshake deadline, russh's `run_stream` in
//! the connection's own task, one log line at open and one at close, and
//! on shutdown: stop accepting, let the sessions say goodbye, wait
//! (bounded). Errors of one connection never end the loop.

pub mod limits;
mod wire;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use russh::server::Config;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::record;
use crate::session::Shared;
use crate::ssh::Connection;
pub use limits::Limits;
use limits::{Gate, IpSlot, Refusal};
use wire::{Traffic, Wire};

/// How long shutdown waits for sessions to finish before giving up on
/// them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a connection is given, after shutdown starts, to close by
/// itself once its session said goodbye.
const DISCONNECT_GRACE: Duration = Duration::from_secs(2);

/// How the server runs, beyond what every session shares.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub limits: Limits,
    /// Every connection starts with a PROXY v1/v2 header from a trusted
    /// load balancer; its address is the visitor's.
    pub proxy_protocol: bool,
    /// Log addresses only as their network (a /24 or /48), never whole.
    pub private_logs: bool,
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
    let connections = TaskTracker::new();
    let sessions = TaskTracker::new();
    let gate = Gate::new(&settings.limits);
    let settings = Arc::new(settings);
    // Refusals are logged in aggregate, once a second at most.
    let reporter = {
        let gate = gate.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                gate.report();
            }
        })
    };
    loop {
        let (socket, mut peer) = tokio::select! {
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
        peer.set_ip(peer.ip().to_canonical());
        // The permit and the address slot live as long as the connection
        // task; dropping them (however it ends) frees the place.
        let permit = match gate.admit() {
            Ok(permit) => permit,
            Err(why) => {
                refuse(&socket, why);
                continue;
            }
        };
        let slot = if settings.proxy_protocol {
            None
        } else {
            match gate.admit_ip(peer.ip()) {
                Ok(slot) => Some(slot),
                Err(why) => {
                    refuse(&socket, why);
                    continue;
                }
            }
        };
        let job = Job {
            socket,
            peer,
            config: config.clone(),
            shared: shared.clone(),
            settings: settings.clone(),
            gate: gate.clone(),
            sessions: sessions.clone(),
            shutdown: shutdown.clone(),
        };
        connections.spawn(async move {
            let _permit = permit;
            job.run(slot).await;
        });
    }
    drop(listener);
    connections.close();
    sessions.close();
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        sessions.wait().await;
        connections.wait().await;
    })
    .await;
    reporter.abort();
    gate.report();
    if drained.is_err() {
        tracing::warn!(
            sessions = sessions.len(),
            connections = connections.len(),
            "shutdown grace period over; dropping what is left"
        );
    }
}

/// Turns a connection away with a one-line reason, without waiting on it.
fn refuse(socket: &TcpStream, why: Refusal) {
    let _ = socket.try_write(why.line());
}

/// One accepted connection and what it needs.
struct Job {
    socket: TcpStream,
    peer: SocketAddr,
    config: Arc<Config>,
    shared: Shared,
    settings: Arc<Settings>,
    gate: Arc<Gate>,
    sessions: TaskTracker,
    shutdown: CancellationToken,
}

impl Job {
    async fn run(self, slot: Option<IpSlot>) {
        let Job {
            mut socket,
            peer,
            config,
            shared,
            settings,
            gate,
            sessions,
            shutdown,
        } = self;
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + settings.limits.handshake_timeout;
        // Frames are small and latency matters more than packet count.
        let _ = socket.set_nodelay(true);
        let (peer, _slot) = match slot {
            Some(slot) => (peer, slot),
            None => {
                let timeout = settings.limits.handshake_timeout;
                let peer = match crate::proxy::read_header(&mut socket, timeout).await {
                    // An IPv4 visitor is one visitor however the balancer
                    // wrote the address (v4, or v4-mapped v6).
                    Ok(Some(addr)) => SocketAddr::new(addr.ip().to_canonical(), addr.port()),
                    Ok(None) => peer,
                    Err(e) => {
                        tracing::warn!(peer = %shown(peer.ip(), &settings), "closed: bad PROXY header: {e}");
                        return;
                    }
                };
                match gate.admit_ip(peer.ip()) {
                    Ok(slot) => (peer, slot),
                    Err(why) => {
                        refuse(&socket, why);
                        return;
                    }
                }
            }
        };
        let shown_peer = shown(peer.ip(), &settings);
        tracing::info!(peer = %shown_peer, "connection opened");
        let traffic = Arc::new(Traffic::default());
        let record = record::Shared::default();
        let (authed, on_auth) = oneshot::channel();
        // Cancelled to cut the socket: by the deadline, by shutdown, or by
        // the session when its client stopped reading.
        let cut = CancellationToken::new();
        let handler = Connection::new(
            shared,
            Some(peer),
            shutdown.clone(),
            sessions,
            record.clone(),
            authed,
            cut.clone(),
        );
        let stream = Wire::new(socket, traffic.clone(), cut.clone());
        let handshake = russh::server::run_stream(config, stream, handler);
        let ended = match tokio::time::timeout_at(deadline, handshake).await {
            Err(_) => "handshake timeout",
            Ok(Err(e)) => {
                tracing::debug!(peer = %shown_peer, "handshake failed: {e}");
                "handshake failed"
            }
            Ok(Ok(running)) => drive(running, on_auth, deadline, &shutdown, &cut).await,
        };
        // Whatever happened, nothing of this connection outlives its task.
        cut.cancel();
        let r = record::read(&record);
        let size = r
            .size
            .map(|s| format!("{}x{}", s.cols, s.rows))
            .unwrap_or_default();
        let user = if settings.private_logs {
            ""
        } else {
            r.user.as_str()
        };
        tracing::info!(
            peer = %shown_peer,
            client = %r.client,
            user,
            term = %r.term,
            size,
            seconds = started.elapsed().as_secs_f64(),
            bytes_in = traffic.received.load(Ordering::Relaxed),
            bytes_out = traffic.sent.load(Ordering::Relaxed),
            ended = r.ended.unwrap_or(ended),
            "connection closed"
        );
    }
}

/// Runs an established connection to its end: cut if authentication does
/// not finish by `deadline`, cut after a grace period once shutdown
/// starts. Returns how it ended.
async fn drive(
    running: russh::server::RunningSession<Connection>,
    on_auth: oneshot::Receiver<()>,
    deadline: tokio::time::Instant,
    shutdown: &CancellationToken,
    cut: &CancellationToken,
) -> &'static str {
    let mut running = std::pin::pin!(running);
    // Until authenticated, the handshake deadline applies.
    tokio::select! {
        result = &mut running => return outcome(result),
        authed = on_auth => if authed.is_err() {
            // The handler went away without authenticating: the connection
            // is ending anyway.
            return outcome(running.await);
        },
        () = tokio::time::sleep_until(deadline) => {
            cut.cancel();
            let _ = running.await;
            return "handshake timeout";
        }
    }
    tokio::select! {
        result = &mut running => outcome(result),
        () = cut.cancelled() => {
            let _ = running.await;
            "cut"
        }
        () = shutdown.cancelled() => {
            // Sessions are saying goodbye; give the client a moment to
            // close, then cut.
            match tokio::time::timeout(DISCONNECT_GRACE, &mut running).await {
                Ok(result) => outcome(result),
                Err(_) => {
                    cut.cancel();
                    let _ = running.await;
                    "shutdown"
                }
            }
        }
    }
}

fn outcome(result: Result<(), russh::Error>) -> &'static str {
    match result {
        Ok(()) => "closed",
        Err(_) => "connection error",
    }
}

/// The address as logs show it: whole, or only its network with
/// `--private-logs`.
fn shown(ip: IpAddr, settings: &Settings) -> String {
    if !settings.private_logs {
        return ip.to_string();
    }
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_logs_show_only_the_network() {
        let private = Settings {
            private_logs: true,
            ..Settings::default()
        };
        let ip4: IpAddr = "203.0.113.77".parse().unwrap();
        let ip6: IpAddr = "2001:db8:85a3:8d3:1319:8a2e:370:7348".parse().unwrap();
        assert_eq!(shown(ip4, &private), "203.0.113.0/24");
        assert_eq!(shown(ip6, &private), "2001:db8:85a3::/48");
        assert_eq!(shown(ip4, &Settings::default()), "203.0.113.77");
    }
}
