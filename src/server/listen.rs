//! Opening the listening socket. `[::]:PORT` (the default) is one
//! dual-stack socket, so IPv6 and IPv4 visitors reach the same port (IPv4
//! ones as mapped addresses, which the accept loop turns back into IPv4);
//! on a host with IPv6 disabled it falls back to `0.0.0.0:PORT` with one
//! log line. Any other address is bound as given.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;

/// Connections waiting to be accepted, at most (the kernel may cap it).
const BACKLOG: i32 = 1024;

/// Binds `addr`; see the module doc for `[::]`.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    match addr {
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => match dual_stack(addr) {
            Ok(listener) => Ok(listener),
            Err(e) if ipv6_unavailable(&e) => {
                let v4 = SocketAddr::from((Ipv4Addr::UNSPECIFIED, addr.port()));
                tracing::warn!("IPv6 is not available here ({e}); listening on {v4} for IPv4 only");
                plain(v4)
            }
            Err(e) => Err(e),
        },
        _ => plain(addr),
    }
}

/// One socket for both families: IPV6_V6ONLY off, whatever the host's
/// default (`net.ipv6.bindv6only`).
fn dual_stack(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::IPV6, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_only_v6(false)?;
    listen_on(socket, addr)
}

fn plain(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    listen_on(socket, addr)
}

fn listen_on(socket: Socket, addr: SocketAddr) -> io::Result<TcpListener> {
    // A restart rebinds at once, even with connections in TIME_WAIT.
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    TcpListener::from_std(socket.into())
}

/// The errors of a host without IPv6 (disabled in the kernel or on every
/// interface).
fn ipv6_unavailable(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc_codes::EAFNOSUPPORT | libc_codes::EADDRNOTAVAIL | libc_codes::EPROTONOSUPPORT)
    )
}

/// Linux errno values (no libc dependency for three numbers).
mod libc_codes {
    pub const EPROTONOSUPPORT: i32 = 93;
    pub const EAFNOSUPPORT: i32 = 97;
    pub const EADDRNOTAVAIL: i32 = 99;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_unspecified_ipv6_address_takes_both_families() {
        let listener = bind("[::]:0".parse().unwrap()).unwrap();
        let port = listener.local_addr().unwrap().port();
        for target in [format!("127.0.0.1:{port}"), format!("[::1]:{port}")] {
            let client = tokio::net::TcpStream::connect(&target).await.unwrap();
            let (_, peer) = listener.accept().await.unwrap();
            assert_eq!(
                peer.ip().to_canonical(),
                client.local_addr().unwrap().ip().to_canonical(),
                "{target}"
            );
        }
    }

    #[test]
    fn errors_of_a_host_without_ipv6_fall_back() {
        assert!(ipv6_unavailable(&io::Error::from_raw_os_error(97)));
        assert!(
            !ipv6_unavailable(&io::Error::from_raw_os_error(98)),
            "in use is an error"
        );
    }
}
