//! Integration tests: the real server on an ephemeral loopback port,
//! visited with the russh client and the OpenSSH client, screens read back
//! through the vt100 terminal emulator.

mod util;

mod auth;
mod cli;
mod clients;
mod exec;
mod host_key;
mod hostile;
mod inbox;
mod limits;
mod logs;
mod memory;
mod metrics;
mod notify;
mod openssh;
mod operations;
mod owner;
mod postgres;
mod preview;
mod proxy;
mod refusals;
mod replicas;
mod security;
mod store;
mod terminal;
mod timers;
mod tui;
