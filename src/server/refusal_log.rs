//! How often a connection's refusals reach the log: one line for the first
//! in a second, a count for the rest, so a client flooding requests cannot
//! flood the log.

use std::time::Duration;

use tokio::time::Instant;

/// When a refusal was last written to the log, and how many were not.
#[derive(Debug, Default)]
pub struct RefusalLog {
    last_line: Option<Instant>,
    unlogged: u32,
}

impl RefusalLog {
    /// `Some(refusals not logged since the last line)` when a line is due
    /// (none in the last second); otherwise counts this one.
    pub fn line_due(&mut self) -> Option<u32> {
        let now = Instant::now();
        if self
            .last_line
            .is_some_and(|last| now.duration_since(last) < Duration::from_secs(1))
        {
            self.unlogged = self.unlogged.saturating_add(1);
            return None;
        }
        self.last_line = Some(now);
        Some(std::mem::take(&mut self.unlogged))
    }
}
