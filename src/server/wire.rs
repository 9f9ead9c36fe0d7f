//! The socket as a connection holds it: it counts the bytes each way for
//! the closing log line, and it can be cut at any moment. Cutting makes
//! reads end and writes fail, so russh's connection task finishes even in
//! the middle of a key exchange or while blocked on a client that stopped
//! reading — the only sure way to close a connection from outside it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// Bytes read from and written to the client.
#[derive(Debug, Default)]
pub struct Traffic {
    pub received: AtomicU64,
    pub sent: AtomicU64,
}

pub struct Wire<S> {
    inner: S,
    traffic: Arc<Traffic>,
    /// Resolves when the connection is cut; polled so a cut wakes a
    /// pending read or write.
    cut: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl<S> Wire<S> {
    pub fn new(inner: S, traffic: Arc<Traffic>, cut: CancellationToken) -> Self {
        Wire {
            inner,
            traffic,
            cut: Box::pin(cut.cancelled_owned()),
        }
    }

    fn is_cut(&mut self, cx: &mut Context<'_>) -> bool {
        self.cut.as_mut().poll(cx).is_ready()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Wire<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.is_cut(cx) {
            // End of stream: the SSH session sees the client gone.
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        self.traffic.received.fetch_add(n as u64, Ordering::Relaxed);
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Wire<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.is_cut(cx) {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let poll = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = &poll {
            self.traffic.sent.fetch_add(*n as u64, Ordering::Relaxed);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.is_cut(cx) {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn counts_and_cuts_a_pending_read() {
        let (near, mut far) = tokio::io::duplex(64);
        let traffic = Arc::new(Traffic::default());
        let cut = CancellationToken::new();
        let mut wire = Wire::new(near, traffic.clone(), cut.clone());
        far.write_all(b"hello").await.unwrap();
        let mut buf = [0u8; 5];
        wire.read_exact(&mut buf).await.unwrap();
        wire.write_all(b"hi").await.unwrap();
        assert_eq!(traffic.received.load(Ordering::Relaxed), 5);
        assert_eq!(traffic.sent.load(Ordering::Relaxed), 2);
        // A read waiting for data that never comes ends when cut.
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 8];
            let n = wire.read(&mut buf).await.unwrap();
            (n, wire.write_all(b"x").await.is_err())
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        cut.cancel();
        assert_eq!(reader.await.unwrap(), (0, true));
    }
}
