//! The server's identity: `keys/ssh_host_ed25519_key` in OpenSSH format,
//! mode 0600, generated on first start and never overwritten, so returning
//! visitors never see a changed-host-key warning.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, Result, bail};
use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, HashAlg, PrivateKey};

pub const FILE_NAME: &str = "ssh_host_ed25519_key";

/// The key in `dir`, created (with its `.pub`) if there is none yet.
pub fn load_or_create(dir: &Path) -> Result<PrivateKey> {
    let path = dir.join(FILE_NAME);
    match fs::read_to_string(&path) {
        Ok(text) => return parse(&path, &text),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
        .context("generating an ed25519 host key")?;
    let pem = key
        .to_openssh(LineEnding::LF)
        .context("encoding the host key")?;
    // create_new: if another process created the key meanwhile, use theirs
    // rather than overwrite it.
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path);
    let mut file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let text =
                fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            return parse(&path, &text);
        }
        Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
    };
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    let public = key
        .public_key()
        .to_openssh()
        .context("encoding the public host key")?;
    let pub_path = dir.join(format!("{FILE_NAME}.pub"));
    fs::write(&pub_path, format!("{public}\n"))
        .with_context(|| format!("writing {}", pub_path.display()))?;
    tracing::info!(path = %path.display(), "generated a new host key");
    Ok(key)
}

fn parse(path: &Path, text: &str) -> Result<PrivateKey> {
    let key = PrivateKey::from_openssh(text)
        .with_context(|| format!("{} is not an OpenSSH private key", path.display()))?;
    if key.is_encrypted() {
        bail!(
            "{} is encrypted; the server needs it without a passphrase",
            path.display()
        );
    }
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            "host key is readable by other users; run: chmod 600 {}",
            path.display()
        );
    }
    Ok(key)
}

/// `SHA256:...`, as OpenSSH shows it.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_then_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let first = load_or_create(&keys).unwrap();
        let path = keys.join(FILE_NAME);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(
            fs::read_to_string(&path)
                .unwrap()
                .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----")
        );
        let public = fs::read_to_string(keys.join(format!("{FILE_NAME}.pub"))).unwrap();
        assert!(public.starts_with("ssh-ed25519 "));
        let second = load_or_create(&keys).unwrap();
        assert_eq!(fingerprint(&first), fingerprint(&second));
        assert!(fingerprint(&first).starts_with("SHA256:"));
    }

    #[test]
    fn refuses_a_corrupt_key_and_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        fs::write(&path, "not a key").unwrap();
        let err = load_or_create(dir.path()).unwrap_err();
        assert!(
            format!("{err:#}").contains("is not an OpenSSH private key"),
            "{err:#}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "not a key");
    }
}
