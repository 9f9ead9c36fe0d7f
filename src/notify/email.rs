//! Email over SMTP (lettre, on tokio and rustls): STARTTLS required
//! unless the server is on loopback, or TLS from the start for `smtps://`.
//! Every header is built by lettre from one-line text, so a visitor's
//! name or contact holding CR/LF cannot add a header; `Reply-To` is the
//! visitor's contact only when it is an email address.

use anyhow::Context as _;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::channel::{EmailTarget, is_address};
use super::retry::Outcome;
use super::{ATTEMPT_TIMEOUT, Notification, text};
use crate::{clock, sanitize};

pub async fn send(target: &EmailTarget, n: &Notification) -> Outcome {
    let mail = match message(target, n) {
        Ok(mail) => mail,
        Err(e) => {
            return Outcome::Failed {
                error: format!("{e:#}"),
            };
        }
    };
    let transport = match transport(target) {
        Ok(transport) => transport,
        Err(e) => {
            return Outcome::Failed {
                error: format!("{e:#}"),
            };
        }
    };
    match transport.send(mail).await {
        Ok(_) => Outcome::Delivered,
        // 5xx replies: the server will not take it, now or later.
        Err(e) if e.is_permanent() => Outcome::Failed {
            error: format!("SMTP: {e}"),
        },
        Err(e) => Outcome::retry(format!("SMTP: {e}")),
    }
}

/// The mail: plain text, from the owner's address to the owner.
fn message(target: &EmailTarget, n: &Notification) -> anyhow::Result<Message> {
    let mailbox = |address: &str| -> anyhow::Result<Mailbox> {
        address.parse::<Mailbox>().context("bad address")
    };
    let contact = sanitize::clean(&n.message.contact, sanitize::ONE_LINE);
    let mut builder = Message::builder()
        .from(mailbox(&target.from)?)
        .to(mailbox(&target.to)?)
        .subject(sanitize::clean(&text::title(n), sanitize::ONE_LINE))
        .header(ContentType::TEXT_PLAIN);
    if is_address(contact.trim()) {
        builder = builder.reply_to(mailbox(contact.trim())?);
    }
    let mut body = format!(
        "{}\n\n{}\n\n— received {}",
        text::title(n),
        n.message.body,
        clock::rfc3339(n.message.received_at)
    );
    if let Some(key) = &n.message.key_fingerprint {
        body.push_str(&format!(", key {key}"));
    }
    builder.body(body).context("building the mail")
}

fn transport(target: &EmailTarget) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let tls = TlsParameters::new(target.host.clone()).context("TLS")?;
    let tls = if target.implicit_tls {
        Tls::Wrapper(tls)
    } else if target.loopback {
        Tls::Opportunistic(tls)
    } else {
        Tls::Required(tls)
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(target.host.clone())
        .port(target.port)
        .tls(tls)
        .timeout(Some(ATTEMPT_TIMEOUT));
    if let Some((user, password)) = &target.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> EmailTarget {
        EmailTarget {
            host: "127.0.0.1".into(),
            port: 25,
            implicit_tls: false,
            loopback: true,
            credentials: None,
            to: "owner@example.com".into(),
            from: "owner@example.com".into(),
        }
    }

    fn formatted(n: &Notification) -> String {
        String::from_utf8(message(&target(), n).unwrap().formatted()).unwrap()
    }

    #[test]
    fn visitor_text_cannot_add_headers() {
        let mut n = Notification::test(0);
        n.kind = "message.received";
        n.message.name = "Eve\r\nBcc: victim@example.net".into();
        n.message.contact = "a@b.c\r\nBcc: x@y.z".into();
        let mail = formatted(&n);
        let headers = &mail[..mail.find("\r\n\r\n").unwrap()];
        let header_names: Vec<String> = headers
            .lines()
            .filter_map(|l| l.split_once(':').map(|(name, _)| name.to_ascii_lowercase()))
            .collect();
        assert!(!header_names.iter().any(|h| h == "bcc"), "{headers}");
        assert_eq!(
            headers.lines().count(),
            header_names.len(),
            "one line each: {headers}"
        );
        assert!(!headers.contains("Reply-To"), "not an address: {headers}");
    }

    #[test]
    fn reply_to_is_the_visitor_when_they_gave_an_address() {
        let mut n = Notification::test(0);
        n.kind = "message.received";
        n.message.name = "Ada".into();
        n.message.contact = "ada@example.org".into();
        let mail = formatted(&n);
        assert!(mail.contains("Reply-To: ada@example.org"), "{mail}");
        assert!(
            mail.contains("Subject: New message from Ada (ada@example.org)"),
            "{mail}"
        );
    }
}
