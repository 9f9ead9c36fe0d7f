//! Waiting without hanging: the one timeout every wait shares, polling a
//! condition until it holds (from a plain thread, or inside the test's
//! runtime), and waiting for a child process. Each fails naming what it
//! waited for.

use std::time::{Duration, Instant};

/// How long any single wait may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Polls `done` every 20 ms until it holds; fails naming `what` after
/// the timeout. For conditions outside the test's own runtime (files, the
/// server's process), so blocking between polls is fine.
pub fn poll_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The async twin of `poll_until`, for conditions checked inside the
/// test's runtime (a connection attempt, a client's state): polls `done`
/// every 20 ms until it holds; fails naming `what` after the timeout.
pub async fn poll_until_async(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits for a child process, killing it and failing after the timeout.
pub(super) fn finish_in_time(child: &mut std::process::Child, what: &str) {
    let deadline = Instant::now() + TIMEOUT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
