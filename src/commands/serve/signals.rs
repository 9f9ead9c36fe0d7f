//! The signals a running server answers: SIGINT and SIGTERM stop it (the
//! sessions are told, then it drains); SIGHUP loads the content and the
//! owner's keys again.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::content::{self, Content};
use crate::metrics;
use crate::server::owner::Owner;

/// Cancels `shutdown` on SIGINT or SIGTERM.
pub async fn stop_on_signal(shutdown: CancellationToken) {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop the server with SIGKILL");
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("shutting down: telling sessions, then exiting");
    shutdown.cancel();
}

/// On SIGHUP, loads the content again: valid content is what new sessions
/// get (running ones keep theirs); invalid content is logged with its
/// file:line:col problems and the old content stays. The owner's keys are
/// read again too.
pub async fn reload_on_hangup(
    dir: PathBuf,
    replace: watch::Sender<Arc<Content>>,
    owner: Arc<Owner>,
) {
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::error!("cannot install the SIGHUP handler; content reload is off");
        return;
    };
    while hangups.recv().await.is_some() {
        owner.reload();
        let loaded = tokio::task::spawn_blocking({
            let dir = dir.clone();
            move || content::load_with_warnings(&dir)
        })
        .await;
        match loaded {
            Ok(Ok((content, warnings))) => {
                for warning in warnings {
                    tracing::warn!("{warning}");
                }
                replace.send_replace(Arc::new(content));
                metrics::content_reloaded(true);
                tracing::info!(dir = %dir.display(), "content reloaded; new sessions see it");
            }
            Ok(Err(e)) => {
                metrics::content_reloaded(false);
                for problem in &e.problems {
                    tracing::error!("content reload refused: {problem}");
                }
                tracing::error!("kept the previous content ({} problems)", e.problems.len());
            }
            Err(e) => tracing::error!("content reload failed: {e}"),
        }
    }
}
