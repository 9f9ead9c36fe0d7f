//! The input state machine: one byte at a time, constant work per byte,
//! the same events however the bytes are split into packets (see the
//! module above for what it decodes and the choices it makes).

use super::decode::{csi_event, letter_key, mouse_event, push_key};
use super::*;

/// Longest CSI parameter string kept; longer ones are consumed and dropped.
const MAX_CSI_BYTES: usize = 32;
const ESC: u8 = 0x1b;
const PASTE_END: &[u8] = b"\x1b[201~";

/// Where the parser is; seen by the tests, which check it is back on the
/// ground after a flush.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum State {
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
    pub(super) state: State,
    seq: [u8; MAX_CSI_BYTES],
    seq_len: usize,
    seq_overflow: bool,
    pub(super) paste: Vec<u8>,
    /// The last byte was a CR, so a following LF or NUL belongs to the same Enter.
    pub(super) after_cr: bool,
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
