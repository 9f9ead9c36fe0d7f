//! One connection's life, in its own task and its own tracing span: who
//! the visitor is (the TCP peer, or the PROXY header's address, admitted
//! under the per-address limits), one log line at open, the SSH handshake
//! under its deadline, the connection held to its limits (see
//! [`lifetime`](super::lifetime)), and one log line at close from the
//! connection's [`record`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::Context;
use super::address::shown;
use super::handler::Connection;
use super::lifetime::{self, Deadlines};
use super::limits::IpSlot;
use super::proxy;
use super::record;
use super::wire::{Traffic, Wire};
use crate::session::{End, Reporter};

/// Serves one accepted stream to its end. `slot` is the place under the
/// per-address cap when the address was already admitted (no PROXY
/// header to read first).
pub async fn serve<S>(mut stream: S, peer: SocketAddr, slot: Option<IpSlot>, ctx: Arc<Context>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + ctx.settings.limits.handshake_timeout;
    let Some((peer, _slot)) = identify(&mut stream, peer, slot, &ctx).await else {
        return;
    };
    tracing::info!("connection opened");
    let traffic = Arc::new(Traffic::default());
    // Cancelled to cut the socket: by a deadline, by shutdown, or when the
    // session finds its client stopped reading.
    let cut = CancellationToken::new();
    let (reporter, mut reports) = Reporter::new();
    let handler = Connection::new(&ctx, peer, reporter);
    let wire = Wire::new(stream, traffic.clone(), cut.clone());
    let handshake = russh::server::run_stream(ctx.config.clone(), wire, handler);
    let ended = tokio::select! {
        handshake = tokio::time::timeout_at(deadline, handshake) => match handshake {
            Err(_) => End::HandshakeTimeout,
            Ok(Err(e)) => {
                tracing::debug!("handshake failed: {e}");
                End::HandshakeFailed
            }
            Ok(Ok(running)) => {
                let deadlines = Deadlines::new(deadline, &ctx);
                lifetime::run(running, &mut reports, deadlines, &ctx.shutdown, &cut).await
            }
        },
        // Nothing to say goodbye to before the handshake: go at once.
        () = ctx.shutdown.cancelled() => End::Shutdown,
    };
    // Whatever happened, nothing of this connection outlives its task.
    cut.cancel();
    lifetime::last_reports(&mut reports).await;
    let bytes = (
        traffic.received.load(Ordering::Relaxed),
        traffic.sent.load(Ordering::Relaxed),
    );
    let reports = reports.borrow();
    record::finish(&reports, ended, started.elapsed(), bytes);
    // A connection that ended in an owner login is no failure, whatever
    // keys its client offered first.
    if reports.owner_refused && !reports.owner_logged_in {
        ctx.settings
            .owner
            .failed(peer.ip(), &shown(peer.ip(), &ctx.settings));
    }
    // Over before login, and not by shutdown: the handshake failed.
    if reports.login.is_none() && ended != End::Shutdown {
        crate::metrics::handshake_failed(match ended {
            End::HandshakeTimeout => "timeout",
            _ => "failed",
        });
    }
    crate::metrics::traffic(bytes.0, bytes.1);
    ctx.closed.note();
}

/// The visitor's address: the TCP peer, or with `--proxy-protocol` the
/// address in the header, admitted under the per-address limits. `None`
/// when the connection is turned away (after saying why, where it can).
async fn identify<S>(
    stream: &mut S,
    peer: SocketAddr,
    slot: Option<IpSlot>,
    ctx: &Context,
) -> Option<(SocketAddr, IpSlot)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if let Some(slot) = slot {
        return Some((peer, slot));
    }
    let timeout = ctx.settings.limits.handshake_timeout;
    let peer = match proxy::read_header(stream, timeout).await {
        // An IPv4 visitor is one visitor however the balancer wrote the
        // address (v4, or v4-mapped v6).
        Ok(Some(addr)) => SocketAddr::new(addr.ip().to_canonical(), addr.port()),
        Ok(None) => peer,
        Err(e) => {
            tracing::warn!("closed: bad PROXY header: {e}");
            crate::metrics::connection_refused("proxy_header");
            return None;
        }
    };
    tracing::Span::current().record("peer", shown(peer.ip(), &ctx.settings).as_str());
    match ctx.gate.admit_ip(peer.ip()) {
        Ok(slot) => Some((peer, slot)),
        Err(why) => {
            crate::metrics::connection_refused(why.reason());
            // A client that does not read gets no say in how long this takes.
            let _ = tokio::time::timeout(REFUSAL_WRITE, stream.write_all(why.line())).await;
            None
        }
    }
}

/// How long a refusal line may take to write before the connection goes.
const REFUSAL_WRITE: std::time::Duration = std::time::Duration::from_millis(200);
