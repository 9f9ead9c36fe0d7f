//! The generic webhook: a JSON POST with the Standard Webhooks headers —
//! `webhook-id` (the same on every retry of one delivery),
//! `webhook-timestamp`, and with a secret `webhook-signature`:
//! `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use url::Url;

use super::Notification;
use super::retry::{self, Outcome};
use crate::clock;

pub async fn send(
    http: &reqwest::Client,
    url: &Url,
    secret: Option<&[u8]>,
    n: &Notification,
) -> Outcome {
    let body = serde_json::json!({
        "type": n.kind,
        "id": n.message.id,
        "received_at": clock::rfc3339(n.message.received_at),
        "name": n.message.name,
        "contact": n.message.contact,
        "message": n.message.body,
        "key_fingerprint": n.message.key_fingerprint,
    })
    .to_string();
    let timestamp = clock::now().max(0) as u64;
    let mut request = http
        .post(url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", &n.id)
        .header("webhook-timestamp", timestamp.to_string());
    if let Some(key) = secret {
        request = request.header("webhook-signature", signature(key, &n.id, timestamp, &body));
    }
    post(request.body(body)).await
}

/// `v1,BASE64(HMAC-SHA256(key, "id.timestamp.body"))`.
pub fn signature(key: &[u8], id: &str, timestamp: u64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let digest = mac.finalize().into_bytes();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// A POST of `value` as JSON.
pub fn json(
    request: reqwest::RequestBuilder,
    value: &serde_json::Value,
) -> reqwest::RequestBuilder {
    request
        .header("content-type", "application/json")
        .body(value.to_string())
}

/// Sends a request and says what its answer means. The errors never
/// carry the URL (it may hold a secret).
pub async fn post(request: reqwest::RequestBuilder) -> Outcome {
    match request.send().await {
        Ok(response) => {
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            retry::from_status(response.status(), retry_after.as_deref())
        }
        Err(e) => Outcome::retry(describe(&e)),
    }
}

/// A network error in a few words, without the URL.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    if e.is_connect() {
        return "could not connect".into();
    }
    let mut text = e.to_string();
    // reqwest names the URL; keep only what comes before it.
    if let Some(at) = text.find(" for url") {
        text.truncate(at);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signs_as_standard_webhooks_does() {
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
