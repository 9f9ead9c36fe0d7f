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

use std::time::Duration;

/// How long a lone ESC waits before it counts as the Esc key.
pub const ESC_TIMEOUT: Duration = Duration::from_millis(50);
/// How long a bracketed paste may wait for its end marker.
pub const PASTE_TIMEOUT: Duration = Duration::from_secs(2);
/// Paste content kept; the rest is discarded while waiting for the end marker.
pub const MAX_PASTE_BYTES: usize = 64 * 1024;

/// Longest CSI parameter string kept; longer ones are consumed and dropped.
const MAX_CSI_BYTES: usize = 32;
const ESC: u8 = 0x1b;
const PASTE_END: &[u8] = b"\x1b[201~";

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

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    /// Inside a multi-byte UTF-8 character; `alt` if it followed an ESC.
    Utf8 { buf: [u8; 4], len: u8, alt: bool },
    /// After ESC: a sequence, an Alt+key, or (on timeout) the Esc key.
    Esc,
    /// After `ESC [`; parameter bytes go to `InputParser::seq`.
    Csi,
    /// After `ESC O` (SS3): one final byte follows.
    Ss3,
    /// After `ESC [ [` (Linux console F1–F5): one final byte follows.
    LinuxF,
    /// After `ESC [ M` (legacy mouse): three raw bytes follow, whatever their values.
    X10 { buf: [u8; 3], len: u8 },
    /// Skipping an OSC/DCS/APC/PM/SOS string until ST or BEL; `esc` = last byte was ESC.
    Str { esc: bool },
    /// Inside a bracketed paste; `matched` = bytes of the end marker seen so far.
    Paste { matched: u8 },
}

/// Stateful decoder of terminal input; see the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputParser {
    state: State,
    seq: [u8; MAX_CSI_BYTES],
    seq_len: usize,
    seq_overflow: bool,
    paste: Vec<u8>,
    /// The last byte was a CR, so a following LF or NUL belongs to the same Enter.
    after_cr: bool,
}

impl InputParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `bytes`, appending complete events to `out`; an incomplete
    /// sequence at the end waits for the next call (or `flush_timeout`).
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<InputEvent>) {
        for &b in bytes {
            match self.state {
                State::Ground => self.ground(b, false, out),
                State::Utf8 { buf, len, alt } => self.utf8(b, buf, len, alt, out),
                State::Esc => self.esc(b, out),
                State::Csi => self.csi(b, out),
                State::Ss3 => self.ss3(b, out),
                State::LinuxF => self.linux_f(b, out),
                State::X10 { buf, len } => self.x10(b, buf, len, out),
                State::Str { esc } => self.string(b, esc, out),
                State::Paste { matched } => self.paste(b, matched, out),
            }
        }
    }

    /// How long the caller should wait for more bytes before calling `flush_timeout`:
    /// Some(ESC_TIMEOUT) while an incomplete escape sequence (including a lone ESC)
    /// is pending, Some(PASTE_TIMEOUT) inside an unterminated bracketed paste, None
    /// otherwise.
    pub fn pending_timeout(&self) -> Option<Duration> {
        match self.state {
            // A split UTF-8 character needs no timer: any next byte resolves it.
            State::Ground | State::Utf8 { .. } => None,
            State::Paste { .. } => Some(PASTE_TIMEOUT),
            _ => Some(ESC_TIMEOUT),
        }
    }

    /// The pause passed with no more bytes: a lone ESC becomes Key::Esc; ESC followed
    /// by an incomplete sequence is dropped; an unterminated paste is emitted as Paste
    /// of what arrived. Returns to the ground state.
    pub fn flush_timeout(&mut self, out: &mut Vec<InputEvent>) {
        match std::mem::take(&mut self.state) {
            State::Esc => push_key(out, Key::Esc, Modifiers::default()),
            State::Paste { .. } => self.emit_paste(out),
            _ => {}
        }
        self.after_cr = false;
    }

    /// A byte outside any sequence; `alt` when it follows an ESC (Alt+key).
    fn ground(&mut self, b: u8, alt: bool, out: &mut Vec<InputEvent>) {
        let after_cr = std::mem::take(&mut self.after_cr);
        let (key, ctrl) = match b {
            ESC => return self.state = State::Esc,
            b'\r' => {
                self.after_cr = true;
                (Key::Enter, false)
            }
            // `\r\n` and telnet's `\r\0` are one Enter.
            b'\n' | 0 if after_cr => return,
            b'\n' => (Key::Enter, false),
            b'\t' => (Key::Tab, false),
            // Windows Terminal and PuTTY can send 0x08 for Backspace.
            0x08 | 0x7f => (Key::Backspace, false),
            // Caret notation: ^@ is Ctrl+Space, ^A..^Z are letters, then ^\ ^] ^^ ^_.
            0x00 => (Key::Char(' '), true),
            0x01..=0x1a => (Key::Char(char::from(b'a' + b - 1)), true),
            0x1c..=0x1f => (Key::Char(char::from(b'\\' + b - 0x1c)), true),
            0x20..=0x7e => (Key::Char(char::from(b)), false),
            0xc2..=0xf4 => {
                let buf = [b, 0, 0, 0];
                return self.state = State::Utf8 { buf, len: 1, alt };
            }
            // Stray continuation bytes and bytes that never start UTF-8.
            _ => return,
        };
        push_key(out, key, Modifiers::new(false, alt, ctrl));
    }

    fn utf8(&mut self, b: u8, mut buf: [u8; 4], len: u8, alt: bool, out: &mut Vec<InputEvent>) {
        self.state = State::Ground;
        if b & 0xc0 != 0x80 {
            // Not a continuation: drop the partial character but keep `b`.
            return self.ground(b, false, out);
        }
        buf[usize::from(len)] = b;
        let len = len + 1;
        let need = match buf[0] {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        if len < need {
            return self.state = State::Utf8 { buf, len, alt };
        }
        // from_utf8 rejects overlong forms, surrogates and values above U+10FFFF.
        if let Ok(s) = std::str::from_utf8(&buf[..usize::from(len)])
            && let Some(c) = s.chars().next()
            && !c.is_control()
        {
            push_key(out, Key::Char(c), Modifiers::new(false, alt, false));
        }
    }

    fn esc(&mut self, b: u8, out: &mut Vec<InputEvent>) {
        self.state = State::Ground;
        match b {
            b'[' => {
                self.state = State::Csi;
                self.seq_len = 0;
                self.seq_overflow = false;
            }
            b'O' => self.state = State::Ss3,
            // OSC, DCS, APC, PM, SOS: replies we never use.
            b']' | b'P' | b'_' | b'^' | b'X' => self.state = State::Str { esc: false },
            // The first ESC was the Esc key; the second may start a sequence.
            ESC => {
                push_key(out, Key::Esc, Modifiers::default());
                self.state = State::Esc;
            }
            _ => self.ground(b, true, out),
        }
    }

    fn csi(&mut self, b: u8, out: &mut Vec<InputEvent>) {
        self.state = State::Ground;
        let seq = &self.seq[..self.seq_len];
        match b {
            b'[' if seq.is_empty() => self.state = State::LinuxF,
            b'M' if seq.is_empty() => {
                self.state = State::X10 {
                    buf: [0; 3],
                    len: 0,
                }
            }
            // rxvt ends Shift+key with `$` (`ESC [2$`). ECMA-48 makes `$` an
            // intermediate (DECRQM replies `ESC [?2004;1$y`), so it is final only
            // straight after a plain number.
            b'$' if !seq.is_empty() && seq.iter().all(u8::is_ascii_digit) => {
                self.csi_dispatch(b, out)
            }
            0x20..=0x3f => {
                self.state = State::Csi;
                if self.seq_len < MAX_CSI_BYTES {
                    self.seq[self.seq_len] = b;
                    self.seq_len += 1;
                } else {
                    self.seq_overflow = true;
                }
            }
            0x40..=0x7e => self.csi_dispatch(b, out),
            // A control (or any non-ASCII) byte aborts the sequence and counts by itself.
            _ => self.ground(b, false, out),
        }
    }

    fn csi_dispatch(&mut self, fin: u8, out: &mut Vec<InputEvent>) {
        let seq = &self.seq[..self.seq_len];
        if self.seq_overflow {
            return;
        }
        if fin == b'~' && seq == b"200" {
            self.state = State::Paste { matched: 0 };
        } else if let Some(ev) = csi_event(seq, fin) {
            out.push(ev);
        }
    }

    fn ss3(&mut self, b: u8, out: &mut Vec<InputEvent>) {
        self.state = State::Ground;
        let key = match b {
            b'M' => Some(Key::Enter),
            // Keypad in application mode: `p`..`y` are digits, `j`..`o` and `X` operators.
            b'p'..=b'y' => Some(Key::Char(char::from(b'0' + b - b'p'))),
            b'j'..=b'o' => Some(Key::Char(char::from(b"*+,-./"[usize::from(b - b'j')]))),
            b'X' => Some(Key::Char('=')),
            // rxvt: Ctrl+arrows.
            b'a'..=b'd' => letter_key(b - 32),
            0x20..=0x7e => letter_key(b),
            _ => return self.ground(b, false, out),
        };
        if let Some(key) = key {
            let ctrl = matches!(b, b'a'..=b'd');
            push_key(out, key, Modifiers::new(false, false, ctrl));
        }
    }

    fn linux_f(&mut self, b: u8, out: &mut Vec<InputEvent>) {
        self.state = State::Ground;
        match b {
            b'A'..=b'E' => push_key(out, Key::F(b - b'A' + 1), Modifiers::default()),
            0x20..=0x7e => {}
            _ => self.ground(b, false, out),
        }
    }

    fn x10(&mut self, b: u8, mut buf: [u8; 3], len: u8, out: &mut Vec<InputEvent>) {
        buf[usize::from(len)] = b;
        if len < 2 {
            return self.state = State::X10 { buf, len: len + 1 };
        }
        self.state = State::Ground;
        // Each byte is 32 + value; the coordinates are 1-based like SGR's.
        let [code, x, y] = buf.map(|v| u32::from(v.saturating_sub(32)));
        if let Some(ev) = mouse_event(code, x, y, false) {
            out.push(InputEvent::Mouse(ev));
        }
    }

    /// Skips string content without storing it, so its length costs nothing.
    fn string(&mut self, b: u8, esc: bool, out: &mut Vec<InputEvent>) {
        self.state = State::Ground;
        match b {
            0x07 => {}
            b'\\' if esc => {}
            ESC => self.state = State::Str { esc: true },
            // ESC + anything but `\`: the string was cut short and a new sequence starts.
            _ if esc => self.esc(b, out),
            _ => self.state = State::Str { esc: false },
        }
    }

    fn paste(&mut self, b: u8, matched: u8, out: &mut Vec<InputEvent>) {
        let m = usize::from(matched);
        if b == PASTE_END[m] {
            if m + 1 == PASTE_END.len() {
                self.state = State::Ground;
                self.emit_paste(out);
            } else {
                self.state = State::Paste {
                    matched: matched + 1,
                };
            }
            return;
        }
        // The partial marker was content after all. ESC appears in the marker only
        // at its start, so `b` either starts a new match or is content: linear time.
        self.push_paste(&PASTE_END[..m]);
        if b == ESC {
            self.state = State::Paste { matched: 1 };
        } else {
            self.push_paste(&[b]);
            self.state = State::Paste { matched: 0 };
        }
    }

    fn push_paste(&mut self, bytes: &[u8]) {
        // Past the cap we keep looking for the end marker but store nothing.
        let room = MAX_PASTE_BYTES - self.paste.len();
        self.paste
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// Emits the paste buffer as text: lossy UTF-8, CR LF and CR become
    /// LF, and whole escape sequences and other controls (but tabs) are
    /// removed — a paste must not smuggle escapes, nor leave their debris.
    fn emit_paste(&mut self, out: &mut Vec<InputEvent>) {
        let raw = std::mem::take(&mut self.paste);
        let text = crate::sanitize::clean(&String::from_utf8_lossy(&raw), crate::sanitize::STORED);
        out.push(InputEvent::Paste(text));
    }
}

/// Decodes a complete CSI sequence: `seq` is what came between `ESC [` and `fin`.
fn csi_event(seq: &[u8], fin: u8) -> Option<InputEvent> {
    if let Some(sgr) = seq.strip_prefix(b"<") {
        let (3, [code, x, y, _]) = parse_params(sgr)? else {
            return None;
        };
        if !matches!(fin, b'M' | b'm') {
            return None;
        }
        return mouse_event(code, x, y, fin == b'm').map(InputEvent::Mouse);
    }
    // parse_params refuses private markers (`?`, `>`, `=`) and intermediates:
    // those mark replies (device attributes, mode reports) we do not use.
    let (n, p) = parse_params(seq)?;
    let mods = modifiers(p[1])?;
    let rxvt = |shift, ctrl| Modifiers::new(shift, false, ctrl);
    let (key, mods) = match fin {
        // xterm modifyOtherKeys: `ESC [27;mod;code~`.
        b'~' if n == 3 && p[0] == 27 => (codepoint_key(p[2])?, mods),
        b'~' if n <= 2 => (tilde_key(p[0])?, mods),
        b'$' if n == 1 => (tilde_key(p[0])?, rxvt(true, false)),
        b'^' if n == 1 => (tilde_key(p[0])?, rxvt(false, true)),
        b'@' if n == 1 => (tilde_key(p[0])?, rxvt(true, true)),
        // kitty / fixterms: `ESC [code;mod u` (a third field may carry text).
        b'u' if n <= 3 => (codepoint_key(p[0])?, mods),
        b'I' if n == 0 => return Some(InputEvent::FocusGained),
        b'O' if n == 0 => return Some(InputEvent::FocusLost),
        // rxvt: Shift+arrows.
        b'a'..=b'd' if n == 0 => (letter_key(fin - 32)?, rxvt(true, false)),
        // Letter-final keys: empty or `1` first parameter, optional modifier.
        _ if n > 2 || p[0] > 1 => return None,
        // A cursor position report for row 1 looks like F3; modifiers stay small.
        b'R' if p[1] > 16 => return None,
        b'Z' => (Key::BackTab, mods),
        _ => (letter_key(fin)?, mods),
    };
    Some(InputEvent::Key(KeyEvent { key, mods }))
}

/// Splits `1;5`-style parameters into at most four numbers (empty = 0,
/// saturating, only the first `:` sub-parameter kept); None for anything else.
fn parse_params(seq: &[u8]) -> Option<(usize, [u32; 4])> {
    let mut p = [0u32; 4];
    if seq.is_empty() {
        return Some((0, p));
    }
    let (mut i, mut sub) = (0, false);
    for &b in seq {
        match b {
            b'0'..=b'9' if !sub => {
                p[i] = p[i].saturating_mul(10).saturating_add(u32::from(b - b'0'));
            }
            b'0'..=b'9' => {}
            b':' => sub = true,
            b';' if i < 3 => (i, sub) = (i + 1, false),
            _ => return None,
        }
    }
    Some((i + 1, p))
}

/// xterm modifier parameter: 1 + bitmask (shift 1, alt 2, ctrl 4; kitty adds
/// super/hyper/meta/lock bits, ignored here). 0 means absent; above 256 is junk.
fn modifiers(param: u32) -> Option<Modifiers> {
    let m = (param <= 256).then(|| param.saturating_sub(1))?;
    Some(Modifiers::new(m & 1 != 0, m & 2 != 0, m & 4 != 0))
}

/// Keys named by a final letter, shared by CSI and SS3.
fn letter_key(b: u8) -> Option<Key> {
    Some(match b {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        b'P'..=b'S' => Key::F(b - b'P' + 1),
        _ => return None,
    })
}

/// The number in `ESC [ n ~` (and rxvt's `$ ^ @` finals).
fn tilde_key(n: u32) -> Option<Key> {
    Some(match n {
        1 | 7 => Key::Home,
        2 => Key::Insert,
        3 => Key::Delete,
        4 | 8 => Key::End,
        5 => Key::PageUp,
        6 => Key::PageDown,
        11..=15 => Key::F((n - 10) as u8),
        17..=21 => Key::F((n - 11) as u8),
        23 | 24 => Key::F((n - 12) as u8),
        _ => return None,
    })
}

/// A Unicode code point reported by kitty or modifyOtherKeys.
fn codepoint_key(code: u32) -> Option<Key> {
    Some(match code {
        13 => Key::Enter,
        9 => Key::Tab,
        8 | 127 => Key::Backspace,
        27 => Key::Esc,
        // kitty reports keypad, media and lone modifier keys in the private use area.
        0xe000..=0xf8ff => return None,
        _ => Key::Char(char::from_u32(code).filter(|c| !c.is_control())?),
    })
}

fn push_key(out: &mut Vec<InputEvent>, key: Key, mods: Modifiers) {
    out.push(InputEvent::Key(KeyEvent { key, mods }));
}

/// Decodes a mouse button code (SGR or legacy) with 1-based coordinates.
fn mouse_event(code: u32, x: u32, y: u32, release: bool) -> Option<MouseEvent> {
    use {MouseButton::*, MouseKind::*};
    // Buttons 8–11 have no MouseKind; a wheel "release" would double the scroll.
    if code >= 128 || (release && code & 64 != 0) {
        return None;
    }
    // Low bits 3 mean "no button": plain motion, or a legacy release that does
    // not say which button went up (reported as Left).
    let low = (code & 3) as usize;
    let button = [Left, Middle, Right, Left][low];
    let motion = code & 32 != 0;
    let kind = if code & 64 != 0 {
        [ScrollUp, ScrollDown, ScrollLeft, ScrollRight][low]
    } else if motion && low == 3 {
        Moved
    } else if release || low == 3 {
        Up(button)
    } else if motion {
        Drag(button)
    } else {
        Down(button)
    };
    let coord = |v: u32| u16::try_from(v.saturating_sub(1)).unwrap_or(u16::MAX);
    let (column, row) = (coord(x), coord(y));
    let mods = Modifiers::new(code & 4 != 0, code & 8 != 0, code & 16 != 0);
    Some(MouseEvent {
        kind,
        column,
        row,
        mods,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Key::*;
    use MouseButton::{Left as L, Middle, Right as R};
    use MouseKind as M;
    use proptest::prelude::*;
    use std::time::Instant;

    type Table<'a> = &'a [(&'a [u8], Vec<InputEvent>)];

    fn parse(chunks: &[&[u8]]) -> Vec<InputEvent> {
        let (mut p, mut out) = (InputParser::new(), Vec::new());
        for c in chunks {
            p.feed(c, &mut out);
        }
        out
    }

    /// Runs each case in one feed and again one byte per feed.
    fn check(table: Table) {
        for (bytes, want) in table {
            let name = bytes.escape_ascii().to_string();
            assert_eq!(&parse(&[bytes]), want, "one feed: {name}");
            let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
            assert_eq!(&parse(&bytewise), want, "byte by byte: {name}");
        }
    }

    /// `m` holds any of 's', 'a', 'c' (shift, alt, ctrl).
    fn mods(m: &str) -> Modifiers {
        let (shift, alt, ctrl) = (m.contains('s'), m.contains('a'), m.contains('c'));
        Modifiers { shift, alt, ctrl }
    }
    fn key(key: Key, m: &str) -> InputEvent {
        InputEvent::Key(KeyEvent { key, mods: mods(m) })
    }
    fn k(k: Key) -> InputEvent {
        InputEvent::Key(KeyEvent::plain(k))
    }
    fn ch(c: char) -> InputEvent {
        k(Char(c))
    }
    fn mouse(kind: MouseKind, column: u16, row: u16, m: &str) -> InputEvent {
        InputEvent::Mouse(MouseEvent {
            kind,
            column,
            row,
            mods: mods(m),
        })
    }
    fn paste(s: &str) -> InputEvent {
        InputEvent::Paste(s.to_string())
    }

    #[test]
    fn text_and_controls() {
        #[rustfmt::skip]
        let table: Table = &[
            (b"a", vec![ch('a')]),
            (b"A~ ", vec![ch('A'), ch('~'), ch(' ')]),
            ("é€😀".as_bytes(), vec![ch('é'), ch('€'), ch('😀')]),
            (b"\xffa", vec![ch('a')]),              // bad lead
            (b"\xc3a", vec![ch('a')]),              // bad continuation
            (b"\xe2\x82a", vec![ch('a')]),          // truncated
            (b"\x80a", vec![ch('a')]),              // lone continuation
            (b"\xc0\xafa", vec![ch('a')]),          // overlong 2-byte
            (b"\xe0\x80\xafa", vec![ch('a')]),      // overlong 3-byte
            (b"\xed\xa0\x80a", vec![ch('a')]),      // surrogate
            (b"\xf4\x90\x80\x80a", vec![ch('a')]),  // above U+10FFFF
            (b"\xc2\x85a", vec![ch('a')]),          // C1 control
            (b"\r", vec![k(Enter)]),
            (b"\n", vec![k(Enter)]),
            (b"\r\n", vec![k(Enter)]),
            (b"\r\0", vec![k(Enter)]),
            (b"\r\r\n\n", vec![k(Enter), k(Enter), k(Enter)]),
            (b"\t", vec![k(Tab)]),
            (b"\x7f\x08", vec![k(Backspace), k(Backspace)]),
            (b"\x03\x04", vec![key(Char('c'), "c"), key(Char('d'), "c")]),
            (b"\x01\x1a", vec![key(Char('a'), "c"), key(Char('z'), "c")]),
            (b"\0\x1c\x1f", vec![key(Char(' '), "c"), key(Char('\\'), "c"), key(Char('_'), "c")]),
            (b"\x1ba", vec![key(Char('a'), "a")]),
            (b"\x1bA", vec![key(Char('A'), "a")]),
            ("\x1bé".as_bytes(), vec![key(Char('é'), "a")]),
            (b"\x1b\x03", vec![key(Char('c'), "ac")]),
            (b"\x1b\x7f", vec![key(Backspace, "a")]),
            (b"\x1b\r\n", vec![key(Enter, "a")]),
            (b"\x1b\x1ba", vec![k(Esc), key(Char('a'), "a")]),
        ];
        check(table);
    }

    #[test]
    fn csi_keys() {
        #[rustfmt::skip]
        let table: Table = &[
            (b"\x1b[A\x1b[B\x1b[C\x1b[D", vec![k(Up), k(Down), k(Right), k(Left)]),
            (b"\x1b[H\x1b[F\x1b[Z", vec![k(Home), k(End), k(BackTab)]),
            (b"\x1b[1;5A", vec![key(Up, "c")]),
            (b"\x1b[1;2B\x1b[1;3C", vec![key(Down, "s"), key(Right, "a")]),
            (b"\x1b[1;8D\x1b[1;5H", vec![key(Left, "sac"), key(Home, "c")]),
            (b"\x1b[1~\x1b[7~\x1b[4~\x1b[8~", vec![k(Home), k(Home), k(End), k(End)]),
            (b"\x1b[2~\x1b[3~", vec![k(Insert), k(Delete)]),
            (b"\x1b[5~\x1b[6~", vec![k(PageUp), k(PageDown)]),
            (b"\x1b[11~\x1b[15~\x1b[17~", vec![k(F(1)), k(F(5)), k(F(6))]),
            (b"\x1b[21~\x1b[23~\x1b[24~", vec![k(F(10)), k(F(11)), k(F(12))]),
            (b"\x1b[3;5~\x1b[15;2~", vec![key(Delete, "c"), key(F(5), "s")]),
            (b"\x1b[7^\x1b[2$", vec![key(Home, "c"), key(Insert, "s")]),
            (b"\x1b[3@\x1b[11^", vec![key(Delete, "sc"), key(F(1), "c")]),
            (b"\x1b[1;2P\x1b[1;5S\x1b[P", vec![key(F(1), "s"), key(F(4), "c"), k(F(1))]),
            (b"\x1b[1;5R", vec![key(F(3), "c")]),
            (b"\x1b[I\x1b[O", vec![InputEvent::FocusGained, InputEvent::FocusLost]),
            (b"\x1b[97;5u\x1b[13u", vec![key(Char('a'), "c"), k(Enter)]),
            (b"\x1b[13;2u\x1b[9;5u", vec![key(Enter, "s"), key(Tab, "c")]),
            (b"\x1b[127;3u\x1b[27u", vec![key(Backspace, "a"), k(Esc)]),
            (b"\x1b[233u\x1b[57399u", vec![ch('é')]), // kitty keypad key: no Key for it
            (b"\x1b[27;5;13~", vec![key(Enter, "c")]),
            (b"\x1b[[A\x1b[[E", vec![k(F(1)), k(F(5))]),
            (b"\x1b[a\x1bOb", vec![key(Up, "s"), key(Down, "c")]),
        ];
        check(table);
    }

    #[test]
    fn ss3_keys() {
        #[rustfmt::skip]
        let table: Table = &[
            (b"\x1bOA\x1bOB\x1bOC\x1bOD", vec![k(Up), k(Down), k(Right), k(Left)]),
            (b"\x1bOH\x1bOF\x1bOM", vec![k(Home), k(End), k(Enter)]),
            (b"\x1bOP\x1bOQ\x1bOR\x1bOS", vec![k(F(1)), k(F(2)), k(F(3)), k(F(4))]),
            (b"\x1bOp\x1bOy", vec![ch('0'), ch('9')]),
            (b"\x1bOj\x1bOk\x1bOl", vec![ch('*'), ch('+'), ch(',')]),
            (b"\x1bOm\x1bOn\x1bOo\x1bOX", vec![ch('-'), ch('.'), ch('/'), ch('=')]),
            (b"\x1bO!a", vec![ch('a')]),
            (b"\x1bO\x03", vec![key(Char('c'), "c")]),
        ];
        check(table);
    }

    #[test]
    fn mouse_reports() {
        #[rustfmt::skip]
        let table: Table = &[
            (b"\x1b[<0;1;1M", vec![mouse(M::Down(L), 0, 0, "")]),
            (b"\x1b[<0;10;20m", vec![mouse(M::Up(L), 9, 19, "")]),
            (b"\x1b[<1;5;5M\x1b[<2;5;5m", vec![mouse(M::Down(Middle), 4, 4, ""), mouse(M::Up(R), 4, 4, "")]),
            (b"\x1b[<32;3;4M\x1b[<35;3;4M", vec![mouse(M::Drag(L), 2, 3, ""), mouse(M::Moved, 2, 3, "")]),
            (b"\x1b[<64;1;1M\x1b[<65;1;1M", vec![mouse(M::ScrollUp, 0, 0, ""), mouse(M::ScrollDown, 0, 0, "")]),
            (b"\x1b[<66;1;1M\x1b[<67;1;1M", vec![mouse(M::ScrollLeft, 0, 0, ""), mouse(M::ScrollRight, 0, 0, "")]),
            (b"\x1b[<20;1;1M\x1b[<8;1;1M", vec![mouse(M::Down(L), 0, 0, "sc"), mouse(M::Down(L), 0, 0, "a")]),
            (b"\x1b[<0;0;0M", vec![mouse(M::Down(L), 0, 0, "")]),
            (b"\x1b[<0;99999999;70000M", vec![mouse(M::Down(L), u16::MAX, u16::MAX, "")]),
            (b"\x1b[<0;99999999999999999;1M", vec![mouse(M::Down(L), u16::MAX, 0, "")]),
            (b"\x1b[<128;1;1Ma\x1b[<0;1Mb", vec![ch('a'), ch('b')]),
            (b"\x1b[M !!a", vec![mouse(M::Down(L), 0, 0, ""), ch('a')]),
            (b"\x1b[M#*+", vec![mouse(M::Up(L), 9, 10, "")]), // legacy release: button unknown
            (b"\x1b[M`!!\x1b[MC!!", vec![mouse(M::ScrollUp, 0, 0, ""), mouse(M::Moved, 0, 0, "")]),
            (b"\x1b[M \xff\xffa", vec![mouse(M::Down(L), 222, 222, ""), ch('a')]),
            (b"\x1b[M\x1b\x1b\x1ba", vec![mouse(M::Down(L), 0, 0, ""), ch('a')]),
        ];
        check(table);
    }

    #[test]
    fn pastes() {
        #[rustfmt::skip]
        let table: Table = &[
            (b"\x1b[200~hello\x1b[201~", vec![paste("hello")]),
            (b"\x1b[200~\x1b[201~", vec![paste("")]),
            (b"\x1b[200~a\r\nb\rc\nd\x1b[201~x", vec![paste("a\nb\nc\nd"), ch('x')]),
            (b"\x1b[200~a\x01\tb\x7f\x1b[A\x1b[201~", vec![paste("a\tb")]),
            (b"\x1b[200~\x1b[20x\x1b\x1b[201~", vec![paste("")]),
            (b"\x1b[200~\xffok\xc2\x85\x1b[201~", vec![paste("\u{fffd}ok")]),
            ("\x1b[200~é€\x1b[201~".as_bytes(), vec![paste("é€")]),
            (b"\x1b[201~a", vec![ch('a')]), // stray end marker
        ];
        check(table);
    }

    #[test]
    fn dropped_sequences() {
        let long = format!("\x1b[{}Ab", "1".repeat(40));
        #[rustfmt::skip]
        let table: Table = &[
            (b"\x1b]11;rgb:0000/0000/0000\x07a", vec![ch('a')]),
            (b"\x1b]0;title\x1b\\a", vec![ch('a')]),
            (b"\x1bP1$r0m\x1b\\\x1b_Gi=1;OK\x1b\\a", vec![ch('a')]),
            (b"\x1b^pm\x1b\\\x1bXsos\x1b\\a", vec![ch('a')]),
            (b"\x1b]never ends\x1b[A", vec![k(Up)]),
            (b"\x1b[12;40Ra\x1b[1;40Rb", vec![ch('a'), ch('b')]), // cursor position reports
            (b"\x1b[?1;2ca\x1b[>0;136;0cb", vec![ch('a'), ch('b')]), // device attributes
            (b"\x1b[?2004;1$ya\x1b[2004;1$yb", vec![ch('a'), ch('b')]), // mode reports
            (long.as_bytes(), vec![ch('b')]),
            (b"\x1b[1;5\x1b[A", vec![k(Up)]),
            (b"\x1b[1\x03", vec![key(Char('c'), "c")]),
            (b"\x1b[1;1000Aa\x1b[2;5Ab", vec![ch('a'), ch('b')]),
            (b"\x1b[1;2;3;4;5Aa\x1b[99~b\x1b[Jc", vec![ch('a'), ch('b'), ch('c')]),
            (b"\x1b[[Za\x1b[ qb", vec![ch('a'), ch('b')]),
        ];
        check(table);
    }

    #[test]
    fn lone_esc_waits_for_timeout() {
        let (mut p, mut out) = (InputParser::new(), Vec::new());
        p.feed(b"\x1b", &mut out);
        assert_eq!((out.len(), p.pending_timeout()), (0, Some(ESC_TIMEOUT)));
        p.flush_timeout(&mut out);
        assert_eq!((out, p.pending_timeout()), (vec![k(Esc)], None));
        assert_eq!(parse(&[b"\x1b", b"x"]), vec![key(Char('x'), "a")]);

        let mut out = Vec::new();
        p.feed(b"\x1b\x1b", &mut out);
        assert_eq!(
            (&out, p.pending_timeout()),
            (&vec![k(Esc)], Some(ESC_TIMEOUT))
        );
        p.flush_timeout(&mut out);
        assert_eq!(out, vec![k(Esc), k(Esc)]);
    }

    #[test]
    fn flush_returns_to_ground_from_every_state() {
        #[rustfmt::skip]
        let cases: &[(&[u8], Option<Duration>, Vec<InputEvent>)] = &[
            (b"", None, vec![]),
            (b"\x1b", Some(ESC_TIMEOUT), vec![k(Esc)]),
            (b"\x1b[", Some(ESC_TIMEOUT), vec![]),
            (b"\x1b[1;5", Some(ESC_TIMEOUT), vec![]),
            (b"\x1bO", Some(ESC_TIMEOUT), vec![]),
            (b"\x1b[[", Some(ESC_TIMEOUT), vec![]),
            (b"\x1b[M!", Some(ESC_TIMEOUT), vec![]),
            (b"\x1b]x\x1b", Some(ESC_TIMEOUT), vec![]),
            (b"\xe2\x82", None, vec![]),
            (b"\x1b\xe2", None, vec![]),
            (b"\r", None, vec![]),
            (b"\x1b[200~abc", Some(PASTE_TIMEOUT), vec![paste("abc")]),
            (b"\x1b[200~abc\x1b[20", Some(PASTE_TIMEOUT), vec![paste("abc")]),
        ];
        for (bytes, timeout, flushed) in cases {
            let name = bytes.escape_ascii().to_string();
            let (mut p, mut out) = (InputParser::new(), Vec::new());
            p.feed(bytes, &mut out);
            assert_eq!(p.pending_timeout(), *timeout, "{name}");
            out.clear();
            p.flush_timeout(&mut out);
            assert_eq!(&out, flushed, "{name}");
            assert!(p.state == State::Ground && !p.after_cr && p.paste.is_empty());
            out.clear();
            p.feed(b"\n", &mut out);
            assert_eq!(out, vec![k(Enter)], "{name}");
        }
    }

    #[test]
    fn crlf_split_across_feeds() {
        assert_eq!(parse(&[b"a\r", b"\nb"]), vec![ch('a'), k(Enter), ch('b')]);
        assert_eq!(parse(&[b"\r", b"\0"]), vec![k(Enter)]);
    }

    #[test]
    fn paste_end_marker_split_anywhere() {
        let input = b"\x1b[200~hi\r\nthere\x1b[201~x";
        let want = vec![paste("hi\nthere"), ch('x')];
        for i in 0..=input.len() {
            for j in i..=input.len() {
                let got = parse(&[&input[..i], &input[i..j], &input[j..]]);
                assert_eq!(got, want, "split at {i}, {j}");
            }
        }
    }

    #[test]
    fn huge_paste_is_capped_and_linear() {
        let start = Instant::now();
        // Plain text, and the worst case for the end-marker search: endless near-misses.
        for body in [vec![b'a'; 1 << 20], b"\x1b[20".repeat(1 << 18)] {
            let (mut p, mut out) = (InputParser::new(), Vec::new());
            p.feed(b"\x1b[200~", &mut out);
            for chunk in body.chunks(4096) {
                p.feed(chunk, &mut out);
                assert!(p.paste.capacity() <= 2 * MAX_PASTE_BYTES);
            }
            p.feed(b"\x1b[201~q", &mut out);
            let [InputEvent::Paste(text), q] = &out[..] else {
                panic!("{out:?}")
            };
            // Plain text is kept up to the cap; a body made only of escape
            // sequences is removed whole.
            assert!(text.len() <= MAX_PASTE_BYTES);
            if body[0] == b'a' {
                assert!(text.len() >= MAX_PASTE_BYTES / 2);
            } else {
                assert!(text.is_empty(), "{}", text.len());
            }
            assert_eq!(q, &ch('q'));
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn x10_mouse_bytes_split_across_feeds() {
        let got = parse(&[b"\x1b[", b"M", b"@", b"\x80", b"\xc3a"]);
        assert_eq!(got, vec![mouse(M::Drag(L), 95, 162, ""), ch('a')]);
    }

    /// Random bytes, enriched with pieces of real sequences so that every
    /// state is reached often.
    fn stream() -> impl Strategy<Value = Vec<u8>> {
        #[rustfmt::skip]
        const PIECES: &[&[u8]] = &[
            b"\x1b", b"\x1b[", b"\x1bO", b"\x1b]", b"\x1bP", b"\x1b\\", b"\x1b[<", b"\x1b[M",
            b"\x1b[200~", b"\x1b[201~", b"\x1b[[", b";", b"1", b"5", b"~", b"u", b"\r", b"\xe2\x82",
        ];
        let atom = prop_oneof![
            3 => any::<u8>().prop_map(|b| vec![b]),
            1 => proptest::sample::select(PIECES).prop_map(<[u8]>::to_vec),
        ];
        proptest::collection::vec(atom, 0..300).prop_map(|atoms| {
            let mut bytes = atoms.concat();
            bytes.truncate(512);
            bytes
        })
    }

    /// No Char is a control (C0, C1, ESC, DEL); pastes keep only \n and \t.
    fn is_clean(ev: &InputEvent) -> bool {
        match ev {
            InputEvent::Key(KeyEvent { key: Char(c), .. }) => !c.is_control(),
            InputEvent::Paste(s) => s.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'),
            _ => true,
        }
    }

    /// Any bytes, however chunked: no panic, chunking changes nothing, no
    /// control characters leak, and after a timeout the parser takes keys again.
    #[test]
    fn random_streams() {
        let config = ProptestConfig::with_cases(10_000);
        let cuts = proptest::collection::vec(1usize..40, 1..16);
        proptest!(config, |(bytes in stream(), cuts in cuts)| {
            let (mut whole, mut a) = (InputParser::new(), Vec::new());
            whole.feed(&bytes, &mut a);
            let (mut chunked, mut b) = (InputParser::new(), Vec::new());
            let mut rest = &bytes[..];
            for &n in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (chunk, tail) = rest.split_at(n.min(rest.len()));
                chunked.feed(chunk, &mut b);
                rest = tail;
            }
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(&whole, &chunked);
            prop_assert!(whole.paste.len() <= MAX_PASTE_BYTES);
            whole.flush_timeout(&mut a);
            prop_assert!(a.iter().all(is_clean), "{:?}", a);
            prop_assert_eq!(whole.pending_timeout(), None);
            let mut q = Vec::new();
            whole.feed(b"q", &mut q);
            prop_assert_eq!(q, vec![ch('q')]);
        });
    }
}
