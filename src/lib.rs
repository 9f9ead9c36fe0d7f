//! sshfolio: a portfolio served as a terminal UI over SSH.
//!
//! Crate map, from the edge to the core (imports run one way, down this
//! list: `main → commands → server → session → owner, tui → app, ui,
//! term, export, notify, inbox → content`; `telemetry` is a leaf anyone
//! may call):
//! - [`cli`]: the command line, every subcommand and flag; [`logs`]: the
//!   log format.
//! - [`commands`]: one file per subcommand — `serve`, `check`, `init` (with
//!   its starter files), `preview` (the UI in the local terminal, live
//!   reload), `messages`, `stats`.
//! - [`server`]: the accept loop and one connection's life — limits, the
//!   PROXY header, the socket wrapper (cut, byte counts), the russh
//!   handler (auth, channels, refusals), the connection's record and its
//!   closing log line, the SSH config and host key; the only module that
//!   knows about limits and shutdown.
//! - [`session`]: one visitor's session channel — setup (pty, env),
//!   the interactive loop, the plain-text and exec answers, the input rate
//!   limit, and what it reports to its connection; the owner's session
//!   (console, commands) likewise.
//! - [`owner`]: the owner over SSH — keys, the brute-force guard, the
//!   console's state and drawing, the exec commands, and the inbox and
//!   stats reports every owner command prints.
//! - [`telemetry`]: the Prometheus metric families and one function per
//!   event; the metrics HTTP port is `server::ops`.
//! - [`tui`]: the UI as a machine (input bytes in, frames out, its own
//!   timers), driven by an SSH session or the local preview.
//! - [`app`]: per-session view state and key handling, told the screen's
//!   geometry by the UI; [`ui`]: rendering, a pure function of content,
//!   view state and size.
//! - [`term`]: input parsing, terminal capabilities, sizes, frame bytes.
//! - [`export`]: résumé, section text, JSON and vCard.
//! - [`inbox`]: messages, visits and the notification outbox, in SQLite
//!   (one writer thread) or PostgreSQL (shared by replicas).
//! - [`content`]: the TOML portfolio, validated into one shared `Content`.
//! - Shared helpers of the core: [`text`] (wrap, counted nouns),
//!   [`sanitize`] (untrusted text made safe to store and show),
//!   [`message`] (a visitor message's field limits), [`visitor_ip`] (an
//!   address as limits and stats count it).

pub mod app;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod console;
pub mod content;
pub mod export;
pub mod inbox;
pub mod logs;
pub mod message;
pub mod metrics;
pub mod notify;
pub mod report;
pub mod sanitize;
pub mod server;
pub mod session;
pub mod term;
pub mod text;
pub mod ui;
pub mod visitor_ip;
