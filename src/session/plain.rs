//! Sessions without the UI: the plain-text résumé for a shell without a
//! PTY, and exec commands (`ssh host json`). Nothing is executed: the
//! answer comes from the export texts, or one line on stderr names the
//! commands that exist, with status 127 as a shell would give.

use std::time::Duration;

use bytes::Bytes;
use russh::ChannelWriteHalf;
use russh::server::Msg;

use crate::content::Content;
use crate::export::{self, Exec};
use crate::inbox::VisitKind;

/// Exit status for an unknown exec command, as a shell would give.
pub const EXIT_UNKNOWN_COMMAND: u32 = 127;

/// The résumé, for `ssh -T host`; the exit status, none if the client went.
pub async fn resume(
    channel: &ChannelWriteHalf<Msg>,
    content: &Content,
    limit: Duration,
) -> Option<u32> {
    print(channel, &export::resume(content), false, limit).await
}

/// Answers an exec command; its exit status and how the visit is counted.
pub async fn exec(
    channel: &ChannelWriteHalf<Msg>,
    content: &Content,
    command: &[u8],
    pty: bool,
    limit: Duration,
) -> (Option<u32>, VisitKind) {
    match Exec::parse(command) {
        Ok(command) => {
            let status = print(channel, &command.output(content), pty, limit).await;
            (status, VisitKind::Exec(command.name()))
        }
        Err(line) => {
            let bytes = Bytes::from(crlf(&format!("{line}\n"), pty));
            let _ = tokio::time::timeout(limit, channel.extended_data_bytes(1, bytes)).await;
            (Some(EXIT_UNKNOWN_COMMAND), VisitKind::UnknownCommand)
        }
    }
}

/// Writes a text export; status 0 once it is out, none if the client went
/// or stopped reading for longer than `limit`.
async fn print(
    channel: &ChannelWriteHalf<Msg>,
    text: &str,
    pty: bool,
    limit: Duration,
) -> Option<u32> {
    let bytes = Bytes::from(crlf(text, pty));
    match tokio::time::timeout(limit, channel.data_bytes(bytes)).await {
        Ok(Ok(())) => Some(0),
        _ => None,
    }
}

/// With a PTY the client's terminal is raw, so a bare `\n` would not
/// return the carriage.
fn crlf(text: &str, pty: bool) -> String {
    if pty {
        text.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        text.to_string()
    }
}
