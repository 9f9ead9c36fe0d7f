//! The `sshfolio` binary: parse the command line, start logging, run the
//! subcommand. Everything else lives in the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use sshfolio::cli::{Cli, Command, LogFormat};
use sshfolio::commands;

fn main() -> ExitCode {
    let command = Cli::parse().command();
    let json = matches!(&command, Command::Serve(args) if args.log_format == LogFormat::Json);
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SSHFOLIO_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr);
    if json {
        logs.json().init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }
    match command {
        Command::Serve(args) => commands::serve(&args),
        Command::Check(args) => commands::check(&args),
        Command::Preview(args) => commands::preview(&args),
        Command::Init(args) => commands::init(&args),
        Command::Messages(args) => commands::messages(&args),
        Command::Stats(args) => commands::stats(&args),
    }
}
