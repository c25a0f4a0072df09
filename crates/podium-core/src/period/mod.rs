//! Leaderboard periods: reset schedules (never, daily, weekly, monthly, cron) and the bounds of
//! the period containing an instant, in the leaderboard's IANA time zone.
//! Boundaries are wall-clock times; see `local.rs` for how DST gaps and folds map them to instants.

mod cron;
mod local;

use std::fmt;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

pub use cron::CronSchedule;

/// When a leaderboard starts a fresh period.
#[derive(Clone, Debug, PartialEq)]
pub enum ResetSchedule {
    /// One period forever.
    Never,
    /// Local midnight to local midnight.
    Daily,
    /// ISO weeks: Monday 00:00 local to the next Monday.
    Weekly,
    /// The 1st 00:00 local to the next month's 1st.
    Monthly,
    /// From one fire time of a cron expression to the next.
    Cron(CronSchedule),
}

/// Why a schedule or time zone was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not a keyword, and not a cron expression either.
    #[error(
        "unknown reset schedule {0:?}; expected never, daily, weekly, monthly or a cron expression such as \"0 0 * * 1\""
    )]
    Unknown(String),
    /// A cron expression that does not parse.
    #[error("invalid cron expression {expr:?}: {reason}")]
    InvalidCron {
        /// The expression as given.
        expr: String,
        /// What the cron parser objected to.
        reason: String,
    },
    /// A cron expression that parses but matches no time (such as 30 February).
    #[error("cron expression {0:?} never fires")]
    NeverFires(String),
    /// Not an IANA time zone name.
    #[error("unknown time zone {0:?}; expected an IANA name such as \"Europe/London\" or \"UTC\"")]
    UnknownTimezone(String),
}

/// The period containing an instant: `start <= at < end`; `None` means unbounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodBounds {
    /// First instant of the period (inclusive).
    pub start: Option<DateTime<Utc>>,
    /// First instant of the next period (exclusive).
    pub end: Option<DateTime<Utc>>,
}

/// Parses an IANA time zone name such as `Europe/London`.
pub fn parse_timezone(s: &str) -> Result<Tz, ScheduleError> {
    s.parse::<Tz>()
        .map_err(|_| ScheduleError::UnknownTimezone(s.to_owned()))
}

impl ResetSchedule {
    /// Parses `never`, `daily`, `weekly`, `monthly`, or a 5-field (or 6-field, with seconds)
    /// cron expression.
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        let s = s.trim();
        match s {
            "never" => Ok(ResetSchedule::Never),
            "daily" => Ok(ResetSchedule::Daily),
            "weekly" => Ok(ResetSchedule::Weekly),
            "monthly" => Ok(ResetSchedule::Monthly),
            _ if s.split_whitespace().count() < 5 => Err(ScheduleError::Unknown(s.to_owned())),
            _ => CronSchedule::parse(s).map(ResetSchedule::Cron),
        }
    }

    /// The schedule as written: a keyword or the cron text.
    pub fn as_str(&self) -> &str {
        match self {
            ResetSchedule::Never => "never",
            ResetSchedule::Daily => "daily",
            ResetSchedule::Weekly => "weekly",
            ResetSchedule::Monthly => "monthly",
            ResetSchedule::Cron(cron) => cron.as_str(),
        }
    }

    /// The period containing `at`, with boundaries evaluated in `tz`.
    pub fn bounds_at(&self, tz: Tz, at: DateTime<Utc>) -> PeriodBounds {
        let local = at.with_timezone(&tz).naive_local();
        match self {
            ResetSchedule::Never => PeriodBounds {
                start: None,
                end: None,
            },
            ResetSchedule::Daily => {
                fixed_bounds(tz, at, local.date(), |d| d.checked_add_days(Days::new(1)))
            }
            ResetSchedule::Weekly => {
                let back = u64::from(local.weekday().num_days_from_monday());
                let monday = local.date().checked_sub_days(Days::new(back));
                match monday {
                    Some(monday) => {
                        fixed_bounds(tz, at, monday, |d| d.checked_add_days(Days::new(7)))
                    }
                    None => unbounded(),
                }
            }
            ResetSchedule::Monthly => match local.date().with_day(1) {
                Some(first) => {
                    fixed_bounds(tz, at, first, |d| d.checked_add_months(Months::new(1)))
                }
                None => unbounded(),
            },
            ResetSchedule::Cron(cron) => {
                let start = cron.latest_at_or_before(local);
                walk(tz, at, start, |n| cron.next_after(n))
            }
        }
    }
}

impl fmt::Display for ResetSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// As its text (`daily`, `0 0 * * 1` …), so stored and transmitted forms stay strings.
impl serde::Serialize for ResetSchedule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Parsed on the way in: a schedule that does not parse is an error, never a silent `never`.
impl<'de> serde::Deserialize<'de> for ResetSchedule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ResetSchedule::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn unbounded() -> PeriodBounds {
    PeriodBounds {
        start: None,
        end: None,
    }
}

/// Bounds for schedules whose boundaries are local midnights of certain dates.
fn fixed_bounds(
    tz: Tz,
    at: DateTime<Utc>,
    first: NaiveDate,
    next: impl Fn(NaiveDate) -> Option<NaiveDate>,
) -> PeriodBounds {
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0);
    walk(tz, at, midnight(first), |n| {
        next(n.date()).and_then(midnight)
    })
}

/// Given the latest wall-clock boundary at or before `at`'s local time, finds the boundaries
/// whose instants enclose `at`. Mapping wall-clock time to instants is monotone but, in a fold,
/// a boundary after `at`'s local time can still map to an instant before `at`; those are
/// skipped forward.
fn walk(
    tz: Tz,
    at: DateTime<Utc>,
    start: Option<NaiveDateTime>,
    next: impl Fn(NaiveDateTime) -> Option<NaiveDateTime>,
) -> PeriodBounds {
    let mut start = start;
    let mut end = match start {
        Some(s) => next(s),
        None => None,
    };
    // Folds are at most a few hours, so a handful of steps always suffices.
    for _ in 0..64 {
        let Some(end_naive) = end else { break };
        match local::resolve(tz, end_naive) {
            Some(instant) if instant <= at => {
                start = Some(end_naive);
                end = next(end_naive);
            }
            _ => break,
        }
    }
    PeriodBounds {
        start: start.and_then(|s| local::resolve(tz, s)),
        end: end.and_then(|e| local::resolve(tz, e)),
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
