//! Untrusted text made safe to store and to show: whole escape sequences
//! (CSI, OSC, DCS and the rest, 7-bit and 8-bit) removed, other control
//! characters and bidirectional overrides dropped, line ends normalised.
//! Everything else — any valid Unicode text — is kept as it was.

/// Which whitespace controls survive (else they become a space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spacing {
    pub newlines: bool,
    pub tabs: bool,
}

/// What is stored from a visitor: newlines and tabs kept.
pub const STORED: Spacing = Spacing {
    newlines: true,
    tabs: true,
};

/// One line of text: every line break and tab becomes a space.
pub const ONE_LINE: Spacing = Spacing {
    newlines: false,
    tabs: false,
};

pub fn clean(text: &str, keep: Spacing) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    // A character already taken from `chars` that still needs handling.
    let mut again = None;
    while let Some(c) = again.take().or_else(|| chars.next()) {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | 'X' | '^' | '_') => again = skip_string(&mut chars),
                // A two-character escape (or a lone ESC at the end).
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => again = skip_string(&mut chars),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(if keep.newlines { '\n' } else { ' ' });
            }
            // Unicode's own line and paragraph breaks are line breaks here.
            '\n' | '\u{2028}' | '\u{2029}' => out.push(if keep.newlines { '\n' } else { ' ' }),
            '\t' => out.push(if keep.tabs { '\t' } else { ' ' }),
            c if c.is_control() => {}
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c if is_invisible(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Skips a CSI sequence's parameters and final byte. An ESC inside ends
/// it unconsumed (it starts the next sequence), as terminals do.
fn skip_csi(chars: &mut std::iter::Peekable<impl Iterator<Item = char>>) {
    while let Some(&c) = chars.peek() {
        if c == '\x1b' {
            return;
        }
        chars.next();
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
    }
}

/// Skips an OSC/DCS/SOS/PM/APC string up to its terminator (BEL, ST or
/// ESC \\). Returns the ESC it ended at when that ESC starts something
/// else, for the caller to handle.
fn skip_string(chars: &mut std::iter::Peekable<impl Iterator<Item = char>>) -> Option<char> {
    while let Some(c) = chars.next() {
        match c {
            '\x07' | '\u{9c}' => return None,
            '\x1b' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                    return None;
                }
                return Some('\x1b');
            }
            _ => {}
        }
    }
    None
}

/// Whether a character can drive a terminal or disguise the text around
/// it: control characters (C0, DEL, C1), direction marks, overrides and
/// isolates, and the Unicode line and paragraph separators.
pub fn is_terminal_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}'
        )
}

/// Whether a character shows nothing and takes no room, so text made of
/// it looks empty or hides what it is: zero-width spaces and joiners, the
/// word joiner and invisible operators, the byte-order mark, the Arabic
/// letter mark, the Mongolian vowel separator, tag characters, and the
/// Hangul fillers (which look like blanks but are letters).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200d}'
            | '\u{2060}'..='\u{2064}'
            | '\u{feff}'
            | '\u{061c}'
            | '\u{180e}'
            | '\u{e0000}'..='\u{e007f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{ffa0}'
    )
}

/// JSON made safe to print on the owner's terminal: what JSON may carry
/// raw inside strings but a terminal would act on (C1 controls, DEL,
/// direction overrides, line separators, invisible characters) becomes a
/// `\uXXXX` escape — the same text to any JSON reader. (serde_json escapes
/// C0 itself.)
pub fn json_for_terminal(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if (is_terminal_unsafe(c) || is_invisible(c)) && !matches!(c, '\n' | '\t') {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = std::fmt::Write::write_fmt(&mut out, format_args!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_LINE: Spacing = Spacing {
        newlines: false,
        tabs: false,
    };

    #[test]
    fn removes_whole_escape_sequences() {
        let cases = [
            ("a\x1b[2Jb", "ab"),
            ("a\x1b[38;5;196mred\x1b[0m", "ared"),
            ("x\x1b]52;c;aGVsbG8=\x07y", "xy"),
            ("x\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\y", "xlinky"),
            ("x\x1bP1$r0m\x1b\\y", "xy"),
            ("bell\x07", "bell"),
            ("x\u{9b}31my", "xy"),
            ("x\u{9d}0;title\u{9c}y", "xy"),
            ("esc at end\x1b", "esc at end"),
            ("x\x1b[20\x1b[31mred", "xred"),
            ("x\x1b]0;title\x1b[2Jy", "xy"),
            ("unterminated \x1b]0;title", "unterminated "),
            ("\x1b7saved\x1b8", "saved"),
            ("rtl \u{202e}txt", "rtl txt"),
            ("marks \u{200f}\u{2067}x\u{2069}", "marks x"),
            ("para\u{2029}graph", "para\ngraph"),
            ("del\x7f", "del"),
            ("日本語 ✓ émoji 🚀", "日本語 ✓ émoji 🚀"),
            ("zero\u{200b}width\u{200d}\u{feff}", "zerowidth"),
            ("tag\u{e0041}\u{e007f}s", "tags"),
            ("\u{3164}\u{3164}\u{115f}\u{ffa0}", ""),
            ("word\u{2060}join\u{061c}", "wordjoin"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input, STORED), want, "{input:?}");
        }
    }

    #[test]
    fn json_keeps_its_meaning_and_loses_what_a_terminal_acts_on() {
        let value = serde_json::json!({"m": "a\u{9b}31m b\u{202e}c\u{2028}d\u{7f} 日本\nx"});
        let raw = serde_json::to_string_pretty(&value).unwrap();
        let safe = json_for_terminal(&raw);
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n'), "{safe}");
        assert!(!safe.contains('\u{202e}') && !safe.contains('\u{2028}'));
        assert!(safe.contains("\\u009b") && safe.contains("日本"));
        let hidden = serde_json::to_string(&"a\u{200b}\u{e0041}").unwrap();
        assert_eq!(json_for_terminal(&hidden), "\"a\\u200b\\udb40\\udc41\"");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn keeps_or_flattens_whitespace() {
        assert_eq!(clean("a\r\nb\rc\nd\te", STORED), "a\nb\nc\nd\te");
        assert_eq!(clean("a\r\nb\rc\nd\te", ONE_LINE), "a b c d e");
    }
}
