//! The owner's name at login: only `publickey` is offered to it. A
//! refusal is reported to the connection, which counts one failed owner
//! login for the address when it ends without the owner logged in (an
//! agent offering another key first is normal, not an attack).

use russh::server::Auth;
use russh::{MethodKind, MethodSet};

use super::Connection;
use crate::session::Report;

impl Connection {
    /// Whether this login is for the owner's name (with the console on):
    /// then only the owner's keys get in.
    pub(super) fn for_owner(&self, user: &str) -> bool {
        self.owner.is_owner_name(user)
    }

    /// Refuses an owner login attempt: only `publickey` is offered, so a
    /// client tries its keys and never prompts. `count`: the attempt was a
    /// real one (a key or a password, not the `none` every client starts
    /// with), reported once per connection.
    pub(super) fn refuse_owner(&mut self, count: bool) -> Auth {
        if count && !self.owner_refusal_reported {
            self.owner_refusal_reported = true;
            self.reporter.send(Report::OwnerRefused);
        }
        Auth::Reject {
            proceed_with_methods: Some(MethodSet::from(&[MethodKind::PublicKey][..])),
            partial_success: false,
        }
    }

    /// A login without a key (password, keyboard-interactive): a visitor
    /// is let in; the owner's name is refused (and counted).
    pub(super) fn without_key(&mut self, user: &str) -> Auth {
        match self.for_owner(user) {
            true => self.refuse_owner(true),
            false => self.accept(user),
        }
    }
}
