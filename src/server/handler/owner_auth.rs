//! The owner's name at login: only `publickey` is offered to it, and a
//! refusal counts once per connection towards the address's block.

use russh::server::Auth;
use russh::{MethodKind, MethodSet};

use super::Connection;

impl Connection {
    /// Whether this login is for the owner's name (with the console on):
    /// then only the owner's keys get in.
    pub(super) fn for_owner(&self, user: &str) -> bool {
        self.owner.is_owner_name(user)
    }

    /// Refuses an owner login attempt: only `publickey` is offered, so a
    /// client tries its keys and never prompts. The first refusal on a
    /// connection counts as one failed owner login for its address.
    pub(super) fn refuse_owner(&mut self, count: bool) -> Auth {
        if count && !self.owner_failure_counted {
            self.owner_failure_counted = true;
            self.owner.failed(self.peer.ip());
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
