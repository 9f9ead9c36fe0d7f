//! Logging: one line per event on stderr, as text (coloured only on a
//! terminal) or as one JSON object per line, filtered by `SSHFOLIO_LOG`
//! (default `info`).

use std::io::IsTerminal;

use crate::cli::LogFormat;

/// Installs the process-wide subscriber; call once, first thing.
pub fn init(format: LogFormat) {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SSHFOLIO_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}
