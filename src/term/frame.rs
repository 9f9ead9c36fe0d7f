//! The byte sink the renderer writes into. A whole frame accumulates here
//! and leaves as one `Bytes`, so it reaches the channel as one write; the
//! allocation is reused once the previous frame has been sent and dropped.

use std::io;

use bytes::{Bytes, BytesMut};

/// Collects a frame's escape sequences.
#[derive(Debug, Default)]
pub struct FrameBuf {
    buf: BytesMut,
}

impl FrameBuf {
    /// Takes what was written since the last call.
    pub fn take(&mut self) -> Bytes {
        self.buf.split().freeze()
    }

    pub fn extend(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Gives memory back while the session is idle.
    pub fn release(&mut self) {
        self.buf = BytesMut::new();
    }
}

impl io::Write for FrameBuf {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn take_returns_everything_written_once() {
        let mut frame = FrameBuf::default();
        frame.write_all(b"\x1b[H").unwrap();
        frame.write_all(b"hello").unwrap();
        assert_eq!(&frame.take()[..], b"\x1b[Hhello");
        assert!(frame.is_empty());
        assert!(frame.take().is_empty());
    }
}
