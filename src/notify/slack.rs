//! Slack: an incoming-webhook message whose `&`, `<` and `>` are escaped,
//! so a visitor cannot write `<!channel>` or a disguised link.

use url::Url;

use super::retry::Outcome;
use super::{Notification, text, webhook};

/// Slack truncates past this; better to cut with a marker.
const MAX_CHARS: usize = 39_000;

pub async fn send(http: &reqwest::Client, url: &Url, n: &Notification) -> Outcome {
    webhook::post(webhook::json(http.post(url.clone()), &payload(n))).await
}

fn payload(n: &Notification) -> serde_json::Value {
    let text = escape(&text::fit_chars(&text::summary(n), MAX_CHARS));
    serde_json::json!({ "text": text })
}

/// Slack's three control characters, as its formatting rules ask.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        let mut n = Notification::test(0);
        n.message.body = "<!channel> & <https://evil|bank>".into();
        let text = payload(&n)["text"].as_str().unwrap().to_string();
        assert!(
            text.contains("&lt;!channel&gt; &amp; &lt;https://evil|bank&gt;"),
            "{text}"
        );
        assert!(!text.contains('<'));
    }
}
