//! PROXY protocol support (HAProxy spec, v1 text and v2 binary) for running behind a TCP load
//! balancer. This module owns reading and validating the one header that must open every
//! connection when `--proxy-protocol` is on, and returning the visitor's source address it
//! carries; it also owns the header builders used by integration tests and the load tool. It never
//! auto-detects a header: the caller decides, per listener, whether to call [`read_header`].
//!
//! The header is read straight from the stream without any buffering, and never a byte past its
//! end, because the SSH version line follows at once and belongs to the SSH library. The first read
//! takes exactly 12 bytes: the shortest valid headers are v1 `PROXY UNKNOWN\r\n` (15 bytes) and a
//! v2 signature plus its 4 fixed bytes (16), so 12 bytes are always part of the header, and they
//! are enough to tell the v2 signature (12 bytes) apart from the v1 prefix `PROXY `. After that,
//! v1 is read 2 bytes at a time (1 when the last byte is CR), as a header not yet ended by CRLF has
//! at least that many bytes left; v2 reads its 4 fixed bytes, then exactly the length they give.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// The 12 bytes that open every v2 header.
const V2_SIG: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// The longest v1 header the spec allows, CRLF included.
const V1_MAX: usize = 107;
/// The longest v2 address-and-TLV block accepted; larger lengths are refused unread.
const V2_MAX_LEN: usize = 4096;

/// Why a connection's header was refused (Display gives a short lowercase reason for logs).
#[derive(Debug)]
pub enum ProxyError {
    /// Reading failed, or the stream ended before the header did.
    Io(io::Error),
    /// The whole header did not arrive within the allowed time.
    Timeout,
    /// The bytes are not a header this server accepts; the text says what was wrong.
    Invalid(&'static str),
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "proxy header read failed: {e}"),
            Self::Timeout => f.write_str("proxy header timed out"),
            Self::Invalid(why) => write!(f, "invalid proxy header: {why}"),
        }
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// Reads exactly one PROXY header (v1 or v2) from the start of `stream` and returns the source
/// address it carries: `Ok(Some(addr))` for TCP4/TCP6 (v1) or PROXY command with AF_INET/AF_INET6
/// STREAM (v2); `Ok(None)` for v1 `UNKNOWN` and v2 `LOCAL` (health checks: the caller then uses the
/// socket's own peer address). Never reads a byte past the header. The whole header must arrive
/// within `timeout`.
pub async fn read_header<S: AsyncRead + Unpin>(
    stream: &mut S,
    timeout: Duration,
) -> Result<Option<SocketAddr>, ProxyError> {
    tokio::time::timeout(timeout, read_any(stream))
        .await
        .unwrap_or(Err(ProxyError::Timeout))
}

/// Builds a v1 header. If the families differ, the IPv4 one is written IPv4-mapped under TCP6.
pub fn v1_header(src: SocketAddr, dst: SocketAddr) -> Vec<u8> {
    let (src, dst) = same_family(src, dst);
    let proto = if src.is_ipv4() { "TCP4" } else { "TCP6" };
    let (si, di, sp, dp) = (src.ip(), dst.ip(), src.port(), dst.port());
    format!("PROXY {proto} {si} {di} {sp} {dp}\r\n").into_bytes()
}

/// Builds a v2 PROXY/STREAM header without TLVs. Mixed families are handled as in [`v1_header`].
pub fn v2_header(src: SocketAddr, dst: SocketAddr) -> Vec<u8> {
    let (src, dst) = same_family(src, dst);
    let family = if src.is_ipv4() { 0x11 } else { 0x21 };
    let mut block = [octets(src.ip()), octets(dst.ip())].concat();
    block.extend(src.port().to_be_bytes());
    block.extend(dst.port().to_be_bytes());
    let mut out = V2_SIG.to_vec();
    out.extend([0x21, family]);
    out.extend((block.len() as u16).to_be_bytes()); // at most 36
    out.extend(block);
    out
}

fn same_family(src: SocketAddr, dst: SocketAddr) -> (SocketAddr, SocketAddr) {
    if src.is_ipv4() == dst.is_ipv4() {
        return (src, dst);
    }
    let mapped = |a: SocketAddr| match a {
        SocketAddr::V4(v4) => SocketAddr::new(IpAddr::V6(v4.ip().to_ipv6_mapped()), v4.port()),
        v6 => v6,
    };
    (mapped(src), mapped(dst))
}

fn octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// Fills `buf` completely from `stream`; a stream that ends first is an `Io` error.
async fn fill<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut [u8]) -> Result<(), ProxyError> {
    stream.read_exact(buf).await.map_err(ProxyError::Io)?;
    Ok(())
}

async fn read_any<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Option<SocketAddr>, ProxyError> {
    let mut start = [0u8; 12];
    fill(stream, &mut start).await?;
    if &start == V2_SIG {
        read_v2(stream).await
    } else if start.starts_with(b"PROXY ") {
        read_v1(stream, start).await
    } else {
        Err(ProxyError::Invalid("no proxy header signature"))
    }
}

async fn read_v1<S: AsyncRead + Unpin>(
    stream: &mut S,
    start: [u8; 12],
) -> Result<Option<SocketAddr>, ProxyError> {
    let mut buf = [0u8; V1_MAX];
    buf[..start.len()].copy_from_slice(&start);
    let mut len = start.len();
    while !buf[..len].ends_with(b"\r\n") {
        if len == V1_MAX {
            return Err(ProxyError::Invalid("v1 header longer than 107 bytes"));
        }
        // Without CRLF yet, at least "\r\n" (or "\n" after a CR) is still to come.
        let want = if buf[len - 1] == b'\r' { 1 } else { 2 }.min(V1_MAX - len);
        fill(stream, &mut buf[len..len + want]).await?;
        len += want;
    }
    parse_v1(&buf[..len - 2])
}

/// Parses a v1 line without its CRLF. Fields are separated by exactly one space.
fn parse_v1(line: &[u8]) -> Result<Option<SocketAddr>, ProxyError> {
    let bad = ProxyError::Invalid;
    let line = std::str::from_utf8(line).map_err(|_| bad("v1 header is not text"))?;
    let mut f = line.split(' ').skip(1); // "PROXY", already checked
    let proto = f.next();
    if proto == Some("UNKNOWN") {
        return Ok(None); // the spec says to ignore anything that follows
    }
    let (Some(src), Some(dst), Some(sport), Some(dport), None) =
        (f.next(), f.next(), f.next(), f.next(), f.next())
    else {
        return Err(bad("v1 header needs exactly four address fields"));
    };
    let ip = |s: &str| -> Result<IpAddr, ProxyError> {
        match proto {
            Some("TCP4") => s.parse::<Ipv4Addr>().map(IpAddr::V4),
            Some("TCP6") => s.parse::<Ipv6Addr>().map(IpAddr::V6),
            _ => return Err(bad("v1 protocol is not tcp4, tcp6 or unknown")),
        }
        .map_err(|_| bad("v1 address is not valid for its protocol"))
    };
    let port = |s: &str| -> Result<u16, ProxyError> {
        match s.bytes().all(|b| b.is_ascii_digit()) {
            true => s.parse().map_err(|_| bad("v1 port is not 0..65535")),
            false => Err(bad("v1 port is not a number")),
        }
    };
    let (src, _dst, sport, _dport) = (ip(src)?, ip(dst)?, port(sport)?, port(dport)?);
    Ok(Some(SocketAddr::new(src, sport)))
}

async fn read_v2<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Option<SocketAddr>, ProxyError> {
    let bad = ProxyError::Invalid;
    let mut fixed = [0u8; 4];
    fill(stream, &mut fixed).await?;
    let [ver_cmd, family, len_hi, len_lo] = fixed;
    let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
    if ver_cmd >> 4 != 2 {
        return Err(bad("v2 version is not 2"));
    }
    // Address bytes needed: 0 for LOCAL (its family and addresses are ignored).
    let need = match (ver_cmd & 0x0f, family) {
        (0x0, _) => 0,
        (0x1, 0x11) => 12,
        (0x1, 0x21) => 36,
        (0x1, _) => return Err(bad("v2 proxy family is not tcp over ipv4 or ipv6")),
        _ => return Err(bad("v2 command is not local or proxy")),
    };
    if len > V2_MAX_LEN {
        return Err(bad("v2 header longer than 4096 bytes"));
    }
    if len < need {
        return Err(bad("v2 address block too short"));
    }
    let mut block = vec![0u8; len]; // addresses, then TLVs, which are skipped
    fill(stream, &mut block).await?;
    if need == 0 {
        return Ok(None);
    }
    let ip = match need {
        12 => block.first_chunk::<4>().map(|a| IpAddr::from(*a)),
        _ => block.first_chunk::<16>().map(|a| IpAddr::from(*a)),
    };
    let port = u16::from_be_bytes([block[need - 4], block[need - 3]]); // len >= need
    ip.map(|ip| Some(SocketAddr::new(ip, port)))
        .ok_or(bad("v2 address block too short"))
}

#[cfg(test)]
mod tests {
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
}
