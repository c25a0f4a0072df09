//! Period bounds across DST-observing zones: every instant lies in exactly one period, and
//! neighbouring periods meet without gaps or overlaps.

use chrono::{DateTime, TimeDelta};
use proptest::prelude::*;

use super::*;

const ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "Pacific/Apia",
];

const SCHEDULES: &[&str] = &[
    "daily",
    "weekly",
    "monthly",
    "0 */6 * * *",
    "30 1 * * *",
    "15 2 * * 0",
    "30 9 * * 1-5",
];

proptest! {
    #[test]
    fn periods_contain_the_instant_and_tile_time(
        zone in prop::sample::select(ZONES),
        schedule in prop::sample::select(SCHEDULES),
        secs in 946_684_800i64..2_524_608_000,
    ) {
        let tz = parse_timezone(zone).unwrap();
        let schedule = ResetSchedule::parse(schedule).unwrap();
        let at = DateTime::from_timestamp(secs, 0).unwrap();
        let b = schedule.bounds_at(tz, at);
        let (start, end) = (b.start.unwrap(), b.end.unwrap());
        prop_assert!(start <= at && at < end, "{:?} must contain {}", b, at);
        // The period is the same seen from its first instant, and the next one starts at its end.
        prop_assert_eq!(schedule.bounds_at(tz, start), b);
        prop_assert_eq!(schedule.bounds_at(tz, end).start, Some(end));
        prop_assert_eq!(schedule.bounds_at(tz, end - TimeDelta::seconds(1)), b);
    }
}
