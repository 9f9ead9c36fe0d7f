//! sshfolio: a portfolio served as a terminal UI over SSH.
//!
//! The crate map, from the edge to the core: a module imports only from
//! modules below it. `ARCHITECTURE.md` at the repository's root says the
//! same for people, with the path of one connection and one message and
//! the table of where a change goes.
//!
//! - [`commands`]: one file per subcommand; [`cli`]: every subcommand,
//!   flag and env var.
//! - [`server`]: the accept loop and one connection's life — limits, the
//!   PROXY header, the russh handler with the owner's door
//!   (`server::owner`), deadlines, the closing log line, the host key, the
//!   operator's HTTP port (`server::ops`).
//! - [`session`]: one session channel's task — the one session loop for
//!   every screen, the visitor's and the owner's sessions, plain text and
//!   exec, how it ended, who is connected now.
//! - [`console`]: the owner's console (state, drawing, its full-screen
//!   UI); [`ui`]: the visitor's screen drawn, and its full-screen UI;
//!   [`report`]: the owner's reports as text; [`export`]: the text
//!   formats of one content load.
//! - [`app`]: the visitor's view state and keys; [`notify`]: the delivery
//!   workers and channels.
//! - [`inbox`]: messages, visits and the outbox — one model, the policy
//!   once, one `Store` trait over SQLite and PostgreSQL.
//! - [`term`]: input parsing, capabilities, sizes, the renderer, the
//!   screen traits and the painter; [`logs`]: log format and throttle.
//! - [`content`]: the TOML portfolio, validated into one shared
//!   `Content`; [`metrics`]: metric names and one function per event.
//! - Shared helpers: [`clock`] (now, RFC 3339), [`sanitize`] (untrusted
//!   text made safe), [`text`] (wrap, counted nouns), [`message`] (field
//!   limits), [`visitor_ip`] (an address as limits count it).

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
