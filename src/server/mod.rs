//! The accept loop and every connection's life: the limits (global, per
//! address, rate) decided right after accept and before any crypto, the
//! optional PROXY header, the handshake deadline, russh's `run_stream` in
//! the connection's own task, one log line at open and one at close, and
//! on shutdown: stop accepting, let the sessions say goodbye, wait
//! (bounded). Errors of one connection never end the loop.

pub mod handler;
pub mod host_key;
pub mod limits;
pub mod proxy;
pub mod record;
pub mod ssh_config;
mod wire;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use russh::server::Config;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::session::Shared;
use handler::{Connection, Wiring};
pub use limits::Limits;
use limits::{Gate, IpSlot, Refusal};
use wire::{Traffic, Wire};

/// How long shutdown waits for sessions to finish before giving up on
/// them.
/// Within the spec's 10 s for the whole stop: 7 s here, then at most 1 s
/// for the runtime and 2 s for queued inbox writes (`commands::serve`).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(7);

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
                let peer = match crate::server::proxy::read_header(&mut socket, timeout).await {
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
        let (present, presence) = watch::channel(false);
        let linger = settings.limits.handshake_timeout;
        let session_limit = shared.limits.session_timeout;
        let wiring = Wiring {
            peer: Some(peer),
            shown: shown_peer.clone(),
            record: record.clone(),
            authed,
            cut: cut.clone(),
            present,
        };
        let handler = Connection::new(shared, shutdown.clone(), sessions, wiring);
        let stream = Wire::new(socket, traffic.clone(), cut.clone());
        let handshake = russh::server::run_stream(config, stream, handler);
        let ended = tokio::select! {
            handshake = tokio::time::timeout_at(deadline, handshake) => match handshake {
                Err(_) => "handshake timeout",
                Ok(Err(e)) => {
                    tracing::debug!(peer = %shown_peer, "handshake failed: {e}");
                    "handshake failed"
                }
                Ok(Ok(running)) => {
                    let limits = Deadlines {
                        handshake: deadline,
                        session: tokio::time::Instant::now() + session_limit + SESSION_LIMIT_GRACE,
                        linger,
                    };
                    drive(running, on_auth, presence, limits, &shutdown, &cut).await
                }
            },
            // Nothing to say goodbye to before the handshake: go at once.
            () = shutdown.cancelled() => "shutdown",
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

/// The times a connection is held to after its version exchange.
struct Deadlines {
    /// Authentication must be done by then.
    handshake: tokio::time::Instant,
    /// The connection is cut by then whatever it does (its session says
    /// goodbye a little earlier).
    session: tokio::time::Instant,
    /// How long an authenticated connection may stay without a session
    /// channel (never opened one, or its one session ended).
    linger: Duration,
}

/// A session ending at its limit says goodbye itself; the connection is
/// cut this much later if it is still there.
const SESSION_LIMIT_GRACE: Duration = Duration::from_secs(5);

/// Runs an established connection to its end: cut if authentication does
/// not finish in time, if it holds no session for longer than the linger
/// time, at the session limit, and after a grace period once shutdown
/// starts. Returns how it ended.
async fn drive(
    running: russh::server::RunningSession<Connection>,
    on_auth: oneshot::Receiver<()>,
    mut presence: watch::Receiver<bool>,
    limits: Deadlines,
    shutdown: &CancellationToken,
    cut: &CancellationToken,
) -> &'static str {
    let mut running = std::pin::pin!(running);
    let cut_now = async |running: std::pin::Pin<&mut russh::server::RunningSession<Connection>>| {
        cut.cancel();
        let _ = running.await;
    };
    // Until authenticated, the handshake deadline applies.
    tokio::select! {
        result = &mut running => return outcome(result),
        authed = on_auth => if authed.is_err() {
            // The handler went away without authenticating: the connection
            // is ending anyway.
            return outcome(running.await);
        },
        () = tokio::time::sleep_until(limits.handshake) => {
            cut_now(running.as_mut()).await;
            return "handshake timeout";
        }
        () = shutdown.cancelled() => {
            cut_now(running.as_mut()).await;
            return "shutdown";
        }
    }
    loop {
        let without_session = !*presence.borrow_and_update();
        tokio::select! {
            result = &mut running => return outcome(result),
            () = cut.cancelled() => {
                let _ = running.await;
                return "cut";
            }
            () = tokio::time::sleep_until(limits.session) => {
                cut_now(running.as_mut()).await;
                return "session limit";
            }
            () = tokio::time::sleep(limits.linger), if without_session => {
                cut_now(running.as_mut()).await;
                return "no session";
            }
            changed = presence.changed() => if changed.is_err() {
                // The handler is gone: the connection is ending.
                return outcome(running.await);
            },
            () = shutdown.cancelled() => {
                // Sessions are saying goodbye; give the client a moment to
                // close, then cut.
                return match tokio::time::timeout(DISCONNECT_GRACE, &mut running).await {
                    Ok(result) => outcome(result),
                    Err(_) => {
                        cut_now(running.as_mut()).await;
                        "shutdown"
                    }
                };
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
