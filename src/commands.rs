//! What each subcommand does, from parsed arguments to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::cli::{CheckArgs, InitArgs, MessagesArgs, PreviewArgs, ServeArgs, StatsArgs};
use crate::content::Content;
use crate::inbox::Inbox;
use crate::server::{Limits, Settings};
use crate::session::{ContentSource, SessionLimits, Shared};
use crate::{content, host_key, owner, server, ssh};

/// Exit code for invalid content or a failed start.
pub const EXIT_FAILURE: u8 = 1;

/// `sshfolio check`: every problem on its own line, exit 1 if any.
pub fn check(args: &CheckArgs) -> ExitCode {
    match content::load_with_warnings(&args.content) {
        Ok((content, warnings)) => {
            for warning in &warnings {
                println!("{warning}");
            }
            let n = warnings.len();
            let count =
                |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
            println!(
                "{}: ok ({}, {}, {}{})",
                args.content.display(),
                count(content.experience.jobs.len(), "job"),
                count(content.insights.insights.len(), "insight"),
                count(content.projects.projects.len(), "project"),
                match n {
                    0 => String::new(),
                    1 => "; 1 warning".to_string(),
                    n => format!("; {n} warnings"),
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("{e}");
            let n = e.problems.len();
            eprintln!("{n} problem{} found", if n == 1 { "" } else { "s" });
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `sshfolio preview`.
pub fn preview(args: &PreviewArgs) -> ExitCode {
    match crate::preview::run(&args.content, args.size) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sshfolio: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `sshfolio init DIR`.
pub fn init(args: &InitArgs) -> ExitCode {
    match crate::starter::write(&args.dir) {
        Ok(files) => {
            println!("wrote {} files to {}:", files.len(), args.dir.display());
            for file in files {
                println!("  {file}");
            }
            println!(
                "next: edit them, then `sshfolio preview --content {0}` and `sshfolio check --content {0}`",
                args.dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sshfolio: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `sshfolio messages`.
pub fn messages(args: &MessagesArgs) -> ExitCode {
    print_or_fail(owner::messages(
        &args.data,
        args.json,
        args.unread,
        args.mark_read,
    ))
}

/// `sshfolio stats`.
pub fn stats(args: &StatsArgs) -> ExitCode {
    print_or_fail(owner::stats(&args.data, args.days))
}

fn print_or_fail(result: Result<String>) -> ExitCode {
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sshfolio: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `sshfolio serve`: validate content, load the host key, listen, serve
/// until SIGINT or SIGTERM.
pub fn serve(args: &ServeArgs) -> ExitCode {
    let content = match content::load_with_warnings(&args.content) {
        Ok((content, warnings)) => {
            for warning in warnings {
                tracing::warn!("{warning}");
            }
            Arc::new(content)
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!("sshfolio: not serving: fix the content above first");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("sshfolio: starting the runtime: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let (inbox, writer) = Inbox::start(&args.data, args.messages_per_hour);
    let (replace, source) = ContentSource::new(content);
    let shared = Shared {
        content: source,
        inbox,
        limits: SessionLimits {
            idle_timeout: Duration::from_secs(args.idle_timeout),
            session_timeout: Duration::from_secs(args.session_timeout),
            max_input_rate: args.max_input_rate,
            ..SessionLimits::default()
        },
    };
    let result = runtime.block_on(serve_content(args, shared, replace));
    // Dropping the runtime drops every session's inbox handle; the writer
    // then finishes what is queued and stops.
    runtime.shutdown_timeout(Duration::from_secs(1));
    if !writer.finish(INBOX_DRAIN) {
        tracing::error!("the inbox did not finish its queued writes in time");
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sshfolio: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// How long shutdown waits for queued inbox writes.
const INBOX_DRAIN: Duration = Duration::from_secs(2);

async fn serve_content(
    args: &ServeArgs,
    shared: Shared,
    replace: watch::Sender<Arc<Content>>,
) -> Result<()> {
    let key = host_key::load_or_create(&args.keys)?;
    let fingerprint = host_key::fingerprint(&key);
    let config = Arc::new(ssh::config(key));
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let settings = Settings {
        limits: Limits {
            max_connections: args.max_connections,
            max_connections_per_ip: args.max_connections_per_ip,
            connect_rate_per_ip: args.connect_rate_per_ip,
            handshake_timeout: Duration::from_secs(args.handshake_timeout),
        },
        proxy_protocol: args.proxy_protocol,
        private_logs: args.private_logs,
    };
    if settings.proxy_protocol {
        tracing::warn!(
            "expecting a PROXY header on every connection: only safe behind a trusted load balancer"
        );
    }
    tracing::info!("listening on {addr} (host key {fingerprint})");
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    tokio::spawn(reload_on_hangup(args.content.clone(), replace));
    server::run(listener, config, shared, settings, shutdown).await;
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
/// file:line:col problems and the old content stays.
async fn reload_on_hangup(dir: PathBuf, replace: watch::Sender<Arc<Content>>) {
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::error!("cannot install the SIGHUP handler; content reload is off");
        return;
    };
    while hangups.recv().await.is_some() {
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
                tracing::info!(dir = %dir.display(), "content reloaded; new sessions see it");
            }
            Ok(Err(e)) => {
                for problem in &e.problems {
                    tracing::error!("content reload refused: {problem}");
                }
                tracing::error!("kept the previous content ({} problems)", e.problems.len());
            }
            Err(e) => tracing::error!("content reload failed: {e}"),
        }
    }
}
