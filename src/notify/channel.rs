//! Channels from `--notify URL`: the URL's scheme names the kind —
//! `https://` a generic webhook, `discord+https://`, `slack+https://`,
//! `ntfy+https://HOST/TOPIC`, `smtp://` and `smtps://` — and plain
//! `http://` is taken for a receiver on loopback or a private network.
//! Everything is checked at start, so a typo is one clear line before the
//! port opens, not a message lost later. A URL holds secrets (a Discord
//! token, an SMTP password): a channel is shown only as its scheme and
//! host, and the outbox knows it by a hash of its URL.

use std::net::IpAddr;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use url::Url;

use crate::inbox::ChannelRef;

/// One place notifications go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// What logs and the owner see: scheme and host, never a secret.
    pub label: String,
    /// The outbox's name for it: a hash of the whole URL.
    pub key: String,
    pub target: Target,
}

/// Where and how a channel delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Webhook(Url),
    Discord(Url),
    Slack(Url),
    Ntfy(NtfyTopic),
    Email(EmailTarget),
}

impl Target {
    /// The channel's kind, as metrics label it.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Webhook(_) => "webhook",
            Target::Discord(_) => "discord",
            Target::Slack(_) => "slack",
            Target::Ntfy(_) => "ntfy",
            Target::Email(_) => "email",
        }
    }
}

/// An ntfy topic URL, with the credentials its userinfo gave, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtfyTopic {
    pub url: Url,
    pub auth: Option<(String, String)>,
}

/// An SMTP server and the addresses of the mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTarget {
    pub host: String,
    pub port: u16,
    /// `smtps://`: TLS from the first byte.
    pub implicit_tls: bool,
    /// On loopback STARTTLS is not required (anywhere else it is).
    pub loopback: bool,
    pub credentials: Option<(String, String)>,
    pub to: String,
    pub from: String,
}

/// Why a `--notify` URL was refused: one line naming the flag and, when
/// the URL could be read, the channel (scheme and host: never a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--notify{}: {why}", label.as_deref().map(|l| format!(" {l}")).unwrap_or_default())]
pub struct BadChannel {
    label: Option<String>,
    why: String,
}

impl BadChannel {
    fn new(why: impl Into<String>) -> BadChannel {
        BadChannel {
            label: None,
            why: why.into(),
        }
    }

    fn of(mut self, label: &str) -> BadChannel {
        self.label = Some(label.to_string());
        self
    }
}

/// The configured channels.
#[derive(Debug, Clone, Default)]
pub struct Channels(pub Vec<Arc<Channel>>);

impl Channels {
    /// Parses every `--notify` value (each may hold several URLs separated
    /// by whitespace, as `SSHFOLIO_NOTIFY` does); `default_to` is the
    /// address email goes to when its URL names none. The error is one
    /// line naming the flag and the channel.
    pub fn parse(values: &[String], default_to: &str) -> Result<Channels, BadChannel> {
        let mut channels: Vec<Arc<Channel>> = Vec::new();
        for raw in values.iter().flat_map(|v| v.split_whitespace()) {
            let channel = parse(raw, default_to)?;
            if channels.iter().any(|c| c.key == channel.key) {
                return Err(BadChannel::new("given twice").of(&channel.label));
            }
            channels.push(Arc::new(channel));
        }
        Ok(Channels(channels))
    }

    /// The channels as the outbox records them.
    pub fn refs(&self) -> Vec<ChannelRef> {
        self.0
            .iter()
            .map(|c| ChannelRef {
                key: c.key.clone(),
                label: c.label.clone(),
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn parse(raw: &str, default_to: &str) -> Result<Channel, BadChannel> {
    let url = Url::parse(raw).map_err(|e| BadChannel::new(format!("not a URL ({e})")))?;
    let label = label(&url);
    let fail = |e: BadChannel| e.of(&label);
    if url.host_str().is_none_or(str::is_empty) {
        return Err(fail(BadChannel::new("the URL has no host")));
    }
    let (kind, transport) = match url.scheme().split_once('+') {
        Some(pair) => pair,
        None if matches!(url.scheme(), "http" | "https") => ("webhook", url.scheme()),
        None => ("unknown", url.scheme()),
    };
    let target = match (kind, url.scheme()) {
        (_, "smtp" | "smtps") => Target::Email(email(&url, default_to).map_err(fail)?),
        ("webhook" | "discord" | "slack" | "ntfy", _) => {
            let web = web_url(&url, transport).map_err(fail)?;
            match kind {
                "discord" => Target::Discord(web),
                "slack" => Target::Slack(web),
                "ntfy" => Target::Ntfy(ntfy(web).map_err(fail)?),
                _ => Target::Webhook(web),
            }
        }
        _ => {
            return Err(fail(BadChannel::new(
                "unknown kind of channel (https, discord+https, slack+https, ntfy+https, smtp, smtps)",
            )));
        }
    };
    Ok(Channel {
        label,
        key: key(raw),
        target,
    })
}

/// Scheme, host and any explicit port: nothing that can be a secret.
fn label(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

fn key(raw: &str) -> String {
    hex::encode(&Sha256::digest(raw.as_bytes())[..8])
}

/// The http(s) URL a web channel posts to.
fn web_url(url: &Url, transport: &str) -> Result<Url, BadChannel> {
    if !matches!(transport, "https" | "http") {
        return Err(BadChannel::new(
            "the transport must be https (or http on a private network)",
        ));
    }
    let text = url.as_str();
    let rest = &text[url.scheme().len()..];
    let web =
        Url::parse(&format!("{transport}{rest}")).map_err(|e| BadChannel::new(e.to_string()))?;
    if transport == "http" && !is_private(&web) {
        return Err(BadChannel::new(
            "plain http is only for a receiver on loopback or a private network; use https",
        ));
    }
    Ok(web)
}

/// A host that is only reachable on this machine or a private network.
fn is_private(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.is_unique_local() || ip.is_unicast_link_local()
        }
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            name == "localhost"
                || !name.contains('.')
                || [".localhost", ".local", ".lan", ".internal", ".home.arpa"]
                    .iter()
                    .any(|suffix| name.ends_with(suffix))
        }
        None => false,
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn ntfy(mut url: Url) -> Result<NtfyTopic, BadChannel> {
    if url
        .path_segments()
        .is_none_or(|mut s| s.next().is_none_or(str::is_empty))
    {
        return Err(BadChannel::new(
            "an ntfy URL names its topic: ntfy+https://HOST/TOPIC",
        ));
    }
    let auth = userinfo(&url);
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(NtfyTopic { url, auth })
}

/// The URL's user and password, percent-decoded.
fn userinfo(url: &Url) -> Option<(String, String)> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((decode(url.username()), decode(url.password().unwrap_or(""))))
}

fn email(url: &Url, default_to: &str) -> Result<EmailTarget, BadChannel> {
    let implicit_tls = url.scheme() == "smtps";
    let host = url.host_str().unwrap_or("").to_string();
    let mut to = None;
    let mut from = None;
    for (name, value) in url.query_pairs() {
        match name.as_ref() {
            "to" => to = Some(value.into_owned()),
            "from" => from = Some(value.into_owned()),
            other => {
                return Err(BadChannel::new(format!(
                    "unknown parameter `{other}` (to, from)"
                )));
            }
        }
    }
    let credentials = userinfo(url);
    let to = match to {
        Some(to) => to,
        None if !default_to.is_empty() => default_to.to_string(),
        None => {
            return Err(BadChannel::new(
                "no recipient: add ?to=ADDRESS (the content has no email)",
            ));
        }
    };
    let from = from
        .or_else(|| {
            credentials
                .as_ref()
                .map(|(user, _)| user.clone())
                .filter(|user| is_address(user))
        })
        .unwrap_or_else(|| to.clone());
    for (what, address) in [("to", &to), ("from", &from)] {
        if !is_address(address) {
            return Err(BadChannel::new(format!("`{what}` is not an email address")));
        }
    }
    Ok(EmailTarget {
        loopback: is_loopback(&host),
        port: url.port().unwrap_or(if implicit_tls { 465 } else { 587 }),
        host,
        implicit_tls,
        credentials,
        to,
        from,
    })
}

/// A plain email address (what lettre will accept as a mailbox).
pub fn is_address(text: &str) -> bool {
    text.parse::<lettre::Address>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(url: &str) -> Result<Channel, BadChannel> {
        Channels::parse(&[url.to_string()], "owner@example.com").map(|c| (*c.0[0]).clone())
    }

    #[test]
    fn each_scheme_is_its_kind_and_labels_hide_secrets() {
        let discord = one("discord+https://discord.com/api/webhooks/123/s3cret-token").unwrap();
        assert_eq!(discord.label, "discord+https://discord.com");
        assert!(
            matches!(&discord.target, Target::Discord(u) if u.as_str() == "https://discord.com/api/webhooks/123/s3cret-token")
        );
        let smtp = one("smtps://me%40x.org:pa%3Ass@mail.example.org?to=a@b.org").unwrap();
        assert_eq!(smtp.label, "smtps://mail.example.org");
        let Target::Email(e) = &smtp.target else {
            panic!()
        };
        assert_eq!((e.port, e.implicit_tls, e.loopback), (465, true, false));
        assert_eq!(e.credentials, Some(("me@x.org".into(), "pa:ss".into())));
        assert_eq!((e.to.as_str(), e.from.as_str()), ("a@b.org", "me@x.org"));
        let local = one("smtp://127.0.0.1:2525").unwrap();
        let Target::Email(e) = &local.target else {
            panic!()
        };
        assert_eq!(
            (e.port, e.loopback, e.to.as_str()),
            (2525, true, "owner@example.com")
        );
        let ntfy = one("ntfy+https://:tk_abc@ntfy.sh/my-topic").unwrap();
        let Target::Ntfy(t) = &ntfy.target else {
            panic!()
        };
        assert_eq!(t.url.as_str(), "https://ntfy.sh/my-topic");
        assert_eq!(t.auth, Some((String::new(), "tk_abc".into())));
        assert!(matches!(
            one("https://hooks.example.com/x").unwrap().target,
            Target::Webhook(_)
        ));
        assert!(matches!(
            one("slack+http://10.0.0.5:8080/x").unwrap().target,
            Target::Slack(_)
        ));
        assert!(matches!(
            one("http://receiver.lan/x").unwrap().target,
            Target::Webhook(_)
        ));
    }

    #[test]
    fn mistakes_are_refused_in_one_line_without_the_secret() {
        for (url, want) in [
            ("not a url", "--notify: not a URL"),
            ("ftp://example.com/x", "unknown kind of channel"),
            ("teams+https://example.com/x", "unknown kind of channel"),
            ("http://hooks.example.com/s3cret", "plain http is only for"),
            ("ntfy+https://ntfy.sh", "names its topic"),
            (
                "smtp://user:s3cret@mail.example.com?to=nobody",
                "not an email address",
            ),
            (
                "smtp://user:s3cret@mail.example.com?cc=x@y.z",
                "unknown parameter",
            ),
        ] {
            let err = one(url).unwrap_err().to_string();
            assert!(err.contains(want), "{url}: {err}");
            assert!(!err.contains("s3cret") && !err.contains('\n'), "{err}");
        }
        let err = Channels::parse(&["smtp://mail.example.com".into()], "")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no recipient"), "{err}");
        let twice = Channels::parse(&["https://a.example/x https://a.example/x".into()], "")
            .unwrap_err()
            .to_string();
        assert!(twice.contains("given twice"), "{twice}");
    }

    #[test]
    fn keys_are_stable_and_differ_by_url() {
        let a = one("https://a.example/x").unwrap();
        assert_eq!(a.key, one("https://a.example/x").unwrap().key);
        assert_ne!(a.key, one("https://a.example/y").unwrap().key);
        assert_eq!(a.key.len(), 16);
    }
}
