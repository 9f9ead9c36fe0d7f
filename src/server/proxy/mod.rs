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
mod tests;
