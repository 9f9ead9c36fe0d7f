//! The host key survives restarts, so returning visitors see no warning.

use crate::util::*;

#[tokio::test(flavor = "multi_thread")]
async fn host_key_is_the_same_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let first = TestServer::start_with_keys(&keys);
    let (_, seen_first) = russh_connect(first.addr, "visitor").await;
    assert_eq!(seen_first, first.fingerprint);
    first.stop();

    let second = TestServer::start_with_keys(&keys);
    let (_, seen_second) = russh_connect(second.addr, "visitor").await;
    assert_eq!(seen_second, seen_first);
}
