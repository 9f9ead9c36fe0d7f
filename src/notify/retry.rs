//! What an attempt's result means for the delivery: delivered, try again
//! (server errors, 408, 429, the network, a timeout — after exponential
//! backoff with jitter, 1 s doubling to 1 h, or when the receiver's
//! `Retry-After` says), or failed for good (any other refusal). A
//! delivery still failing three days after it was queued gives up.

use std::time::{Duration, SystemTime};

use crate::inbox::Attempt;

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Worth another try; `after` is what the receiver asked for.
    Retry {
        after: Option<Duration>,
        error: String,
    },
    /// Refused for good.
    Failed {
        error: String,
    },
}

impl Outcome {
    pub fn retry(error: impl Into<String>) -> Outcome {
        Outcome::Retry {
            after: None,
            error: error.into(),
        }
    }
}

/// The first wait after a failed attempt.
const FIRST: Duration = Duration::from_secs(1);
/// The longest wait between attempts.
const LONGEST: Duration = Duration::from_secs(3600);
/// How long a delivery keeps being tried.
const GIVE_UP_AFTER: Duration = Duration::from_secs(3 * 24 * 3600);

/// What an HTTP response means; `retry_after` is its header, if any.
pub fn from_status(status: reqwest::StatusCode, retry_after: Option<&str>) -> Outcome {
    let code = status.as_u16();
    let text = format!(
        "HTTP {code}{}",
        status
            .canonical_reason()
            .map(|r| format!(" {r}"))
            .unwrap_or_default()
    );
    match code {
        200..=299 => Outcome::Delivered,
        408 | 429 | 500..=599 => Outcome::Retry {
            after: retry_after.and_then(parse_retry_after),
            error: text,
        },
        _ => Outcome::Failed { error: text },
    }
}

/// `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// What attempt number `attempts` of a delivery queued `queued_for` ago
/// comes to at `now`: delivered, failed for good (refused, or still
/// failing three days on), or tried again at a time.
pub fn next(outcome: Outcome, attempts: u32, queued_for: Duration, now: i64) -> Attempt {
    match outcome {
        Outcome::Delivered => Attempt::Delivered,
        Outcome::Failed { error } => Attempt::Failed { error },
        Outcome::Retry { error, .. } if queued_for >= GIVE_UP_AFTER => Attempt::Failed {
            error: format!("gave up after 3 days: {error}"),
        },
        Outcome::Retry { after, error } => Attempt::Retry {
            at: now + wait(attempts, after).as_secs_f64().ceil() as i64,
            error,
        },
    }
}

/// How long to wait after attempt number `attempts` (1 for the first)
/// failed: 1 s doubling to 1 h, the second half of it random (so many
/// deliveries that failed together do not retry together), or what the
/// receiver asked for when it is longer (up to a day).
pub fn wait(attempts: u32, asked: Option<Duration>) -> Duration {
    let doubled = FIRST
        .saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1)))
        .min(LONGEST);
    let half = doubled / 2;
    let jittered = half + half.mul_f64(rand::random::<f64>());
    match asked {
        Some(asked) => jittered.max(asked.min(Duration::from_secs(86_400))),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_sort_into_delivered_retry_and_failed() {
        use reqwest::StatusCode as S;
        assert_eq!(from_status(S::NO_CONTENT, None), Outcome::Delivered);
        for retry in [500, 502, 503, 408, 429] {
            let status = S::from_u16(retry).unwrap();
            assert!(
                matches!(from_status(status, None), Outcome::Retry { .. }),
                "{retry}"
            );
        }
        for fail in [400, 401, 403, 404, 410, 413] {
            let status = S::from_u16(fail).unwrap();
            assert!(
                matches!(from_status(status, None), Outcome::Failed { .. }),
                "{fail}"
            );
        }
        assert_eq!(
            from_status(S::TOO_MANY_REQUESTS, Some("7")),
            Outcome::Retry {
                after: Some(Duration::from_secs(7)),
                error: "HTTP 429 Too Many Requests".into()
            }
        );
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let after = parse_retry_after(&future).unwrap();
        assert!(after > Duration::from_secs(100) && after <= Duration::from_secs(120));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn a_retry_three_days_on_gives_up() {
        let retry = || Outcome::retry("HTTP 503");
        let day = Duration::from_secs(86_400);
        assert!(matches!(
            next(retry(), 1, day, 1000),
            Attempt::Retry { at, .. } if (1001..=1002).contains(&at)
        ));
        assert_eq!(
            next(retry(), 9, 3 * day, 1000),
            Attempt::Failed {
                error: "gave up after 3 days: HTTP 503".into()
            }
        );
        assert_eq!(next(Outcome::Delivered, 1, day, 0), Attempt::Delivered);
    }

    #[test]
    fn waits_double_from_a_second_to_an_hour_with_jitter() {
        for (attempts, base) in [(1, 1), (2, 2), (3, 4), (11, 1024), (13, 3600), (40, 3600)] {
            for _ in 0..20 {
                let w = wait(attempts, None);
                let base = Duration::from_secs(base);
                assert!(w >= base / 2 && w <= base, "{attempts}: {w:?}");
            }
        }
        assert_eq!(
            wait(1, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        assert_eq!(
            wait(1, Some(Duration::from_secs(10 * 86_400))),
            Duration::from_secs(86_400)
        );
    }
}
