//! Pure tables from complete sequences to events: CSI keys with their
//! modifiers, the tilde and letter forms terminals use for the same keys,
//! and mouse reports.

use super::*;

/// Decodes a complete CSI sequence: `seq` is what came between `ESC [` and `fin`.
pub(super) fn csi_event(seq: &[u8], fin: u8) -> Option<InputEvent> {
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
pub(super) fn letter_key(b: u8) -> Option<Key> {
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

pub(super) fn push_key(out: &mut Vec<InputEvent>, key: Key, mods: Modifiers) {
    out.push(InputEvent::Key(KeyEvent { key, mods }));
}

/// Decodes a mouse button code (SGR or legacy) with 1-based coordinates.
pub(super) fn mouse_event(code: u32, x: u32, y: u32, release: bool) -> Option<MouseEvent> {
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
