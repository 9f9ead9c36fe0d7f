//! The input rate limit of one session: a token bucket over input bytes,
//! `rate` per second with bursts up to one second's worth. Input over it
//! is dropped unread, so a flood costs the flooding session only its own
//! keys.

use tokio::time::Instant;

pub struct InputBudget {
    rate: f64,
    tokens: f64,
    at: Instant,
    /// The excess was logged once already this session.
    warned: bool,
}

impl InputBudget {
    pub fn new(rate: u32) -> Self {
        InputBudget {
            rate: f64::from(rate.max(1)),
            tokens: f64::from(rate.max(1)),
            at: Instant::now(),
            warned: false,
        }
    }

    /// How many of `n` bytes may be taken now. The first time some are
    /// refused, says so in the log.
    pub fn take(&mut self, n: usize) -> usize {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate);
        self.at = now;
        let allowed = (n as f64).min(self.tokens.floor()) as usize;
        self.tokens -= allowed as f64;
        if allowed < n && !self.warned {
            self.warned = true;
            tracing::warn!("input over {} bytes/s; dropping the excess", self.rate);
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn allows_a_second_of_burst_then_the_rate() {
        let mut budget = InputBudget::new(1000);
        assert_eq!(budget.take(600), 600);
        assert_eq!(budget.take(600), 400);
        assert_eq!(budget.take(10), 0);
        tokio::time::advance(Duration::from_millis(250)).await;
        assert_eq!(budget.take(1000), 250);
        tokio::time::advance(Duration::from_secs(10)).await;
        // Never more than one second's worth at once.
        assert_eq!(budget.take(5000), 1000);
    }
}
