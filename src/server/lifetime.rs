//! An established connection held to its limits. Until authentication it
//! is cut at the handshake deadline; after that it is cut when it holds no
//! session for longer than the linger time, at the session limit (a little
//! after its session said goodbye), when its session asks (a client that
//! stopped reading), and after a grace period once shutdown starts. The
//! handler's and the session's reports are applied to the connection's
//! record as they come.

use std::pin::Pin;
use std::time::Duration;

use russh::server::RunningSession;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Context;
use super::handler::Connection;
use super::record;
use crate::session::{End, Reports};

/// How long a connection is given, after shutdown starts, to close by
/// itself once its session said goodbye.
pub const DISCONNECT_GRACE: Duration = Duration::from_secs(2);

/// A session ending at its limit says goodbye itself; the connection is
/// cut this much later if it is still there.
const SESSION_LIMIT_GRACE: Duration = Duration::from_secs(5);

/// The times a connection is held to after its version exchange.
pub struct Deadlines {
    /// Authentication must be done by then.
    handshake: Instant,
    /// The connection is cut by then whatever it does.
    session: Instant,
    /// How long an authenticated connection may stay without a session
    /// channel (never opened one, or its one session ended).
    linger: Duration,
    /// `--private-logs`: the login name is not put on the span.
    private_logs: bool,
}

impl Deadlines {
    pub fn new(handshake: Instant, ctx: &Context) -> Deadlines {
        Deadlines {
            handshake,
            session: Instant::now() + ctx.shared.limits.session_timeout + SESSION_LIMIT_GRACE,
            linger: ctx.settings.limits.handshake_timeout,
            private_logs: ctx.settings.private_logs,
        }
    }
}

type Running = RunningSession<Connection>;

/// Runs the connection to its end; how it ended, for the closing line.
pub async fn run(
    running: Running,
    reports: &mut watch::Receiver<Reports>,
    deadlines: Deadlines,
    shutdown: &CancellationToken,
    cut: &CancellationToken,
) -> End {
    let mut running = std::pin::pin!(running);
    if let Err(ended) =
        until_authenticated(running.as_mut(), reports, &deadlines, shutdown, cut).await
    {
        return ended;
    }
    loop {
        let (in_session, cut_asked) = {
            let now = reports.borrow_and_update();
            (now.in_session, now.cut)
        };
        if cut_asked {
            return cut_now(running.as_mut(), cut, End::Cut).await;
        }
        tokio::select! {
            result = &mut running => return outcome(result),
            changed = reports.changed() => if changed.is_err() {
                // The handler is gone: the connection is ending.
                return outcome(running.await);
            },
            () = tokio::time::sleep_until(deadlines.session) => {
                return cut_now(running.as_mut(), cut, End::SessionLimit).await;
            }
            () = tokio::time::sleep(deadlines.linger), if !in_session => {
                return cut_now(running.as_mut(), cut, End::NoSession).await;
            }
            () = shutdown.cancelled() => return goodbye(running.as_mut(), cut).await,
        }
    }
}

/// Waits for authentication under the handshake deadline; `Err` with how
/// the connection ended when it did not get that far.
async fn until_authenticated(
    mut running: Pin<&mut Running>,
    reports: &mut watch::Receiver<Reports>,
    deadlines: &Deadlines,
    shutdown: &CancellationToken,
    cut: &CancellationToken,
) -> Result<(), End> {
    loop {
        {
            let now = reports.borrow_and_update();
            if now.login.is_some() {
                record::name_user(&now, deadlines.private_logs);
                return Ok(());
            }
        }
        tokio::select! {
            result = &mut running => return Err(outcome(result)),
            changed = reports.changed() => if changed.is_err() {
                // The handler went away without authenticating.
                return Err(outcome(running.await));
            },
            () = tokio::time::sleep_until(deadlines.handshake) => {
                return Err(cut_now(running, cut, End::HandshakeTimeout).await);
            }
            () = shutdown.cancelled() => return Err(cut_now(running, cut, End::Shutdown).await),
        }
    }
}

/// Shutdown: sessions are saying goodbye; give the client a moment to
/// close, then cut.
async fn goodbye(mut running: Pin<&mut Running>, cut: &CancellationToken) -> End {
    match tokio::time::timeout(DISCONNECT_GRACE, &mut running).await {
        Ok(result) => outcome(result),
        Err(_) => cut_now(running, cut, End::Shutdown).await,
    }
}

/// Cuts the socket and lets russh finish; says `why`.
async fn cut_now(running: Pin<&mut Running>, cut: &CancellationToken, why: End) -> End {
    cut.cancel();
    let _ = running.await;
    why
}

/// How long the closing line waits for the session's last reports once
/// the connection is over (the session notices at once that its
/// connection is gone).
const LAST_REPORTS: Duration = Duration::from_secs(1);

/// Waits for the reports still to come, until the handler and the session
/// have both let go of their reporters (bounded).
pub async fn last_reports(reports: &mut watch::Receiver<Reports>) {
    let _ = tokio::time::timeout(LAST_REPORTS, async {
        while reports.changed().await.is_ok() {}
    })
    .await;
}

fn outcome(result: Result<(), russh::Error>) -> End {
    match result {
        Ok(()) => End::Closed,
        Err(_) => End::ConnectionError,
    }
}
