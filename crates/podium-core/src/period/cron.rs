//! Cron schedules, evaluated on wall-clock time: croner finds the next fire time and the latest
//! one at or before an instant. (Our own backward search, galloping back in doubling windows and
//! bisecting, served before croner 3 could search backwards; it stays as the property tests'
//! oracle.)

use std::fmt;

#[cfg(test)]
use chrono::TimeDelta;
use chrono::{NaiveDateTime, Timelike};
use croner::{
    Cron,
    parser::{CronParser, Seconds, Year},
};

use super::ScheduleError;

/// Longest look-back of the oracle; every satisfiable pattern fires within any 28-year span (the
/// weekday calendar repeats), so this only bounds work near the edges of the representable range.
#[cfg(test)]
const MAX_LOOKBACK_SECONDS: i64 = 800 * 366 * 86_400;

/// A parsed cron expression and its source text.
#[derive(Clone)]
pub struct CronSchedule {
    source: String,
    /// Boxed: a parsed pattern is ~200 bytes, and schedules are held per leaderboard.
    cron: Box<Cron>,
}

impl CronSchedule {
    /// Parses a 5-field expression (or 6 fields with seconds first) and checks that it fires.
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        // Five fields, or six with seconds first; no year field (croner 3 would take a sixth
        // field as a year by default).
        let parser = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(s).map_err(|e| ScheduleError::InvalidCron {
            expr: s.to_owned(),
            reason: e.to_string(),
        })?;
        let schedule = CronSchedule {
            source: s.to_owned(),
            cron: Box::new(cron),
        };
        let epoch = chrono::DateTime::UNIX_EPOCH.naive_utc();
        if schedule.next_after(epoch).is_none() {
            return Err(ScheduleError::NeverFires(s.to_owned()));
        }
        Ok(schedule)
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The first wall-clock fire time strictly after `t`.
    pub(super) fn next_after(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        // Reading wall-clock time as UTC keeps croner's search free of any zone's gaps and folds;
        // those are applied afterwards, once, by the caller.
        self.cron
            .find_next_occurrence(&t.and_utc(), false)
            .ok()
            .map(|d| d.naive_utc())
    }

    /// The first wall-clock fire time at or after `t`.
    #[cfg(test)]
    fn next_from(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        self.cron
            .find_next_occurrence(&t.and_utc(), true)
            .ok()
            .map(|d| d.naive_utc())
    }

    /// The latest wall-clock fire time at or before `t`.
    pub(super) fn latest_at_or_before(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        // Fire times are whole seconds.
        let t = t.with_nanosecond(0)?;
        self.cron
            .find_previous_occurrence(&t.and_utc(), true)
            .ok()
            .map(|d| d.naive_utc())
    }

    /// The same as `latest_at_or_before`, found with `next_from` alone: the oracle of the
    /// property tests.
    #[cfg(test)]
    pub(super) fn latest_by_search(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        let limit = t
            .with_nanosecond(0)?
            .checked_add_signed(TimeDelta::seconds(1))?;
        let before_limit = |s: NaiveDateTime| self.next_from(s).filter(|&f| f < limit);
        let mut width = TimeDelta::seconds(60);
        let mut lo = loop {
            let from = limit.checked_sub_signed(width)?;
            if let Some(fire) = before_limit(from) {
                break fire;
            }
            if width.num_seconds() > MAX_LOOKBACK_SECONDS {
                return None;
            }
            width = width * 2;
        };
        // Invariant: `lo` is a fire time < limit; no fire time lies in [hi, limit).
        let mut hi = limit;
        while (hi - lo).num_seconds() > 1 {
            let mid = lo + TimeDelta::seconds((hi - lo).num_seconds() / 2);
            match before_limit(mid) {
                Some(fire) => lo = fire,
                None => hi = mid,
            }
        }
        Some(lo)
    }
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CronSchedule").field(&self.source).finish()
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use proptest::prelude::*;

    use super::*;

    const PATTERNS: &[&str] = &[
        "0 */6 * * *",
        "30 9 * * 1-5",
        "*/7 * * * *",
        "0 0 29 2 *",
        "0 12 L * *",
        "*/10 * * * * *",
        "0 0 1 1 *",
    ];

    proptest! {
        #[test]
        fn latest_fire_is_a_fire_at_or_before_t_with_none_between(
            pattern in prop::sample::select(PATTERNS),
            secs in 0i64..4_102_444_800,
        ) {
            let cron = CronSchedule::parse(pattern).unwrap();
            let t = DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
            let latest = cron.latest_at_or_before(t).expect("a fire time exists before t");
            prop_assert!(latest <= t);
            prop_assert_eq!(cron.next_from(latest), Some(latest), "is a fire time");
            prop_assert!(cron.next_after(latest).is_some_and(|next| next > t), "nothing between");
        }
    }

    #[test]
    fn latest_fire_at_a_fire_time_is_that_time() {
        let cron = CronSchedule::parse("30 9 * * 1-5").unwrap();
        let t = "2024-06-10T09:30:00".parse().unwrap();
        assert_eq!(cron.latest_at_or_before(t), Some(t));
    }
}
