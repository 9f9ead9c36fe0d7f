//! Rendering tests with ratatui's TestBackend: every section at the common
//! sizes, the compact and too-small layouts, and sizes down to 0x0.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use unicode_width::UnicodeWidthStr;

use super::*;
use crate::app::{App, Section};
use crate::content::{self, Content};
use crate::term::caps::ColorDepth;

fn shipped() -> Content {
    content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content")).unwrap()
}

fn render(content: &Content, app: &App, cols: u16, rows: u16) -> Buffer {
    let theme = Theme::new(&content.theme, ColorDepth::Ansi256);
    let mut terminal = Terminal::new(TestBackend::new(cols, rows)).unwrap();
    let screen = Page {
        content,
        app,
        theme: &theme,
        problems: &[],
    };
    terminal
        .draw(|f| f.render_widget(&screen, f.area()))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer as lines of text, trailing spaces trimmed.
fn text(buf: &Buffer) -> Vec<String> {
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            let mut line = String::new();
            let mut x = 0;
            while x < area.width {
                let symbol = buf[(area.x + x, area.y + y)].symbol();
                line.push_str(symbol);
                // A wide character covers the next cell too.
                x += symbol.width().max(1) as u16;
            }
            line.trim_end().to_string()
        })
        .collect()
}

fn screen_text(content: &Content, app: &App, cols: u16, rows: u16) -> String {
    text(&render(content, app, cols, rows)).join("\n")
}

#[test]
fn first_screen_at_80x24_shows_name_tabs_about_and_hints() {
    let content = shipped();
    let lines = text(&render(&content, &App::new(Section::About), 80, 24));
    assert!(lines[0].contains("Akshay Kale"), "{lines:#?}");
    assert!(lines[0].contains("akshaykbkale@gmail.com"), "{lines:#?}");
    for tab in [
        "1 About",
        "2 Experience",
        "3 Skills",
        "4 Insights",
        "5 Projects",
        "6 Contact",
    ] {
        assert!(lines[1].contains(tab), "tab {tab}: {lines:#?}");
    }
    assert!(lines[3].contains("An Engineer & Athlete"), "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("6+ years building distributed systems"))
    );
    assert!(
        lines[23].contains("q quit") && lines[23].contains("? help"),
        "{lines:#?}"
    );
}

#[test]
fn every_section_renders_its_subtitle_and_content() {
    let content = shipped();
    let expect = [
        (
            Section::About,
            "An Engineer & Athlete",
            "University of Texas at Dallas",
        ),
        (Section::Experience, "Where I've Worked", "7-Eleven"),
        (
            Section::Skills,
            "Technical Arsenal",
            "Event-driven architecture",
        ),
        (
            Section::Insights,
            "Engineering Insights",
            "Scaling LLM Inference",
        ),
        (Section::Projects, "Things I've Built", "Kodai"),
        (
            Section::Contact,
            "Let's Build Something",
            "linkedin.com/in/akshaykbkale",
        ),
    ];
    for (section, subtitle, body) in expect {
        for (cols, rows) in [(80, 24), (40, 15), (160, 48)] {
            let screen = screen_text(&content, &App::new(section), cols, rows);
            assert!(
                screen.contains(subtitle),
                "{section:?} {cols}x{rows}:\n{screen}"
            );
            // Small screens show the start of the body; the rest scrolls.
            if rows >= 24 {
                assert!(
                    screen.contains(body),
                    "{section:?} {cols}x{rows}:\n{screen}"
                );
            }
        }
    }
}

#[test]
fn detail_views_show_the_selected_item() {
    let content = shipped();
    let mut app = App::new(Section::Insights);
    app.views[Section::Insights.index()].selected = 2;
    app.views[Section::Insights.index()].detail = true;
    let screen = screen_text(&content, &app, 80, 24);
    assert!(
        screen.contains("Building Resilient Streaming Systems"),
        "{screen}"
    );
    assert!(
        screen.contains("Circuit breakers prevent cascading failures"),
        "{screen}"
    );
    assert!(screen.contains("esc back"), "{screen}");

    let mut app = App::new(Section::Projects);
    app.views[Section::Projects.index()].detail = true;
    let screen = screen_text(&content, &app, 80, 24);
    assert!(screen.contains("hexagonal architecture"), "{screen}");
}

#[test]
fn narrow_terminal_collapses_tabs() {
    let content = shipped();
    let lines = text(&render(&content, &App::new(Section::Skills), 40, 15));
    assert!(
        lines.iter().any(|l| l.contains("‹ 3/6 Skills ›")),
        "{lines:#?}"
    );
    assert!(lines[14].contains("q quit"), "{lines:#?}");
}

#[test]
fn wide_terminal_caps_and_centres_the_column() {
    let content = shipped();
    let buf = render(&content, &App::new(Section::About), 200, 50);
    let lines = text(&buf);
    let indent = |l: &String| l.len() - l.trim_start().len();
    let body = lines.iter().find(|l| l.contains("6+ years")).unwrap();
    assert_eq!(indent(body), 51, "{body:?}");
    assert!(lines.iter().all(|l| l.trim_start().chars().count() <= 100));
}

#[test]
fn tiny_terminal_asks_for_more_room() {
    let content = shipped();
    let screen = screen_text(&content, &App::new(Section::About), 19, 8);
    assert!(screen.contains("please"), "{screen}");
    assert!(screen.contains("20x8)"), "{screen}");
    let screen = screen_text(&content, &App::new(Section::About), 60, 7);
    assert!(
        screen.contains("please enlarge your terminal (need 20x8)"),
        "{screen}"
    );
    let screen = screen_text(&content, &App::new(Section::About), 20, 8);
    assert!(!screen.contains("please"), "{screen}");
}

#[test]
fn renders_at_degenerate_sizes_without_panicking() {
    let content = shipped();
    for section in Section::ALL {
        for detail in [false, true] {
            let mut app = App::new(section);
            app.views[section.index()].detail = detail;
            app.help = detail;
            for (cols, rows) in [
                (0, 0),
                (1, 1),
                (0, 5),
                (5, 0),
                (2, 40),
                (300, 1),
                (20, 8),
                (21, 9),
                (500, 200),
            ] {
                let theme = Theme::new(&content.theme, ColorDepth::None);
                let mut buf = Buffer::empty(Rect::new(0, 0, cols, rows));
                let screen = Page {
                    content: &content,
                    app: &app,
                    theme: &theme,
                    problems: &[],
                };
                (&screen).render(buf.area, &mut buf);
            }
        }
    }
}

#[test]
fn help_overlay_lists_the_keys() {
    let content = shipped();
    let mut app = App::new(Section::About);
    app.help = true;
    let screen = screen_text(&content, &app, 80, 24);
    for text in [
        "next section",
        "jump to a section",
        "quit",
        "any key closes",
    ] {
        assert!(screen.contains(text), "{text}:\n{screen}");
    }
}

mod sampled_sizes {
    use proptest::prelude::*;
    use ratatui::buffer::Cell;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// Every section, in every state, at sizes from 1x1 to 200x60,
        /// drawn into part of a larger buffer: no panic, and not one cell
        /// outside its area touched.
        #[test]
        fn renders_inside_its_area_at_any_size(
            section in 0usize..6,
            selected in 0usize..8,
            detail: bool,
            help: bool,
            scroll in 0usize..200,
            offset in 0usize..50,
            cols in 1u16..=200,
            rows in 1u16..=60,
            x in 0u16..7,
            y in 0u16..5,
            depth in 0usize..4,
        ) {
            let content = shipped();
            let section = Section::ALL[section];
            let mut app = App::new(section);
            let view = &mut app.views[section.index()];
            view.selected = selected.min(section.item_count(&content).saturating_sub(1));
            view.detail = detail;
            view.scroll = scroll;
            view.offset = offset;
            app.help = help;
            let depth = [ColorDepth::None, ColorDepth::Ansi16, ColorDepth::Ansi256, ColorDepth::TrueColor][depth];
            let theme = Theme::new(&content.theme, depth);
            let outer = Rect::new(0, 0, cols + 14, rows + 10);
            let sentinel = Cell::new("¤");
            let mut buf = Buffer::filled(outer, sentinel.clone());
            let area = Rect::new(x, y, cols, rows);
            let screen = Page { content: &content, app: &app, theme: &theme, problems: &[] };
            let links = screen.draw(area, &mut buf);
            for py in 0..outer.height {
                for px in 0..outer.width {
                    if !area.contains(ratatui::layout::Position::new(px, py)) {
                        prop_assert_eq!(&buf[(px, py)], &sentinel, "cell ({}, {}) outside {:?}", px, py, area);
                    }
                }
            }
            for link in links {
                prop_assert!(link.y >= area.y && link.y < area.bottom());
                prop_assert!(link.x >= area.x && link.x + link.width <= area.right());
            }
        }
    }
}

#[test]
fn wide_characters_in_content_stay_aligned() {
    let mut content = shipped();
    content.projects.projects[0].name = "日本語のプロジェクト 🚀 emoji".into();
    content.projects.projects[0].kind = Some("開発 · ✨".into());
    content.profile.name = "山田 太郎".into();
    let mut app = App::new(Section::Projects);
    for cols in [80, 40, 23] {
        let lines = text(&render(&content, &app, cols, 24));
        let name_row = lines.iter().find(|l| l.contains("日本語")).unwrap();
        // The gutter and the title start where they do for ASCII titles.
        let ascii_row = lines
            .iter()
            .find(|l| l.contains("Code Understanding"))
            .unwrap();
        let col_of = |line: &str, needle: &str| line[..line.find(needle).unwrap()].chars().count();
        assert_eq!(
            col_of(name_row, "日"),
            col_of(ascii_row, "Code"),
            "{cols}: {lines:#?}"
        );
        // The header's right-aligned email still fits after a wide name.
        assert!(
            lines[0].starts_with(" 山田 太郎") || cols < 30,
            "{lines:#?}"
        );
    }
    app.views[Section::Projects.index()].detail = true;
    let lines = text(&render(&content, &app, 30, 15));
    assert!(
        lines.iter().any(|l| l.contains("開発 · ✨ · 2025")),
        "{lines:#?}"
    );
}

#[test]
fn content_column_matches_what_check_warns_about() {
    let widest = column(Rect::new(0, 0, 500, 10)).width;
    assert_eq!(usize::from(widest), crate::content::COLUMN);
}

#[test]
fn scroll_hint_only_when_there_is_something_to_scroll() {
    let content = shipped();
    let tall = text(&render(&content, &App::new(Section::About), 100, 48));
    assert!(!tall[47].contains("scroll"), "{:?}", tall[47]);
    assert!(tall[47].contains("q quit"));
    let short = text(&render(&content, &App::new(Section::About), 100, 15));
    assert!(short[14].contains("↑↓ scroll"), "{:?}", short[14]);
}

/// Regression: at 40 columns the Contact keys line was cut to "y copy my".
#[test]
fn contact_keys_wrap_on_narrow_screens() {
    let content = shipped();
    let app = App::new(Section::Contact);
    let wide = text(&render(&content, &app, 80, 24));
    assert!(
        wide.iter()
            .any(|l| l.contains("c write me a message here   y copy my email")),
        "{wide:#?}"
    );
    for cols in [40, 30] {
        let lines = text(&render(&content, &app, cols, 30));
        let joined = lines.join("\n");
        assert!(joined.contains("copy my email"), "{cols}: {joined}");
        assert!(
            lines.iter().any(|l| l.trim_start().starts_with("y ")),
            "{cols}: {joined}"
        );
    }
}

/// The form's failure line names the owner's address in full on a phone,
/// where one row would cut it off.
#[test]
fn form_failure_wraps_so_the_address_shows_whole() {
    use crate::app::form::Form;
    use crate::inbox::SubmitResult;
    let content = shipped();
    let mut app = App::new(Section::Contact);
    let mut form = Form::new();
    form.answer(SubmitResult::Failed);
    app.form = Some(form);
    for (cols, rows) in [(80, 24), (40, 20), (40, 15)] {
        let joined = text(&render(&content, &app, cols, rows)).join("\n");
        assert!(
            joined.contains("couldn't save your message"),
            "{cols}x{rows}: {joined}"
        );
        assert!(
            joined.contains(&content.contact.email),
            "{cols}x{rows}: {joined}"
        );
        assert!(joined.contains("[ Send ]"), "{cols}x{rows}: {joined}");
    }
}
