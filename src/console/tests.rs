//! The console's keys and drawing, on a `TestBackend`-sized buffer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::*;
use crate::inbox::{Delivery, DeliveryState};
use crate::term::caps::ColorDepth;
use crate::term::input::Modifiers;
use crate::term::screen::{Effect, Flow};
use crate::ui::theme::Theme;

fn message(id: i64, read: bool) -> Message {
    // 2026-11-DD 10:31 UTC.
    let received_at = 1_793_491_200 + (id.clamp(1, 28) - 1) * 86_400 + 10 * 3600 + 31 * 60;
    Message {
        id,
        received_at,
        name: format!("Visitor {id}"),
        contact: format!("v{id}@example.com"),
        body: format!("Hello number {id}\nsecond line"),
        read_at: read.then_some(received_at + 60),
        deliveries: vec![Delivery {
            id,
            message_id: id,
            channel_key: "k".into(),
            channel: "webhook example.com".into(),
            state: if id == 2 {
                DeliveryState::Failed
            } else {
                DeliveryState::Delivered
            },
            attempts: 1,
            created_at: received_at,
            next_attempt_at: 0,
            last_error: (id == 2).then(|| "HTTP 404".into()),
            done_at: None,
        }],
        ..Message::default()
    }
}

fn loaded() -> Console {
    let mut console = Console::default();
    console.load(Loaded {
        messages: vec![message(3, false), message(2, true), message(1, false)],
        stats: "last 30 days: 4 visits from 2 visitors\n\nvisitors per day\n  2026-11-29  ██ 2"
            .into(),
        visitors_now: 7,
    });
    console
}

fn key(c: char) -> InputEvent {
    InputEvent::Key(KeyEvent::plain(Key::Char(c)))
}

fn special(k: Key) -> InputEvent {
    InputEvent::Key(KeyEvent::plain(k))
}

fn screen(console: &Console, cols: u16, rows: u16) -> String {
    let area = Rect::new(0, 0, cols, rows);
    let mut buf = Buffer::empty(area);
    let theme = Theme::new(&crate::content::Palette::default(), ColorDepth::TrueColor);
    draw::draw(console, &theme, area, &mut buf);
    (0..rows)
        .map(|y| {
            (0..cols)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_inbox_lists_newest_first_with_unread_marked() {
    let console = loaded();
    let text = screen(&console, 80, 24);
    assert!(text.contains("1 Inbox (2)"), "{text}");
    assert!(text.contains("7 visitors now"), "{text}");
    let rows: Vec<&str> = text.lines().collect();
    assert!(
        rows[3].contains("● #3") && rows[3].contains("Hello number 3"),
        "{text}"
    );
    assert!(rows[4].contains("  #2") && !rows[4].contains('●'), "{text}");
    assert!(rows[5].contains("● #1"), "{text}");
}

#[test]
fn enter_opens_the_whole_message_and_esc_goes_back() {
    let mut console = loaded();
    assert_eq!(console.handle(&special(Key::Down), 20), Flow::Redraw);
    assert_eq!(console.handle(&special(Key::Enter), 20), Flow::Redraw);
    assert_eq!(console.open, Some(2));
    let text = screen(&console, 80, 24);
    assert!(text.contains("from   Visitor 2"), "{text}");
    assert!(text.contains("reach  v2@example.com"), "{text}");
    assert!(text.contains("second line"), "{text}");
    console.handle(&special(Key::Esc), 20);
    assert_eq!(console.open, None);
    assert_eq!(console.handle(&special(Key::Esc), 20), Flow::Quit);
}

#[test]
fn r_toggles_read_and_d_asks_first() {
    let mut console = loaded();
    console.handle(&key('r'), 20);
    assert_eq!(console.work, vec![StoreWork::Change(Change::Read(3))]);
    console.work.clear();
    console.handle(&special(Key::Down), 20);
    console.handle(&key('r'), 20);
    assert_eq!(console.work, vec![StoreWork::Change(Change::Unread(2))]);
    console.work.clear();

    console.handle(&key('d'), 20);
    assert!(console.work.is_empty(), "nothing deleted before the answer");
    assert!(screen(&console, 80, 24).contains("delete message #2? y/n"));
    console.handle(&key('n'), 20);
    assert!(console.work.is_empty());
    assert_eq!(console.notice.as_deref(), Some("kept"));
    console.handle(&key('d'), 20);
    console.handle(&key('y'), 20);
    assert_eq!(console.work, vec![StoreWork::Change(Change::Delete(2))]);
}

#[test]
fn y_copies_the_contact() {
    let mut console = loaded();
    console.handle(&key('y'), 20);
    assert_eq!(console.effects, vec![Effect::Copy("v3@example.com".into())]);
}

#[test]
fn deliveries_show_each_channel_and_redeliver_a_failed_one() {
    let mut console = loaded();
    console.handle(&key('2'), 20);
    let text = screen(&console, 80, 24);
    assert!(
        text.contains("webhook example.com  2 delivered · 0 pending · 1 failed"),
        "{text}"
    );
    assert!(
        text.contains("#2    webhook example.com  HTTP 404"),
        "{text}"
    );
    console.handle(&key('R'), 20);
    assert_eq!(console.work, vec![StoreWork::Change(Change::Redeliver(2))]);
}

#[test]
fn stats_show_the_report_and_who_is_connected() {
    let mut console = loaded();
    console.handle(&special(Key::Tab), 20);
    console.handle(&special(Key::Tab), 20);
    assert_eq!(console.tab, Tab::Stats);
    let text = screen(&console, 80, 24);
    assert!(
        text.contains("7 visitors connected to this server right now"),
        "{text}"
    );
    assert!(text.contains("visitors per day"), "{text}");
}

#[test]
fn a_small_terminal_gets_the_enlarge_line_and_hostile_text_is_cleaned() {
    let mut console = loaded();
    console.messages[0].name = "\x1b[31mred\x1b]52;c;eA==\x07".into();
    let text = screen(&console, 80, 24);
    assert!(!text.contains('\x1b'));
    assert!(screen(&console, 19, 8).contains("please"));
    assert!(screen(&console, 20, 8).contains("Inbox"));
}

#[test]
fn clicks_pick_tabs_and_rows() {
    let mut console = loaded();
    let click = |column, row| {
        InputEvent::Mouse(MouseEvent {
            kind: MouseKind::Down(MouseButton::Left),
            column,
            row,
            mods: Modifiers::default(),
        })
    };
    console.handle(&click(4, 5), 20);
    assert_eq!(console.selected, 2);
    console.handle(&click(4, 5), 20);
    assert_eq!(console.open, Some(1), "a second click opens it");
    let stats_x = draw::tab_spans_for_tests(&console)[2];
    console.handle(&click(stats_x, draw::TABS_ROW), 20);
    assert_eq!(console.tab, Tab::Stats);
}

#[test]
fn ctrl_c_quits_even_at_the_question() {
    let mut console = loaded();
    console.handle(&key('d'), 20);
    let ctrl_c = InputEvent::Key(KeyEvent {
        key: Key::Char('c'),
        mods: Modifiers {
            ctrl: true,
            ..Modifiers::default()
        },
    });
    assert_eq!(console.handle(&ctrl_c, 20), Flow::Quit);
}
