//! The words of a notification, shared by the chat, push and email
//! channels: who wrote, how to reach them, the message; cut to a
//! channel's limit with a marker, never refused for length; and the time
//! in RFC 3339.

use super::Notification;

/// What ends a text that had to be cut.
const CUT: &str = "\n… (cut here; the whole message: `sshfolio messages`)";

/// "New message from NAME (CONTACT)", or the test's title.
pub fn title(n: &Notification) -> String {
    if n.kind == "test" {
        return "Test notification from sshfolio".to_string();
    }
    match n.contact.is_empty() {
        true => format!("New message from {}", n.name),
        false => format!("New message from {} ({})", n.name, n.contact),
    }
}

/// The title, the message, and the key the visitor proved, if any.
pub fn summary(n: &Notification) -> String {
    let mut out = format!("{}\n\n{}", title(n), n.message);
    if let Some(key) = &n.key_fingerprint {
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

/// Unix seconds as `2026-11-29T09:08:59Z`.
pub fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Days to a civil date (proleptic Gregorian), after Howard Hinnant.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_383_739), "2026-12-04T11:28:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

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
