//! The operator's HTTP port (`serve --metrics-listen ADDR`): `GET
//! /metrics` (Prometheus text format), `GET /healthz` (200 while the
//! process runs) and `GET /readyz` (200 when accepting with content loaded
//! and the database answering; 503 with the reason otherwise, and from the
//! moment shutdown starts, so a load balancer stops sending visitors
//! before the server stops). Anything else is 404. It runs beside the SSH
//! side and shares nothing it could block: at most [`MAX_CONNECTIONS`]
//! clients at once, each with a deadline for its request and its life.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::inbox::{Inbox, Unreachable};
use crate::metrics;

/// Clients served at once; more are closed at once.
pub const MAX_CONNECTIONS: usize = 16;
/// A request's head must arrive within this.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// No client keeps a connection longer.
const CONNECTION_LIMIT: Duration = Duration::from_secs(30);
/// Longest the database may take to answer a readiness check.
const DATABASE_CHECK: Duration = Duration::from_secs(2);
/// A readiness answer is reused this long, so a flood of checks is not a
/// flood of database queries.
const READY_CACHE: Duration = Duration::from_secs(1);
/// How often histograms are folded (the recorder's upkeep).
const UPKEEP: Duration = Duration::from_secs(5);

/// Why the server is not ready for visitors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum NotReady {
    #[error("draining: the server is shutting down")]
    Draining,
    #[error("database not reachable: {0}")]
    Database(#[from] Unreachable),
}

/// What the endpoints read.
pub struct Ops {
    handle: PrometheusHandle,
    inbox: Inbox,
    /// Cancelled when the server starts to drain.
    shutdown: CancellationToken,
    /// Each channel's label and kind, to add up what is pending by kind.
    channels: Vec<(String, &'static str)>,
    ready: Mutex<Option<(Instant, Result<(), NotReady>)>>,
}

impl Ops {
    pub fn new(
        handle: PrometheusHandle,
        inbox: Inbox,
        shutdown: CancellationToken,
        channels: Vec<(String, &'static str)>,
    ) -> Arc<Ops> {
        let kinds: Vec<&'static str> = channels.iter().map(|(_, kind)| *kind).collect();
        metrics::channels(&kinds);
        Arc::new(Ops {
            handle,
            inbox,
            shutdown,
            channels,
            ready: Mutex::new(None),
        })
    }

    /// Ready, or why not: draining first, then the database (cached for
    /// [`READY_CACHE`]).
    async fn readiness(&self) -> Result<(), NotReady> {
        if self.shutdown.is_cancelled() {
            metrics::ready(false);
            return Err(NotReady::Draining);
        }
        let mut cached = self.ready.lock().await;
        if let Some((at, answer)) = &*cached
            && at.elapsed() < READY_CACHE
        {
            return answer.clone();
        }
        let answer = self
            .inbox
            .reachable(DATABASE_CHECK)
            .await
            .map_err(NotReady::from);
        metrics::ready(answer.is_ok());
        *cached = Some((Instant::now(), answer.clone()));
        answer
    }

    /// Sets the pending-deliveries gauges from the store; leaves them as
    /// they were when it cannot be read in time.
    async fn count_pending(&self) {
        if self.channels.is_empty() {
            return;
        }
        let deadline = Instant::now() + DATABASE_CHECK;
        let read = tokio::time::timeout_at(deadline, async {
            let store = self.inbox.store(deadline).await?;
            store.backlog().await.ok()
        })
        .await;
        let Ok(Some(backlog)) = read else {
            return;
        };
        let mut by_kind: Vec<(&'static str, u64)> = Vec::new();
        for (_, kind) in &self.channels {
            if !by_kind.iter().any(|(k, _)| k == kind) {
                by_kind.push((kind, 0));
            }
        }
        for row in backlog {
            if let Some((_, kind)) = self.channels.iter().find(|(l, _)| *l == row.channel)
                && let Some(entry) = by_kind.iter_mut().find(|(k, _)| k == kind)
            {
                entry.1 += row.pending;
            }
        }
        for (kind, pending) in by_kind {
            metrics::deliveries_pending(kind, pending);
        }
    }

    async fn answer(&self, request: &Request<Incoming>) -> Response<Full<Bytes>> {
        if request.method() != Method::GET && request.method() != Method::HEAD {
            return text(StatusCode::NOT_FOUND, "not found\n".into());
        }
        match request.uri().path() {
            "/healthz" => text(StatusCode::OK, "ok\n".into()),
            "/readyz" => match self.readiness().await {
                Ok(()) => text(StatusCode::OK, "ready\n".into()),
                Err(why) => text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("not ready: {why}\n"),
                ),
            },
            "/metrics" => {
                let _ = self.readiness().await;
                self.count_pending().await;
                let mut response = text(StatusCode::OK, self.handle.render());
                response.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                );
                response
            }
            _ => text(StatusCode::NOT_FOUND, "not found\n".into()),
        }
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Serves the operator's port until the task is dropped.
pub async fn serve(listener: TcpListener, ops: Arc<Ops>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut upkeep = tokio::time::interval(UPKEEP);
    loop {
        let accepted = tokio::select! {
            _ = upkeep.tick() => {
                ops.handle.run_upkeep();
                continue;
            }
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!("metrics port: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Over the cap: closed at once, the SSH side never waits.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            continue;
        };
        let ops = ops.clone();
        tokio::spawn(async move {
            let _slot = slot;
            serve_one(stream, peer, ops).await;
        });
    }
}

async fn serve_one(stream: tokio::net::TcpStream, peer: SocketAddr, ops: Arc<Ops>) {
    let service = service_fn(move |request: Request<Incoming>| {
        let ops = ops.clone();
        async move { Ok::<_, Infallible>(ops.answer(&request).await) }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    // Over its time the connection is simply dropped.
    if let Ok(Err(e)) = tokio::time::timeout(CONNECTION_LIMIT, connection).await {
        tracing::debug!(%peer, "metrics port: {e}");
    }
}
