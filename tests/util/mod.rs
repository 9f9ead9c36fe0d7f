//! Test helpers: the real server on 127.0.0.1:0 with temp dirs (or in the
//! test's own runtime on a paused clock, for timers), and three
//! ways to be a visitor — the russh client, OpenSSH `ssh` inside a real
//! pseudo-terminal, and `ssh` with pipes for exec. Every wait has a timeout
//! and fails with the screen as it was. A test whose tool (PostgreSQL,
//! HAProxy, plink…) is missing is skipped through `skip.rs`, which lists
//! it in a summary at the end of the run. Tests take it all with
//! `use crate::util::*;`.

mod content;
mod haproxy;
mod openssh;
mod postgres;
mod receiver;
mod russh_client;
mod screen;
mod server;
mod skip;
mod smtp;
mod virtual_time;
mod wait;

pub use content::*;
pub use haproxy::*;
pub use openssh::*;
pub use postgres::*;
pub use receiver::*;
pub use russh_client::*;
pub use screen::*;
pub use server::*;
// Today only the helpers skip; a test checking for a tool of its own
// calls `require` too.
#[allow(unused_imports)]
pub use skip::*;
pub use smtp::*;
pub use virtual_time::*;
pub use wait::*;
