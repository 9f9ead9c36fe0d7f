//! Who gets in: the global connection cap, the per-address cap and the
//! per-address rate of new connections — all decided right after accept,
//! before any cryptography — plus the aggregated log of refusals (at most
//! one line a second, so a flood cannot flood the log).

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::MonotonicClock;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::text::counted;

/// The connection limits, from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    /// New connections per address per minute.
    pub connect_rate_per_ip: u32,
    /// Handshake and authentication must finish within this.
    pub handshake_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 2000,
            max_connections_per_ip: 20,
            connect_rate_per_ip: 60,
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// Most addresses the rate limiter remembers; beyond it, the ones at rest
/// are forgotten, and if that is not enough new addresses are refused.
const MAX_TRACKED: usize = 100_000;

/// Why a connection was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Full,
    PerIp,
    Rate,
}

impl Refusal {
    /// Its metrics label.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Full => "max_connections",
            Refusal::PerIp => "per_ip",
            Refusal::Rate => "rate",
        }
    }

    /// The line the client gets before the socket closes.
    pub fn line(self) -> &'static [u8] {
        match self {
            Refusal::Full => {
                b"sshfolio: too many visitors right now; please try again in a minute\r\n"
            }
            Refusal::PerIp => b"sshfolio: too many connections from your address\r\n",
            Refusal::Rate => b"sshfolio: too many new connections from your address; slow down\r\n",
        }
    }
}

type Limiter = RateLimiter<IpAddr, HashMapStateStore<IpAddr>, MonotonicClock>;

/// The shared admission state.
pub struct Gate {
    global: Arc<Semaphore>,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    max_per_ip: usize,
    rate: Limiter,
    refused: [AtomicU64; 3],
}

/// Holds one place under the per-address cap until dropped.
pub struct IpSlot {
    gate: Arc<Gate>,
    ip: IpAddr,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut counts = self.gate.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

impl Gate {
    pub fn new(limits: &Limits) -> Arc<Gate> {
        let per_minute =
            NonZeroU32::new(limits.connect_rate_per_ip.max(1)).unwrap_or(NonZeroU32::MIN);
        Arc::new(Gate {
            global: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            per_ip: Mutex::new(HashMap::new()),
            max_per_ip: limits.max_connections_per_ip.max(1),
            rate: RateLimiter::new(
                Quota::per_minute(per_minute),
                HashMapStateStore::default(),
                MonotonicClock,
            ),
            refused: Default::default(),
        })
    }

    /// A place under the global cap, released when the permit drops.
    pub fn admit(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        self.global
            .clone()
            .try_acquire_owned()
            .map_err(|_| self.refuse(Refusal::Full))
    }

    /// The address's rate and concurrency checks.
    pub fn admit_ip(self: &Arc<Self>, ip: IpAddr) -> Result<IpSlot, Refusal> {
        let ip = crate::visitor_ip::identity(ip);
        if self.rate.len() >= MAX_TRACKED {
            self.rate.retain_recent();
            self.rate.shrink_to_fit();
            if self.rate.len() >= MAX_TRACKED {
                return Err(self.refuse(Refusal::Rate));
            }
        }
        if self.rate.check_key(&ip).is_err() {
            return Err(self.refuse(Refusal::Rate));
        }
        let mut counts = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(ip).or_insert(0);
        if *n >= self.max_per_ip {
            drop(counts);
            return Err(self.refuse(Refusal::PerIp));
        }
        *n += 1;
        Ok(IpSlot {
            gate: self.clone(),
            ip,
        })
    }

    fn refuse(&self, why: Refusal) -> Refusal {
        self.refused[why as usize].fetch_add(1, Ordering::Relaxed);
        why
    }

    /// Connections open now.
    #[cfg(test)]
    fn open_connections(&self, max: usize) -> usize {
        max.saturating_sub(self.global.available_permits())
    }

    /// Logs the refusals since the last call, if any, as one line; forgets
    /// addresses the rate limiter no longer needs.
    pub fn report(&self) {
        let [full, per_ip, rate] = self
            .refused
            .each_ref()
            .map(|c| c.swap(0, Ordering::Relaxed));
        if full + per_ip + rate > 0 {
            tracing::warn!(
                full,
                per_ip,
                rate,
                "refused {} over the limits",
                counted((full + per_ip + rate) as usize, "connection")
            );
        }
        self.rate.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, n])
    }

    #[tokio::test]
    async fn caps_connections_globally_and_per_address() {
        let limits = Limits {
            max_connections: 3,
            max_connections_per_ip: 2,
            connect_rate_per_ip: 1000,
            ..Limits::default()
        };
        let gate = Gate::new(&limits);
        let a = gate.admit().unwrap();
        let slot_a1 = gate.admit_ip(ip(1)).unwrap();
        let _slot_a2 = gate.admit_ip(ip(1)).unwrap();
        assert_eq!(gate.admit_ip(ip(1)).err(), Some(Refusal::PerIp));
        let _other = gate.admit_ip(ip(2)).unwrap();
        drop(slot_a1);
        assert!(
            gate.admit_ip(ip(1)).is_ok(),
            "a closed connection frees its place"
        );
        let _b = gate.admit().unwrap();
        let _c = gate.admit().unwrap();
        assert_eq!(gate.admit().err(), Some(Refusal::Full));
        // IPv6 addresses of one /64 share the per-address places.
        let v6 = |last: u16| IpAddr::from([0x2001, 0xdb8, 0, 1, 0, 0, 0, last]);
        let _s1 = gate.admit_ip(v6(1)).unwrap();
        let _s2 = gate.admit_ip(v6(2)).unwrap();
        assert_eq!(gate.admit_ip(v6(3)).err(), Some(Refusal::PerIp));
        drop(a);
        let _d = gate.admit().expect("a closed connection frees its permit");
        assert_eq!(gate.open_connections(3), 3);
    }

    #[tokio::test]
    async fn limits_the_rate_of_new_connections_per_address() {
        let limits = Limits {
            connect_rate_per_ip: 5,
            ..Limits::default()
        };
        let gate = Gate::new(&limits);
        let mut ok = 0;
        for _ in 0..20 {
            if gate.admit_ip(ip(9)).is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 5, "a burst of the quota, then refused");
        assert!(gate.admit_ip(ip(10)).is_ok(), "other addresses unaffected");
        gate.report();
        assert_eq!(
            gate.refused[Refusal::Rate as usize].load(Ordering::Relaxed),
            0,
            "reported and reset"
        );
    }
}
