//! Wall-clock time as the inbox, the reports and the notifications count
//! it: Unix seconds (now, or of a `SystemTime`), written as RFC 3339 UTC
//! or as a calendar day. The one place "now" is read for stored times.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    unix(SystemTime::now())
}

/// Seconds since the epoch of `t` (0 before it).
pub fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs().min(i64::MAX as u64) as i64)
}

/// Unix seconds as `2026-11-29T09:08:59Z`.
pub fn rfc3339(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(unix),
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The UTC calendar day of Unix second `unix`, as `2026-11-29`.
pub fn date(unix: i64) -> String {
    let (year, month, day) = civil(unix.div_euclid(86_400));
    format!("{year:04}-{month:02}-{day:02}")
}

/// Days since the epoch to a civil date (proleptic Gregorian), after
/// Howard Hinnant's algorithm.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_383_739), "2026-12-04T11:28:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(date(86_400 * 3 + 5), "1970-01-04");
    }

    #[test]
    fn now_is_after_the_epoch() {
        assert!(now() > 1_700_000_000);
        assert_eq!(unix(UNIX_EPOCH - std::time::Duration::from_secs(5)), 0);
    }
}
