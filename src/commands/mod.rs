//! What each subcommand does, from parsed arguments to an exit code: one
//! file per subcommand. Every command returns `anyhow::Result<ExitCode>`;
//! `main` prints an error once and treats a closed stdout as a normal end.

mod check;
pub mod init;
mod messages;
mod migrate;
mod notify;
pub mod preview;
mod serve;
mod stats;

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::Command;

/// Exit code for invalid content or a failed command.
pub const EXIT_FAILURE: u8 = 1;

/// Runs one subcommand.
pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Preview(args) => preview::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Messages(args) => messages::run(&args),
        Command::Stats(args) => stats::run(&args),
        Command::Notify(command) => notify::run(&command),
        Command::Migrate(args) => migrate::run(&args),
    }
}

/// Runs an owner's command that talks to the database, on a runtime of
/// its own.
fn block_on<T>(work: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(work)
}

/// Writes a command's whole output to stdout. A reader that went away
/// (`sshfolio messages | head -1`) surfaces as an error `main` recognises.
fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("writing to stdout")
}

/// Whether an error is only the reader of our stdout having gone away,
/// which ends a command quietly and successfully, as in any Unix tool.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
