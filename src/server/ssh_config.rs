//! The SSH protocol settings every connection shares: the server's
//! version string, the host key, keepalives, and the crypto policy (only
//! modern algorithms, strict key exchange).

/// The protocol settings every connection shares.
pub fn config(host_key: russh::keys::PrivateKey) -> russh::server::Config {
    russh::server::Config {
        server_id: russh::SshId::Standard(
            concat!("SSH-2.0-sshfolio_", env!("CARGO_PKG_VERSION")).into(),
        ),
        keys: vec![host_key],
        // Nobody is ever rejected, so there is no timing to hide.
        auth_rejection_time: std::time::Duration::ZERO,
        auth_rejection_time_initial: Some(std::time::Duration::ZERO),
        // Idle visitors are the session's business; dead peers are found
        // by keepalives instead.
        inactivity_timeout: None,
        keepalive_interval: Some(std::time::Duration::from_secs(60)),
        keepalive_max: 3,
        nodelay: true,
        // Input a session has not read yet waits in a queue of this many
        // packets of at most this size; past it, russh stops reading the
        // socket. A visitor types far less; a flood while the session is
        // busy writing holds at most 32 KB here rather than megabytes.
        channel_buffer_size: INPUT_PACKETS_QUEUED,
        maximum_packet_size: MAX_INPUT_PACKET,
        // Likewise for output: frames are written one at a time, so a
        // client that stops reading holds at most two queued here before
        // the session's write limit ends it.
        event_buffer_size: 2,
        preferred: crypto_policy(),
        ..Default::default()
    }
}

/// Packets of input queued for a session that is not reading (see
/// `config`).
pub const INPUT_PACKETS_QUEUED: usize = 2;

/// The largest channel packet a client may send (see `config`).
pub const MAX_INPUT_PACKET: u32 = 16 * 1024;

/// Only modern algorithms: post-quantum hybrid and curve25519 key
/// exchange, the ed25519 host key, AEAD ciphers, encrypt-then-MAC MACs;
/// strict key exchange (the Terrapin countermeasure) and ext-info are
/// advertised; no compression. The key list is also what `server-sig-algs`
/// tells clients their keys may sign with: besides ed25519, RSA with
/// SHA-2 and ECDSA, so an owner's RSA or ECDSA key works from OpenSSH (the
/// host key offered stays the ed25519 one: only algorithms the server has
/// a key for are offered for it).
fn crypto_policy() -> russh::Preferred {
    use std::borrow::Cow;

    use russh::keys::{Algorithm, EcdsaCurve, HashAlg};
    use russh::{cipher, compression, kex, mac};
    russh::Preferred {
        kex: Cow::Borrowed(&[
            kex::MLKEM768X25519_SHA256,
            kex::CURVE25519,
            kex::CURVE25519_PRE_RFC_8731,
            kex::EXTENSION_SUPPORT_AS_SERVER,
            kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
        ]),
        key: Cow::Borrowed(&[
            Algorithm::Ed25519,
            Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP256,
            },
            Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP384,
            },
            Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP521,
            },
            Algorithm::Rsa {
                hash: Some(HashAlg::Sha512),
            },
            Algorithm::Rsa {
                hash: Some(HashAlg::Sha256),
            },
        ]),
        cipher: Cow::Borrowed(&[
            cipher::CHACHA20_POLY1305,
            cipher::AES_256_GCM,
            cipher::AES_128_GCM,
        ]),
        mac: Cow::Borrowed(&[mac::HMAC_SHA512_ETM, mac::HMAC_SHA256_ETM]),
        compression: Cow::Borrowed(&[compression::NONE]),
        ..russh::Preferred::DEFAULT
    }
}
