//! Wall-clock to instant: a local time in a DST gap maps to the first valid instant after it
//! (the moment the clocks jump); an ambiguous local time in a fold maps to the earlier instant.
//! This mapping never decreases as the wall-clock time increases, which period bounds rely on.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant for a wall-clock time in `tz`.
pub(super) fn resolve(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => gap_end(tz, local),
    }
}

/// The transition instant ending the gap that swallows `local`: the first instant whose
/// wall-clock time is at or after `local`. UTC offsets stay within ±26 hours, so the transition
/// lies within that window of `local` read as UTC; bisect it to the second (offsets are whole
/// seconds).
fn gap_end(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let window = TimeDelta::hours(26);
    let as_utc = local.and_utc();
    let mut lo = as_utc.checked_sub_signed(window)?.timestamp();
    let mut hi = as_utc.checked_add_signed(window)?.timestamp();
    let reached = |secs: i64| {
        DateTime::from_timestamp(secs, 0)
            .map(|t| t.with_timezone(&tz).naive_local() >= local)
            .unwrap_or(true)
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}
