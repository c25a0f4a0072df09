use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse()
        .unwrap_or_else(|e| panic!("bad test instant {s}: {e}"))
}

fn tz(name: &str) -> Tz {
    parse_timezone(name).unwrap()
}

/// Bounds of the period containing `at`, as RFC 3339 strings for readable assertions.
fn bounds(schedule: &str, zone: &str, at: &str) -> (String, String) {
    let b = ResetSchedule::parse(schedule)
        .unwrap()
        .bounds_at(tz(zone), utc(at));
    let show = |t: Option<DateTime<Utc>>| {
        t.map_or("none".into(), |t| {
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        })
    };
    assert!(
        b.start.is_none_or(|s| s <= utc(at)) && b.end.is_none_or(|e| utc(at) < e),
        "{b:?} must contain {at}"
    );
    (show(b.start), show(b.end))
}

fn pair(start: &str, end: &str) -> (String, String) {
    (start.to_owned(), end.to_owned())
}

#[test]
fn never_has_no_bounds() {
    let b = ResetSchedule::Never.bounds_at(Tz::UTC, utc("2024-01-01T00:00:00Z"));
    assert_eq!(
        b,
        PeriodBounds {
            start: None,
            end: None
        }
    );
}

#[test]
fn daily_runs_from_local_midnight_to_the_next() {
    assert_eq!(
        bounds("daily", "UTC", "2024-05-05T10:00:00Z"),
        pair("2024-05-05T00:00:00Z", "2024-05-06T00:00:00Z")
    );
    assert_eq!(
        bounds("daily", "Asia/Tokyo", "2024-05-05T16:00:00Z"),
        pair("2024-05-05T15:00:00Z", "2024-05-06T15:00:00Z")
    );
}

#[test]
fn daily_in_london_is_23_hours_on_the_spring_change_and_25_in_autumn() {
    assert_eq!(
        bounds("daily", "Europe/London", "2024-03-31T12:00:00Z"),
        pair("2024-03-31T00:00:00Z", "2024-03-31T23:00:00Z")
    );
    assert_eq!(
        bounds("daily", "Europe/London", "2024-10-27T12:00:00Z"),
        pair("2024-10-26T23:00:00Z", "2024-10-28T00:00:00Z")
    );
}

#[test]
fn weekly_uses_iso_weeks_starting_monday_local_time() {
    // Tuesday 31 December 2024 belongs to the ISO week starting Monday 30 December.
    assert_eq!(
        bounds("weekly", "UTC", "2024-12-31T08:00:00Z"),
        pair("2024-12-30T00:00:00Z", "2025-01-06T00:00:00Z")
    );
    assert_eq!(
        bounds("weekly", "UTC", "2025-01-06T00:00:00Z"),
        pair("2025-01-06T00:00:00Z", "2025-01-13T00:00:00Z")
    );
    // The week holding New York's spring change is an hour short.
    assert_eq!(
        bounds("weekly", "America/New_York", "2024-03-10T12:00:00Z"),
        pair("2024-03-04T05:00:00Z", "2024-03-11T04:00:00Z")
    );
}

#[test]
fn monthly_runs_from_the_first_to_the_first_across_month_lengths_and_leap_years() {
    assert_eq!(
        bounds("monthly", "UTC", "2024-02-29T23:59:59Z"),
        pair("2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")
    );
    assert_eq!(
        bounds("monthly", "UTC", "2023-02-28T12:00:00Z"),
        pair("2023-02-01T00:00:00Z", "2023-03-01T00:00:00Z")
    );
    assert_eq!(
        bounds("monthly", "UTC", "2024-12-31T23:00:00Z"),
        pair("2024-12-01T00:00:00Z", "2025-01-01T00:00:00Z")
    );
    assert_eq!(
        bounds("monthly", "America/New_York", "2024-11-15T00:00:00Z"),
        pair("2024-11-01T04:00:00Z", "2024-12-01T05:00:00Z")
    );
}

#[test]
fn a_missing_local_midnight_starts_the_day_when_the_clocks_jump() {
    // Santiago springs from 00:00 to 01:00 on 8 September 2024.
    assert_eq!(
        bounds("daily", "America/Santiago", "2024-09-08T12:00:00Z"),
        pair("2024-09-08T04:00:00Z", "2024-09-09T03:00:00Z")
    );
    assert_eq!(
        bounds("daily", "America/Santiago", "2024-09-07T12:00:00Z"),
        pair("2024-09-07T04:00:00Z", "2024-09-08T04:00:00Z")
    );
    // Beirut springs from 00:00 to 01:00 on 31 March 2024.
    assert_eq!(
        bounds("daily", "Asia/Beirut", "2024-03-31T12:00:00Z"),
        pair("2024-03-30T22:00:00Z", "2024-03-31T21:00:00Z")
    );
}

#[test]
fn a_repeated_hour_before_midnight_stays_in_the_earlier_day() {
    // Santiago falls back from 00:00 to 23:00 on 7 April 2024, so 6 April lasts 25 hours.
    assert_eq!(
        bounds("daily", "America/Santiago", "2024-04-07T03:30:00Z"),
        pair("2024-04-06T03:00:00Z", "2024-04-07T04:00:00Z")
    );
}

#[test]
fn an_ambiguous_local_midnight_uses_the_earlier_instant() {
    // Havana falls back from 01:00 to 00:00 on 3 November 2024: midnight happens twice.
    assert_eq!(
        bounds("daily", "America/Havana", "2024-11-03T03:00:00Z"),
        pair("2024-11-02T04:00:00Z", "2024-11-03T04:00:00Z")
    );
    assert_eq!(
        bounds("daily", "America/Havana", "2024-11-03T05:30:00Z"),
        pair("2024-11-03T04:00:00Z", "2024-11-04T05:00:00Z")
    );
}

#[test]
fn a_skipped_calendar_day_ends_the_previous_day_at_the_jump() {
    // Samoa skipped 30 December 2011 entirely, jumping from UTC-10 to UTC+14.
    assert_eq!(
        bounds("daily", "Pacific/Apia", "2011-12-30T09:00:00Z"),
        pair("2011-12-29T10:00:00Z", "2011-12-30T10:00:00Z")
    );
    assert_eq!(
        bounds("daily", "Pacific/Apia", "2011-12-30T11:00:00Z"),
        pair("2011-12-30T10:00:00Z", "2011-12-31T10:00:00Z")
    );
}

#[test]
fn lord_howe_half_hour_shifts_lengthen_and_shorten_the_day_by_30_minutes() {
    assert_eq!(
        bounds("daily", "Australia/Lord_Howe", "2024-04-07T06:00:00Z"),
        pair("2024-04-06T13:00:00Z", "2024-04-07T13:30:00Z")
    );
    assert_eq!(
        bounds("daily", "Australia/Lord_Howe", "2024-10-06T06:00:00Z"),
        pair("2024-10-05T13:30:00Z", "2024-10-06T13:00:00Z")
    );
}

#[test]
fn cron_every_six_hours_spans_from_the_last_fire_to_the_next() {
    assert_eq!(
        bounds("0 */6 * * *", "UTC", "2024-05-05T13:10:00Z"),
        pair("2024-05-05T12:00:00Z", "2024-05-05T18:00:00Z")
    );
    assert_eq!(
        bounds("0 */6 * * *", "UTC", "2024-05-05T12:00:00Z"),
        pair("2024-05-05T12:00:00Z", "2024-05-05T18:00:00Z")
    );
    // New York's autumn change: 00:00 EDT to 06:00 EST is seven hours.
    assert_eq!(
        bounds("0 */6 * * *", "America/New_York", "2024-11-03T06:30:00Z"),
        pair("2024-11-03T04:00:00Z", "2024-11-03T11:00:00Z")
    );
}

#[test]
fn cron_on_weekday_mornings_skips_the_weekend() {
    assert_eq!(
        bounds("30 9 * * 1-5", "America/New_York", "2024-06-08T12:00:00Z"),
        pair("2024-06-07T13:30:00Z", "2024-06-10T13:30:00Z")
    );
    assert_eq!(
        bounds("30 9 * * 1-5", "America/New_York", "2024-06-10T13:29:59Z"),
        pair("2024-06-07T13:30:00Z", "2024-06-10T13:30:00Z")
    );
    assert_eq!(
        bounds("30 9 * * 1-5", "America/New_York", "2024-06-10T13:30:00Z"),
        pair("2024-06-10T13:30:00Z", "2024-06-11T13:30:00Z")
    );
}

#[test]
fn cron_in_a_dst_gap_fires_when_the_clocks_jump() {
    // 01:30 does not exist in London on 31 March 2024; it fires at 02:00 BST.
    assert_eq!(
        bounds("30 1 * * *", "Europe/London", "2024-03-31T05:00:00Z"),
        pair("2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z")
    );
    // Lord Howe skips 02:00-02:30 on 6 October 2024.
    assert_eq!(
        bounds("15 2 * * *", "Australia/Lord_Howe", "2024-10-05T16:00:00Z"),
        pair("2024-10-05T15:30:00Z", "2024-10-06T15:15:00Z")
    );
    assert_eq!(
        bounds("15 2 * * *", "Australia/Lord_Howe", "2024-10-05T15:20:00Z"),
        pair("2024-10-04T15:45:00Z", "2024-10-05T15:30:00Z")
    );
}

#[test]
fn cron_in_a_repeated_hour_fires_once_at_the_earlier_instant() {
    // 01:30 happens twice in London on 27 October 2024; the fire is the BST one.
    assert_eq!(
        bounds("30 1 * * *", "Europe/London", "2024-10-27T01:15:00Z"),
        pair("2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z")
    );
    assert_eq!(
        bounds("45 1 * * *", "Australia/Lord_Howe", "2024-04-06T15:00:00Z"),
        pair("2024-04-06T14:45:00Z", "2024-04-07T15:15:00Z")
    );
}

#[test]
fn cron_finds_rare_fire_times_years_back() {
    assert_eq!(
        bounds("0 0 29 2 *", "UTC", "2025-06-01T00:00:00Z"),
        pair("2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z")
    );
    assert_eq!(
        bounds("0 0 31 * *", "UTC", "2024-04-15T00:00:00Z"),
        pair("2024-03-31T00:00:00Z", "2024-05-31T00:00:00Z")
    );
}

#[test]
fn cron_with_seconds_is_accepted() {
    assert_eq!(
        bounds("*/10 * * * * *", "UTC", "2024-01-01T00:00:15.250Z"),
        pair("2024-01-01T00:00:10Z", "2024-01-01T00:00:20Z")
    );
}

#[test]
fn schedules_print_as_written() {
    for text in ["never", "daily", "weekly", "monthly", "0 */6 * * *"] {
        let schedule = ResetSchedule::parse(text).unwrap();
        assert_eq!(schedule.as_str(), text);
        assert_eq!(schedule.to_string(), text);
    }
}

#[test]
fn bad_schedules_are_rejected_with_a_clear_message() {
    let err = ResetSchedule::parse("hourly").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unknown reset schedule \"hourly\""),
        "{err}"
    );
    let err = ResetSchedule::parse("61 * * * *").unwrap_err();
    assert!(matches!(err, ScheduleError::InvalidCron { .. }), "{err:?}");
    assert!(err.to_string().contains("\"61 * * * *\""), "{err}");
    let err = ResetSchedule::parse("0 0 30 2 *").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cron expression \"0 0 30 2 *\" never fires"
    );
}

#[test]
fn unknown_time_zones_are_named_in_the_error() {
    let err = parse_timezone("Mars/Olympus_Mons").unwrap_err();
    assert!(err.to_string().contains("\"Mars/Olympus_Mons\""), "{err}");
    assert_eq!(
        parse_timezone("Europe/London").unwrap(),
        chrono_tz::Europe::London
    );
}

#[test]
fn a_schedule_travels_as_its_text_and_an_unknown_one_is_refused() {
    for text in [
        "never",
        "daily",
        "weekly",
        "monthly",
        "0 0 * * 1",
        "30 4 1 * *",
    ] {
        let schedule = ResetSchedule::parse(text).unwrap();
        let json = serde_json::to_string(&schedule).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(
            serde_json::from_str::<ResetSchedule>(&json).unwrap(),
            schedule
        );
    }
    let err = serde_json::from_str::<ResetSchedule>("\"every blue moon\"").unwrap_err();
    assert!(err.to_string().contains("every blue moon"), "{err}");
}
