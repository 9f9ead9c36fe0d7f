//! The command line: every subcommand — `serve` (the default), `check`,
//! `preview`, `init`, `messages`, `stats`, `notify`, `migrate` — with its
//! flags, each flag also readable from an `SSHFOLIO_*` environment
//! variable, and the parsers of flag values (`--mark-read ID|all`,
//! `--size COLSxROWS`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::inbox::database::UrlError;
use crate::inbox::{Database, Policy};
pub use crate::logs::LogFormat;
pub use crate::report::messages::Mark;
use crate::server::Limits;
use crate::session::SessionLimits;
use crate::term::size::{self, Size};

/// `sshfolio --version`: the version and the commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SSHFOLIO_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "sshfolio",
    version = VERSION,
    about = "Serve a portfolio as a terminal UI over SSH",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no subcommand, sshfolio serves.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portfolio over SSH (the default).
    Serve(ServeArgs),
    /// Validate the content directory; print each problem as file:line:col.
    Check(CheckArgs),
    /// The same UI in this terminal, reloading as you edit the content.
    Preview(PreviewArgs),
    /// Write a starter content directory to edit.
    Init(InitArgs),
    /// Read the messages visitors left, newest first.
    Messages(MessagesArgs),
    /// Who came by: visitors per day, session length, sections, clients.
    Stats(StatsArgs),
    /// The notification channels: `notify test` sends a test to each.
    #[command(subcommand)]
    Notify(NotifyCommand),
    /// Copy the SQLite inbox in --data into PostgreSQL (safe to run twice).
    Migrate(MigrateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    /// Directory holding the messages.db to copy.
    #[arg(long, env = "SSHFOLIO_DATA", default_value = "data")]
    pub data: PathBuf,
    /// The PostgreSQL database to copy into:
    /// postgres://user:password@host:port/db (default: SSHFOLIO_DATABASE).
    #[arg(
        long,
        value_name = "URL",
        env = "SSHFOLIO_DATABASE",
        hide_env_values = true
    )]
    pub to: String,
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a test notification to every channel; ok or the error for each.
    Test(NotifyTestArgs),
}

#[derive(Debug, Clone, Args)]
pub struct NotifyTestArgs {
    #[command(flatten)]
    pub notify: NotifyArgs,
    /// Directory holding the portfolio's TOML files (email goes to its
    /// contact address unless the URL says `?to=`).
    #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
    pub content: PathBuf,
    /// The inbox, for the outbox's state after the test.
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Where messages are delivered, shared by `serve` and `notify test`.
#[derive(Debug, Clone, Default, Args)]
pub struct NotifyArgs {
    /// Also deliver every message here (repeatable): https://… (a JSON
    /// webhook), discord+https://…, slack+https://…,
    /// ntfy+https://HOST/TOPIC, smtp://… or smtps://… (?to=, ?from=).
    /// URLs hold secrets: prefer the environment (whitespace-separated).
    #[arg(
        long,
        value_name = "URL",
        env = "SSHFOLIO_NOTIFY",
        hide_env_values = true
    )]
    pub notify: Vec<String>,
    /// Key for signing webhooks (webhook-signature); a whsec_… secret is
    /// base64-decoded.
    #[arg(
        long,
        value_name = "SECRET",
        env = "SSHFOLIO_NOTIFY_SECRET",
        hide_env_values = true
    )]
    pub notify_secret: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct PreviewArgs {
    /// Directory holding the portfolio's TOML files.
    #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
    pub content: PathBuf,
    /// Draw at this size instead of the terminal's, e.g. 40x20 for a phone.
    #[arg(long, value_name = "COLSxROWS", value_parser = parse_size)]
    pub size: Option<Size>,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// The directory to create; must not exist or be empty.
    pub dir: PathBuf,
}

/// Where the inbox is, shared by `serve`, `messages`, `stats`, `notify`
/// and `migrate`.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Directory for the server's data: messages.db (unless --database
    /// says otherwise) and visitor.key.
    #[arg(long, env = "SSHFOLIO_DATA", default_value = "data")]
    pub data: PathBuf,
    /// Keep messages and visits in PostgreSQL, shared by replicas:
    /// postgres://user:password@host:port/db?sslmode=require. Without it,
    /// SQLite in --data. Holds a password: prefer the environment.
    #[arg(
        long,
        value_name = "URL",
        env = "SSHFOLIO_DATABASE",
        hide_env_values = true
    )]
    pub database: Option<String>,
}

impl StoreArgs {
    /// The database the flags name; the error is one line, without the
    /// password.
    pub fn database(&self) -> Result<Database, UrlError> {
        Database::from_flags("--database", self.database.as_deref(), &self.data)
    }
}

#[derive(Debug, Clone, Args)]
pub struct MessagesArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print a JSON array instead of text.
    #[arg(long)]
    pub json: bool,
    /// Only messages not yet marked read.
    #[arg(long)]
    pub unread: bool,
    /// Mark a message read, by id, or `all`.
    #[arg(long, value_name = "ID|all", value_parser = Mark::parse)]
    pub mark_read: Option<Mark>,
    /// Queue a message's failed notifications again, by message id.
    #[arg(long, value_name = "ID", conflicts_with = "mark_read")]
    pub redeliver: Option<i64>,
}

#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// How many days back to count.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    /// `[::]:PORT` is one socket for IPv6 and IPv4 (IPv4 only where the
    /// host has no IPv6).
    #[arg(long, env = "SSHFOLIO_LISTEN", default_value = "[::]:2222")]
    pub listen: SocketAddr,
    /// Directory holding the portfolio's TOML files.
    #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
    pub content: PathBuf,
    /// Directory holding the host key (created on first start) and
    /// owner_authorized_keys (the keys that open the owner's console).
    #[arg(long, env = "SSHFOLIO_KEYS", default_value = "keys")]
    pub keys: PathBuf,
    /// Serve GET /metrics, /healthz and /readyz over HTTP on this address
    /// (off by default; keep it on loopback or a private network).
    #[arg(long, env = "SSHFOLIO_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// The login name of the owner's console (`ssh owner@host`): only the
    /// keys in KEYS/owner_authorized_keys get in with it.
    #[arg(
        long,
        env = "SSHFOLIO_OWNER_USER",
        default_value = crate::server::owner::DEFAULT_USER,
        value_parser = parse_owner_user
    )]
    pub owner_user: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Messages accepted per client address, and per key, per rolling hour.
    #[arg(
        long,
        env = "SSHFOLIO_MESSAGES_PER_HOUR",
        default_value_t = Policy::default().messages_per_hour
    )]
    pub messages_per_hour: u32,
    /// Days visits are kept for `stats`; older ones are deleted (0 keeps
    /// them all).
    #[arg(
        long,
        env = "SSHFOLIO_VISITS_RETENTION_DAYS",
        default_value_t = Policy::default().visits_retention_days,
        value_name = "DAYS"
    )]
    pub visits_retention_days: u32,
    /// Connections open at once, in all.
    #[arg(
        long,
        env = "SSHFOLIO_MAX_CONNECTIONS",
        default_value_t = Limits::default().max_connections
    )]
    pub max_connections: usize,
    /// Connections open at once from one address.
    #[arg(
        long,
        env = "SSHFOLIO_MAX_CONNECTIONS_PER_IP",
        default_value_t = Limits::default().max_connections_per_ip
    )]
    pub max_connections_per_ip: usize,
    /// New connections per address per minute.
    #[arg(
        long,
        env = "SSHFOLIO_CONNECT_RATE_PER_IP",
        default_value_t = Limits::default().connect_rate_per_ip
    )]
    pub connect_rate_per_ip: u32,
    /// Seconds the SSH handshake and authentication may take.
    #[arg(
        long,
        env = "SSHFOLIO_HANDSHAKE_TIMEOUT",
        default_value_t = Limits::default().handshake_timeout.as_secs(),
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub handshake_timeout: u64,
    /// Seconds without input before a session is closed.
    #[arg(
        long,
        env = "SSHFOLIO_IDLE_TIMEOUT",
        default_value_t = SessionLimits::default().idle_timeout.as_secs(),
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=MAX_SECONDS)
    )]
    pub idle_timeout: u64,
    /// Seconds after which any session is closed.
    #[arg(
        long,
        env = "SSHFOLIO_SESSION_TIMEOUT",
        default_value_t = SessionLimits::default().session_timeout.as_secs(),
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=MAX_SECONDS)
    )]
    pub session_timeout: u64,
    /// Input bytes per second accepted per session; the excess is dropped.
    #[arg(
        long,
        env = "SSHFOLIO_MAX_INPUT_RATE",
        default_value_t = SessionLimits::default().max_input_rate,
        value_name = "BYTES"
    )]
    pub max_input_rate: u32,
    /// Expect a PROXY protocol v1/v2 header on every connection (only
    /// behind a trusted load balancer; never on a port reachable directly).
    #[arg(long, env = "SSHFOLIO_PROXY_PROTOCOL")]
    pub proxy_protocol: bool,
    /// Log format.
    #[arg(long, env = "SSHFOLIO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Never log a whole client address (only its /24 or /48) nor the
    /// login name.
    #[arg(long, env = "SSHFOLIO_PRIVATE_LOGS")]
    pub private_logs: bool,
    #[command(flatten)]
    pub notify: NotifyArgs,
    /// How often each delivery worker looks at its channel for what
    /// another process queued, in milliseconds (tests shorten it).
    #[arg(
        long,
        env = "SSHFOLIO_NOTIFY_LOOK_MS",
        hide = true,
        default_value_t = crate::notify::worker::LOOK_EVERY.as_millis() as u64,
        value_name = "MS"
    )]
    pub notify_look_ms: u64,
}

/// The longest time limit accepted: a year (longer values would overflow
/// the clock arithmetic).
const MAX_SECONDS: u64 = 365 * 24 * 3600;

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Directory holding the portfolio's TOML files.
    #[arg(long, env = "SSHFOLIO_CONTENT", default_value = "content")]
    pub content: PathBuf,
}

impl Cli {
    /// The subcommand to run, serving when none was given.
    pub fn command(self) -> Command {
        self.command.unwrap_or(Command::Serve(self.serve))
    }
}

/// Checks `--owner-user`: a plain user name (letters, digits, `_`, `-`;
/// at most 32), and none the server already gives a meaning to (a
/// section's name opens that section; `a11y` is the linear mode).
pub fn parse_owner_user(text: &str) -> Result<String, String> {
    let plain = !text.is_empty()
        && text.len() <= 32
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !plain {
        return Err(format!(
            "expected a plain user name (letters, digits, _ and -; at most 32), got {text:?}"
        ));
    }
    let lower = text.to_ascii_lowercase();
    if crate::app::Section::from_name(&lower).is_some() || lower == crate::server::owner::A11Y_USER
    {
        return Err(format!(
            "{text:?} already means something to visitors (a section, or the linear mode); choose another name"
        ));
    }
    Ok(text.to_string())
}

/// Parses `--size COLSxROWS`.
pub fn parse_size(text: &str) -> Result<Size, String> {
    let (cols, rows) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected COLSxROWS, like 40x20 (got {text:?})"))?;
    let number = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("expected COLSxROWS with positive numbers (got {text:?})"))
    };
    Ok(size::clamp(number(cols)?, number(rows)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mark_targets() {
        assert_eq!(Mark::parse("all").unwrap(), Mark::All);
        assert_eq!(Mark::parse("12").unwrap(), Mark::One(12));
        assert!(Mark::parse("twelve").is_err());
    }

    /// The defaults `serve --help` shows are the types' own, so a test
    /// server and the real one start from the same limits.
    #[test]
    fn serve_help_shows_the_types_defaults() {
        use clap::CommandFactory;
        let mut cli = <Cli as CommandFactory>::command();
        let help = cli
            .find_subcommand_mut("serve")
            .unwrap()
            .render_long_help()
            .to_string();
        let (limits, session, policy) = (
            Limits::default(),
            SessionLimits::default(),
            Policy::default(),
        );
        for (flag, value) in [
            ("--max-connections", limits.max_connections.to_string()),
            (
                "--max-connections-per-ip",
                limits.max_connections_per_ip.to_string(),
            ),
            (
                "--connect-rate-per-ip",
                limits.connect_rate_per_ip.to_string(),
            ),
            (
                "--handshake-timeout",
                limits.handshake_timeout.as_secs().to_string(),
            ),
            ("--idle-timeout", session.idle_timeout.as_secs().to_string()),
            (
                "--session-timeout",
                session.session_timeout.as_secs().to_string(),
            ),
            ("--max-input-rate", session.max_input_rate.to_string()),
            ("--messages-per-hour", policy.messages_per_hour.to_string()),
            (
                "--visits-retention-days",
                policy.visits_retention_days.to_string(),
            ),
        ] {
            let at = help
                .find(&format!("{flag} "))
                .unwrap_or_else(|| panic!("{flag}"));
            let entry = &help[at..];
            let entry = &entry[..entry.find("\n\n").unwrap_or(entry.len())];
            assert!(
                entry.contains(&format!("[default: {value}]")),
                "{flag}: {entry}"
            );
        }
        // The spec's figures.
        assert_eq!(
            (
                limits.max_connections,
                limits.max_connections_per_ip,
                limits.connect_rate_per_ip
            ),
            (2000, 20, 60)
        );
        assert_eq!(
            (
                session.idle_timeout.as_secs(),
                session.session_timeout.as_secs()
            ),
            (900, 7200)
        );
        assert_eq!(
            (session.max_input_rate, policy.messages_per_hour),
            (65536, 5)
        );
    }

    #[test]
    fn the_owner_user_is_a_plain_name_with_no_other_meaning() {
        assert_eq!(parse_owner_user("owner").unwrap(), "owner");
        assert_eq!(parse_owner_user("akshay_k-2").unwrap(), "akshay_k-2");
        for bad in [
            "",
            "contact",
            "Projects",
            "a11y",
            "own er",
            "root@x",
            &"x".repeat(33),
        ] {
            assert!(parse_owner_user(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("40x20"), Ok(Size { cols: 40, rows: 20 }));
        assert_eq!(
            parse_size("1000X1000"),
            Ok(Size {
                cols: 500,
                rows: 200
            })
        );
        assert!(parse_size("40").is_err());
        assert!(parse_size("0x20").is_err());
        assert!(parse_size("axb").is_err());
    }
}
