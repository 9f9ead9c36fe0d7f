//! Brute-force guard for the owner's user name: failed owner logins are
//! counted per address (an IPv6 address by its /64, which one machine
//! usually holds whole); ten in ten minutes and that address gets no more
//! owner attempts for ten minutes. Only owner logins count and only they
//! are blocked: the same address still visits the portfolio. Memory is
//! bounded: at most [`MAX_TRACKED`] addresses are tracked, the stalest
//! forgotten first.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use tokio::time::Instant;

use crate::visitor_ip::identity;

/// Failures within [`WINDOW`] that block an address.
pub const MAX_FAILURES: usize = 10;
/// The window failures are counted in, and how long a block lasts.
pub const WINDOW: Duration = Duration::from_secs(600);
/// Addresses tracked at most.
const MAX_TRACKED: usize = 4096;

#[derive(Debug, Default)]
struct Record {
    /// When the recent failures happened, oldest first (at most
    /// `MAX_FAILURES`).
    failures: Vec<Instant>,
    blocked_until: Option<Instant>,
}

impl Record {
    fn last_seen(&self) -> Option<Instant> {
        self.failures.last().copied().max(self.blocked_until)
    }
}

/// The failure counts of every source.
#[derive(Debug, Default)]
pub struct Guard {
    /// By the address as limits count it (an IPv6 address by its /64).
    records: HashMap<IpAddr, Record>,
}

/// What a failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Counted,
    /// This failure blocked the address (log it once).
    Blocked,
}

impl Guard {
    /// Whether owner logins from `ip` are refused at `now`.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> bool {
        self.records
            .get(&identity(ip))
            .and_then(|r| r.blocked_until)
            .is_some_and(|until| until > now)
    }

    /// Counts a failed owner login from `ip`.
    pub fn fail(&mut self, ip: IpAddr, now: Instant) -> Failure {
        let source = identity(ip);
        if !self.records.contains_key(&source) && self.records.len() >= MAX_TRACKED {
            self.forget_stale(now);
        }
        let record = self.records.entry(source).or_default();
        if record.blocked_until.is_some_and(|until| until > now) {
            return Failure::Counted;
        }
        record.blocked_until = None;
        record
            .failures
            .retain(|at| now.saturating_duration_since(*at) < WINDOW);
        record.failures.push(now);
        if record.failures.len() >= MAX_FAILURES {
            record.failures.clear();
            record.blocked_until = Some(now + WINDOW);
            return Failure::Blocked;
        }
        Failure::Counted
    }

    /// Forgets `ip`'s failures (the owner got in from there).
    pub fn clear(&mut self, ip: IpAddr) {
        let source = identity(ip);
        if self
            .records
            .get(&source)
            .is_some_and(|r| r.blocked_until.is_none())
        {
            self.records.remove(&source);
        }
    }

    /// Drops every record with nothing current; if that frees nothing,
    /// the least recently seen one.
    fn forget_stale(&mut self, now: Instant) {
        self.records.retain(|_, r| {
            r.last_seen()
                .is_some_and(|at| at > now || now.saturating_duration_since(at) < WINDOW)
        });
        if self.records.len() >= MAX_TRACKED
            && let Some(stalest) = self
                .records
                .iter()
                .min_by_key(|(_, r)| r.last_seen())
                .map(|(s, _)| *s)
        {
            self.records.remove(&stalest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ten_failures_in_the_window_block_for_the_window() {
        let mut guard = Guard::default();
        let t0 = Instant::now();
        for i in 0..9 {
            assert_eq!(
                guard.fail(ip("192.0.2.1"), t0 + Duration::from_secs(i)),
                Failure::Counted
            );
        }
        assert!(!guard.blocked(ip("192.0.2.1"), t0 + Duration::from_secs(9)));
        assert_eq!(
            guard.fail(ip("192.0.2.1"), t0 + Duration::from_secs(9)),
            Failure::Blocked
        );
        assert!(guard.blocked(ip("192.0.2.1"), t0 + Duration::from_secs(10)));
        assert!(
            !guard.blocked(ip("192.0.2.2"), t0 + Duration::from_secs(10)),
            "another address is not"
        );
        assert!(!guard.blocked(ip("192.0.2.1"), t0 + Duration::from_secs(9) + WINDOW));
    }

    #[test]
    fn a_success_forgets_the_failures_before_it() {
        let mut guard = Guard::default();
        let t0 = Instant::now();
        for _ in 0..9 {
            guard.fail(ip("192.0.2.1"), t0);
        }
        guard.clear(ip("192.0.2.1"));
        assert_eq!(guard.fail(ip("192.0.2.1"), t0), Failure::Counted);
        assert!(!guard.blocked(ip("192.0.2.1"), t0));
    }

    #[test]
    fn failures_spread_beyond_the_window_never_block() {
        let mut guard = Guard::default();
        let t0 = Instant::now();
        for i in 0..30 {
            let at = t0 + Duration::from_secs(i * 70);
            assert_eq!(guard.fail(ip("192.0.2.1"), at), Failure::Counted);
        }
    }

    #[test]
    fn an_ipv6_slash_64_counts_as_one() {
        let mut guard = Guard::default();
        let t0 = Instant::now();
        for i in 0..10u16 {
            guard.fail(ip(&format!("2001:db8:0:1::{i:x}")), t0);
        }
        assert!(guard.blocked(ip("2001:db8:0:1::ffff"), t0));
        assert!(!guard.blocked(ip("2001:db8:0:2::1"), t0));
        assert!(!guard.blocked(ip("::ffff:192.0.2.1"), t0));
    }

    #[test]
    fn tracking_is_bounded() {
        let mut guard = Guard::default();
        let t0 = Instant::now();
        for i in 0..(MAX_TRACKED as u32 + 500) {
            guard.fail(IpAddr::from(std::net::Ipv4Addr::from(i)), t0);
        }
        assert!(guard.records.len() <= MAX_TRACKED);
    }
}
