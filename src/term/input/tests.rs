//! The parser's tables (every case also fed byte by byte), timeouts,
//! flushes from every state, and random streams.

use super::parser::State;
use super::*;
use Key::*;
use MouseButton::{Left as L, Middle, Right as R};
use MouseKind as M;
use proptest::prelude::*;
use std::time::Instant;

type Table<'a> = &'a [(&'a [u8], Vec<InputEvent>)];

fn parse(chunks: &[&[u8]]) -> Vec<InputEvent> {
    let (mut p, mut out) = (InputParser::new(), Vec::new());
    for c in chunks {
        p.feed(c, &mut out);
    }
    out
}

/// Runs each case in one feed and again one byte per feed.
fn check(table: Table) {
    for (bytes, want) in table {
        let name = bytes.escape_ascii().to_string();
        assert_eq!(&parse(&[bytes]), want, "one feed: {name}");
        let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(&parse(&bytewise), want, "byte by byte: {name}");
    }
}

/// `m` holds any of 's', 'a', 'c' (shift, alt, ctrl).
fn mods(m: &str) -> Modifiers {
    let (shift, alt, ctrl) = (m.contains('s'), m.contains('a'), m.contains('c'));
    Modifiers { shift, alt, ctrl }
}
fn key(key: Key, m: &str) -> InputEvent {
    InputEvent::Key(KeyEvent { key, mods: mods(m) })
}
fn k(k: Key) -> InputEvent {
    InputEvent::Key(KeyEvent::plain(k))
}
fn ch(c: char) -> InputEvent {
    k(Char(c))
}
fn mouse(kind: MouseKind, column: u16, row: u16, m: &str) -> InputEvent {
    InputEvent::Mouse(MouseEvent {
        kind,
        column,
        row,
        mods: mods(m),
    })
}
fn paste(s: &str) -> InputEvent {
    InputEvent::Paste(s.to_string())
}

#[test]
fn text_and_controls() {
    #[rustfmt::skip]
    let table: Table = &[
        (b"a", vec![ch('a')]),
        (b"A~ ", vec![ch('A'), ch('~'), ch(' ')]),
        ("é€😀".as_bytes(), vec![ch('é'), ch('€'), ch('😀')]),
        (b"\xffa", vec![ch('a')]),              // bad lead
        (b"\xc3a", vec![ch('a')]),              // bad continuation
        (b"\xe2\x82a", vec![ch('a')]),          // truncated
        (b"\x80a", vec![ch('a')]),              // lone continuation
        (b"\xc0\xafa", vec![ch('a')]),          // overlong 2-byte
        (b"\xe0\x80\xafa", vec![ch('a')]),      // overlong 3-byte
        (b"\xed\xa0\x80a", vec![ch('a')]),      // surrogate
        (b"\xf4\x90\x80\x80a", vec![ch('a')]),  // above U+10FFFF
        (b"\xc2\x85a", vec![ch('a')]),          // C1 control
        (b"\r", vec![k(Enter)]),
        (b"\n", vec![k(Enter)]),
        (b"\r\n", vec![k(Enter)]),
        (b"\r\0", vec![k(Enter)]),
        (b"\r\r\n\n", vec![k(Enter), k(Enter), k(Enter)]),
        (b"\t", vec![k(Tab)]),
        (b"\x7f\x08", vec![k(Backspace), k(Backspace)]),
        (b"\x03\x04", vec![key(Char('c'), "c"), key(Char('d'), "c")]),
        (b"\x01\x1a", vec![key(Char('a'), "c"), key(Char('z'), "c")]),
        (b"\0\x1c\x1f", vec![key(Char(' '), "c"), key(Char('\\'), "c"), key(Char('_'), "c")]),
        (b"\x1ba", vec![key(Char('a'), "a")]),
        (b"\x1bA", vec![key(Char('A'), "a")]),
        ("\x1bé".as_bytes(), vec![key(Char('é'), "a")]),
        (b"\x1b\x03", vec![key(Char('c'), "ac")]),
        (b"\x1b\x7f", vec![key(Backspace, "a")]),
        (b"\x1b\r\n", vec![key(Enter, "a")]),
        (b"\x1b\x1ba", vec![k(Esc), key(Char('a'), "a")]),
    ];
    check(table);
}

#[test]
fn csi_keys() {
    #[rustfmt::skip]
    let table: Table = &[
        (b"\x1b[A\x1b[B\x1b[C\x1b[D", vec![k(Up), k(Down), k(Right), k(Left)]),
        (b"\x1b[H\x1b[F\x1b[Z", vec![k(Home), k(End), k(BackTab)]),
        (b"\x1b[1;5A", vec![key(Up, "c")]),
        (b"\x1b[1;2B\x1b[1;3C", vec![key(Down, "s"), key(Right, "a")]),
        (b"\x1b[1;8D\x1b[1;5H", vec![key(Left, "sac"), key(Home, "c")]),
        (b"\x1b[1~\x1b[7~\x1b[4~\x1b[8~", vec![k(Home), k(Home), k(End), k(End)]),
        (b"\x1b[2~\x1b[3~", vec![k(Insert), k(Delete)]),
        (b"\x1b[5~\x1b[6~", vec![k(PageUp), k(PageDown)]),
        (b"\x1b[11~\x1b[15~\x1b[17~", vec![k(F(1)), k(F(5)), k(F(6))]),
        (b"\x1b[21~\x1b[23~\x1b[24~", vec![k(F(10)), k(F(11)), k(F(12))]),
        (b"\x1b[3;5~\x1b[15;2~", vec![key(Delete, "c"), key(F(5), "s")]),
        (b"\x1b[7^\x1b[2$", vec![key(Home, "c"), key(Insert, "s")]),
        (b"\x1b[3@\x1b[11^", vec![key(Delete, "sc"), key(F(1), "c")]),
        (b"\x1b[1;2P\x1b[1;5S\x1b[P", vec![key(F(1), "s"), key(F(4), "c"), k(F(1))]),
        (b"\x1b[1;5R", vec![key(F(3), "c")]),
        (b"\x1b[I\x1b[O", vec![InputEvent::FocusGained, InputEvent::FocusLost]),
        (b"\x1b[97;5u\x1b[13u", vec![key(Char('a'), "c"), k(Enter)]),
        (b"\x1b[13;2u\x1b[9;5u", vec![key(Enter, "s"), key(Tab, "c")]),
        (b"\x1b[127;3u\x1b[27u", vec![key(Backspace, "a"), k(Esc)]),
        (b"\x1b[233u\x1b[57399u", vec![ch('é')]), // kitty keypad key: no Key for it
        (b"\x1b[27;5;13~", vec![key(Enter, "c")]),
        (b"\x1b[[A\x1b[[E", vec![k(F(1)), k(F(5))]),
        (b"\x1b[a\x1bOb", vec![key(Up, "s"), key(Down, "c")]),
    ];
    check(table);
}

#[test]
fn ss3_keys() {
    #[rustfmt::skip]
    let table: Table = &[
        (b"\x1bOA\x1bOB\x1bOC\x1bOD", vec![k(Up), k(Down), k(Right), k(Left)]),
        (b"\x1bOH\x1bOF\x1bOM", vec![k(Home), k(End), k(Enter)]),
        (b"\x1bOP\x1bOQ\x1bOR\x1bOS", vec![k(F(1)), k(F(2)), k(F(3)), k(F(4))]),
        (b"\x1bOp\x1bOy", vec![ch('0'), ch('9')]),
        (b"\x1bOj\x1bOk\x1bOl", vec![ch('*'), ch('+'), ch(',')]),
        (b"\x1bOm\x1bOn\x1bOo\x1bOX", vec![ch('-'), ch('.'), ch('/'), ch('=')]),
        (b"\x1bO!a", vec![ch('a')]),
        (b"\x1bO\x03", vec![key(Char('c'), "c")]),
    ];
    check(table);
}

#[test]
fn mouse_reports() {
    #[rustfmt::skip]
    let table: Table = &[
        (b"\x1b[<0;1;1M", vec![mouse(M::Down(L), 0, 0, "")]),
        (b"\x1b[<0;10;20m", vec![mouse(M::Up(L), 9, 19, "")]),
        (b"\x1b[<1;5;5M\x1b[<2;5;5m", vec![mouse(M::Down(Middle), 4, 4, ""), mouse(M::Up(R), 4, 4, "")]),
        (b"\x1b[<32;3;4M\x1b[<35;3;4M", vec![mouse(M::Drag(L), 2, 3, ""), mouse(M::Moved, 2, 3, "")]),
        (b"\x1b[<64;1;1M\x1b[<65;1;1M", vec![mouse(M::ScrollUp, 0, 0, ""), mouse(M::ScrollDown, 0, 0, "")]),
        (b"\x1b[<66;1;1M\x1b[<67;1;1M", vec![mouse(M::ScrollLeft, 0, 0, ""), mouse(M::ScrollRight, 0, 0, "")]),
        (b"\x1b[<20;1;1M\x1b[<8;1;1M", vec![mouse(M::Down(L), 0, 0, "sc"), mouse(M::Down(L), 0, 0, "a")]),
        (b"\x1b[<0;0;0M", vec![mouse(M::Down(L), 0, 0, "")]),
        (b"\x1b[<0;99999999;70000M", vec![mouse(M::Down(L), u16::MAX, u16::MAX, "")]),
        (b"\x1b[<0;99999999999999999;1M", vec![mouse(M::Down(L), u16::MAX, 0, "")]),
        (b"\x1b[<128;1;1Ma\x1b[<0;1Mb", vec![ch('a'), ch('b')]),
        (b"\x1b[M !!a", vec![mouse(M::Down(L), 0, 0, ""), ch('a')]),
        (b"\x1b[M#*+", vec![mouse(M::Up(L), 9, 10, "")]), // legacy release: button unknown
        (b"\x1b[M`!!\x1b[MC!!", vec![mouse(M::ScrollUp, 0, 0, ""), mouse(M::Moved, 0, 0, "")]),
        (b"\x1b[M \xff\xffa", vec![mouse(M::Down(L), 222, 222, ""), ch('a')]),
        (b"\x1b[M\x1b\x1b\x1ba", vec![mouse(M::Down(L), 0, 0, ""), ch('a')]),
    ];
    check(table);
}

#[test]
fn pastes() {
    #[rustfmt::skip]
    let table: Table = &[
        (b"\x1b[200~hello\x1b[201~", vec![paste("hello")]),
        (b"\x1b[200~\x1b[201~", vec![paste("")]),
        (b"\x1b[200~a\r\nb\rc\nd\x1b[201~x", vec![paste("a\nb\nc\nd"), ch('x')]),
        (b"\x1b[200~a\x01\tb\x7f\x1b[A\x1b[201~", vec![paste("a\tb")]),
        (b"\x1b[200~\x1b[20x\x1b\x1b[201~", vec![paste("")]),
        (b"\x1b[200~\xffok\xc2\x85\x1b[201~", vec![paste("\u{fffd}ok")]),
        ("\x1b[200~é€\x1b[201~".as_bytes(), vec![paste("é€")]),
        (b"\x1b[201~a", vec![ch('a')]), // stray end marker
    ];
    check(table);
}

#[test]
fn dropped_sequences() {
    let long = format!("\x1b[{}Ab", "1".repeat(40));
    #[rustfmt::skip]
    let table: Table = &[
        (b"\x1b]11;rgb:0000/0000/0000\x07a", vec![ch('a')]),
        (b"\x1b]0;title\x1b\\a", vec![ch('a')]),
        (b"\x1bP1$r0m\x1b\\\x1b_Gi=1;OK\x1b\\a", vec![ch('a')]),
        (b"\x1b^pm\x1b\\\x1bXsos\x1b\\a", vec![ch('a')]),
        (b"\x1b]never ends\x1b[A", vec![k(Up)]),
        (b"\x1b[12;40Ra\x1b[1;40Rb", vec![ch('a'), ch('b')]), // cursor position reports
        (b"\x1b[?1;2ca\x1b[>0;136;0cb", vec![ch('a'), ch('b')]), // device attributes
        (b"\x1b[?2004;1$ya\x1b[2004;1$yb", vec![ch('a'), ch('b')]), // mode reports
        (long.as_bytes(), vec![ch('b')]),
        (b"\x1b[1;5\x1b[A", vec![k(Up)]),
        (b"\x1b[1\x03", vec![key(Char('c'), "c")]),
        (b"\x1b[1;1000Aa\x1b[2;5Ab", vec![ch('a'), ch('b')]),
        (b"\x1b[1;2;3;4;5Aa\x1b[99~b\x1b[Jc", vec![ch('a'), ch('b'), ch('c')]),
        (b"\x1b[[Za\x1b[ qb", vec![ch('a'), ch('b')]),
    ];
    check(table);
}

#[test]
fn lone_esc_waits_for_timeout() {
    let (mut p, mut out) = (InputParser::new(), Vec::new());
    p.feed(b"\x1b", &mut out);
    assert_eq!((out.len(), p.pending_timeout()), (0, Some(ESC_TIMEOUT)));
    p.flush_timeout(&mut out);
    assert_eq!((out, p.pending_timeout()), (vec![k(Esc)], None));
    assert_eq!(parse(&[b"\x1b", b"x"]), vec![key(Char('x'), "a")]);

    let mut out = Vec::new();
    p.feed(b"\x1b\x1b", &mut out);
    assert_eq!(
        (&out, p.pending_timeout()),
        (&vec![k(Esc)], Some(ESC_TIMEOUT))
    );
    p.flush_timeout(&mut out);
    assert_eq!(out, vec![k(Esc), k(Esc)]);
}

#[test]
fn flush_returns_to_ground_from_every_state() {
    #[rustfmt::skip]
    let cases: &[(&[u8], Option<Duration>, Vec<InputEvent>)] = &[
        (b"", None, vec![]),
        (b"\x1b", Some(ESC_TIMEOUT), vec![k(Esc)]),
        (b"\x1b[", Some(ESC_TIMEOUT), vec![]),
        (b"\x1b[1;5", Some(ESC_TIMEOUT), vec![]),
        (b"\x1bO", Some(ESC_TIMEOUT), vec![]),
        (b"\x1b[[", Some(ESC_TIMEOUT), vec![]),
        (b"\x1b[M!", Some(ESC_TIMEOUT), vec![]),
        (b"\x1b]x\x1b", Some(ESC_TIMEOUT), vec![]),
        (b"\xe2\x82", None, vec![]),
        (b"\x1b\xe2", None, vec![]),
        (b"\r", None, vec![]),
        (b"\x1b[200~abc", Some(PASTE_TIMEOUT), vec![paste("abc")]),
        (b"\x1b[200~abc\x1b[20", Some(PASTE_TIMEOUT), vec![paste("abc")]),
    ];
    for (bytes, timeout, flushed) in cases {
        let name = bytes.escape_ascii().to_string();
        let (mut p, mut out) = (InputParser::new(), Vec::new());
        p.feed(bytes, &mut out);
        assert_eq!(p.pending_timeout(), *timeout, "{name}");
        out.clear();
        p.flush_timeout(&mut out);
        assert_eq!(&out, flushed, "{name}");
        assert!(p.state == State::Ground && !p.after_cr && p.paste.is_empty());
        out.clear();
        p.feed(b"\n", &mut out);
        assert_eq!(out, vec![k(Enter)], "{name}");
    }
}

#[test]
fn crlf_split_across_feeds() {
    assert_eq!(parse(&[b"a\r", b"\nb"]), vec![ch('a'), k(Enter), ch('b')]);
    assert_eq!(parse(&[b"\r", b"\0"]), vec![k(Enter)]);
}

#[test]
fn paste_end_marker_split_anywhere() {
    let input = b"\x1b[200~hi\r\nthere\x1b[201~x";
    let want = vec![paste("hi\nthere"), ch('x')];
    for i in 0..=input.len() {
        for j in i..=input.len() {
            let got = parse(&[&input[..i], &input[i..j], &input[j..]]);
            assert_eq!(got, want, "split at {i}, {j}");
        }
    }
}

#[test]
fn huge_paste_is_capped_and_linear() {
    let start = Instant::now();
    // Plain text, and the worst case for the end-marker search: endless near-misses.
    for body in [vec![b'a'; 1 << 20], b"\x1b[20".repeat(1 << 18)] {
        let (mut p, mut out) = (InputParser::new(), Vec::new());
        p.feed(b"\x1b[200~", &mut out);
        for chunk in body.chunks(4096) {
            p.feed(chunk, &mut out);
            assert!(p.paste.capacity() <= 2 * MAX_PASTE_BYTES);
        }
        p.feed(b"\x1b[201~q", &mut out);
        let [InputEvent::Paste(text), q] = &out[..] else {
            panic!("{out:?}")
        };
        // Plain text is kept up to the cap; a body made only of escape
        // sequences is removed whole.
        assert!(text.len() <= MAX_PASTE_BYTES);
        if body[0] == b'a' {
            assert!(text.len() >= MAX_PASTE_BYTES / 2);
        } else {
            assert!(text.is_empty(), "{}", text.len());
        }
        assert_eq!(q, &ch('q'));
    }
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn x10_mouse_bytes_split_across_feeds() {
    let got = parse(&[b"\x1b[", b"M", b"@", b"\x80", b"\xc3a"]);
    assert_eq!(got, vec![mouse(M::Drag(L), 95, 162, ""), ch('a')]);
}

/// Random bytes, enriched with pieces of real sequences so that every
/// state is reached often.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    #[rustfmt::skip]
    const PIECES: &[&[u8]] = &[
        b"\x1b", b"\x1b[", b"\x1bO", b"\x1b]", b"\x1bP", b"\x1b\\", b"\x1b[<", b"\x1b[M",
        b"\x1b[200~", b"\x1b[201~", b"\x1b[[", b";", b"1", b"5", b"~", b"u", b"\r", b"\xe2\x82",
    ];
    let atom = prop_oneof![
        3 => any::<u8>().prop_map(|b| vec![b]),
        1 => proptest::sample::select(PIECES).prop_map(<[u8]>::to_vec),
    ];
    proptest::collection::vec(atom, 0..300).prop_map(|atoms| {
        let mut bytes = atoms.concat();
        bytes.truncate(512);
        bytes
    })
}

/// No Char is a control (C0, C1, ESC, DEL); pastes keep only \n and \t.
fn is_clean(ev: &InputEvent) -> bool {
    match ev {
        InputEvent::Key(KeyEvent { key: Char(c), .. }) => !c.is_control(),
        InputEvent::Paste(s) => s.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'),
        _ => true,
    }
}

/// Any bytes, however chunked: no panic, chunking changes nothing, no
/// control characters leak, and after a timeout the parser takes keys again.
#[test]
fn random_streams() {
    let config = ProptestConfig::with_cases(10_000);
    let cuts = proptest::collection::vec(1usize..40, 1..16);
    proptest!(config, |(bytes in stream(), cuts in cuts)| {
        let (mut whole, mut a) = (InputParser::new(), Vec::new());
        whole.feed(&bytes, &mut a);
        let (mut chunked, mut b) = (InputParser::new(), Vec::new());
        let mut rest = &bytes[..];
        for &n in cuts.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at(n.min(rest.len()));
            chunked.feed(chunk, &mut b);
            rest = tail;
        }
        prop_assert_eq!(&a, &b);
        prop_assert_eq!(&whole, &chunked);
        prop_assert!(whole.paste.len() <= MAX_PASTE_BYTES);
        whole.flush_timeout(&mut a);
        prop_assert!(a.iter().all(is_clean), "{:?}", a);
        prop_assert_eq!(whole.pending_timeout(), None);
        let mut q = Vec::new();
        whole.feed(b"q", &mut q);
        prop_assert_eq!(q, vec![ch('q')]);
    });
}
