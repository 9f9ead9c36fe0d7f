//! The floor for this stack: a bare russh server with sshfolio's own
//! crypto settings that accepts everyone and answers a shell with one
//! fixed screen, no UI, no state, nothing stored. Run it beside sshfolio
//! and point `loadgen` at both to see what sshfolio costs above russh.
//!
//!     cargo run --release --example floor -- 127.0.0.1:2223
//!     cargo run --release --example loadgen -- --addr 127.0.0.1:2223 --pid $(pgrep -n floor)

use std::sync::Arc;

use bytes::Bytes;
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, Server, Session};
use russh::{Channel, ChannelId, ChannelMsg};

/// A fixed screen about the size of sshfolio's first frame, ending like
/// it (the load generator waits for "quit").
fn screen() -> Bytes {
    let mut s = String::from("\x1b[?1049h\x1b[H\x1b[2J");
    for row in 1..=22 {
        s.push_str(&format!(
            "\x1b[{row};2Hfloor: a fixed screen, row {row:02}, as long as a line of text is"
        ));
    }
    s.push_str("\x1b[24;2H? help  q quit");
    Bytes::from(s)
}

#[derive(Clone)]
struct Floor;

impl Server for Floor {
    type Handler = Floor;
    fn new_client(&mut self, _: Option<std::net::SocketAddr>) -> Floor {
        Floor
    }
}

impl Handler for Floor {
    type Error = russh::Error;

    async fn auth_none(&mut self, _: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        mut channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        tokio::spawn(async move {
            while let Some(msg) = channel.wait().await {
                match msg {
                    ChannelMsg::RequestShell { .. } => {
                        let _ = channel.data_bytes(screen()).await;
                    }
                    ChannelMsg::Data { data } if data.contains(&b'q') => {
                        let _ = channel.exit_status(0).await;
                        let _ = channel.close().await;
                        return;
                    }
                    ChannelMsg::Eof | ChannelMsg::Close => return,
                    _ => {}
                }
            }
        });
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _: &str,
        _: u32,
        _: u32,
        _: u32,
        _: u32,
        _: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:2223".into());
    let dir = tempfile_dir()?;
    let key = sshfolio::server::host_key::load_or_create(&dir)?;
    let config = Arc::new(sshfolio::server::ssh_config::config(key));
    eprintln!("floor server on {addr}");
    Floor.run_on_address(config, addr.as_str()).await?;
    Ok(())
}

/// A throwaway keys directory.
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("sshfolio-floor-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
