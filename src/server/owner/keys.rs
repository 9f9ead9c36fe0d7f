//! The owner's keys: `keys/owner_authorized_keys` in OpenSSH's
//! `authorized_keys` format, read into the set of public keys that may
//! open the console. Comments and blank lines are allowed; a line that
//! cannot be used (not a key, an algorithm other than ed25519, ecdsa or
//! rsa, or options the server would not enforce) is reported with its line
//! number and skipped, never fatal.

use std::path::Path;
use std::str::FromStr;

use russh::keys::ssh_key::authorized_keys::Entry;
use russh::keys::ssh_key::public::KeyData;
use russh::keys::{Algorithm, HashAlg, PublicKey};

/// The file's name inside the keys directory.
pub const FILE_NAME: &str = "owner_authorized_keys";

/// Keys kept at most: an owner has a few; a huge file is a mistake.
const MAX_KEYS: usize = 100;

/// The keys that may open the console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerKeys {
    keys: Vec<KeyData>,
    /// Their SHA256 fingerprints, as sessions know their key.
    fingerprints: Vec<String>,
}

/// A line that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

impl OwnerKeys {
    /// No console: nobody is the owner.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether this key is one of the owner's (by its key data: the
    /// comment does not matter, nor the RSA signature hash).
    pub fn contains(&self, key: &PublicKey) -> bool {
        self.keys.iter().any(|k| k == key.key_data())
    }

    /// Whether the key with this SHA256 fingerprint is one of the owner's.
    pub fn contains_fingerprint(&self, fingerprint: &str) -> bool {
        self.fingerprints.iter().any(|f| f == fingerprint)
    }

    /// Reads the file; a missing file is an empty set (no console).
    pub fn read(path: &Path) -> std::io::Result<(OwnerKeys, Vec<Skipped>)> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(OwnerKeys::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok((OwnerKeys::default(), Vec::new()))
            }
            Err(e) => Err(e),
        }
    }

    /// Parses `authorized_keys` text; lines numbered from 1.
    pub fn parse(text: &str) -> (OwnerKeys, Vec<Skipped>) {
        let mut keys = OwnerKeys::default();
        let mut skipped = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut skip = |reason: String| {
                skipped.push(Skipped {
                    line: index + 1,
                    reason,
                })
            };
            let entry = match Entry::from_str(line) {
                Ok(entry) => entry,
                Err(_) => {
                    skip("not a public key in authorized_keys format".into());
                    continue;
                }
            };
            if !entry.config_opts().is_empty() {
                skip("options (from=, command=, …) are not supported here".into());
                continue;
            }
            let key = entry.public_key();
            match key.algorithm() {
                Algorithm::Ed25519 | Algorithm::Ecdsa { .. } | Algorithm::Rsa { .. } => {}
                other => {
                    skip(format!("{} keys are not accepted", other.as_str()));
                    continue;
                }
            }
            if keys.keys.len() == MAX_KEYS {
                skip(format!("more than {MAX_KEYS} keys"));
                continue;
            }
            if !keys.keys.contains(key.key_data()) {
                keys.keys.push(key.key_data().clone());
                keys.fingerprints
                    .push(key.fingerprint(HashAlg::Sha256).to_string());
            }
        }
        (keys, skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcE8O0jIU7Zb9bKBsNx7RLt/yrlY0WMn7RsQZvRcZGi";

    #[test]
    fn keys_comments_and_bad_lines() {
        let text = format!(
            "# my keys\n\n{ED} laptop\n{ED} phone\nnot a key\nssh-dss AAAAB3NzaC1kc3MAAACBAP== old\nfrom=\"10.0.0.1\" {ED} x\n"
        );
        let (keys, skipped) = OwnerKeys::parse(&text);
        assert_eq!(keys.len(), 1, "the same key twice counts once");
        let lines: Vec<usize> = skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![5, 6, 7]);
        assert!(skipped[2].reason.contains("options"));
        let key: PublicKey = ED.parse().unwrap();
        assert!(keys.contains(&key));
        assert!(keys.contains_fingerprint(&key.fingerprint(HashAlg::Sha256).to_string()));
    }

    #[test]
    fn a_missing_file_is_no_console() {
        let (keys, skipped) = OwnerKeys::read(Path::new("/nonexistent/owner_keys")).unwrap();
        assert!(keys.is_empty() && skipped.is_empty());
    }
}
