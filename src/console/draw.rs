//! Draws the owner's console: a pure function of its state, the theme and
//! the area, in the visitor UI's style (header, tabs, a rule, the body, a
//! footer of keys) and with its rules: visitor text is cleaned before it
//! is drawn, nothing depends on colour alone (unread is a ● as well as a
//! colour), and a terminal under 20x8 gets the "please enlarge" line.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

use super::{Console, Tab};
use crate::clock;
use crate::inbox::Message;
use crate::sanitize;
use crate::text::{counted, wrap};
use crate::ui::theme::Theme;
use crate::ui::{MIN_COLS, MIN_ROWS, chrome};

/// The row the tabs are on.
pub const TABS_ROW: u16 = 1;
/// The first row of the body.
const BODY_TOP: u16 = 3;
/// Rows below the body: the footer.
const BELOW_BODY: u16 = 1;
/// Columns left free on each side of the body.
const MARGIN: u16 = 1;

/// Rows the body shows on a terminal `rows` high.
pub fn page(rows: u16) -> usize {
    usize::from(rows.saturating_sub(BODY_TOP + BELOW_BODY)).max(1)
}

/// Columns the body's text gets on a terminal `cols` wide.
pub fn body_width(cols: u16) -> usize {
    usize::from(cols.saturating_sub(2 * MARGIN)).max(1)
}

/// A tab's label: its key, its name, and for the Inbox the unread count.
fn label(console: &Console, tab: Tab) -> String {
    let key = tab.index() + 1;
    match (tab, console.unread()) {
        (Tab::Inbox, unread) if unread > 0 => format!(" {key} Inbox ({unread}) "),
        _ => format!(" {key} {} ", tab.title()),
    }
}

/// Where each tab's label starts and ends on the tabs row.
fn tab_spans(console: &Console) -> impl Iterator<Item = (Tab, String, u16, u16)> + '_ {
    let mut x = MARGIN;
    Tab::ALL.iter().map(move |tab| {
        let text = label(console, *tab);
        let width = text.width() as u16;
        let span = (*tab, text, x, x + width);
        x += width + 1;
        span
    })
}

/// The tab under column `x` of the tabs row.
pub fn tab_at(console: &Console, x: u16) -> Option<Tab> {
    tab_spans(console)
        .find(|(_, _, from, to)| (*from..*to).contains(&x))
        .map(|(tab, _, _, _)| tab)
}

/// The first message row shown when `selected` must be visible.
fn list_offset(selected: usize, page: usize) -> usize {
    (selected + 1).saturating_sub(page)
}

/// The message listed on screen row `row` of the Inbox, if any.
pub fn inbox_row_at(console: &Console, row: u16, page: usize) -> Option<usize> {
    let line = usize::from(row.checked_sub(BODY_TOP)?);
    if line >= page {
        return None;
    }
    let index = list_offset(console.selected, page) + line;
    (index < console.messages.len()).then_some(index)
}

/// Draws the whole console into `buf`.
pub fn draw(console: &Console, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if area.width < MIN_COLS || area.height < MIN_ROWS {
        chrome::too_small(area, buf, theme);
        return;
    }
    header(console, theme, area, buf);
    tabs(console, theme, area, buf);
    chrome::rule(Rect::new(area.x, area.y + 2, area.width, 1), buf, theme);
    let body = Rect::new(
        area.x + MARGIN,
        area.y + BODY_TOP,
        area.width - 2 * MARGIN,
        area.height - BODY_TOP - BELOW_BODY,
    );
    match console.tab {
        Tab::Inbox => match console.open_message() {
            Some(message) => message_view(console, message, theme, body, buf),
            None => inbox(console, theme, body, buf),
        },
        Tab::Deliveries => deliveries(console, theme, body, buf),
        Tab::Stats => stats(console, theme, body, buf),
    }
    footer(
        console,
        theme,
        Rect::new(area.x, area.bottom() - 1, area.width, 1),
        buf,
    );
}

fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, width: u16, style: Style) -> u16 {
    if width == 0 {
        return x;
    }
    buf.set_stringn(x, y, text, usize::from(width), style).0
}

fn header(console: &Console, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let right = format!("{} now ", counted(console.visitors_now, "visitor"));
    let x = put(
        buf,
        area.x + MARGIN,
        area.y,
        "sshfolio · owner console",
        area.width - MARGIN,
        theme.accent,
    );
    let right_x = area.right().saturating_sub(right.width() as u16);
    if right_x > x + 1 {
        put(
            buf,
            right_x,
            area.y,
            &right,
            area.right() - right_x,
            theme.muted,
        );
    }
}

fn tabs(console: &Console, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let y = area.y + TABS_ROW;
    for (tab, text, from, _) in tab_spans(console) {
        if area.x + from >= area.right() {
            break;
        }
        let style = if tab == console.tab {
            theme.tab_active
        } else {
            theme.tab_inactive
        };
        put(
            buf,
            area.x + from,
            y,
            &text,
            area.right() - (area.x + from),
            style,
        );
    }
}

fn inbox(console: &Console, theme: &Theme, body: Rect, buf: &mut Buffer) {
    let empty = match (console.busy, console.messages.is_empty()) {
        (true, true) => "loading…",
        (false, true) => "no messages yet",
        _ => "",
    };
    if !empty.is_empty() {
        put(buf, body.x, body.y, empty, body.width, theme.muted);
        return;
    }
    let page = usize::from(body.height);
    let offset = list_offset(console.selected, page);
    for (row, (index, m)) in console
        .messages
        .iter()
        .enumerate()
        .skip(offset)
        .take(page)
        .enumerate()
    {
        let row = Rect::new(body.x, body.y + row as u16, body.width, 1);
        inbox_row(m, index == console.selected, theme, row, buf);
    }
}

/// One message in the list: unread marker, id, time, who, first line.
fn inbox_row(m: &Message, selected: bool, theme: &Theme, row: Rect, buf: &mut Buffer) {
    let base = if selected { theme.selected } else { theme.base };
    let marker = if m.is_read() { "  " } else { "● " };
    let mut x = put(buf, row.x, row.y, marker, row.width, theme.marker);
    let line = format!(
        "#{:<4} {}  {}  {}",
        m.id,
        when(m.received_at),
        one_line(&m.name),
        one_line(m.body.lines().next().unwrap_or(""))
    );
    let style = match m.is_read() {
        true => base,
        false => base.patch(theme.strong),
    };
    x = put(buf, x, row.y, &line, row.right() - x, style);
    if selected {
        // The highlight spans the row, so it shows without colour too.
        let rest = row.right().saturating_sub(x);
        let blank = " ".repeat(usize::from(rest));
        put(buf, x, row.y, &blank, rest, theme.selected);
    }
}

/// The lines of an open message at `width`: its header, then its text.
pub fn message_lines(m: &Message, width: usize) -> Vec<String> {
    let mut lines = vec![format!(
        "#{}  received {}{}",
        m.id,
        when(m.received_at),
        if m.is_read() { "" } else { "  · unread" }
    )];
    lines.push(format!("from   {}", one_line(&m.name)));
    if !m.contact.is_empty() {
        lines.push(format!("reach  {}", one_line(&m.contact)));
    }
    if let Some(key) = &m.key_fingerprint {
        lines.push(format!("key    {}", one_line(key)));
    }
    for d in &m.deliveries {
        lines.push(format!("sent   {}  {}", d.channel, d.state.as_str()));
    }
    lines.push(String::new());
    let text = sanitize::clean(&m.body, sanitize::STORED).replace('\t', "    ");
    lines.extend(wrap(&text, width).into_iter().map(str::to_string));
    lines
}

fn message_view(console: &Console, m: &Message, theme: &Theme, body: Rect, buf: &mut Buffer) {
    let lines = message_lines(m, usize::from(body.width));
    for (row, line) in lines
        .iter()
        .skip(console.scroll)
        .take(usize::from(body.height))
        .enumerate()
    {
        let style = if row + console.scroll == 0 {
            theme.heading
        } else {
            theme.base
        };
        put(buf, body.x, body.y + row as u16, line, body.width, style);
    }
}

fn deliveries(console: &Console, theme: &Theme, body: Rect, buf: &mut Buffer) {
    let mut y = body.y;
    let bottom = body.bottom();
    if console.channels.is_empty() {
        put(
            buf,
            body.x,
            y,
            "no notifications sent yet (see --notify)",
            body.width,
            theme.muted,
        );
        return;
    }
    for c in &console.channels {
        if y >= bottom {
            return;
        }
        let line = format!(
            "{}  {} delivered · {} pending · {} failed",
            c.channel, c.delivered, c.pending, c.failed
        );
        let style = if c.failed > 0 {
            theme.accent
        } else {
            theme.base
        };
        put(buf, body.x, y, &line, body.width, style);
        y += 1;
    }
    y += 1;
    if y >= bottom {
        return;
    }
    if console.failed.is_empty() {
        put(buf, body.x, y, "nothing failed", body.width, theme.muted);
        return;
    }
    put(
        buf,
        body.x,
        y,
        "failed — R queues the message's failed deliveries again",
        body.width,
        theme.heading,
    );
    y += 1;
    let page = usize::from(bottom.saturating_sub(y));
    let offset = list_offset(console.failed_selected, page);
    for (index, f) in console.failed.iter().enumerate().skip(offset).take(page) {
        let style = if index == console.failed_selected {
            theme.selected
        } else {
            theme.base
        };
        let line = format!("#{:<4} {}  {}", f.message_id, f.channel, one_line(&f.error));
        put(buf, body.x, y, &line, body.width, style);
        y += 1;
    }
}

fn stats(console: &Console, theme: &Theme, body: Rect, buf: &mut Buffer) {
    let mut lines = vec![
        format!(
            "{} connected to this server right now",
            counted(console.visitors_now, "visitor")
        ),
        String::new(),
    ];
    if console.busy && console.stats.is_empty() {
        lines.push("loading…".into());
    }
    lines.extend(console.stats.iter().cloned());
    for (row, line) in lines
        .iter()
        .skip(console.stats_scroll)
        .take(usize::from(body.height))
        .enumerate()
    {
        let heading = !line.starts_with(' ') && !line.is_empty() && row + console.stats_scroll > 1;
        let style = if heading { theme.heading } else { theme.base };
        put(buf, body.x, body.y + row as u16, line, body.width, style);
    }
}

fn footer(console: &Console, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let x = area.x + MARGIN;
    let width = area.width.saturating_sub(2 * MARGIN);
    if let Some(id) = console.confirm_delete {
        put(
            buf,
            x,
            area.y,
            &format!("delete message #{id}? y/n"),
            width,
            theme.accent,
        );
        return;
    }
    if let Some(notice) = &console.notice {
        put(buf, x, area.y, notice, width, theme.accent);
        return;
    }
    let keys = match console.tab {
        Tab::Inbox if console.open.is_some() => {
            "↑↓ scroll · esc back · r read/unread · d delete · y copy contact · q quit"
        }
        Tab::Inbox => {
            "↑↓ move · enter open · r read/unread · d delete · y copy contact · tab next · q quit"
        }
        Tab::Deliveries => "↑↓ move · R redeliver · u refresh · tab next · q quit",
        Tab::Stats => "↑↓ scroll · u refresh · tab next · q quit",
    };
    put(buf, x, area.y, keys, width, theme.muted);
}

/// Visitor text on one line, safe to draw.
fn one_line(text: &str) -> String {
    sanitize::clean(text, sanitize::ONE_LINE)
}

/// "2026-11-29 10:31" of Unix seconds.
fn when(unix: i64) -> String {
    let at = clock::rfc3339(unix);
    format!("{} {}", &at[..10], &at[11..16])
}

/// Where each tab starts (tests click on them).
#[cfg(test)]
pub fn tab_spans_for_tests(console: &Console) -> Vec<u16> {
    tab_spans(console).map(|(_, _, from, _)| from).collect()
}
