//! The scan's clock (baseline 1.2): the one instant every time-relative read
//! and check of a scan is judged from. A live scan's scan time is its start,
//! truncated to the second, and is written as the recording header's
//! `recorded_at`; a replay's is that `recorded_at`, so it sends the same
//! requests and gives the same results as the scan that recorded it.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The scan time: a UTC instant, whole seconds.
pub type ScanTime = OffsetDateTime;

/// `t` truncated to the second, in UTC.
pub fn truncate(t: OffsetDateTime) -> ScanTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0).unwrap_or(t)
}

/// The scan time of a live scan that starts at `started`.
pub fn live(started: std::time::SystemTime) -> ScanTime {
    truncate(OffsetDateTime::from(started))
}

/// The scan time a recording header's `recorded_at` gives (RFC 3339), when it parses.
pub fn parse(recorded_at: &str) -> Option<ScanTime> {
    OffsetDateTime::parse(recorded_at.trim(), &Rfc3339)
        .ok()
        .map(truncate)
}

/// `YYYY-MM-DDTHH:MM:SSZ`: how the scan time is written (header, filters).
pub fn format(t: ScanTime) -> String {
    let t = truncate(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_time_is_truncated_and_round_trips_through_the_header() {
        let t = time::macros::datetime!(2026-11-20 09:00:07.987 +01:00);
        let s = format(truncate(t));
        assert_eq!(s, "2026-11-20T08:00:07Z");
        assert_eq!(parse(&s).map(format), Some(s));
        assert_eq!(
            parse("2026-11-20T08:00:07.5Z").map(format).as_deref(),
            Some("2026-11-20T08:00:07Z")
        );
        assert!(parse("yesterday").is_none());
    }
}
