//! The words of a notification, shared by the chat, push and email
//! channels: who wrote, how to reach them, the message; cut to a
//! channel's limit with a marker, never refused for length; and the time.

use super::Notification;

/// What ends a text that had to be cut.
const CUT: &str = "\n… (cut here; the whole message: `sshfolio messages`)";

/// "New message from NAME (CONTACT)", or the test's title.
pub fn title(n: &Notification) -> String {
    if n.kind == "test" {
        return "Test notification from sshfolio".to_string();
    }
    match n.message.contact.is_empty() {
        true => format!("New message from {}", n.message.name),
        false => format!(
            "New message from {} ({})",
            n.message.name, n.message.contact
        ),
    }
}

/// The title, the message, and the key the visitor proved, if any.
pub fn summary(n: &Notification) -> String {
    let mut out = format!("{}\n\n{}", title(n), n.message.body);
    if let Some(key) = &n.message.key_fingerprint {
        out.push_str(&format!("\n\nkey {key}"));
    }
    out
}

/// `text` in at most `max` characters, ending in a marker when cut.
pub fn fit_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(CUT.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(CUT);
    out
}

/// `text` in at most `max` bytes of UTF-8, ending in a marker when cut.
pub fn fit_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub(CUT.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{CUT}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_with_a_marker() {
        let long = "é".repeat(3000);
        let cut = fit_chars(&long, 2000);
        assert_eq!(cut.chars().count(), 2000);
        assert!(cut.ends_with("`sshfolio messages`)"));
        let cut = fit_bytes(&long, 4000);
        assert!(cut.len() <= 4000 && cut.ends_with(')'));
        assert_eq!(fit_chars("short", 2000), "short");
    }
}
