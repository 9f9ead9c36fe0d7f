//! Faithful to every terminal: colour depth from what the client sent,
//! mouse, hyperlinks, clipboard, key variants, and resize storms — each
//! through a real SSH session, read back through the vt100 emulator.

use base64::Engine as _;
use sshfolio::app::{App, Section};

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

/// Every SGR colour parameter a session sent, after its first frame and a
/// visit to every section.
async fn colour_codes(term: &str, env: &[(&str, &str)]) -> Vec<u16> {
    let server = TestServer::start();
    let mut v = russh_visitor_with(
        server.addr,
        "visitor",
        term,
        env,
        80,
        24,
        russh::client::Config::default(),
    )
    .await;
    v.wait_for(ABOUT).await;
    for (key, subtitle) in [
        ("2", "Where I've Worked"),
        ("4", "Engineering Insights"),
        ("6", "Let's Build"),
    ] {
        v.send(key.as_bytes()).await;
        v.wait_for(subtitle).await;
    }
    v.send(b"?").await;
    v.wait_for("any key closes").await;
    sgr_params(&v.received)
        .into_iter()
        .flat_map(|params| {
            // Keep only colour parameters, with the extended forms' heads.
            let mut colours = Vec::new();
            let mut i = 0;
            while i < params.len() {
                match params[i] {
                    38 | 48 => {
                        colours.push(params[i]);
                        colours.push(params.get(i + 1).copied().unwrap_or(0));
                        i += if params.get(i + 1) == Some(&2) { 5 } else { 3 };
                        continue;
                    }
                    p @ (30..=49 | 90..=107) => colours.push(p),
                    _ => {}
                }
                i += 1;
            }
            colours
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn colour_depth_follows_what_the_client_sent() {
    let none = colour_codes("dumb", &[]).await;
    assert!(none.is_empty(), "TERM=dumb: {none:?}");
    let none = colour_codes("xterm-256color", &[("NO_COLOR", "1")]).await;
    assert!(none.is_empty(), "NO_COLOR: {none:?}");

    let ansi = colour_codes("xterm", &[]).await;
    assert!(!ansi.is_empty());
    assert!(
        ansi.iter().all(|c| matches!(c, 30..=37 | 39 | 90..=97)),
        "16 colours: {ansi:?}"
    );

    let indexed = colour_codes("xterm-256color", &[]).await;
    assert!(
        indexed.windows(2).any(|w| w == [38, 5]),
        "256 colours: {indexed:?}"
    );
    assert!(!indexed.windows(2).any(|w| w == [38, 2]));

    let rgb = colour_codes("xterm-256color", &[("COLORTERM", "truecolor")]).await;
    assert!(rgb.windows(2).any(|w| w == [38, 2]), "truecolor: {rgb:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn colourless_session_stays_usable() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "dumb", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"5j").await;
    v.wait_for("2/6").await;
    // The selected item is marked by the gutter and reverse video, not colour.
    let screen = v.screen();
    let row = screen_rows(screen)
        .iter()
        .position(|r| r.contains("VS Code Extension — Function Call Tree Hover"))
        .unwrap() as u16;
    assert_eq!(screen.cell(row, 1).unwrap().contents(), "│");
    assert!(
        screen.cell(row, 3).unwrap().inverse(),
        "selected title in reverse video"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mouse_clicks_tabs_and_items_and_the_wheel_scrolls() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    assert_eq!(
        v.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::PressRelease
    );
    assert_eq!(
        v.screen().mouse_protocol_encoding(),
        vt100::MouseProtocolEncoding::Sgr
    );
    // Click " 5 Projects " on the tab row.
    let col = screen_rows(v.screen())[1].find("5 Projects").unwrap() as u16;
    v.send(&sgr_mouse(0, col, 1, true)).await;
    v.send(&sgr_mouse(0, col, 1, false)).await;
    v.wait_for("Things I've Built").await;
    // Click the third project, then click it again to open it.
    let row = screen_rows(v.screen())
        .iter()
        .position(|r| r.contains("Code Understanding Agent"))
        .unwrap() as u16;
    v.send(&sgr_mouse(0, 10, row, true)).await;
    v.wait_for("3/6").await;
    v.send(&sgr_mouse(0, 10, row, true)).await;
    v.wait_for("AI-powered CLI and web app").await;
    // The wheel scrolls the detail text (65 down, 64 up).
    v.send(b"\x1b").await;
    v.wait_for("3/6").await;
    v.send(&sgr_mouse(65, 10, 10, true)).await;
    v.wait_for("4/6").await;
    v.send(&sgr_mouse(64, 10, 10, true)).await;
    v.wait_for("3/6").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn m_turns_mouse_capture_off_and_on() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"m").await;
    v.wait_for("mouse off").await;
    assert_eq!(
        v.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
    v.send(b"m").await;
    v.wait_for("mouse on").await;
    assert_eq!(
        v.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::PressRelease
    );
    v.send(b"m").await;
    v.wait_for("mouse off").await;
    v.send(b"q").await;
    assert_eq!(v.wait_closed().await, Some(0));
    assert_eq!(
        v.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn links_are_osc8_and_do_not_change_the_layout() {
    let server = TestServer::start();
    let mut linked = russh_visitor(server.addr, "contact", "xterm-256color", 80, 24).await;
    let mut plain = russh_visitor(server.addr, "contact", "linux", 80, 24).await;
    linked.wait_for("linkedin.com/in/akshaykbkale").await;
    plain.wait_for("linkedin.com/in/akshaykbkale").await;
    let bytes = String::from_utf8_lossy(&linked.received).to_string();
    // Each link opens right before its text and closes right after it.
    for (url, text) in [
        ("mailto:akshaykbkale@gmail.com", "akshaykbkale@gmail.com"),
        (
            "https://linkedin.com/in/akshaykbkale",
            "linkedin.com/in/akshaykbkale",
        ),
    ] {
        let open = bytes
            .find(&format!(";{url}\x1b\\"))
            .unwrap_or_else(|| panic!("{url}: {bytes:?}"));
        // After the open sequence's terminator.
        let after = &bytes[open + url.len() + 3..];
        let text_at = after.find(text).unwrap();
        let close_at = after.find("\x1b]8;;\x1b\\").unwrap();
        assert_eq!(close_at, text_at + text.len(), "{after:?}");
        assert!(
            !after[..text_at].contains(' '),
            "only SGR between the link and its text"
        );
    }
    assert!(!String::from_utf8_lossy(&plain.received).contains("\x1b]8;"));
    assert_eq!(screen_rows(linked.screen()), screen_rows(plain.screen()));
}

#[tokio::test(flavor = "multi_thread")]
async fn y_copies_the_email_with_osc52() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"y").await;
    v.wait_for("copied akshaykbkale@gmail.com").await;
    let encoded = base64::engine::general_purpose::STANDARD.encode("akshaykbkale@gmail.com");
    let osc52 = format!("\x1b]52;c;{encoded}\x1b\\");
    assert!(String::from_utf8_lossy(&v.received).contains(&osc52));
    // How long the confirmation stays: timers::a_notice_stays_for_its_time_then_goes.
}

#[tokio::test(flavor = "multi_thread")]
async fn key_variants_of_every_terminal_work() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    let steps: &[(&[u8], &str)] = &[
        // Keypad in application mode: "4".
        (b"\x1bOt", "Engineering Insights"),
        // End (rxvt), Home (VT220), End (xterm), Home (SS3).
        (b"\x1b[8~", "6/6"),
        (b"\x1b[1~", "1/6"),
        (b"\x1b[F", "6/6"),
        (b"\x1bOH", "1/6"),
        // PgDn (the whole list fits one page here, so it lands on the last).
        (b"\x1b[6~", "6/6"),
        // Enter as CR LF is one Enter: the detail opens (a second Enter would do nothing).
        (b"\r\n", "Optimize for worst-case latency"),
        // PuTTY's Ctrl-H backspace goes back.
        (b"\x08", "6/6"),
        // Alt-q is not q.
        (b"\x1bq", "6/6"),
        // Keypad Enter in application mode.
        (b"\x1bOM", "Optimize for worst-case latency"),
        (b"\x7f", "6/6"),
        // Up in application cursor mode (Blink).
        (b"\x1bOA", "5/6"),
    ];
    for (bytes, expect) in steps {
        v.send(bytes).await;
        v.wait_for(expect).await;
    }
    // Alt-q did not quit: nothing (no goodbye, no restore) came after the
    // last step, and the session still answers a key.
    let last = v.mark();
    v.assert_quiet_since(last, b"1", ABOUT).await;
    assert!(!v.closed, "Alt-q must not quit");
}

#[tokio::test(flavor = "multi_thread")]
async fn sequences_and_utf8_split_across_packets_are_one_key() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"4").await;
    v.wait_for("1/6").await;
    // Down as CSI and as SS3, each cut after its ESC: neither ESC is an Esc.
    for (head, tail, expect) in [(&b"\x1b"[..], &b"[B"[..], "2/6"), (b"\x1bO", b"B", "3/6")] {
        v.send(head).await;
        v.send(tail).await;
        v.wait_for(expect).await;
    }
    // A CSI cut in its parameters: Shift-End.
    v.send(b"\x1b[1;").await;
    v.send(b"2F").await;
    v.wait_for("6/6").await;
    // "é" and "→" cut inside their UTF-8 bytes, typed into the form.
    v.send(b"c").await;
    v.wait_for("How to reach you").await;
    for part in [&b"Jos\xc3"[..], b"\xa9 \xe2", b"\x86", b"\x92 x"] {
        v.send(part).await;
    }
    v.wait_for("José → x").await;
    assert!(!v.contents().contains('\u{fffd}'), "{}", v.contents());
}

/// A deterministic walk of sizes between 1x1 and 500x200.
fn storm_sizes() -> Vec<(u16, u16)> {
    let mut state: u32 = 0x2545_f491;
    let mut next = |max: u32| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state % max + 1
    };
    let mut sizes: Vec<(u16, u16)> = (0..96)
        .map(|_| (next(500) as u16, next(200) as u16))
        .collect();
    sizes.extend([(1, 1), (500, 200), (20, 8), (80, 24)]);
    sizes
}

#[tokio::test(flavor = "multi_thread")]
async fn resize_storm_leaves_no_stale_cells() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    // Show a list with a selection, so layouts differ from size to size.
    v.send(b"4jj").await;
    v.wait_for("3/6").await;
    let mut app = App::new(Section::Insights);
    app.views[Section::Insights.index()].selected = 2;
    for (step, (cols, rows)) in storm_sizes().into_iter().enumerate() {
        v.resize(cols, rows).await;
        let want = expected_rows(&server.content, &app, cols, rows);
        let what = format!(
            "step {step} at {cols}x{rows}: the screen to be\n{}\n--- until now ---",
            want.join("\n")
        );
        v.wait_until(&what, |s| screen_rows(s) == want).await;
    }
    v.send(b"q").await;
    assert_eq!(v.wait_closed().await, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_resizes_at_once_end_in_the_right_frame() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    for (cols, rows) in storm_sizes() {
        v.channel
            .window_change(u32::from(cols), u32::from(rows), 0, 0)
            .await
            .unwrap();
    }
    set_size(v.parser.screen_mut(), 80, 24);
    let want = expected_rows(&server.content, &App::new(Section::About), 80, 24);
    v.wait_until("the 80x24 frame", |s| screen_rows(s) == want)
        .await;
    v.send(b"2").await;
    v.wait_for("Where I've Worked").await;
}
