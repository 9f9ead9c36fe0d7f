//! Terminal input decoding: this module owns turning the raw bytes a visitor's
//! terminal sends over SSH (keystrokes, mouse reports, bracketed paste, focus
//! reports) into [`InputEvent`]s. The bytes are untrusted, so [`InputParser`] is a
//! small explicit state machine fed one byte at a time: it never panics, keeps at
//! most [`MAX_PASTE_BYTES`] plus a few fixed buffers, does constant work per byte,
//! gives the same events however the bytes are split into packets, drops unknown
//! sequences silently and returns to its ground state on [`InputParser::flush_timeout`].
//!
//! Choices: 0x00 and 0x1c–0x1f are Ctrl+` `, `\`, `]`, `^`, `_` (caret notation);
//! a legacy (X10) mouse release does not say which button, so it is `Up(Left)`;
//! strings a terminal sends back (OSC, DCS, ...) are skipped without storing
//! anything; a partial end marker at a paste timeout is dropped.

mod decode;
mod parser;

use std::time::Duration;

pub use parser::InputParser;

/// How long a lone ESC waits before it counts as the Esc key.
pub const ESC_TIMEOUT: Duration = Duration::from_millis(50);
/// How long a bracketed paste may wait for its end marker.
pub const PASTE_TIMEOUT: Duration = Duration::from_secs(2);
/// Paste content kept; the rest is discarded while waiting for the end marker.
pub const MAX_PASTE_BYTES: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Esc,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    F(u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Modifiers {
    pub shift: bool,
    pub alt: bool,
    pub ctrl: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    pub key: Key,
    pub mods: Modifiers,
}

impl Modifiers {
    const fn new(shift: bool, alt: bool, ctrl: bool) -> Self {
        Self { shift, alt, ctrl }
    }
}

impl KeyEvent {
    /// A key without modifiers.
    pub fn plain(key: Key) -> Self {
        Self {
            key,
            mods: Modifiers::default(),
        }
    }

    /// A Ctrl chord on a letter, as the parser reports `Ctrl-<c>`.
    #[cfg(test)]
    pub fn ctrl(c: char) -> Self {
        Self {
            key: Key::Char(c),
            mods: Modifiers::new(false, false, true),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseButton {
    Left,
    Middle,
    Right,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseKind {
    Down(MouseButton),
    Up(MouseButton),
    Drag(MouseButton),
    Moved,
    ScrollUp,
    ScrollDown,
    ScrollLeft,
    ScrollRight,
}

/// A mouse report; `column` and `row` are 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MouseEvent {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
    pub mods: Modifiers,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputEvent {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    FocusGained,
    FocusLost,
}

#[cfg(test)]
mod tests;
