//! Key handling: sections, selection, detail, scrolling, help and quit.

use std::path::Path;

use super::*;
use crate::content::{self, Content};
use crate::term::input::Modifiers;
use crate::term::size::Size;
use crate::ui;

fn geo(content: &Content, size: Size) -> Geometry<'_> {
    ui::geometry(content, size)
}

fn shipped() -> Content {
    content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content")).unwrap()
}

const SIZE: Size = Size { cols: 80, rows: 24 };

fn key(k: Key) -> InputEvent {
    InputEvent::Key(KeyEvent::plain(k))
}

fn ch(c: char) -> InputEvent {
    key(Key::Char(c))
}

fn ctrl(c: char) -> InputEvent {
    InputEvent::Key(KeyEvent::ctrl(c))
}

fn press(app: &mut App, content: &Content, size: Size, events: &[InputEvent]) -> Flow {
    let mut last = Flow::Unchanged;
    for e in events {
        last = app.handle(e, &geo(content, size));
    }
    last
}

#[test]
fn deep_link_picks_the_start_section() {
    assert_eq!(App::for_user("projects").section, Section::Projects);
    assert_eq!(App::for_user("Insights").section, Section::Insights);
    assert_eq!(App::for_user("root").section, Section::About);
    assert_eq!(App::for_user("").section, Section::About);
}

#[test]
fn tab_arrows_and_letters_cycle_sections() {
    let c = shipped();
    let mut app = App::new(Section::About);
    assert_eq!(app.handle(&key(Key::Tab), &geo(&c, SIZE)), Flow::Redraw);
    assert_eq!(app.section, Section::Experience);
    press(&mut app, &c, SIZE, &[key(Key::Right), ch('l')]);
    assert_eq!(app.section, Section::Insights);
    press(
        &mut app,
        &c,
        SIZE,
        &[key(Key::BackTab), key(Key::Left), ch('h')],
    );
    assert_eq!(app.section, Section::About);
    press(&mut app, &c, SIZE, &[key(Key::Left)]);
    assert_eq!(app.section, Section::Contact, "wraps around");
    for (digit, section) in ('1'..='6').zip(Section::ALL) {
        app.handle(&ch(digit), &geo(&c, SIZE));
        assert_eq!(app.section, section);
    }
    app.handle(&ch('2'), &geo(&c, SIZE));
    assert_eq!(app.handle(&ch('c'), &geo(&c, SIZE)), Flow::Redraw);
    assert_eq!(app.section, Section::Contact);
}

#[test]
fn selection_moves_and_stops_at_the_ends() {
    let c = shipped();
    let mut app = App::new(Section::Projects);
    assert_eq!(app.handle(&key(Key::Up), &geo(&c, SIZE)), Flow::Unchanged);
    press(&mut app, &c, SIZE, &[ch('j'), key(Key::Down)]);
    assert_eq!(app.view().selected, 2);
    press(&mut app, &c, SIZE, &[ch('G')]);
    assert_eq!(app.view().selected, 5);
    assert_eq!(app.handle(&ch('j'), &geo(&c, SIZE)), Flow::Unchanged);
    press(&mut app, &c, SIZE, &[key(Key::Home)]);
    assert_eq!(app.view().selected, 0);
    press(&mut app, &c, SIZE, &[key(Key::End), ch('k')]);
    assert_eq!(app.view().selected, 4);
}

#[test]
fn enter_opens_detail_and_esc_or_backspace_closes_it() {
    let c = shipped();
    let mut app = App::new(Section::Insights);
    press(&mut app, &c, SIZE, &[ch('j'), key(Key::Enter)]);
    assert!(app.view().detail);
    assert_eq!(app.view().selected, 1);
    assert_eq!(app.handle(&key(Key::Esc), &geo(&c, SIZE)), Flow::Redraw);
    assert!(!app.view().detail);
    press(&mut app, &c, SIZE, &[key(Key::Enter), key(Key::Backspace)]);
    assert!(!app.view().detail);
    // Text sections have nothing to open.
    let mut app = App::new(Section::About);
    assert_eq!(
        app.handle(&key(Key::Enter), &geo(&c, SIZE)),
        Flow::Unchanged
    );
}

#[test]
fn each_section_keeps_its_own_place() {
    let c = shipped();
    let mut app = App::new(Section::Projects);
    press(
        &mut app,
        &c,
        SIZE,
        &[ch('j'), ch('j'), ch('4'), ch('j'), ch('5')],
    );
    assert_eq!(app.view().selected, 2);
    assert_eq!(app.views[Section::Insights.index()].selected, 1);
}

#[test]
fn text_scrolls_within_its_length() {
    let c = shipped();
    let small = Size { cols: 40, rows: 15 };
    let mut app = App::new(Section::About);
    press(&mut app, &c, small, &[ch('j')]);
    assert_eq!(app.view().scroll, 1);
    press(&mut app, &c, small, &[key(Key::End)]);
    let limit = ui::measure(&c, &app, small).scroll_limit();
    assert!(limit > 5, "about should not fit 40x15");
    assert_eq!(app.view().scroll, limit);
    assert_eq!(app.handle(&ch('j'), &geo(&c, small)), Flow::Unchanged);
    press(&mut app, &c, small, &[key(Key::PageUp)]);
    assert!(app.view().scroll < limit);
    press(&mut app, &c, small, &[ch('g')]);
    assert_eq!(app.view().scroll, 0);
    // At 80x24 nothing to scroll in Contact.
    let mut app = App::new(Section::Contact);
    assert_eq!(
        app.handle(&key(Key::PageDown), &geo(&c, SIZE)),
        Flow::Unchanged
    );
}

#[test]
fn list_offset_follows_the_selection_on_small_screens() {
    let c = shipped();
    let small = Size { cols: 40, rows: 15 };
    let mut app = App::new(Section::Projects);
    press(&mut app, &c, small, &[key(Key::End)]);
    let m = ui::measure(&c, &app, small);
    let item = m.items[5].clone();
    let view = app.view();
    assert!(
        view.offset <= item.start && item.end <= view.offset + m.body_rows,
        "{view:?} {m:?}"
    );
    press(
        &mut app,
        &c,
        small,
        &[key(Key::PageUp), key(Key::PageUp), key(Key::PageUp)],
    );
    assert_eq!(app.view().selected, 0);
    assert_eq!(app.view().offset, 0);
}

#[test]
fn help_opens_with_question_mark_and_any_key_closes_it() {
    let c = shipped();
    let mut app = App::new(Section::About);
    app.handle(&ch('?'), &geo(&c, SIZE));
    assert!(app.help);
    // The key that closes the help does nothing else.
    assert_eq!(app.handle(&key(Key::Tab), &geo(&c, SIZE)), Flow::Redraw);
    assert!(!app.help);
    assert_eq!(app.section, Section::About);
    app.handle(&ch('?'), &geo(&c, SIZE));
    assert_eq!(app.handle(&ch('q'), &geo(&c, SIZE)), Flow::Quit);
}

#[test]
fn quits_on_q_ctrl_c_and_ctrl_d() {
    let c = shipped();
    for event in [ch('q'), ctrl('c'), ctrl('d')] {
        assert_eq!(
            App::new(Section::About).handle(&event, &geo(&c, SIZE)),
            Flow::Quit
        );
    }
    let alt_q = InputEvent::Key(KeyEvent {
        key: Key::Char('q'),
        mods: Modifiers {
            alt: true,
            ..Modifiers::default()
        },
    });
    assert_eq!(
        App::new(Section::About).handle(&alt_q, &geo(&c, SIZE)),
        Flow::Unchanged
    );
}

#[test]
fn resize_keeps_the_selection_visible() {
    let c = shipped();
    let mut app = App::new(Section::Insights);
    press(&mut app, &c, SIZE, &[key(Key::End)]);
    let small = Size { cols: 40, rows: 10 };
    app.settle(&geo(&c, small));
    let m = ui::measure(&c, &app, small);
    let item = &m.items[5];
    assert!(
        app.view().offset + m.body_rows >= item.end,
        "{:?} {m:?}",
        app.view()
    );
}

fn click(column: u16, row: u16) -> InputEvent {
    InputEvent::Mouse(MouseEvent {
        kind: MouseKind::Down(MouseButton::Left),
        column,
        row,
        mods: Modifiers::default(),
    })
}

fn wheel(kind: MouseKind) -> InputEvent {
    InputEvent::Mouse(MouseEvent {
        kind,
        column: 10,
        row: 10,
        mods: Modifiers::default(),
    })
}

#[test]
fn clicking_a_tab_opens_its_section() {
    let c = shipped();
    let mut app = App::new(Section::About);
    // At 80x24 the tabs are on row 1; " 4 Insights " starts after the first
    // three labels (9 + 14 + 10 columns) plus the column padding.
    assert_eq!(
        app.handle(&click(1 + 33 + 2, 1), &geo(&c, SIZE)),
        Flow::Redraw
    );
    assert_eq!(app.section, Section::Insights);
    app.handle(&click(1, 1), &geo(&c, SIZE));
    assert_eq!(app.section, Section::About);
    // Compact selector at 40 columns: ‹ goes back, › goes forward.
    let small = Size { cols: 40, rows: 15 };
    app.handle(&click(1, 1), &geo(&c, small));
    assert_eq!(app.section, Section::Contact);
    let width = "‹ 6/6 Contact ›".chars().count() as u16;
    app.handle(&click(1 + width - 1, 1), &geo(&c, small));
    assert_eq!(app.section, Section::About);
}

#[test]
fn clicking_an_item_selects_it_and_a_second_click_opens_it() {
    let c = shipped();
    let mut app = App::new(Section::Projects);
    let m = ui::measure(&c, &app, SIZE);
    // Body starts on row 5 at 80x24 (header, tabs, rule, title, blank).
    let row = 5 + m.items[2].start as u16;
    app.handle(&click(10, row), &geo(&c, SIZE));
    assert_eq!(app.view().selected, 2);
    assert!(!app.view().detail);
    app.handle(&click(10, row), &geo(&c, SIZE));
    assert!(app.view().detail);
}

#[test]
fn wheel_scrolls_text_and_moves_selection() {
    let c = shipped();
    let small = Size { cols: 40, rows: 15 };
    let mut app = App::new(Section::About);
    app.handle(&wheel(MouseKind::ScrollDown), &geo(&c, small));
    assert_eq!(app.view().scroll, 3);
    app.handle(&wheel(MouseKind::ScrollUp), &geo(&c, small));
    assert_eq!(app.view().scroll, 0);
    let mut app = App::new(Section::Insights);
    app.handle(&wheel(MouseKind::ScrollDown), &geo(&c, small));
    assert_eq!(app.view().selected, 1);
}

#[test]
fn m_toggles_mouse_capture_and_y_copies_the_email() {
    let c = shipped();
    let mut app = App::new(Section::About);
    assert!(app.mouse);
    app.handle(&ch('m'), &geo(&c, SIZE));
    assert!(!app.mouse);
    assert_eq!(app.notice, Some(Notice::MouseOff));
    assert_eq!(app.effects, [Effect::Mouse(false)]);
    // With capture off, clicks are not ours.
    assert_eq!(app.handle(&click(36, 1), &geo(&c, SIZE)), Flow::Unchanged);
    assert_eq!(app.section, Section::About);
    app.effects.clear();
    app.handle(&ch('y'), &geo(&c, SIZE));
    assert_eq!(app.effects, [Effect::Copy("akshaykbkale@gmail.com".into())]);
    assert_eq!(app.notice, Some(Notice::Copied));
    app.handle(&ch('k'), &geo(&c, SIZE));
    assert_eq!(app.notice, None, "any key clears the notice");
}

#[test]
fn ctrl_c_and_ctrl_d_quit_even_from_the_form() {
    let c = shipped();
    for key in ['c', 'd'] {
        let mut app = App::new(Section::About);
        press(&mut app, &c, SIZE, &[ch('c'), ch('A'), ch('q')]);
        assert!(app.form.is_some(), "q is text in the form");
        assert_eq!(app.handle(&ctrl(key), &geo(&c, SIZE)), Flow::Quit);
    }
}
