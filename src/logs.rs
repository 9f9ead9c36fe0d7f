//! Logging: one line per event on stderr, as text (coloured only on a
//! terminal) or as one JSON object per line, filtered by `SSHFOLIO_LOG`
//! (default: `info`, and only warnings from the SSH library).
//!
//! Logs carry text from the network (client versions, terminal names,
//! request names), so no line can be forged or multiplied by it: our own
//! fields are written as quoted strings, and every finished line is
//! escaped once more on its way out — line breaks, other control
//! characters, and Unicode line separators and direction overrides become
//! visible escapes, whatever a dependency put in its message. And no
//! client can flood the log: the SSH library's lines (which a client can
//! trigger one per request) are limited to a few a second, the rest
//! counted ([`take_dropped`]).

mod throttle;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

use crate::sanitize;
pub use throttle::Throttle;

/// What is logged when `SSHFOLIO_LOG` does not say: our own lines from
/// `info`, the SSH library's from `warn` (its `info` lines repeat what a
/// client sent, one per item), the PostgreSQL client's from `warn` (its
/// `info` lines are the server's notices).
const DEFAULT_FILTER: &str = "info,russh=warn,tokio_postgres=warn";

/// Lines a second the SSH library may write; the rest are counted.
const LIBRARY_LINES_PER_SECOND: u32 = 10;

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the process-wide subscriber; call once, first thing.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_env("SSHFOLIO_LOG")
        .unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
        // The hint keeps `SSHFOLIO_LOG`'s level as the most verbose one:
        // without it, every disabled debug and trace line of the library
        // would be built, only to be thrown away here.
        .and(
            filter_fn(|meta| !meta.is_event() || library_line_allowed(meta.target()))
                .with_max_level_hint(LevelFilter::TRACE),
        );
    let json = format == LogFormat::Json;
    let ansi = !json && io::stderr().is_terminal();
    let writer = EscapedStderr { json, ansi };
    let registry = tracing_subscriber::registry();
    if json {
        let layer = fmt::layer().json().with_writer(writer).with_filter(filter);
        registry.with(layer).init();
    } else {
        let layer = fmt::layer()
            .with_ansi(ansi)
            .with_writer(writer)
            .with_filter(filter);
        registry.with(layer).init();
    }
}

/// Lines of the SSH library dropped over its rate since the last call.
pub fn take_dropped() -> u64 {
    LIBRARY.take_held_back()
}

/// The SSH library's lines: a few a second.
static LIBRARY: Throttle = Throttle::new(LIBRARY_LINES_PER_SECOND, Duration::from_secs(1));

/// Whether a line from `target` may be written now.
fn library_line_allowed(target: &str) -> bool {
    !target.starts_with("russh") || LIBRARY.allow()
}

/// Stderr, with every line escaped on its way out (see the module docs).
#[derive(Debug, Clone, Copy)]
struct EscapedStderr {
    json: bool,
    /// Colours are on: the formatter's own ESC sequences stay.
    ansi: bool,
}

impl<'a> MakeWriter<'a> for EscapedStderr {
    type Writer = EscapedStderr;

    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

impl Write for EscapedStderr {
    /// The formatter writes each finished line in one call.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let line = String::from_utf8_lossy(buf);
        let escaped = escape_line(&line, self.json, self.ansi);
        io::stderr().lock().write_all(escaped.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// `line` with every character that could end a line, start another, or
/// disguise one made visible: CR, LF (but the last), other control
/// characters (ESC too, unless `keep_esc`), DEL, C1 controls, the Unicode
/// line and paragraph separators, and direction overrides and isolates.
/// As `\u{…}`, or for JSON as `\uXXXX`, so the line stays valid JSON.
pub fn escape_line(line: &str, json: bool, keep_esc: bool) -> Cow<'_, str> {
    let body = line.strip_suffix('\n').unwrap_or(line);
    let harmful = |c: char| match c {
        '\t' => false,
        '\x1b' => !keep_esc,
        c => sanitize::is_terminal_unsafe(c),
    };
    if !body.chars().any(harmful) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 16);
    for c in body.chars() {
        match c {
            _ if !harmful(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if json => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    if line.ends_with('\n') {
        out.push('\n');
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_and_disguises_inside_a_line_become_visible() {
        let forged = "WARN russh: unknown channel request x\n2026 INFO sshfolio: connection closed peer=6.6.6.6\n";
        assert_eq!(
            escape_line(forged, false, false),
            "WARN russh: unknown channel request x\\n2026 INFO sshfolio: connection closed peer=6.6.6.6\n"
        );
        assert_eq!(escape_line("a\rb\n", false, false), "a\\rb\n");
        assert_eq!(
            escape_line("a\u{202e}b\u{2028}c\n", false, false),
            "a\\u{202e}b\\u{2028}c\n"
        );
        assert_eq!(
            escape_line("a\u{9b}b\x00\x7f\n", false, false),
            "a\\u{9b}b\\u{0}\\u{7f}\n"
        );
        assert_eq!(
            escape_line("{\"m\":\"a\u{202e}\"}\n", true, false),
            "{\"m\":\"a\\u202e\"}\n"
        );
        assert_eq!(escape_line("a\x1b[31mb\n", false, false), "a\\u{1b}[31mb\n");
    }

    #[test]
    fn ordinary_lines_pass_untouched() {
        for line in [
            "plain line\n",
            "tabs\tstay\n",
            "é 日本 ✓\n",
            "\x1b[2mcolour\x1b[0m\n",
        ] {
            assert!(
                matches!(escape_line(line, false, true), Cow::Borrowed(_)),
                "{line:?}"
            );
        }
    }

    #[test]
    fn the_library_gets_a_few_lines_a_second() {
        let allowed = (0..100)
            .filter(|_| library_line_allowed("russh::server"))
            .count();
        // Within one second (or straddling two), ten a second.
        assert!((10..=20).contains(&allowed), "{allowed}");
        assert!(take_dropped() >= 80);
        assert!((0..100).all(|_| library_line_allowed("sshfolio::server")));
    }
}
