//! Everybody gets in, whatever the client tries first, and nobody is
//! asked anything; a key the client proved it holds becomes part of the
//! visitor's identity (its fingerprint is stored with their message).

use russh::client::KeyboardInteractiveAuthResponse;
use russh::keys::{Algorithm, HashAlg, PrivateKey};

use crate::util::*;

#[tokio::test(flavor = "multi_thread")]
async fn password_and_keyboard_interactive_are_accepted_without_questions() {
    let server = TestServer::start();
    let mut handle = russh_connect_only(server.addr).await;
    let auth = handle
        .authenticate_password("visitor", "anything at all")
        .await
        .unwrap();
    assert!(auth.success());

    let mut handle = russh_connect_only(server.addr).await;
    let reply = handle
        .authenticate_keyboard_interactive_start("visitor", None)
        .await
        .unwrap();
    assert!(
        matches!(reply, KeyboardInteractiveAuthResponse::Success),
        "no prompt at all: {reply:?}"
    );
    let channel = handle.channel_open_session().await.unwrap();
    channel.exec(true, "about").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proven_key_is_kept_as_the_visitors_identity() {
    let server = TestServer::start();
    let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap();
    let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
    let handle = russh_connect_from("127.0.0.1".parse().unwrap(), server.addr, Some(&key)).await;
    let mut v = Visitor::open(handle, "xterm", &[], 80, 24).await;
    v.wait_for("6+ years building distributed systems").await;
    send_message(&mut v, "Key Holder", "", b"signed in with a key").await;
    v.wait_for("Message sent — thank you").await;
    let out = sshfolio_bin()
        .args(["messages", "--json", "--data"])
        .arg(&server.data)
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["key_fingerprint"], fingerprint.as_str());
    let text = sshfolio_bin()
        .args(["messages", "--data"])
        .arg(&server.data)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains(&format!("key    {fingerprint}")));
}
