//! How an interactive session leaves: the terminal restored, a word on why
//! when the server ended it, and the exit status.

use std::time::Duration;

use bytes::Bytes;

use super::SessionLimits;
use super::interactive::{End, RESTARTING, Writer, send};
use crate::term::modes;
use crate::text::plural;

/// Leaves the visitor's terminal as it was and gives the exit status.
pub(super) async fn finish(writer: &Writer, end: End, limits: &SessionLimits) -> Option<u32> {
    let mut bytes = modes::RESTORE.to_vec();
    let goodbye = match end {
        End::Quit | End::InputClosed => None,
        End::ClientGone | End::Stalled => return None,
        End::Shutdown => Some(RESTARTING.to_string()),
        End::Idle => Some(format!(
            "closed after {} without a key pressed — goodbye, come back any time",
            duration(limits.idle_timeout)
        )),
        End::SessionLimit => Some(format!(
            "closed at the session time limit ({}) — goodbye, come back any time",
            duration(limits.session_timeout)
        )),
    };
    if let Some(goodbye) = goodbye {
        bytes.extend_from_slice(format!("{goodbye}\r\n").as_bytes());
    }
    send(writer, Bytes::from(bytes), limits.write_timeout).await;
    Some(0)
}

/// "15 minutes", "2 hours", "30 seconds".
fn duration(limit: Duration) -> String {
    let s = limit.as_secs();
    let (n, unit) = if s < 120 {
        (s, "second")
    } else if s >= 7200 && s.is_multiple_of(3600) {
        (s / 3600, "hour")
    } else {
        (s / 60, "minute")
    };
    format!("{n} {unit}{}", plural(n as usize))
}
