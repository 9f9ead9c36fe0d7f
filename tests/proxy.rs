//! Behind a load balancer with `--proxy-protocol`: the visitor's address
//! comes from a PROXY v1 or v2 header, and limits and stats use it; a
//! connection without a valid header is closed without a word.

use std::net::SocketAddr;

use sshfolio::server::proxy::{v1_header, v2_header};
use sshfolio::server::{Limits, Settings};
use sshfolio::session::SessionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::util::*;

fn proxied(max_per_ip: usize) -> TestServer {
    TestServer::start_limited(
        Settings {
            limits: Limits {
                max_connections_per_ip: max_per_ip,
                connect_rate_per_ip: 1000,
                ..Limits::default()
            },
            proxy_protocol: true,
            ..Settings::default()
        },
        SessionLimits::default(),
    )
}

async fn with_header(server: &TestServer, header: Vec<u8>) -> TcpStream {
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(&header).await.unwrap();
    tcp
}

fn visitor(ip: &str) -> SocketAddr {
    SocketAddr::new(ip.parse().unwrap(), 40000)
}

fn balancer() -> SocketAddr {
    "10.0.0.1:22".parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn v1_and_v2_headers_are_served() {
    let server = proxied(20);
    let tcp = with_header(&server, v1_header(visitor("203.0.113.9"), balancer())).await;
    let out = russh_exec_over(tcp, "about")
        .await
        .expect("served after a v1 header");
    assert_eq!(out.status, Some(0));
    let tcp = with_header(
        &server,
        v2_header(visitor("2001:db8::7"), "[2001:db8::1]:22".parse().unwrap()),
    )
    .await;
    let out = russh_exec_over(tcp, "contact")
        .await
        .expect("served after a v2 header");
    assert_eq!(out.status, Some(0));
    // Visits are counted by the header's address: two visitors.
    poll_until("two visitors counted", || {
        owner_stats(&server.data).contains("2 visits from 2 visitors")
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn limits_apply_to_the_address_in_the_header() {
    let server = proxied(1);
    // One session held open from 198.51.100.5.
    let held = with_header(&server, v1_header(visitor("198.51.100.5"), balancer())).await;
    let held = russh_connect_over(held).await.expect("the first gets in");
    // A second from the same address is over the per-address cap...
    let mut tcp = with_header(&server, v2_header(visitor("198.51.100.5"), balancer())).await;
    let mut got = Vec::new();
    let _ = tokio::time::timeout(TIMEOUT, tcp.read_to_end(&mut got)).await;
    assert_eq!(got, b"sshfolio: too many connections from your address\r\n");
    // ...while another address, through the same balancer, gets in.
    let tcp = with_header(&server, v1_header(visitor("198.51.100.6"), balancer())).await;
    assert_eq!(
        russh_exec_over(tcp, "about").await.map(|o| o.status),
        Some(Some(0))
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_without_a_valid_header_are_closed() {
    let server = proxied(20);
    for opening in [
        b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
        b"PROXY TCP4 1.2.3.4\r\n".to_vec(),
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        b"\r\n\r\n\0\r\nQUIT\n\x31\x11\xff\xff".to_vec(),
    ] {
        let mut tcp = with_header(&server, opening.clone()).await;
        let mut got = Vec::new();
        let read = tokio::time::timeout(TIMEOUT, tcp.read_to_end(&mut got)).await;
        assert!(read.is_ok(), "closed, not left hanging: {opening:?}");
        assert!(
            got.is_empty(),
            "not even a version line: {opening:?} got {got:?}"
        );
    }
    // A plain SSH client is refused too (it never gets a banner).
    let plain = TcpStream::connect(server.addr).await.unwrap();
    assert!(russh_exec_over(plain, "about").await.is_none());
}
