//! The terminal modes a session switches on and must always switch off:
//! the alternate screen, the hidden cursor, bracketed paste, mouse
//! reporting and colours.

/// Sent once when the UI starts: alternate screen, clear, cursor hidden,
/// bracketed paste on.
pub const ENTER: &[u8] = b"\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l\x1b[?2004h";

/// Turns SGR mouse reporting on (clicks and wheel; 1000 + 1006).
pub const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1006h";

/// Turns every mouse mode off, whichever was on.
pub const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1003l\x1b[?1002l\x1b[?1000l";

/// Sent on every way out: colours reset, mouse and bracketed paste off,
/// cursor shown, alternate screen left. Safe to send twice.
pub const RESTORE: &[u8] =
    b"\x1b[0m\x1b[?1006l\x1b[?1003l\x1b[?1002l\x1b[?1000l\x1b[?2004l\x1b[?25h\x1b[?1049l";

/// Puts `text` on the clipboard of the terminal the bytes reach (OSC 52).
pub fn copy_to_clipboard(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x1b\\").into_bytes()
}
