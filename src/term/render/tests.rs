//! The renderer against a terminal emulator: what it writes must make the
//! emulator show exactly the buffer, with the least bytes on small changes,
//! the right colour codes for each depth, and links that change nothing of
//! the layout.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use unicode_width::UnicodeWidthStr;

use super::*;

fn vt(cols: u16, rows: u16) -> vt100::Parser {
    let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
    vt100::Parser::new(nz(rows), nz(cols), 0)
}

/// Renders one frame and returns its bytes.
fn frame(
    r: &mut Renderer,
    area: Rect,
    links: Vec<Link>,
    draw: impl FnOnce(&mut Buffer),
) -> Vec<u8> {
    let mut out = FrameBuf::default();
    r.frame(area, &mut out, Keep::Yes, |buf| {
        draw(buf);
        links
    });
    out.take().to_vec()
}

fn text_of(buf: &Buffer) -> String {
    let mut lines = Vec::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut x = 0;
        while x < buf.area.width {
            let s = buf[(x, y)].symbol();
            line.push_str(s);
            x += s.width().max(1) as u16;
        }
        lines.push(line.trim_end().to_string());
    }
    lines.join("\n")
}

fn screen_text(p: &vt100::Parser) -> String {
    let (rows, cols) = p.screen().size();
    p.screen()
        .rows(0, cols.get())
        .take(usize::from(rows.get()))
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn first_frame_paints_and_later_frames_send_only_changes() {
    let area = Rect::new(0, 0, 20, 4);
    let mut r = Renderer::new(true);
    let mut term = vt(20, 4);
    let first = frame(&mut r, area, vec![], |b| {
        b.set_string(0, 0, "hello", Style::new());
        b.set_string(2, 2, "world", Style::new().fg(Color::Red));
    });
    assert!(first.starts_with(b"\x1b[0m\x1b[H\x1b[2J"));
    term.process(&first);
    assert_eq!(screen_text(&term), "hello\n\n  world\n");

    let second = frame(&mut r, area, vec![], |b| {
        b.set_string(0, 0, "hellO", Style::new());
        b.set_string(2, 2, "world", Style::new().fg(Color::Red));
    });
    assert_eq!(second, b"\x1b[1;5HO");
    term.process(&second);
    assert_eq!(screen_text(&term), "hellO\n\n  world\n");

    let same = frame(&mut r, area, vec![], |b| {
        b.set_string(0, 0, "hellO", Style::new());
        b.set_string(2, 2, "world", Style::new().fg(Color::Red));
    });
    assert!(same.is_empty(), "{same:?}");
}

#[test]
fn encodes_colours_for_each_depth() {
    let area = Rect::new(0, 0, 10, 1);
    let cases: &[(Color, &str)] = &[
        (Color::Red, "\x1b[31m"),
        (Color::Gray, "\x1b[37m"),
        (Color::DarkGray, "\x1b[90m"),
        (Color::LightCyan, "\x1b[96m"),
        (Color::Indexed(74), "\x1b[38;5;74m"),
        (Color::Rgb(1, 2, 3), "\x1b[38;2;1;2;3m"),
    ];
    for (color, want) in cases {
        let mut r = Renderer::new(false);
        let bytes = frame(&mut r, area, vec![], |b| {
            b.set_string(0, 0, "x", Style::new().fg(*color));
        });
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains(&format!("{want}x")), "{color:?}: {text:?}");
        assert!(
            text.ends_with("\x1b[0m"),
            "pen reset after the frame: {text:?}"
        );
    }
    let mut r = Renderer::new(false);
    let bytes = frame(&mut r, area, vec![], |b| {
        b.set_string(0, 0, "x", Style::new().bg(Color::Blue));
    });
    assert!(String::from_utf8(bytes).unwrap().contains("\x1b[44mx"));
}

/// The parameters of every SGR sequence (`ESC [ ... m`) in `bytes`.
fn sgr_params(bytes: &[u8]) -> Vec<Vec<u16>> {
    let text = String::from_utf8_lossy(bytes);
    let mut found = Vec::new();
    for part in text.split("\x1b[").skip(1) {
        let end = part
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(part.len());
        if part[end..].starts_with('m') {
            found.push(
                part[..end]
                    .split(';')
                    .filter_map(|p| p.parse().ok())
                    .collect(),
            );
        }
    }
    found
}

#[test]
fn colourless_styles_send_no_colour_codes() {
    let area = Rect::new(0, 0, 30, 3);
    let mut r = Renderer::new(false);
    let bytes = frame(&mut r, area, vec![], |b| {
        b.set_string(0, 0, "bold", Style::new().add_modifier(Modifier::BOLD));
        b.set_string(
            0,
            1,
            "reverse",
            Style::new().add_modifier(Modifier::REVERSED),
        );
        b.set_string(0, 2, "plain", Style::new());
    });
    let params = sgr_params(&bytes);
    assert!(!params.is_empty());
    for p in params.iter().flatten() {
        assert!(matches!(p, 0..=9), "colour code {p} in {params:?}");
    }
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("\x1b[1mbold"), "{text:?}");
    // Bold off needs a reset; reverse on.
    assert!(text.contains("\x1b[0;7mreverse"), "{text:?}");
}

#[test]
fn links_wrap_cells_without_changing_the_layout() {
    let area = Rect::new(0, 0, 40, 3);
    let draw = |b: &mut Buffer| {
        b.set_string(0, 0, "Email     me@example.com", Style::new());
        b.set_string(0, 1, "日本語 wide", Style::new());
        b.set_string(0, 2, "after", Style::new());
    };
    let link = Link {
        x: 10,
        y: 0,
        width: 14,
        url: "mailto:me@example.com".into(),
    };
    let with = frame(&mut Renderer::new(true), area, vec![link.clone()], draw);
    let without = frame(&mut Renderer::new(true), area, vec![], draw);
    let off = frame(&mut Renderer::new(false), area, vec![link], draw);
    let text = String::from_utf8(with.clone()).unwrap();
    assert!(
        text.contains("\x1b]8;id=sf0;mailto:me@example.com\x1b\\me@example.com\x1b]8;;\x1b\\"),
        "{text:?}"
    );
    assert_eq!(off, without, "hyperlinks off: no OSC 8 at all");
    let (mut a, mut b) = (vt(40, 3), vt(40, 3));
    a.process(&with);
    b.process(&without);
    assert_eq!(screen_text(&a), screen_text(&b));
    assert_eq!(
        screen_text(&a),
        "Email     me@example.com\n日本語 wide\nafter"
    );
}

#[test]
fn a_changed_link_repaints() {
    let area = Rect::new(0, 0, 10, 1);
    let mut r = Renderer::new(true);
    let link = |url: &str| Link {
        x: 0,
        y: 0,
        width: 4,
        url: url.into(),
    };
    frame(&mut r, area, vec![link("https://a")], |b| {
        b.set_string(0, 0, "link", Style::new())
    });
    let bytes = frame(&mut r, area, vec![link("https://b")], |b| {
        b.set_string(0, 0, "link", Style::new())
    });
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("https://b"), "{text:?}");
}

#[test]
fn wide_characters_stay_aligned_across_frames() {
    let area = Rect::new(0, 0, 12, 2);
    let mut r = Renderer::new(false);
    let mut term = vt(12, 2);
    let steps = ["ab 日本 cd", "日本語 xy", "abc 😀 z", "plain text"];
    for (i, line) in steps.iter().enumerate() {
        let mut expected = Buffer::empty(area);
        expected.set_string(0, 0, line, Style::new());
        expected.set_string(0, 1, steps[steps.len() - 1 - i], Style::new());
        let bytes = frame(&mut r, area, vec![], |b| {
            b.set_string(0, 0, line, Style::new());
            b.set_string(0, 1, steps[steps.len() - 1 - i], Style::new());
        });
        term.process(&bytes);
        assert_eq!(screen_text(&term), text_of(&expected), "step {i}");
    }
}

#[test]
fn control_characters_in_cells_are_never_sent() {
    let area = Rect::new(0, 0, 5, 1);
    let mut r = Renderer::new(false);
    let bytes = frame(&mut r, area, vec![], |b| {
        b[(0, 0)].set_symbol("x\x1b[2J");
        b[(1, 0)].set_symbol("a\x07");
        b[(2, 0)].set_symbol("a");
    });
    assert!(!bytes.contains(&0x07));
    assert!(
        !String::from_utf8_lossy(&bytes).contains("x\x1b"),
        "{bytes:?}"
    );
}

#[test]
fn resize_and_release_repaint_everything() {
    let mut r = Renderer::new(false);
    frame(&mut r, Rect::new(0, 0, 10, 2), vec![], |b| {
        b.set_string(0, 0, "x", Style::new())
    });
    let bytes = frame(&mut r, Rect::new(0, 0, 8, 2), vec![], |b| {
        b.set_string(0, 0, "x", Style::new())
    });
    assert!(bytes.starts_with(b"\x1b[0m\x1b[H\x1b[2J"));
    r.release();
    let bytes = frame(&mut r, Rect::new(0, 0, 8, 2), vec![], |b| {
        b.set_string(0, 0, "x", Style::new())
    });
    assert!(bytes.starts_with(b"\x1b[0m\x1b[H\x1b[2J"));
}

#[test]
fn repaint_of_a_large_screen_places_every_cell() {
    // 500x200 is more cells than a u16 can count.
    let area = Rect::new(0, 0, 500, 200);
    let mut r = Renderer::new(false);
    let bytes = frame(&mut r, area, vec![], |b| {
        b.set_string(0, 0, "top", Style::new());
        b.set_string(497, 199, "end", Style::new());
        b.set_string(250, 150, "日本", Style::new());
    });
    let mut term = vt(500, 200);
    term.process(&bytes);
    let rows: Vec<String> = term.screen().rows(0, 500).collect();
    assert_eq!(rows[0].trim_end(), "top");
    assert_eq!(rows[199].trim(), "end");
    assert_eq!(rows[150].trim(), "日本");
    assert_eq!(rows[150].find('日'), Some(250));
}

#[test]
fn a_canvas_inside_the_screen_diffs_and_repaints_only_itself() {
    // A 60x5 screen whose canvas is the middle 20 columns.
    let canvas = Rect::new(20, 0, 20, 5);
    let mut r = Renderer::new(false);
    let mut term = vt(60, 5);
    term.process(b"junk left over from before");
    let first = frame(&mut r, canvas, vec![], |b| {
        assert_eq!(b.area, canvas);
        b.set_string(20, 1, "one", Style::new().fg(Color::Green));
        b.set_string(35, 4, "two", Style::new());
    });
    term.process(&first);
    assert_eq!(
        screen_text(&term),
        format!("\n{:20}one\n\n\n{:35}two", "", "")
    );
    let second = frame(&mut r, canvas, vec![], |b| {
        b.set_string(20, 1, "one", Style::new().fg(Color::Green));
        b.set_string(35, 4, "tWo", Style::new());
    });
    assert_eq!(second, b"\x1b[5;37HW");
    term.process(&second);
    assert_eq!(
        screen_text(&term),
        format!("\n{:20}one\n\n\n{:35}tWo", "", "")
    );
}

#[test]
fn a_frame_not_kept_makes_the_next_one_repaint() {
    let area = Rect::new(0, 0, 10, 2);
    let mut r = Renderer::new(false);
    let mut out = FrameBuf::default();
    r.frame(area, &mut out, Keep::No, |b| {
        b.set_string(0, 0, "x", Style::new());
        Vec::new()
    });
    assert!(out.take().starts_with(b"\x1b[0m\x1b[H\x1b[2J"));
    let bytes = frame(&mut r, area, vec![], |b| {
        b.set_string(0, 0, "x", Style::new())
    });
    assert!(bytes.starts_with(b"\x1b[0m\x1b[H\x1b[2J"));
    // Kept this time: the same frame again sends nothing.
    let bytes = frame(&mut r, area, vec![], |b| {
        b.set_string(0, 0, "x", Style::new())
    });
    assert!(bytes.is_empty(), "{bytes:?}");
}
