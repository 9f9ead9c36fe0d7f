//! Draws the contact form in the body of the Contact section: name, how to
//! reach you, message, the Send control and one status line (validation,
//! sending, the discard question, the limit, a failure with the owner's
//! address). On short screens only the focused control is shown.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::field;
use super::put::put;
use super::theme::Theme;
use crate::app::field::TextField;
use crate::app::form::{Focus, Form, Status};

/// Rows the full form needs at the least: two per one-line field, three
/// for the message, Send, status.
const FULL_MIN_ROWS: u16 = 9;

pub fn draw(form: &Form, email: &str, area: Rect, buf: &mut Buffer, theme: &Theme) {
    if area.height < 2 {
        return;
    }
    let status_row = Rect {
        y: area.bottom() - 1,
        height: 1,
        ..area
    };
    let send_row = Rect {
        y: area.bottom() - 2,
        height: 1,
        ..area
    };
    let fields = Rect {
        height: area.height - 2,
        ..area
    };
    if area.height >= FULL_MIN_ROWS {
        // One-line fields take two rows each and a gap; the message gets
        // the rest.
        let gap = u16::from(fields.height >= 12);
        let mut y = fields.y;
        for (field, label, focus, error) in [
            (&form.name, "Name", Focus::Name, form.name_error),
            (
                &form.contact,
                "How to reach you (optional)",
                Focus::Contact,
                None,
            ),
        ] {
            let rect = Rect {
                y,
                height: 2,
                ..fields
            };
            draw_field(form, field, label, focus, error, rect, buf, theme);
            y += 2 + gap;
        }
        let rect = Rect {
            y,
            height: fields.bottom().saturating_sub(y),
            ..fields
        };
        draw_field(
            form,
            &form.message,
            "Message",
            Focus::Message,
            form.message_error,
            rect,
            buf,
            theme,
        );
    } else {
        // Short screens: the focused field alone (the message when on Send).
        let (field, label, focus, error) = match form.focus {
            Focus::Name => (&form.name, "Name", Focus::Name, form.name_error),
            Focus::Contact => (&form.contact, "How to reach you", Focus::Contact, None),
            _ => (&form.message, "Message", Focus::Message, form.message_error),
        };
        draw_field(form, field, label, focus, error, fields, buf, theme);
    }
    let send_style = if form.focus == Focus::Send {
        theme.tab_active
    } else {
        theme.strong
    };
    let x = put(
        buf,
        send_row.x,
        send_row.y,
        "[ Send ]",
        usize::from(send_row.width),
        send_style,
    );
    let hint = "  ctrl-s sends · esc leaves";
    if x < send_row.right() {
        put(
            buf,
            x,
            send_row.y,
            hint,
            usize::from(send_row.right() - x),
            theme.muted,
        );
    }
    let (text, style) = match form.status {
        Status::Editing => (String::new(), theme.muted),
        Status::Sending => ("sending…".to_string(), theme.muted),
        Status::ConfirmDiscard => ("discard this message? y/n".to_string(), theme.accent),
        Status::Limited { minutes } => (
            format!(
                "that is the limit of messages for an hour — you can write again in {minutes} minute{}",
                if minutes == 1 { "" } else { "s" }
            ),
            theme.accent,
        ),
        Status::Failed => (
            format!("couldn't save your message — please email {email}"),
            theme.accent,
        ),
    };
    put(
        buf,
        status_row.x,
        status_row.y,
        &text,
        usize::from(status_row.width),
        style,
    );
}

#[allow(clippy::too_many_arguments)]
fn draw_field(
    form: &Form,
    field: &TextField,
    label: &str,
    focus: Focus,
    error: Option<&str>,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let focused = form.focus == focus && form.status != Status::ConfirmDiscard;
    let label = match error {
        Some(error) => format!("{label} — {error}"),
        None => label.to_string(),
    };
    field::render(field, &label, focused, area, buf, theme);
}
