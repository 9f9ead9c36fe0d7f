//! PROXY v1 and v2 headers: good ones, every way a bad one is refused,
//! and headers cut across reads.

use super::*;
use tokio::io::AsyncWriteExt;

const T: Duration = Duration::from_secs(1);
const REST: &[u8] = b"SSH-2.0-x\r\n";

enum Want {
    Addr(&'static str),
    Local,
    Bad,
}
use Want::*;

/// Reads `header` + REST from memory; on success the reader must hold exactly REST.
async fn parse(header: &[u8]) -> Result<Option<SocketAddr>, ProxyError> {
    let data = [header, REST].concat();
    let mut r: &[u8] = &data;
    let got = read_header(&mut r, T).await;
    if got.is_ok() {
        assert_eq!(r, REST, "rest after {:?}", String::from_utf8_lossy(header));
    }
    got
}

async fn check<H: AsRef<[u8]>>(cases: Vec<(H, Want)>) {
    for (header, want) in cases {
        let header = header.as_ref();
        let got = parse(header).await;
        match (&want, &got) {
            (Addr(a), Ok(Some(got))) if a.parse::<SocketAddr>().unwrap() == *got => {}
            (Local, Ok(None)) | (Bad, Err(ProxyError::Invalid(_))) => {}
            _ => panic!("{:?}: got {got:?}", String::from_utf8_lossy(header)),
        }
    }
}

fn v2(ver_cmd: u8, family: u8, block: &[u8]) -> Vec<u8> {
    let len = u16::try_from(block.len()).unwrap().to_be_bytes();
    [&V2_SIG[..], &[ver_cmd, family], &len, block].concat()
}

const V4_BLOCK: [u8; 12] = [192, 0, 2, 1, 198, 51, 100, 2, 0xC8, 0x22, 0, 22];

fn v6_block() -> Vec<u8> {
    let ip = |s: &str| s.parse::<Ipv6Addr>().unwrap().octets();
    [&ip("2001:db8::1")[..], &ip("::2"), &[0xC8, 0x22, 0, 22]].concat()
}

#[tokio::test]
async fn v1_table() {
    let unknown_max = format!("PROXY UNKNOWN {}\r\n", "x".repeat(V1_MAX - 16));
    let too_long = format!("PROXY UNKNOWN {}\r\n", "x".repeat(V1_MAX - 15));
    let cases: Vec<(&str, Want)> = vec![
        ("PROXY TCP4 1.2.3.4 5.6.7.8 9 22\r\n", Addr("1.2.3.4:9")),
        ("PROXY TCP4 0.0.0.0 0.0.0.0 0 65535\r\n", Addr("0.0.0.0:0")),
        (
            "PROXY TCP6 2001:db8::1 ::2 9 22\r\n",
            Addr("[2001:db8::1]:9"),
        ),
        ("PROXY UNKNOWN\r\n", Local),
        ("PROXY UNKNOWN ::1 ::2 1 2\r\n", Local),
        (&unknown_max, Local),
        (&too_long, Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 51234\r\n", Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 51234 22 9\r\n", Bad),
        ("PROXY TCP4 1.2.3.4  198.51.100.2 51234 22\r\n", Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 51234 22 \r\n", Bad),
        ("PROXY  TCP4 1.2.3.4 5.6.7.8 51234 22\r\n", Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 65536 22\r\n", Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 4294967318\r\n", Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 +22 22\r\n", Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 x 22\r\n", Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8  22\r\n", Bad),
        ("PROXY TCP4 2001:db8::1 198.51.100.2 1 22\r\n", Bad),
        ("PROXY TCP4 1.2.3.4 2001:db8::2 1 22\r\n", Bad),
        ("PROXY TCP6 1.2.3.4 2001:db8::2 1 22\r\n", Bad),
        ("PROXY TCP4 256.0.0.1 198.51.100.2 1 22\r\n", Bad),
        ("PROXY TCP6 fe80::1%eth0 ::2 1 22\r\n", Bad),
        ("PROXY tcp4 1.2.3.4 5.6.7.8 1 22\r\n", Bad),
        ("PROXY UDP4 1.2.3.4 5.6.7.8 1 22\r\n", Bad),
        ("PROXY UNKNOWNX\r\n", Bad),
        ("PROXY TCP4\r\n", Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 22\n", Bad),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 22\r\r\n", Bad),
        ("proxy TCP4 1.2.3.4 5.6.7.8 1 22\r\n", Bad),
        ("PROXY\tTCP4 1.2.3.4 5.6.7.8 1 22\r\n", Bad),
        ("SSH-2.0-OpenSSH_9.6\r\n", Bad), // no header at all
    ];
    check(cases).await;
    check(vec![(b"PROXY TCP4 \xff\r\n", Bad)]).await;
}

#[tokio::test]
async fn v2_table() {
    let tlvs = [&V4_BLOCK[..], &[4, 0, 3, 1, 2, 3, 1, 0, 2, b'h', b'2']].concat(); // NOOP, ALPN
    let max = [&V4_BLOCK[..], &[0x04, 0x0f, 0xf1], &[0; 4096 - 15]].concat();
    let mut wrong_sig = v2(0x21, 0x11, &V4_BLOCK);
    wrong_sig[11] = b'\r';
    check(vec![
        (v2(0x21, 0x11, &V4_BLOCK), Addr("192.0.2.1:51234")),
        (v2(0x21, 0x21, &v6_block()), Addr("[2001:db8::1]:51234")),
        (v2(0x21, 0x11, &tlvs), Addr("192.0.2.1:51234")),
        (v2(0x21, 0x11, &max), Addr("192.0.2.1:51234")),
        (v2(0x20, 0x00, &[]), Local),
        (v2(0x20, 0x11, &V4_BLOCK), Local),
        (v2(0x20, 0x31, &[]), Local),
        (v2(0x11, 0x11, &V4_BLOCK), Bad),
        (v2(0x31, 0x11, &V4_BLOCK), Bad),
        (v2(0x22, 0x11, &V4_BLOCK), Bad),
        (v2(0x2f, 0x11, &V4_BLOCK), Bad),
        (v2(0x21, 0x31, &[0; 216]), Bad),
        (v2(0x21, 0x12, &V4_BLOCK), Bad),
        (v2(0x21, 0x22, &v6_block()), Bad),
        (v2(0x21, 0x00, &[]), Bad),
        (v2(0x21, 0x11, &V4_BLOCK[..8]), Bad),
        (v2(0x21, 0x21, &V4_BLOCK), Bad),
        (wrong_sig, Bad),
        // Oversized: refused from the length alone, before any block byte is read.
        ([&V2_SIG[..], &[0x21, 0x11, 0x10, 0x01]].concat(), Bad),
        ([&V2_SIG[..], &[0x21, 0x11, 0xff, 0xff]].concat(), Bad),
    ])
    .await;
}

#[tokio::test]
async fn stream_ending_early_is_io_error() {
    let v2_short = [&V2_SIG[..], &[0x21, 0x11, 0, 12, 1, 2, 3]].concat();
    for data in [&b""[..], b"PROXY", b"PROXY TCP4 1.2", V2_SIG, &v2_short] {
        let got = read_header(&mut &data[..], T).await;
        assert!(matches!(got, Err(ProxyError::Io(_))), "{data:?}: {got:?}");
    }
}

#[tokio::test]
async fn round_trip_and_rest_untouched() {
    for (src, dst) in [
        ("1.2.3.4:51234", "5.6.7.8:22"),
        ("[2001:db8::1]:9", "[::1]:22"),
    ] {
        let (src, dst) = (src.parse().unwrap(), dst.parse().unwrap());
        assert_eq!(parse(&v1_header(src, dst)).await.unwrap(), Some(src));
        assert_eq!(parse(&v2_header(src, dst)).await.unwrap(), Some(src));
    }
    let (src, dst) = ("192.0.2.1:5".parse().unwrap(), "[::1]:22".parse().unwrap());
    let mapped = Some("[::ffff:192.0.2.1]:5".parse().unwrap());
    assert_eq!(parse(&v1_header(src, dst)).await.unwrap(), mapped);
    assert_eq!(parse(&v2_header(src, dst)).await.unwrap(), mapped);
    let big = SocketAddr::new(Ipv6Addr::from([0xff; 16]).into(), 65535);
    assert_eq!(v1_header(big, big).len(), 104); // the longest TCP6 line fits in 107
}

#[tokio::test]
async fn one_byte_writes_over_duplex() {
    let src: SocketAddr = "[2001:db8::7]:4242".parse().unwrap();
    let unknown = b"PROXY UNKNOWN\r\n".to_vec();
    for (header, want) in [
        (v1_header(src, src), Some(src)),
        (v2_header(src, src), Some(src)),
        (unknown, None),
    ] {
        let (mut client, mut server) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            for b in [&header[..], REST].concat() {
                client.write_all(&[b]).await.unwrap();
                tokio::task::yield_now().await;
            }
        });
        assert_eq!(read_header(&mut server, T).await.unwrap(), want);
        writer.await.unwrap();
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).await.unwrap();
        assert_eq!(rest, REST);
    }
}

#[tokio::test]
async fn stalled_header_times_out() {
    for partial in [&b"PROXY TCP4 192.0.2.1"[..], &V2_SIG[..], b"PROXY"] {
        let (mut client, mut server) = tokio::io::duplex(64);
        client.write_all(partial).await.unwrap();
        let started = std::time::Instant::now();
        let got = read_header(&mut server, Duration::from_millis(100)).await;
        assert!(matches!(got, Err(ProxyError::Timeout)), "{got:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
        drop(client);
    }
}

#[tokio::test]
async fn random_streams_never_panic() {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed as usize
    };
    let text = b"PROXY TCP46UNKNOW0123456789abcdef.:\r\n";
    let addr = |n: usize| SocketAddr::new(IpAddr::from((n as u32).to_be_bytes()), n as u16);
    for i in 0..400 {
        // Random bytes, or random text / bytes after a real prefix, or a mutated real header.
        let v2_fixed = [0x20 + next() as u8 % 3, 0x11, 0, next() as u8 % 48];
        let mut data = match i % 4 {
            0 => Vec::new(),
            1 => b"PROXY ".to_vec(),
            2 => [&V2_SIG[..], &v2_fixed].concat(),
            _ if i % 8 == 3 => v1_header(addr(next()), addr(next())),
            _ => v2_header(addr(next()), addr(next())),
        };
        let tail: Vec<usize> = (0..next() % 160).map(|_| next()).collect();
        data.extend(tail.iter().map(|&r| {
            if i % 4 == 1 {
                text[r % text.len()]
            } else {
                r as u8
            }
        }));
        if i % 4 >= 2 {
            let at = next() % data.len();
            data[at] = next() as u8;
        }
        let mut r: &[u8] = &data;
        let got = read_header(&mut r, T).await;
        assert!(!matches!(got, Err(ProxyError::Timeout)), "{data:?}");
    }
}
