//! The contact form's state and keys: three fields and a Send control,
//! validation next to each field, the discard question, and what the
//! inbox answered. The form never talks to the inbox itself: Send becomes
//! a message the session stores (`App::outgoing`), and the answer
//! comes back through [`Form::answer`].

use rand::RngExt;

use super::field::TextField;
use crate::inbox::{Message, SubmitResult};
use crate::message::{MAX_CONTACT, MAX_MESSAGE, MAX_NAME};
use crate::term::input::{Key, KeyEvent};

/// Which control has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Name,
    Contact,
    Message,
    Send,
}

impl Focus {
    const ORDER: [Focus; 4] = [Focus::Name, Focus::Contact, Focus::Message, Focus::Send];

    fn step(self, delta: isize) -> Focus {
        let i = Focus::ORDER.iter().position(|f| *f == self).unwrap_or(0) as isize;
        Focus::ORDER[(i + delta).rem_euclid(Focus::ORDER.len() as isize) as usize]
    }
}

/// Where the form is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Editing,
    /// Waiting for the inbox.
    Sending,
    /// "discard this message? y/n"
    ConfirmDiscard,
    /// Over the hourly limit: may write again in this many minutes.
    Limited {
        minutes: u64,
    },
    /// The inbox could not store it; the draft stays for a retry.
    Failed,
}

/// Everything of the form a frame depends on, cheap to copy and compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormLook {
    focus: Focus,
    status: Status,
    name_error: Option<&'static str>,
    message_error: Option<&'static str>,
    fields: [(usize, usize); 3],
}

/// What a key did to the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormStep {
    Stay,
    /// Leave the form (the draft is gone).
    Close,
    /// Send this message.
    Send(Box<Message>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub name: TextField,
    pub contact: TextField,
    pub message: TextField,
    pub focus: Focus,
    pub status: Status,
    /// Per-field complaint shown next to its label.
    pub name_error: Option<&'static str>,
    pub message_error: Option<&'static str>,
    /// Unique per form: the same id twice stores one message.
    submission_id: String,
}

impl Default for Form {
    fn default() -> Self {
        Form::new()
    }
}

impl Form {
    pub fn new() -> Form {
        let id: u128 = rand::rng().random();
        Form {
            name: TextField::new(MAX_NAME, false),
            contact: TextField::new(MAX_CONTACT, false),
            message: TextField::new(MAX_MESSAGE, true),
            focus: Focus::Name,
            status: Status::Editing,
            name_error: None,
            message_error: None,
            submission_id: format!("{id:032x}"),
        }
    }

    pub fn look(&self) -> FormLook {
        FormLook {
            focus: self.focus,
            status: self.status,
            name_error: self.name_error,
            message_error: self.message_error,
            fields: [&self.name, &self.contact, &self.message].map(TextField::edit_state),
        }
    }

    /// Nothing typed anywhere.
    pub fn is_blank(&self) -> bool {
        self.name.is_empty() && self.contact.is_empty() && self.message.is_empty()
    }

    fn focused(&mut self) -> Option<&mut TextField> {
        match self.focus {
            Focus::Name => Some(&mut self.name),
            Focus::Contact => Some(&mut self.contact),
            Focus::Message => Some(&mut self.message),
            Focus::Send => None,
        }
    }

    pub fn key(&mut self, key: KeyEvent) -> FormStep {
        match self.status {
            Status::Sending => return FormStep::Stay,
            Status::ConfirmDiscard => {
                return match key.key {
                    Key::Char('y' | 'Y') => FormStep::Close,
                    Key::Char('n' | 'N') | Key::Esc => {
                        self.status = Status::Editing;
                        FormStep::Stay
                    }
                    _ => FormStep::Stay,
                };
            }
            _ => {}
        }
        let ctrl = key.mods.ctrl;
        match key.key {
            Key::Esc => return self.leave(),
            Key::Char('s') if ctrl => return self.send(),
            Key::Tab => self.focus = self.focus.step(1),
            Key::BackTab => self.focus = self.focus.step(-1),
            Key::Enter if self.focus == Focus::Send => return self.send(),
            Key::Enter if self.focus != Focus::Message => self.focus = self.focus.step(1),
            Key::Up if self.focus != Focus::Message => self.focus = self.focus.step(-1),
            Key::Down if self.focus != Focus::Message => self.focus = self.focus.step(1),
            _ => {
                let focus = self.focus;
                if let Some(field) = self.focused()
                    && field.handle(key)
                {
                    self.clear_error(focus);
                }
            }
        }
        FormStep::Stay
    }

    /// Pasted text goes into the focused field (or the message, from Send).
    pub fn paste(&mut self, text: &str) {
        if self.status == Status::Sending || self.status == Status::ConfirmDiscard {
            return;
        }
        if self.focus == Focus::Send {
            self.focus = Focus::Message;
        }
        let focus = self.focus;
        if let Some(field) = self.focused() {
            field.paste(text);
            self.clear_error(focus);
        }
    }

    fn clear_error(&mut self, focus: Focus) {
        match focus {
            Focus::Name => self.name_error = None,
            Focus::Message => self.message_error = None,
            _ => {}
        }
    }

    /// Esc: leave at once when nothing was typed, else ask first.
    fn leave(&mut self) -> FormStep {
        if self.is_blank() {
            FormStep::Close
        } else {
            self.status = Status::ConfirmDiscard;
            FormStep::Stay
        }
    }

    /// Checks the fields; a draft to send, or errors next to the fields.
    fn send(&mut self) -> FormStep {
        self.name_error = self.name.is_empty().then_some("please tell me your name");
        self.message_error = self.message.is_empty().then_some("please write a message");
        if self.name_error.is_some() {
            self.focus = Focus::Name;
            return FormStep::Stay;
        }
        if self.message_error.is_some() {
            self.focus = Focus::Message;
            return FormStep::Stay;
        }
        self.status = Status::Sending;
        FormStep::Send(Box::new(Message {
            submission_id: self.submission_id.clone(),
            name: self.name.text().trim().to_string(),
            contact: self.contact.text().trim().to_string(),
            body: self.message.text().trim().to_string(),
            ..Message::default()
        }))
    }

    /// Takes the inbox's answer for a draft that is not stored: the draft
    /// stays on screen, and a later Send retries with the same id.
    pub fn answer(&mut self, answer: SubmitResult) {
        self.status = match answer {
            SubmitResult::Sent => Status::Editing,
            SubmitResult::Limited(wait) => Status::Limited {
                minutes: wait.as_secs().div_ceil(60).max(1),
            },
            SubmitResult::Invalid | SubmitResult::Failed => Status::Failed,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(key: Key) -> KeyEvent {
        KeyEvent::plain(key)
    }

    fn typed(form: &mut Form, text: &str) {
        for c in text.chars() {
            form.key(k(Key::Char(c)));
        }
    }

    #[test]
    fn tab_cycles_and_letters_are_text() {
        let mut f = Form::new();
        typed(&mut f, "q1?");
        assert_eq!(f.name.text(), "q1?");
        f.key(k(Key::Tab));
        assert_eq!(f.focus, Focus::Contact);
        f.key(k(Key::Enter));
        assert_eq!(f.focus, Focus::Message);
        typed(&mut f, "hi");
        f.key(k(Key::Enter));
        typed(&mut f, "there");
        assert_eq!(
            f.message.text(),
            "hi\nthere",
            "Enter in the message is a newline"
        );
        f.key(k(Key::Tab));
        assert_eq!(f.focus, Focus::Send);
        f.key(k(Key::Tab));
        assert_eq!(f.focus, Focus::Name);
        f.key(k(Key::BackTab));
        assert_eq!(f.focus, Focus::Send);
    }

    #[test]
    fn validation_points_at_the_missing_field() {
        let mut f = Form::new();
        f.focus = Focus::Send;
        assert_eq!(f.key(k(Key::Enter)), FormStep::Stay);
        assert_eq!(f.name_error, Some("please tell me your name"));
        assert_eq!(f.message_error, Some("please write a message"));
        assert_eq!(f.focus, Focus::Name);
        typed(&mut f, "Ada");
        assert_eq!(f.name_error, None, "typing clears the complaint");
        assert_eq!(f.key(KeyEvent::ctrl('s')), FormStep::Stay);
        assert_eq!(f.focus, Focus::Message);
        typed(&mut f, "Hello");
        let FormStep::Send(draft) = f.key(KeyEvent::ctrl('s')) else {
            panic!("should send");
        };
        assert_eq!(draft.name, "Ada");
        assert_eq!(draft.body, "Hello");
        assert_eq!(draft.submission_id.len(), 32);
        assert_eq!(f.status, Status::Sending);
        assert_eq!(
            f.key(k(Key::Char('x'))),
            FormStep::Stay,
            "no edits while sending"
        );
        assert_eq!(f.message.text(), "Hello");
    }

    #[test]
    fn retry_after_failure_keeps_the_draft_and_the_id() {
        let mut f = Form::new();
        typed(&mut f, "Ada");
        f.focus = Focus::Message;
        typed(&mut f, "Hello");
        let FormStep::Send(first) = f.key(KeyEvent::ctrl('s')) else {
            panic!()
        };
        f.answer(SubmitResult::Failed);
        assert_eq!(f.status, Status::Failed);
        assert_eq!(f.message.text(), "Hello");
        let FormStep::Send(second) = f.key(KeyEvent::ctrl('s')) else {
            panic!()
        };
        assert_eq!(first.submission_id, second.submission_id);
        f.answer(SubmitResult::Limited(std::time::Duration::from_secs(61)));
        assert_eq!(f.status, Status::Limited { minutes: 2 });
        assert_ne!(Form::new().submission_id, first.submission_id);
    }

    #[test]
    fn esc_asks_before_throwing_a_draft_away() {
        let mut f = Form::new();
        assert_eq!(
            f.key(k(Key::Esc)),
            FormStep::Close,
            "blank form closes at once"
        );
        let mut f = Form::new();
        typed(&mut f, "Ada");
        assert_eq!(f.key(k(Key::Esc)), FormStep::Stay);
        assert_eq!(f.status, Status::ConfirmDiscard);
        assert_eq!(f.key(k(Key::Char('n'))), FormStep::Stay);
        assert_eq!(f.status, Status::Editing);
        assert_eq!(f.name.text(), "Ada");
        f.key(k(Key::Esc));
        assert_eq!(f.status, Status::ConfirmDiscard);
        assert_eq!(f.key(k(Key::Char('y'))), FormStep::Close);
    }

    #[test]
    fn paste_goes_to_the_focused_field_sanitised() {
        let mut f = Form::new();
        f.paste("Ada\x1b[31m Lovelace\nthe second");
        assert_eq!(f.name.text(), "Ada Lovelace the second");
        f.focus = Focus::Send;
        f.paste("line one\nline two");
        assert_eq!(f.focus, Focus::Message);
        assert_eq!(f.message.text(), "line one\nline two");
    }
}
