//! The start of a session channel: the client's pty-req, env and
//! window-change requests gathered until it asks for a shell or a command.
//! A client that asks for neither is not waited for forever.

use std::pin::pin;
use std::time::Duration;

use russh::{ChannelMsg, ChannelReadHalf};
use tokio_util::sync::CancellationToken;

use super::end::End;
use crate::term::caps::ClientEnv;
use crate::term::size::{self, Size};

/// A client that opens a channel but never asks for a shell or a command
/// is not kept waiting for ever.
const SETUP_TIMEOUT: Duration = Duration::from_secs(30);

/// What the client asked the channel to do.
pub enum Request {
    Shell,
    Exec(Vec<u8>),
}

/// Everything the client said before its request.
pub struct Setup {
    pub request: Request,
    /// The terminal's size, when the client asked for a PTY.
    pub pty: Option<Size>,
    pub env: ClientEnv,
}

/// Reads the channel up to the shell or exec request; `Err` says why no
/// request came.
pub async fn gather(
    channel: &mut ChannelReadHalf,
    shutdown: &CancellationToken,
) -> Result<Setup, End> {
    let mut pty: Option<Size> = None;
    let mut env = ClientEnv::default();
    let mut deadline = pin!(tokio::time::sleep(SETUP_TIMEOUT));
    loop {
        let msg = tokio::select! {
            msg = channel.wait() => msg,
            () = shutdown.cancelled() => return Err(End::Shutdown),
            () = &mut deadline => return Err(End::NoRequest),
        };
        match msg {
            None | Some(ChannelMsg::Eof | ChannelMsg::Close) => return Err(End::ClientGone),
            Some(ChannelMsg::RequestPty {
                term,
                col_width,
                row_height,
                ..
            }) => {
                env.set("TERM", &term);
                pty = Some(size::clamp(col_width, row_height));
            }
            Some(ChannelMsg::SetEnv {
                variable_name,
                variable_value,
                ..
            }) => {
                env.set(&variable_name, &variable_value);
            }
            Some(ChannelMsg::WindowChange {
                col_width,
                row_height,
                ..
            }) => {
                if let Some(pty) = &mut pty {
                    *pty = size::clamp(col_width, row_height);
                }
            }
            Some(ChannelMsg::RequestShell { .. }) => {
                return Ok(Setup {
                    request: Request::Shell,
                    pty,
                    env,
                });
            }
            Some(ChannelMsg::Exec { command, .. }) => {
                return Ok(Setup {
                    request: Request::Exec(command),
                    pty,
                    env,
                });
            }
            Some(_) => {}
        }
    }
}
