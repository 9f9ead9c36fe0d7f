//! Draws the contact form in the body of the Contact section: name, how to
//! reach you, message, the Send control and one status line (validation,
//! sending, the discard question, the limit, a failure with the owner's
//! address), wrapped on narrow screens. On short screens only the focused
//! field is shown.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::field;
use super::put::put;
use super::theme::Theme;
use crate::app::field::TextField;
use crate::app::form::{Focus, Form, Status};
use crate::text::{counted, wrap};

/// Rows the fields need to be shown all at once: two per one-line field,
/// three for the message.
const ALL_FIELDS_ROWS: u16 = 7;

/// Most rows the status line may wrap to.
const MAX_STATUS_ROWS: usize = 3;

pub fn draw(form: &Form, email: &str, area: Rect, buf: &mut Buffer, theme: &Theme) {
    if area.height < 2 {
        return;
    }
    let (status, style) = status_text(form, email, theme);
    let mut status_lines = wrap(&status, usize::from(area.width));
    // The fields and Send keep at least one row each.
    status_lines.truncate(MAX_STATUS_ROWS.min(usize::from(area.height - 2)).max(1));
    let status_rows = status_lines.len() as u16;
    let fields = Rect {
        height: area.height - 1 - status_rows,
        ..area
    };
    if fields.height >= ALL_FIELDS_ROWS {
        all_fields(form, fields, buf, theme);
    } else {
        focused_field(form, fields, buf, theme);
    }
    send_row(form, area.x, fields.bottom(), area.width, buf, theme);
    for (i, line) in status_lines.iter().enumerate() {
        let y = fields.bottom() + 1 + i as u16;
        put(buf, area.x, y, line, usize::from(area.width), style);
    }
}

/// Name and how to reach you (two rows each, with a gap when there is
/// room), then the message in the rest.
fn all_fields(form: &Form, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let gap = u16::from(area.height >= 12);
    let mut y = area.y;
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
            ..area
        };
        draw_field(form, field, label, focus, error, rect, buf, theme);
        y += 2 + gap;
    }
    let rect = Rect {
        y,
        height: area.bottom().saturating_sub(y),
        ..area
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
}

/// Short screens: the focused field alone (the message when on Send).
fn focused_field(form: &Form, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let (field, label, focus, error) = match form.focus {
        Focus::Name => (&form.name, "Name", Focus::Name, form.name_error),
        Focus::Contact => (&form.contact, "How to reach you", Focus::Contact, None),
        _ => (&form.message, "Message", Focus::Message, form.message_error),
    };
    draw_field(form, field, label, focus, error, area, buf, theme);
}

/// "[ Send ]" and the form's keys, on row `y`.
fn send_row(form: &Form, x: u16, y: u16, width: u16, buf: &mut Buffer, theme: &Theme) {
    let style = if form.focus == Focus::Send {
        theme.tab_active
    } else {
        theme.strong
    };
    let right = x + width;
    let after = put(buf, x, y, "[ Send ]", usize::from(width), style);
    if after < right {
        let hint = "  ctrl-s sends · esc leaves";
        put(buf, after, y, hint, usize::from(right - after), theme.muted);
    }
}

/// The one status text: sending, the discard question, the limit, or a
/// failure with the owner's address.
fn status_text(form: &Form, email: &str, theme: &Theme) -> (String, Style) {
    match form.status {
        Status::Editing => (String::new(), theme.muted),
        Status::Sending => ("sending…".to_string(), theme.muted),
        Status::ConfirmDiscard => ("discard this message? y/n".to_string(), theme.accent),
        Status::Limited { minutes } => (
            format!(
                "that is the limit of messages for an hour — you can write again in {}",
                counted(minutes as usize, "minute")
            ),
            theme.accent,
        ),
        Status::Failed => (
            format!("couldn't save your message — please email {email}"),
            theme.accent,
        ),
    }
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
