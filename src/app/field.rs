//! An editable text field, the model behind the contact form's inputs:
//! typing, cursor movement, deletion and bracketed paste, with a limit in
//! characters and untrusted text sanitised on the way in (no control
//! characters, no escape sequences, no bidirectional overrides).

use crate::sanitize::{self, Spacing};
use crate::term::input::{Key, KeyEvent};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextField {
    text: String,
    /// Byte index of the cursor, always on a character boundary.
    cursor: usize,
    max_chars: usize,
    multiline: bool,
}

/// What a paste did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pasted {
    pub inserted: usize,
    /// Part of the paste did not fit the limit and was left out.
    pub truncated: bool,
}

impl TextField {
    pub fn new(max_chars: usize, multiline: bool) -> Self {
        TextField {
            text: String::new(),
            cursor: 0,
            max_chars,
            multiline,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Characters typed so far, as the limit counts them.
    pub fn chars(&self) -> usize {
        self.text.chars().count()
    }

    pub fn max_chars(&self) -> usize {
        self.max_chars
    }

    /// The text's length and the cursor: every edit changes one of them
    /// (insertions and deletions the length, moves the cursor), so
    /// comparing them tells whether a key changed the field.
    pub fn edit_state(&self) -> (usize, usize) {
        (self.text.len(), self.cursor)
    }

    /// Byte index of the cursor in `text()`.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// Applies an editing key; false when the key is not an editing key
    /// (the form then decides what it means).
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        if key.mods.alt {
            return false;
        }
        if key.mods.ctrl {
            match key.key {
                Key::Char('a') => self.cursor = self.line_start(),
                Key::Char('e') => self.cursor = self.line_end(),
                Key::Char('u') => {
                    let start = self.line_start();
                    self.text.replace_range(start..self.cursor, "");
                    self.cursor = start;
                }
                Key::Char('k') => {
                    let end = self.line_end();
                    self.text.replace_range(self.cursor..end, "");
                }
                Key::Char('w') => {
                    let start = self.word_start();
                    self.text.replace_range(start..self.cursor, "");
                    self.cursor = start;
                }
                _ => return false,
            }
            return true;
        }
        match key.key {
            Key::Char(c) => {
                self.insert(&sanitize(&c.to_string(), self.multiline));
            }
            Key::Enter if self.multiline => self.insert("\n"),
            Key::Backspace => {
                if let Some(prev) = self.prev_boundary() {
                    self.text.replace_range(prev..self.cursor, "");
                    self.cursor = prev;
                }
            }
            Key::Delete => {
                if let Some(next) = self.next_boundary() {
                    self.text.replace_range(self.cursor..next, "");
                }
            }
            Key::Left => self.cursor = self.prev_boundary().unwrap_or(self.cursor),
            Key::Right => self.cursor = self.next_boundary().unwrap_or(self.cursor),
            Key::Home => self.cursor = self.line_start(),
            Key::End => self.cursor = self.line_end(),
            Key::Up if self.multiline => self.vertical(-1),
            Key::Down if self.multiline => self.vertical(1),
            _ => return false,
        }
        true
    }

    /// Inserts pasted text, sanitised, up to the limit.
    pub fn paste(&mut self, text: &str) -> Pasted {
        let clean = sanitize(text, self.multiline);
        let room = self.max_chars.saturating_sub(self.chars());
        let fits: String = clean.chars().take(room).collect();
        let inserted = fits.chars().count();
        self.insert(&fits);
        Pasted {
            inserted,
            truncated: inserted < clean.chars().count(),
        }
    }

    fn insert(&mut self, s: &str) {
        let room = self.max_chars.saturating_sub(self.chars());
        let s: String = s.chars().take(room).collect();
        self.text.insert_str(self.cursor, &s);
        self.cursor += s.len();
    }

    fn prev_boundary(&self) -> Option<usize> {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
    }

    fn next_boundary(&self) -> Option<usize> {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
    }

    fn line_start(&self) -> usize {
        self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self) -> usize {
        self.text[self.cursor..]
            .find('\n')
            .map_or(self.text.len(), |i| self.cursor + i)
    }

    fn word_start(&self) -> usize {
        let before = self.text[..self.cursor].trim_end();
        before.rfind(char::is_whitespace).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        })
    }

    /// Moves to the same column of the line above or below.
    fn vertical(&mut self, direction: isize) {
        let start = self.line_start();
        let column = self.text[start..self.cursor].chars().count();
        let target_start = if direction < 0 {
            if start == 0 {
                return;
            }
            self.text[..start - 1].rfind('\n').map_or(0, |i| i + 1)
        } else {
            match self.text[self.cursor..].find('\n') {
                Some(i) => self.cursor + i + 1,
                None => return,
            }
        };
        let line = &self.text[target_start..];
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        let offset: usize = line.chars().take(column).map(char::len_utf8).sum();
        self.cursor = target_start + offset;
    }
}

/// Untrusted text for a field: escape sequences and controls removed,
/// tabs as spaces, line breaks kept only in a multi-line field.
fn sanitize(text: &str, multiline: bool) -> String {
    sanitize::clean(
        text,
        Spacing {
            newlines: multiline,
            tabs: false,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: Key) -> KeyEvent {
        KeyEvent::plain(k)
    }

    fn typed(field: &mut TextField, text: &str) {
        for c in text.chars() {
            field.handle(key(Key::Char(c)));
        }
    }

    #[test]
    fn types_moves_and_deletes_by_character() {
        let mut f = TextField::new(100, false);
        typed(&mut f, "héllo wörld");
        assert_eq!(f.text(), "héllo wörld");
        assert_eq!(f.chars(), 11);
        f.handle(key(Key::Left));
        f.handle(key(Key::Backspace));
        assert_eq!(f.text(), "héllo wörd");
        f.handle(key(Key::Home));
        f.handle(key(Key::Delete));
        assert_eq!(f.text(), "éllo wörd");
        f.handle(key(Key::End));
        typed(&mut f, "!");
        assert_eq!(f.text(), "éllo wörd!");
        f.handle(KeyEvent::ctrl('w'));
        assert_eq!(f.text(), "éllo ");
        f.handle(KeyEvent::ctrl('u'));
        assert_eq!(f.text(), "");
        assert!(!f.handle(key(Key::Tab)), "Tab is for the form");
        assert!(
            !f.handle(key(Key::Enter)),
            "Enter is for the form in a one-line field"
        );
    }

    #[test]
    fn stops_at_the_limit() {
        let mut f = TextField::new(5, false);
        typed(&mut f, "abcdefgh");
        assert_eq!(f.text(), "abcde");
        let pasted = f.paste("xyz");
        assert_eq!(
            pasted,
            Pasted {
                inserted: 0,
                truncated: true
            }
        );
        let mut f = TextField::new(5, false);
        assert_eq!(
            f.paste("日本語テキスト"),
            Pasted {
                inserted: 5,
                truncated: true
            }
        );
        assert_eq!(f.text(), "日本語テキ");
    }

    #[test]
    fn paste_is_sanitised() {
        let mut f = TextField::new(2000, true);
        f.paste("line one\r\nline\ttwo\x1b]52;c;aGk=\x07\x1b[2J\u{202e}evil\x07\nend");
        assert_eq!(f.text(), "line one\nline twoevil\nend");
        assert!(!f.text().contains('\x1b'));
        let mut f = TextField::new(200, false);
        f.paste("a\nb\r\nc");
        assert_eq!(f.text(), "a b c");
    }

    #[test]
    fn multiline_enter_and_vertical_moves() {
        let mut f = TextField::new(100, true);
        typed(&mut f, "first");
        f.handle(key(Key::Enter));
        typed(&mut f, "second line");
        assert_eq!(f.text(), "first\nsecond line");
        f.handle(key(Key::Up));
        assert_eq!(f.cursor(), 5, "column 11 clamps to the end of line one");
        f.handle(key(Key::Home));
        f.handle(key(Key::Down));
        assert_eq!(f.cursor(), 6);
        f.handle(key(Key::End));
        f.handle(KeyEvent::ctrl('a'));
        assert_eq!(f.cursor(), 6);
        f.handle(KeyEvent::ctrl('k'));
        assert_eq!(f.text(), "first\n");
    }
}
