//! `sshfolio serve` (the default): validate the content, start the inbox,
//! load the host key, listen, and serve until SIGINT or SIGTERM; SIGHUP
//! reloads the content. The stop is bounded: the server drains, then the
//! runtime and the inbox's queued writes get what is left of the 10 s.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::notify;

use crate::cli::ServeArgs;
use crate::content::{self, Content};
use crate::inbox::{Inbox, Policy};
use crate::notify::{Channels, Sender, worker};
use crate::server::owner::Owner;
use crate::server::{self, Limits, Settings, host_key, ops, ssh_config};
use crate::session::{ContentSource, SessionLimits, Shared};
use crate::telemetry;
use metrics_exporter_prometheus::PrometheusHandle;

/// How long shutdown waits for queued inbox writes.
const INBOX_DRAIN: Duration = Duration::from_secs(2);

pub fn run(args: &ServeArgs) -> Result<ExitCode> {
    let content = match content::load_with_warnings(&args.content) {
        Ok((content, warnings)) => {
            for warning in warnings {
                tracing::warn!("{warning}");
            }
            Arc::new(content)
        }
        Err(e) => {
            eprintln!("{e}");
            bail!("not serving: fix the content above first");
        }
    };
    // Checked before anything starts: a bad channel is one line, no port.
    let (channels, sender) = notify::setup(&args.notify, &content.contact.email)?;
    // Recording starts before the first connection, or not at all.
    let metrics = match args.metrics_listen {
        Some(_) => Some(telemetry::install().context("starting the metrics recorder")?),
        None => None,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    let policy = Policy {
        messages_per_hour: args.messages_per_hour,
        visits_retention_days: args.visits_retention_days,
        channels: channels.refs(),
    };
    // The PostgreSQL inbox starts its tasks on the runtime.
    let entered = runtime.enter();
    let (inbox, inbox_tasks) = match args.store.database() {
        Ok(database) => Inbox::start(&database, policy),
        // The portfolio needs no database: it is served, and Send says
        // the message could not be saved.
        Err(e) => {
            tracing::error!("{e}: messages cannot be stored until it is fixed");
            Inbox::without_store()
        }
    };
    let owner = Arc::new(Owner::load(&args.keys, &args.owner_user));
    drop(entered);
    let delivery = Notifying {
        channels,
        sender,
        workers: TaskTracker::new(),
    };
    let (replace, source) = ContentSource::new(content);
    let shared = Shared {
        content: source,
        inbox,
        limits: session_limits(args),
        owner,
    };
    let served = runtime.block_on(async {
        let served = serve(args, shared, replace, &delivery, metrics).await;
        if !inbox_tasks.finish(INBOX_DRAIN).await {
            tracing::error!("the inbox did not finish its queued writes in time");
        }
        served
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    served?;
    Ok(ExitCode::SUCCESS)
}

fn session_limits(args: &ServeArgs) -> SessionLimits {
    SessionLimits {
        idle_timeout: Duration::from_secs(args.idle_timeout),
        session_timeout: Duration::from_secs(args.session_timeout),
        max_input_rate: args.max_input_rate,
        ..SessionLimits::default()
    }
}

fn settings(args: &ServeArgs) -> Settings {
    Settings {
        limits: Limits {
            max_connections: args.max_connections,
            max_connections_per_ip: args.max_connections_per_ip,
            connect_rate_per_ip: args.connect_rate_per_ip,
            handshake_timeout: Duration::from_secs(args.handshake_timeout),
        },
        proxy_protocol: args.proxy_protocol,
        private_logs: args.private_logs,
    }
}

/// The notification channels and their workers.
struct Notifying {
    channels: Channels,
    sender: Sender,
    workers: TaskTracker,
}

async fn serve(
    args: &ServeArgs,
    shared: Shared,
    replace: watch::Sender<Arc<Content>>,
    delivery: &Notifying,
    metrics: Option<PrometheusHandle>,
) -> Result<()> {
    let key = host_key::load_or_create(&args.keys)?;
    let fingerprint = host_key::fingerprint(&key);
    let config = Arc::new(ssh_config::config(key));
    let listener = server::listen::bind(args.listen)
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let settings = settings(args);
    if settings.proxy_protocol {
        tracing::warn!(
            "expecting a PROXY header on every connection: only safe behind a trusted load balancer"
        );
    }
    tracing::info!("listening on {addr} (host key {fingerprint})");
    let shutdown = CancellationToken::new();
    let ops = match (args.metrics_listen, metrics) {
        (Some(at), Some(handle)) => {
            let listener = TcpListener::bind(at)
                .await
                .with_context(|| format!("listening for metrics on {at}"))?;
            let bound = listener
                .local_addr()
                .context("reading the metrics address")?;
            let channels = delivery
                .channels
                .0
                .iter()
                .map(|c| (c.label.clone(), c.target.kind()))
                .collect();
            let ops = ops::Ops::new(handle, shared.inbox.clone(), shutdown.clone(), channels);
            tracing::info!("metrics on http://{bound}/metrics (and /healthz, /readyz)");
            Some(tokio::spawn(ops::serve(listener, ops)))
        }
        _ => None,
    };
    if !delivery.channels.is_empty() {
        let labels: Vec<&str> = delivery
            .channels
            .0
            .iter()
            .map(|c| c.label.as_str())
            .collect();
        tracing::info!("messages are delivered to {}", labels.join(", "));
        let (inbox, workers) = (&shared.inbox, &delivery.workers);
        worker::start(
            inbox,
            &delivery.channels,
            &delivery.sender,
            &shutdown,
            workers,
            Duration::from_millis(args.notify_look_ms),
        );
    }
    tokio::spawn(stop_on_signal(shutdown.clone()));
    tokio::spawn(reload_on_hangup(
        args.content.clone(),
        replace,
        shared.owner.clone(),
    ));
    server::run(listener, config, shared, settings, shutdown).await;
    if let Some(ops) = ops {
        ops.abort();
    }
    tracing::info!("stopped");
    Ok(())
}

/// Cancels `shutdown` on SIGINT or SIGTERM.
async fn stop_on_signal(shutdown: CancellationToken) {
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
async fn reload_on_hangup(dir: PathBuf, replace: watch::Sender<Arc<Content>>, owner: Arc<Owner>) {
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
                telemetry::content_reloaded(true);
                tracing::info!(dir = %dir.display(), "content reloaded; new sessions see it");
            }
            Ok(Err(e)) => {
                telemetry::content_reloaded(false);
                for problem in &e.problems {
                    tracing::error!("content reload refused: {problem}");
                }
                tracing::error!("kept the previous content ({} problems)", e.problems.len());
            }
            Err(e) => tracing::error!("content reload failed: {e}"),
        }
    }
}
