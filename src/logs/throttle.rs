//! The one log throttle: at most so many lines of a kind per window, the
//! lines held back counted so the next line written (or a periodic
//! report) can say how many there were. A client flooding requests, a
//! database that keeps failing or a library that logs per packet cannot
//! flood the log. Safe to share between tasks and threads.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// At most `lines` log lines per `window`.
#[derive(Debug)]
pub struct Throttle {
    lines: u32,
    window: Duration,
    state: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    /// When the current window began; none before the first line.
    start: Option<Instant>,
    /// Lines written in the current window.
    written: u32,
    /// Lines held back since they were last taken.
    held_back: u64,
}

impl Throttle {
    pub const fn new(lines: u32, window: Duration) -> Throttle {
        Throttle {
            lines,
            window,
            state: Mutex::new(Window {
                start: None,
                written: 0,
                held_back: 0,
            }),
        }
    }

    /// One line a minute: for trouble that lasts (a database away).
    pub const fn per_minute() -> Throttle {
        Throttle::new(1, Duration::from_secs(60))
    }

    /// One line a second: for trouble a client can repeat at will.
    pub const fn per_second() -> Throttle {
        Throttle::new(1, Duration::from_secs(1))
    }

    /// Whether a line may be written now; a line that may not is counted.
    pub fn allow(&self) -> bool {
        let now = Instant::now();
        let mut w = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if w.start
            .is_none_or(|start| now.duration_since(start) >= self.window)
        {
            w.start = Some(now);
            w.written = 0;
        }
        if w.written < self.lines {
            w.written += 1;
            return true;
        }
        w.held_back = w.held_back.saturating_add(1);
        false
    }

    /// The lines held back since the last call, and the count reset.
    pub fn take_held_back(&self) -> u64 {
        let mut w = self.state.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut w.held_back)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn lets_a_few_lines_through_per_window_and_counts_the_rest() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        let allowed = (0..10).filter(|_| throttle.allow()).count();
        assert_eq!(allowed, 2);
        assert_eq!(throttle.take_held_back(), 8);
        assert_eq!(throttle.take_held_back(), 0, "taken once");
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(!throttle.allow());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(throttle.allow(), "a new window");
        assert_eq!(throttle.take_held_back(), 1);
    }
}
