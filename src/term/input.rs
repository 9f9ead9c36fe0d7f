//! Placeholder until the parser lands.
use std::time::Duration;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
impl KeyEvent {
    pub fn plain(key: Key) -> Self {
        KeyEvent {
            key,
            mods: Modifiers::default(),
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
pub const ESC_TIMEOUT: Duration = Duration::from_millis(50);
#[derive(Default, Debug)]
pub struct InputParser {}
impl InputParser {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<InputEvent>) {
        for &b in bytes {
            if b.is_ascii_graphic() {
                out.push(InputEvent::Key(KeyEvent::plain(Key::Char(b as char))))
            } else if b == b'\t' {
                out.push(InputEvent::Key(KeyEvent::plain(Key::Tab)))
            } else if b == b'\r' {
                out.push(InputEvent::Key(KeyEvent::plain(Key::Enter)))
            } else if b == 3 {
                out.push(InputEvent::Key(KeyEvent {
                    key: Key::Char('c'),
                    mods: Modifiers {
                        ctrl: true,
                        ..Default::default()
                    },
                }))
            }
        }
    }
    pub fn pending_timeout(&self) -> Option<Duration> {
        None
    }
    pub fn flush_timeout(&mut self, _out: &mut Vec<InputEvent>) {}
}
