//! The russh `Handler` for one connection: lets everybody in without a
//! prompt, accepts exactly one session channel and hands it to its own
//! session task, answers channel requests, and refuses everything else
//! (forwarding, agent, X11, subsystems). It holds no UI state: everything
//! a session needs reaches the session task as `ChannelMsg`s.

use std::net::SocketAddr;

use russh::keys::HashAlg;
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, Response, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, ChannelOpenFailure};
use tokio::sync::{oneshot, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::server::record;
use crate::session::{self, Shared, Visitor};
use crate::term::caps;

/// What the connection task hands its handler: who is on the other end
/// and the lines back to the task.
pub struct Wiring {
    pub peer: Option<SocketAddr>,
    /// The address as logs may show it (whole, or only its network with
    /// `--private-logs`).
    pub shown: String,
    /// What the closing log line will say about this connection.
    pub record: record::Shared,
    /// Tells the connection task the handshake deadline no longer applies.
    pub authed: oneshot::Sender<()>,
    /// Cuts the connection's socket (see `server::wire`).
    pub cut: CancellationToken,
    /// True while a session channel is being served; the connection task
    /// cuts a connection that has none for long.
    pub present: watch::Sender<bool>,
}

/// One SSH connection's protocol state.
pub struct Connection {
    shared: Shared,
    peer: Option<SocketAddr>,
    shown: String,
    shutdown: CancellationToken,
    /// Session tasks are tracked so shutdown can wait for them.
    sessions: TaskTracker,
    user: String,
    key_fingerprint: Option<String>,
    has_session: bool,
    record: record::Shared,
    authed: Option<oneshot::Sender<()>>,
    cut: CancellationToken,
    present: watch::Sender<bool>,
}

impl Connection {
    pub fn new(
        shared: Shared,
        shutdown: CancellationToken,
        sessions: TaskTracker,
        wiring: Wiring,
    ) -> Self {
        Connection {
            shared,
            peer: wiring.peer,
            shown: wiring.shown,
            shutdown,
            sessions,
            user: String::new(),
            key_fingerprint: None,
            has_session: false,
            record: wiring.record,
            authed: Some(wiring.authed),
            cut: wiring.cut,
            present: wiring.present,
        }
    }

    fn accept(&mut self, user: &str) -> Auth {
        // Only a short, printable name is kept: it picks the start section.
        self.user = crate::sanitize::clean(user, crate::sanitize::ONE_LINE)
            .chars()
            .take(64)
            .collect();
        Auth::Accept
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_succeeded(&mut self, session: &mut Session) -> Result<(), Self::Error> {
        if let Some(authed) = self.authed.take() {
            let _ = authed.send(());
        }
        let client = String::from_utf8_lossy(session.remote_sshid());
        let client = crate::sanitize::clean(&client, crate::sanitize::ONE_LINE);
        let user = self.user.clone();
        record::update(&self.record, |r| {
            r.client = client.chars().take(100).collect();
            r.user = user;
        });
        Ok(())
    }

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        Ok(self.accept(user))
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(self.accept(user))
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        // russh calls this only after verifying the signature, so the key
        // really belongs to the client and may count towards its identity.
        self.key_fingerprint = Some(key.public_key.fingerprint(HashAlg::Sha256).to_string());
        Ok(self.accept(user))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        _response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        // Accepting at once means the client shows no prompt at all.
        Ok(self.accept(user))
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.has_session {
            tracing::warn!(peer = %self.shown, "refused a second session channel");
            reply
                .reject(ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        }
        self.has_session = true;
        self.present.send_replace(true);
        reply.accept().await;
        let visitor = Visitor {
            peer: self.peer,
            client: record::read(&self.record).client,
            record: self.record.clone(),
            cut: self.cut.clone(),
            user: self.user.clone(),
            key_fingerprint: self.key_fingerprint.clone(),
        };
        let present = self.present.clone();
        let supervised = session::supervise(
            channel,
            session.handle(),
            self.shared.clone(),
            visitor,
            self.shutdown.clone(),
        );
        self.sessions.spawn(async move {
            supervised.await;
            // However the session ended, the connection now has none.
            present.send_replace(false);
        });
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _cols: u32,
        _rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        _value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if caps::honours_env(name) {
            session.channel_success(channel)
        } else {
            session.channel_failure(channel)
        }
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _command: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Nothing is executed: the session task answers from the export
        // texts, or says which commands exist and exits 127.
        session.channel_success(channel)
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        _cols: u32,
        _rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::warn!(peer = %self.shown, subsystem = name, "refused a subsystem");
        session.channel_failure(channel)
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _protocol: &str,
        _cookie: &str,
        _screen: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::warn!(peer = %self.shown, "refused X11 forwarding");
        session.channel_failure(channel)
    }

    async fn agent_request(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        tracing::warn!(peer = %self.shown, "refused agent forwarding");
        Ok(false)
    }

    async fn tcpip_forward(
        &mut self,
        address: &str,
        port: &mut u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        tracing::warn!(peer = %self.shown, address, port = *port, "refused remote forwarding");
        Ok(false)
    }

    async fn streamlocal_forward(
        &mut self,
        _socket_path: &str,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        tracing::warn!(peer = %self.shown, "refused socket forwarding");
        Ok(false)
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        _channel: Channel<Msg>,
        host: &str,
        port: u32,
        _originator_address: &str,
        _originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::warn!(peer = %self.shown, host, port, "refused local forwarding");
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn channel_open_direct_streamlocal(
        &mut self,
        _channel: Channel<Msg>,
        _socket_path: &str,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::warn!(peer = %self.shown, "refused socket forwarding");
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }

    async fn channel_open_x11(
        &mut self,
        _channel: Channel<Msg>,
        _originator_address: &str,
        _originator_port: u32,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply
            .reject(ChannelOpenFailure::AdministrativelyProhibited)
            .await;
        Ok(())
    }
}
