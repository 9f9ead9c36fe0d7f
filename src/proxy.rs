//! Placeholder until the PROXY header reader lands.
use std::net::SocketAddr;
use std::time::Duration;
#[derive(Debug)]
pub enum ProxyError {
    Io(std::io::Error),
    Timeout,
    Invalid(&'static str),
}
impl std::fmt::Display for ProxyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}
impl std::error::Error for ProxyError {}
pub async fn read_header<S: tokio::io::AsyncRead + Unpin>(
    _stream: &mut S,
    _timeout: Duration,
) -> Result<Option<SocketAddr>, ProxyError> {
    Err(ProxyError::Invalid("not yet"))
}
