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

    #[test]
    fn croner_finds_the_same_latest_fire_time_as_our_own_search(
        pattern in prop::sample::select(CRONS),
        secs in 946_684_800i64..2_524_608_000,
        nanos in 0u32..1_000_000_000,
    ) {
        let cron = CronSchedule::parse(pattern).unwrap();
        let t = DateTime::from_timestamp(secs, nanos).unwrap().naive_utc();
        prop_assert_eq!(cron.latest_at_or_before(t), cron.latest_by_search(t));
    }
}

/// Patterns of every shape: steps, lists, ranges, weekdays, rare dates, seconds.
const CRONS: &[&str] = &[
    "* * * * *",
    "0 */6 * * *",
    "30 1 * * *",
    "15 2 * * 0",
    "30 9 * * 1-5",
    "0 0 1 * *",
    "0 0 29 2 *",
    "5,35 */2 1-10 * *",
    "0 12 * 1,7 6",
    "*/15 * * * * *",
    "30 0 0 31 12 *",
];
