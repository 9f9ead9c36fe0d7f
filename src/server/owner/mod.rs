//! The owner's door: who the owner is (one user name and the keys in
//! `keys/owner_authorized_keys`, re-read on SIGHUP) and the brute-force
//! guard on that name. What the owner gets once in — the console and the
//! exec commands — is the session's. With no keys there is no owner: the
//! name is an ordinary visitor's.

pub mod guard;
pub mod keys;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use russh::keys::PublicKey;
use tokio::sync::watch;
use tokio::time::Instant;

use guard::{Failure, Guard};
pub use keys::OwnerKeys;

/// The default owner user name.
pub const DEFAULT_USER: &str = "owner";

/// The login name that asks for the linear, screen-reader mode: never the
/// owner's.
pub const A11Y_USER: &str = "a11y";

/// Who the owner is, shared by every connection.
#[derive(Debug)]
pub struct Owner {
    user: String,
    /// `keys/owner_authorized_keys`; `None` when there is no keys file to
    /// read (tests, the preview).
    path: Option<PathBuf>,
    /// The keys now; watched by the owner's sessions, which end when
    /// their key is taken out.
    keys: watch::Sender<Arc<OwnerKeys>>,
    guard: Mutex<Guard>,
}

impl Owner {
    /// The owner of a server whose keys live in `keys_dir`; reads the
    /// keys file now (see [`Owner::reload`]).
    pub fn load(keys_dir: &Path, user: &str) -> Owner {
        let owner = Owner {
            path: Some(keys_dir.join(keys::FILE_NAME)),
            ..Owner::nobody(user)
        };
        owner.reload();
        owner
    }

    /// An owner with no keys file: no console until keys are set.
    pub fn nobody(user: &str) -> Owner {
        Owner {
            user: user.to_string(),
            path: None,
            keys: watch::Sender::new(Arc::new(OwnerKeys::default())),
            guard: Mutex::new(Guard::default()),
        }
    }

    /// An owner with these keys (tests).
    pub fn with_keys(user: &str, keys: OwnerKeys) -> Owner {
        let owner = Owner::nobody(user);
        owner.keys.send_replace(Arc::new(keys));
        owner
    }

    /// Reads the keys file again; its problems are logged line by line and
    /// a file that cannot be read keeps the keys there were.
    pub fn reload(&self) {
        let Some(path) = &self.path else { return };
        match OwnerKeys::read(path) {
            Ok((keys, skipped)) => {
                for skip in &skipped {
                    tracing::warn!("{}:{}: skipped: {}", path.display(), skip.line, skip.reason);
                }
                if keys.is_empty() {
                    tracing::info!(
                        "no owner keys in {}: no owner console; '{}' logs in like anyone else",
                        path.display(),
                        self.user
                    );
                } else {
                    tracing::info!(
                        "owner console on for '{}' with {} from {}",
                        self.user,
                        crate::text::counted(keys.len(), "key"),
                        path.display()
                    );
                }
                self.keys.send_replace(Arc::new(keys));
            }
            Err(e) => tracing::error!(
                "cannot read {}: {e}; the owner keys stay as they were",
                path.display()
            ),
        }
    }

    fn keys(&self) -> Arc<OwnerKeys> {
        self.keys.borrow().clone()
    }

    /// Completes when the owner's key with this SHA256 fingerprint is no
    /// longer among the owner's keys (taken out, then SIGHUP): an owner's
    /// session ends then.
    pub fn revoked(&self, fingerprint: &str) -> impl Future<Output = ()> + Send + 'static {
        let mut keys = self.keys.subscribe();
        let fingerprint = fingerprint.to_string();
        async move {
            // A server that stops keeps no session waiting on this.
            let _ = keys
                .wait_for(|keys| !keys.contains_fingerprint(&fingerprint))
                .await;
        }
    }

    /// Whether `user` is the owner's name and the console is on: only
    /// then does the login need the owner's key.
    pub fn is_owner_name(&self, user: &str) -> bool {
        user == self.user && !self.keys().is_empty()
    }

    /// Whether `key` is one of the owner's.
    pub fn knows(&self, key: &PublicKey) -> bool {
        self.keys().contains(key)
    }

    /// Whether owner logins from `ip` are refused for now.
    pub fn blocked(&self, ip: IpAddr) -> bool {
        self.guard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .blocked(ip, Instant::now())
    }

    /// Counts a failed owner login from `ip` (`shown` as the logs may show
    /// it); the one that blocks the address is logged, naming it.
    pub fn failed(&self, ip: IpAddr, shown: &str) {
        let failure = self
            .guard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .fail(ip, Instant::now());
        if failure == Failure::Blocked {
            tracing::warn!(
                address = shown,
                "{} failed owner logins in {} minutes: no owner logins from {shown} for {} minutes (it can still visit)",
                guard::MAX_FAILURES,
                guard::WINDOW.as_secs() / 60,
                guard::WINDOW.as_secs() / 60
            );
        }
    }

    /// The owner logged in from `ip`: its failures are forgotten.
    pub fn succeeded(&self, ip: IpAddr) {
        self.guard
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear(ip);
    }
}
