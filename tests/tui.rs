//! The interactive UI through the russh client: first screen, navigation,
//! detail views, resize, quitting, and the terminal left as it was found.

use crate::util::*;

const ABOUT: &str = "6+ years building distributed systems";

#[tokio::test(flavor = "multi_thread")]
async fn first_screen_shows_the_portfolio() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    let screen = v.contents();
    assert!(screen.contains("Akshay Kale"), "{screen}");
    assert!(
        screen.contains("1 About") && screen.contains("6 Contact"),
        "{screen}"
    );
    assert!(screen.contains("An Engineer & Athlete"), "{screen}");
    assert!(
        v.screen().alternate_screen(),
        "the UI runs on the alternate screen"
    );
    assert!(v.screen().hide_cursor());
    // The footer sits on the last row.
    let last = v.screen().rows(0, 80).nth(23).unwrap();
    assert!(last.contains("q quit"), "{last:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tab_and_digits_reach_every_section() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    let subtitles = [
        "Where I've Worked",
        "Technical Arsenal",
        "Engineering Insights",
        "Things I've Built",
        "Let's Build Something",
        "An Engineer & Athlete",
    ];
    for subtitle in subtitles {
        v.send(b"\t").await;
        v.wait_for(subtitle).await;
    }
    for (digit, subtitle) in ["2", "3", "4", "5", "6", "1"].iter().zip(subtitles) {
        v.send(digit.as_bytes()).await;
        v.wait_for(subtitle).await;
    }
    // Shift-Tab and arrow keys, as terminals encode them.
    v.send(b"\x1b[Z").await;
    v.wait_for("Let's Build Something").await;
    v.send(b"\x1b[C").await;
    v.wait_for("An Engineer & Athlete").await;
    v.send(b"\x1bOD").await;
    v.wait_for("Let's Build Something").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn detail_view_opens_and_closes() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"4").await;
    v.wait_for("Scaling LLM Inference").await;
    v.send(b"jj\r").await;
    v.wait_for("Chaos engineering validates system reliability")
        .await;
    assert!(v.contents().contains("esc back"));
    v.send(b"\x7f").await;
    v.wait_until("the list again", |s| {
        s.contents().contains("3/6") && !s.contents().contains("Chaos engineering")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn username_opens_its_section() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "projects", "xterm-256color", 80, 24).await;
    v.wait_for("Things I've Built").await;
    assert!(v.contents().contains("Kodai"));
}

#[tokio::test(flavor = "multi_thread")]
async fn window_change_relayouts_at_once() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.resize(40, 15).await;
    v.wait_for("‹ 1/6 About ›").await;
    v.resize(120, 40).await;
    v.wait_for("2 Experience").await;
    // Nothing of the compact selector survives the repaint.
    assert!(!v.contents().contains('‹'), "{}", v.contents());
    v.resize(12, 5).await;
    v.wait_for("please").await;
    v.resize(80, 24).await;
    v.wait_for(ABOUT).await;
    assert!(!v.contents().contains("please"), "{}", v.contents());
}

#[tokio::test(flavor = "multi_thread")]
async fn wide_terminals_get_a_capped_centred_column() {
    let server = TestServer::start();
    let (cols, rows) = (300u16, 60u16);
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 300, 60).await;
    v.wait_for(ABOUT).await;
    for section in ["1", "4"] {
        v.send(section.as_bytes()).await;
        v.wait_for(if section == "1" { ABOUT } else { "1/6" }).await;
        let screen = v.screen();
        let used: Vec<u16> = (0..rows)
            .flat_map(|row| (0..cols).map(move |col| (row, col)))
            .filter(|&(row, col)| {
                screen
                    .cell(row, col)
                    .is_some_and(|cell| !cell.contents().trim().is_empty())
            })
            .map(|(_, col)| col)
            .collect();
        let (left, right) = (*used.iter().min().unwrap(), *used.iter().max().unwrap());
        // At most about 100 columns wide, with as much room on either side.
        assert!(right - left < 100, "{left}..{right}\n{}", v.contents());
        assert!(left >= 100 && right < 200, "{left}..{right}");
        assert!(left.abs_diff(cols - 1 - right) <= 2, "{left}..{right}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn quits_on_q_with_status_zero_and_restores_the_terminal() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    v.send(b"q").await;
    assert_eq!(v.wait_closed().await, Some(0));
    let screen = v.screen();
    assert!(!screen.alternate_screen(), "left the alternate screen");
    assert!(!screen.hide_cursor(), "cursor shown again");
    assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None);
    assert!(!screen.bracketed_paste());
    assert!(
        v.received.ends_with(b"\x1b[?1049l"),
        "restore is the last thing sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_and_ctrl_d_quit() {
    let server = TestServer::start();
    for key in [b"\x03", b"\x04"] {
        let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
        v.wait_for(ABOUT).await;
        v.send(key).await;
        assert_eq!(v.wait_closed().await, Some(0));
        assert!(!v.screen().alternate_screen());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_keys_costs_one_frame() {
    let server = TestServer::start();
    let mut v = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    v.wait_for(ABOUT).await;
    // The first frame is one write, already read.
    let frames = v.mark();
    // One packet with five section changes.
    v.send(b"\t\t\t\t\t").await;
    v.wait_for("Let's Build Something").await;
    assert_eq!(
        v.packets.len() - frames,
        1,
        "packets: {:?}",
        &v.packets[frames..]
    );
    // And nothing trails it: the next packet is the next key's frame.
    let burst = v.mark();
    v.assert_quiet_since(burst, b"1", ABOUT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_do_not_share_state() {
    let server = TestServer::start();
    let mut a = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    let mut b = russh_visitor(server.addr, "visitor", "xterm-256color", 80, 24).await;
    a.wait_for(ABOUT).await;
    b.wait_for(ABOUT).await;
    let b_quiet = b.mark();
    a.send(b"5").await;
    a.wait_for("Things I've Built").await;
    let a_quiet = a.mark();
    // b was sent nothing for a's change (its screen still showed the
    // first frame when its own key came), and a nothing for b's.
    b.assert_quiet_since(b_quiet, b"2", "Where I've Worked")
        .await;
    a.assert_quiet_since(a_quiet, b"j", "2/6").await;
    a.send(b"q").await;
    assert_eq!(a.wait_closed().await, Some(0));
    b.send(b"3").await;
    b.wait_for("Technical Arsenal").await;
}
