//! Discord: a webhook message of at most 2,000 characters, with no
//! mentions allowed, so a visitor writing `@everyone` pings nobody.

use url::Url;

use super::retry::Outcome;
use super::{Notification, text, webhook};

/// Discord refuses longer messages.
const MAX_CHARS: usize = 2000;

pub async fn send(http: &reqwest::Client, url: &Url, n: &Notification) -> Outcome {
    webhook::post(webhook::json(http.post(url.clone()), &payload(n))).await
}

fn payload(n: &Notification) -> serde_json::Value {
    serde_json::json!({
        "content": text::fit_chars(&text::summary(n), MAX_CHARS),
        "allowed_mentions": { "parse": [] },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_off_and_long_messages_fit() {
        let mut n = Notification::test(0);
        n.message.body = format!("@everyone {}", "x".repeat(2000));
        let p = payload(&n);
        assert_eq!(p["allowed_mentions"]["parse"], serde_json::json!([]));
        assert_eq!(p["content"].as_str().unwrap().chars().count(), MAX_CHARS);
    }
}
