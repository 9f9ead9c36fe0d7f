//! ntfy: the message as a plain-text body (ntfy keeps 4,096 bytes), the
//! title in a header (RFC 2047 encoded when it is not ASCII), and the
//! topic's credentials as basic auth when the URL had some.

use base64::Engine as _;

use super::channel::NtfyTopic;
use super::retry::Outcome;
use super::{Notification, text, webhook};
use crate::sanitize;

/// Bytes ntfy shows as a message (more becomes an attachment).
const MAX_BYTES: usize = 4096;

pub async fn send(http: &reqwest::Client, topic: &NtfyTopic, n: &Notification) -> Outcome {
    let mut body = n.message.body.clone();
    if let Some(key) = &n.message.key_fingerprint {
        body.push_str(&format!("\n\nkey {key}"));
    }
    let mut request = http
        .post(topic.url.clone())
        .header("title", header_text(&text::title(n)))
        .header("tags", "envelope")
        .body(text::fit_bytes(&body, MAX_BYTES));
    if let Some((user, password)) = &topic.auth {
        request = request.basic_auth(user, Some(password));
    }
    webhook::post(request).await
}

/// A header value from visitor text: one line, ASCII as it is, anything
/// else as an RFC 2047 encoded word (which ntfy decodes).
fn header_text(text: &str) -> String {
    let line = sanitize::clean(text, sanitize::ONE_LINE);
    if line.is_ascii() {
        return line;
    }
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(line)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_header_line() {
        assert_eq!(header_text("New message from Ada"), "New message from Ada");
        assert_eq!(header_text("a\r\nX-Evil: 1"), "a X-Evil: 1");
        let encoded = header_text("From José");
        assert!(encoded.starts_with("=?UTF-8?B?") && encoded.is_ascii());
    }
}
