//! Who is connected to this server right now: one count of open sessions
//! by kind, kept where a session starts and ends, that both the metrics
//! (`sshfolio_sessions_open`) and the owner's console ("visitors now")
//! read. One per server, so two servers in one process (tests) count
//! apart.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::metrics::{self, OpenSession, SessionKind};

/// Open sessions by kind.
#[derive(Debug, Default)]
pub struct Census {
    open: [AtomicUsize; SessionKind::ALL.len()],
}

/// One open session, counted until it is dropped.
pub struct Counted {
    census: Arc<Census>,
    kind: SessionKind,
    _metrics: OpenSession,
}

impl Census {
    /// Counts a session of `kind` for as long as the returned value lives.
    pub fn open(self: &Arc<Self>, kind: SessionKind) -> Counted {
        self.open[kind as usize].fetch_add(1, Ordering::Relaxed);
        Counted {
            census: self.clone(),
            kind,
            _metrics: metrics::session_started(kind),
        }
    }

    /// Visitors connected now: every open session but the owner's.
    pub fn visitors(&self) -> usize {
        SessionKind::ALL
            .iter()
            .filter(|kind| **kind != SessionKind::Owner)
            .map(|kind| self.open[*kind as usize].load(Ordering::Relaxed))
            .sum()
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.census.open[self.kind as usize].fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_visitors_apart_from_the_owner_while_they_are_open() {
        let census = Arc::new(Census::default());
        let tui = census.open(SessionKind::Tui);
        let _exec = census.open(SessionKind::Exec);
        let _owner = census.open(SessionKind::Owner);
        assert_eq!(census.visitors(), 2);
        drop(tui);
        assert_eq!(census.visitors(), 1);
    }
}
