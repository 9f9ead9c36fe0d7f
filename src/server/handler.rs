//! The russh `Handler` for one connection: lets everybody in without a
//! prompt, accepts exactly one session channel and hands it to its own
//! session task, answers channel requests, and refuses everything else
//! (forwarding, agent, X11, subsystems). It holds no UI state: everything
//! a session needs reaches the session task as `ChannelMsg`s, and what it
//! learns about the connection goes to the connection's record.

use std::net::SocketAddr;
use std::sync::Arc;

use russh::keys::HashAlg;
use russh::server::{
    Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Response, Session, VerifiedPublicKey,
};
use russh::{Channel, ChannelId, ChannelOpenFailure};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::Context;
use super::owner::Owner;
use crate::logs::Throttle;
use crate::sanitize;

mod owner_auth;
use crate::session::{self, Report, Reporter, Revoked, SessionContext, Shared, Visitor};
use crate::term::caps;

/// One SSH connection's protocol state.
pub struct Connection {
    shared: Shared,
    /// Who the owner is (their name, keys and guard).
    owner: Arc<Owner>,
    peer: SocketAddr,
    shutdown: CancellationToken,
    /// Session tasks are tracked so shutdown can wait for them.
    sessions: TaskTracker,
    /// What the connection learns goes to its record.
    reporter: Reporter,
    user: String,
    client: String,
    key_fingerprint: Option<String>,
    /// Logged in as the owner, with one of the owner's keys.
    as_owner: bool,
    /// A refused owner login was reported for this connection already.
    owner_refusal_reported: bool,
    has_session: bool,
    /// When the connection began.
    connected_at: std::time::Instant,
    /// Refusal lines are written at most once a second; the rest counted.
    refusals: Throttle,
    /// The connection's span. russh calls the handler from a task of its
    /// own, so lines written here name their span explicitly.
    span: tracing::Span,
}

/// The longest login name kept: it only picks the start section.
const MAX_USER: usize = 64;

/// The longest client version string kept, for logs and visit records.
const MAX_CLIENT: usize = 100;

impl Connection {
    pub fn new(ctx: &Context, peer: SocketAddr, reporter: Reporter) -> Self {
        Connection {
            shared: ctx.shared.clone(),
            owner: ctx.settings.owner.clone(),
            peer,
            shutdown: ctx.shutdown.clone(),
            sessions: ctx.sessions.clone(),
            reporter,
            user: String::new(),
            client: String::new(),
            key_fingerprint: None,
            as_owner: false,
            owner_refusal_reported: false,
            has_session: false,
            connected_at: std::time::Instant::now(),
            refusals: Throttle::per_second(),
            span: tracing::Span::current(),
        }
    }

    /// Says no to a request: one log line for the first refusal in a
    /// second (with how many went unlogged since the last line), a count
    /// for the rest; every refusal counts in the connection's closing
    /// line. A client flooding requests cannot flood the log.
    fn refuse(&mut self, what: &'static str, detail: &str) {
        self.reporter.send(Report::Refused);
        if self.refusals.allow() {
            let unlogged = self.refusals.take_held_back();
            tracing::warn!(parent: &self.span, detail, unlogged, "refused {what}");
        }
    }

    fn accept(&mut self, user: &str) -> Auth {
        // Only a short, printable name is kept.
        self.user = sanitize::clean(user, sanitize::ONE_LINE)
            .chars()
            .take(MAX_USER)
            .collect();
        Auth::Accept
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_succeeded(&mut self, session: &mut Session) -> Result<(), Self::Error> {
        self.client = sanitize::clean(
            &String::from_utf8_lossy(session.remote_sshid()),
            sanitize::ONE_LINE,
        )
        .chars()
        .take(MAX_CLIENT)
        .collect();
        self.reporter.send(Report::Authenticated {
            client: self.client.clone(),
            user: self.user.clone(),
        });
        Ok(())
    }

    // Every method lets a visitor in at once, so no client ever prompts.
    // The owner's name (with owner keys set) gets only `publickey`, and
    // only for the owner's keys: OpenSSH's first `none` learns that list,
    // and tries keys, never a password.

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        if self.for_owner(user) {
            // Every client starts with `none`: not a failure.
            return Ok(self.refuse_owner(false));
        }
        Ok(self.accept(user))
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(self.without_key(user))
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // A key the owner does not hold is refused before the client
        // signs with it; a blocked address gets no further at all.
        if self.for_owner(user)
            && (self.owner.blocked(self.peer.ip()) || !self.owner.knows(offer.public_key))
        {
            return Ok(self.refuse_owner(true));
        }
        Ok(Auth::Accept)
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        // russh calls this only after verifying the signature, so the key
        // really belongs to the client and may count towards its identity.
        let fingerprint = key.public_key.fingerprint(HashAlg::Sha256).to_string();
        if self.for_owner(user) {
            // Checked again: the offer and the signed request may differ,
            // and the keys may have been reloaded in between.
            if self.owner.blocked(self.peer.ip()) || !self.owner.knows(key.public_key) {
                return Ok(self.refuse_owner(true));
            }
            tracing::info!(parent: &self.span, key = %fingerprint, "owner logged in");
            self.as_owner = true;
            self.owner.succeeded(self.peer.ip());
            self.reporter.send(Report::OwnerLoggedIn);
        }
        self.key_fingerprint = Some(fingerprint);
        Ok(self.accept(user))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        _response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        // Accepting at once means the client shows no prompt at all.
        Ok(self.without_key(user))
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.has_session {
            self.refuse("a second session channel", "");
            reply
                .reject(ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        }
        self.has_session = true;
        reply.accept().await;
        let visitor = Visitor {
            peer: Some(self.peer),
            client: self.client.clone(),
            user: self.user.clone(),
            key_fingerprint: self.key_fingerprint.clone(),
            owner: self.as_owner,
            connected_at: Some(self.connected_at),
        };
        let revoked = match (&visitor.key_fingerprint, visitor.owner) {
            (Some(key), true) => Some(Box::pin(self.owner.revoked(key)) as Revoked),
            _ => None,
        };
        let ctx = SessionContext {
            shared: self.shared.clone(),
            visitor,
            shutdown: self.shutdown.clone(),
            revoked: std::sync::Mutex::new(revoked),
        };
        let supervised = session::supervise(channel, session.handle(), ctx, self.reporter.clone());
        // The session runs in the connection's span: its lines say whose
        // they are.
        self.sessions
            .spawn(supervised.instrument(self.span.clone()));
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
        self.refuse("a subsystem", name);
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
        self.refuse("X11 forwarding", "");
        session.channel_failure(channel)
    }

    async fn agent_request(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.refuse("agent forwarding", "");
        Ok(false)
    }

    async fn tcpip_forward(
        &mut self,
        address: &str,
        port: &mut u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.refuse("remote forwarding", &format!("{address}:{port}"));
        Ok(false)
    }

    async fn streamlocal_forward(
        &mut self,
        _socket_path: &str,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.refuse("socket forwarding", "");
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
        self.refuse("local forwarding", &format!("{host}:{port}"));
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
        self.refuse("socket forwarding", "");
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
