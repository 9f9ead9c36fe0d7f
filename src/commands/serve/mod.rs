//! `sshfolio serve` (the default): validate the content, start the inbox,
//! load the host key, listen, and serve until SIGINT or SIGTERM; SIGHUP
//! reloads the content ([`signals`]). The stop is bounded: the server
//! drains, then the runtime and the inbox's queued writes get what is
//! left of the 10 s.

mod signals;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::notify;
use crate::cli::ServeArgs;
use crate::content::{self, Content};
use crate::inbox::{Inbox, InboxTasks, Policy};
use crate::metrics;
use crate::notify::{Channels, Sender, worker};
use crate::server::owner::Owner;
use crate::server::{self, Limits, Settings, host_key, ops, ssh_config};
use crate::session::{ContentSource, SessionLimits, Shared};
use signals::{reload_on_hangup, stop_on_signal};

/// How long shutdown waits for queued inbox writes.
const INBOX_DRAIN: Duration = Duration::from_secs(2);

pub fn run(args: &ServeArgs) -> Result<ExitCode> {
    let content = load_content(args)?;
    // Checked before anything starts: a bad channel is one line, no port.
    let (channels, sender) = notify::setup(&args.notify, &content.contact.email)?;
    // Recording starts before the first connection, or not at all.
    let metrics = match args.metrics_listen {
        Some(_) => Some(metrics::install().context("starting the metrics recorder")?),
        None => None,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    let (inbox, inbox_tasks) = {
        // The inbox starts its tasks on the runtime.
        let _entered = runtime.enter();
        start_inbox(args, &channels)
    };
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
        census: Default::default(),
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

/// The content, its warnings logged; its problems printed, and no server.
fn load_content(args: &ServeArgs) -> Result<Arc<Content>> {
    match content::load_with_warnings(&args.content) {
        Ok((content, warnings)) => {
            for warning in warnings {
                tracing::warn!("{warning}");
            }
            Ok(Arc::new(content))
        }
        Err(e) => {
            eprintln!("{e}");
            bail!("not serving: fix the content above first");
        }
    }
}

/// The inbox on the database the flags name. The portfolio needs no
/// database: with one that cannot be used it is served, and Send says the
/// message could not be saved.
fn start_inbox(args: &ServeArgs, channels: &Channels) -> (Inbox, InboxTasks) {
    let policy = Policy {
        messages_per_hour: args.messages_per_hour,
        visits_retention_days: args.visits_retention_days,
        channels: channels.refs(),
    };
    match args.store.database() {
        Ok(database) => Inbox::start(&database, policy),
        Err(e) => {
            tracing::error!("{e}: messages cannot be stored until it is fixed");
            Inbox::without_store()
        }
    }
}

fn session_limits(args: &ServeArgs) -> SessionLimits {
    SessionLimits {
        idle_timeout: Duration::from_secs(args.idle_timeout),
        session_timeout: Duration::from_secs(args.session_timeout),
        max_input_rate: args.max_input_rate,
        ..SessionLimits::default()
    }
}

fn settings(args: &ServeArgs, owner: Arc<Owner>) -> Settings {
    Settings {
        limits: Limits {
            max_connections: args.max_connections,
            max_connections_per_ip: args.max_connections_per_ip,
            connect_rate_per_ip: args.connect_rate_per_ip,
            handshake_timeout: Duration::from_secs(args.handshake_timeout),
        },
        proxy_protocol: args.proxy_protocol,
        private_logs: args.private_logs,
        owner,
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
    let owner = Arc::new(Owner::load(&args.keys, &args.owner_user));
    let settings = settings(args, owner.clone());
    if settings.proxy_protocol {
        tracing::warn!(
            "expecting a PROXY header on every connection: only safe behind a trusted load balancer"
        );
    }
    tracing::info!("listening on {addr} (host key {fingerprint})");
    let shutdown = CancellationToken::new();
    let ops = match (args.metrics_listen, metrics) {
        (Some(at), Some(handle)) => {
            Some(serve_metrics(at, handle, &shared, delivery, &shutdown).await?)
        }
        _ => None,
    };
    start_workers(args, &shared, delivery, &shutdown);
    tokio::spawn(stop_on_signal(shutdown.clone()));
    tokio::spawn(reload_on_hangup(args.content.clone(), replace, owner));
    server::run(listener, config, shared, settings, shutdown).await;
    if let Some(ops) = ops {
        ops.abort();
    }
    tracing::info!("stopped");
    Ok(())
}

/// The operator's port, `--metrics-listen`.
async fn serve_metrics(
    at: std::net::SocketAddr,
    handle: PrometheusHandle,
    shared: &Shared,
    delivery: &Notifying,
    shutdown: &CancellationToken,
) -> Result<JoinHandle<()>> {
    let bound = TcpListener::bind(at)
        .await
        .with_context(|| format!("listening for metrics on {at}"))?;
    let addr = bound.local_addr().context("reading the metrics address")?;
    let channels = delivery
        .channels
        .0
        .iter()
        .map(|c| (c.label.clone(), c.target.kind()))
        .collect();
    let ops = ops::Ops::new(handle, shared.inbox.clone(), shutdown.clone(), channels);
    tracing::info!("metrics on http://{addr}/metrics (and /healthz, /readyz)");
    Ok(tokio::spawn(ops::serve(bound, ops)))
}

/// One delivery worker per configured channel.
fn start_workers(
    args: &ServeArgs,
    shared: &Shared,
    delivery: &Notifying,
    shutdown: &CancellationToken,
) {
    if delivery.channels.is_empty() {
        return;
    }
    let labels: Vec<&str> = delivery
        .channels
        .0
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    tracing::info!("messages are delivered to {}", labels.join(", "));
    worker::start(
        &shared.inbox,
        &delivery.channels,
        &delivery.sender,
        shutdown,
        &delivery.workers,
        Duration::from_millis(args.notify_look_ms),
    );
}
