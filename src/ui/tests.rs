//! Rendering tests with ratatui's TestBackend: every section at the common
//! sizes, the compact and too-small layouts, and sizes down to 0x0.

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

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
    let screen = Screen {
        content,
        app,
        theme: &theme,
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
            for x in 0..area.width {
                line.push_str(buf[(x, y)].symbol());
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
                let screen = Screen {
                    content: &content,
                    app: &app,
                    theme: &theme,
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
