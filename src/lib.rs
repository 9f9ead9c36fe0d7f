//! sshfolio: a portfolio served as a terminal UI over SSH.
//!
//! Crate map, from the edge to the core:
//! - [`cli`]: the command line; [`commands`]: what each subcommand does;
//!   [`owner`]: the owner's `messages` and `stats` output; [`preview`]: the
//!   UI in the local terminal with live reload.
//! - [`server`]: the accept loop, limits, per-connection tasks, shutdown;
//!   [`proxy`]: the PROXY v1/v2 header; [`record`]: a connection's log record.
//! - [`ssh`]: the russh handler (auth, channel requests, refusals) and config.
//! - [`host_key`]: the persistent ed25519 host key.
//! - [`session`]: one visitor's channel: TUI, plain text or exec.
//! - [`tui`]: the UI as a machine (input bytes in, frames out), driven by
//!   an SSH session or the local preview.
//! - [`app`]: per-session view state and key handling.
//! - [`ui`]: rendering, a pure function of content, view state and size.
//! - [`term`]: input parsing, terminal capabilities, sizes, frame bytes.
//! - [`export`]: résumé, section text, JSON and vCard.
//! - [`visitor_ip`]: an address as limits and stats count it.
//! - [`message`]: a visitor message's field limits.
//! - [`sanitize`]: untrusted text made safe to store and show.
//! - [`inbox`]: messages and visits in SQLite, behind one writer thread.
//! - [`starter`]: the files `sshfolio init` writes.
//! - [`content`]: the TOML portfolio, validated into one shared `Content`.

pub mod app;
pub mod cli;
pub mod commands;
pub mod content;
pub mod export;
pub mod inbox;
pub mod logs;
pub mod message;
pub mod sanitize;
pub mod server;
pub mod session;
pub mod term;
pub mod text;
pub mod tui;
pub mod ui;
pub mod visitor_ip;
