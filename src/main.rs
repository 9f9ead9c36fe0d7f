//! The `sshfolio` binary: parse the command line, start logging, run the
//! subcommand, print an error once. A closed stdout (`sshfolio messages |
//! head -1`) ends the command quietly with status 0.

use std::process::ExitCode;

/// The static builds' allocator: musl's own makes every idle session ~45 %
/// larger (deploy/release.sh; see Cargo.toml).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use sshfolio::cli::{Cli, Command, LogFormat};
use sshfolio::{commands, logs};

fn main() -> ExitCode {
    let command = Cli::parse().command();
    let format = match &command {
        Command::Serve(args) => args.log_format,
        _ => LogFormat::Text,
    };
    logs::init(format);
    match commands::run(command) {
        Ok(code) => code,
        Err(e) if commands::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sshfolio: {e:#}");
            ExitCode::from(commands::EXIT_FAILURE)
        }
    }
}
