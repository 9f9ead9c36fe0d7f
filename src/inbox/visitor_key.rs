//! Visitors are counted, never tracked: the client address is stored only
//! as an HMAC-SHA256 under a secret kept in `data/visitor.key` (mode 0600,
//! created once). The owner can count distinct visitors and enforce limits
//! without keeping anybody's address.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngExt;
use sha2::Sha256;

pub const FILE: &str = "visitor.key";
const KEY_LEN: usize = 32;

/// The secret, created on first use and never overwritten.
pub fn load_or_create(data: &Path) -> Result<[u8; KEY_LEN]> {
    let path = data.join(FILE);
    match fs::read(&path) {
        Ok(bytes) => {
            return bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("{} is not a {KEY_LEN}-byte key", path.display()));
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    let key: [u8; KEY_LEN] = rand::rng().random();
    // Written whole under a name of its own, then linked into place: a
    // process reading the key never sees it half-written, and of two
    // made at once exactly one wins.
    let temp = data.join(format!(
        ".{FILE}.{}.{:016x}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut file| file.write_all(&key).and_then(|()| file.sync_all()));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        if !data.exists() {
            bail!("data directory {} does not exist", data.display());
        }
        return Err(e).with_context(|| format!("creating {}", path.display()));
    }
    let linked = fs::hard_link(&temp, &path);
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(key),
        // Another process made it meanwhile: use theirs.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => load_or_create(data),
        Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
    }
}

/// The keyed hash standing in for a client address (an IPv6 address by
/// its /64, see `visitor_ip`).
pub fn hash(key: &[u8; KEY_LEN], ip: Option<IpAddr>) -> String {
    let Some(ip) = ip else {
        return "unknown".to_string();
    };
    // Any key length is valid for HMAC.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(crate::visitor_ip::identity(ip).to_string().as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_address_same_hash_and_no_address_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let key = load_or_create(dir.path()).unwrap();
        assert_eq!(load_or_create(dir.path()).unwrap(), key, "created once");
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.8".parse().unwrap();
        assert_eq!(hash(&key, Some(a)), hash(&key, Some(a)));
        assert_ne!(hash(&key, Some(a)), hash(&key, Some(b)));
        assert_eq!(hash(&key, Some(a)).len(), 32);
        // Hex only: no address, in any notation, can be read from it.
        // (Regression: this checked for "203", which a random key's hash
        // contains about once in 140 runs.)
        assert!(hash(&key, Some(a)).bytes().all(|b| b.is_ascii_hexdigit()));
        let other: [u8; 32] = [7; 32];
        assert_ne!(hash(&key, Some(a)), hash(&other, Some(a)), "keyed");
    }
}
