//! Server-side domain records shared by the database layer, the rank index and the HTTP layer:
//! a leaderboard's definition and the bounds of its periods.

use chrono::{DateTime, Utc};
use podium_core::{
    period::ResetSchedule,
    score::{Operator, Order},
};
use serde::{Deserialize, Serialize, Serializer};

/// A leaderboard's definition as stored (and as carried by the change feed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardDef {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub order: Order,
    pub operator: Operator,
    /// `never`, `daily`, `weekly`, `monthly` or a cron expression, parsed once.
    pub reset: ResetSchedule,
    /// The IANA time zone the schedule runs in (its name on the wire).
    #[serde(with = "tz_name")]
    pub timezone: chrono_tz::Tz,
    pub metadata: serde_json::Value,
    /// Who may read it.
    #[serde(default)]
    pub visibility: Visibility,
    pub period_anchor: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who may read a leaderboard or a league: anyone, or a signed-in person or a `read` key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    #[default]
    Public,
    Private,
}

impl Visibility {
    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
        }
    }

    /// A stored value (the database's check constraint allows only the two): anything else
    /// reads as private, so a surprise never exposes a resource.
    pub fn from_stored(s: &str) -> Visibility {
        Visibility::parse(s).unwrap_or(Visibility::Private)
    }
}

/// The span of one period: `starts_at <= t < ends_at` (no end for `never`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl Bounds {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.starts_at <= t && self.ends_at.is_none_or(|end| t < end)
    }
}

/// A time zone as its IANA name; an unknown name is an error.
mod tz_name {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tz: &chrono_tz::Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        podium_core::period::parse_timezone(&name).map_err(serde::de::Error::custom)
    }
}

impl LeaderboardDef {
    /// The period that contains `t`. Periods never begin before the anchor (the creation of the
    /// leaderboard, or the last change of its schedule).
    pub fn period_at(&self, t: DateTime<Utc>) -> Bounds {
        let at = t.max(self.period_anchor);
        let b = self.reset.bounds_at(self.timezone, at);
        Bounds {
            starts_at: b
                .start
                .map_or(self.period_anchor, |s| s.max(self.period_anchor)),
            ends_at: b.end,
        }
    }
}

/// Microseconds since the Unix epoch, the index's unit of time.
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

/// The parts of a participant's profile that a ranking row shows, held in memory by every
/// process and carried by the change log when they change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileBrief {
    pub display_name: Option<String>,
    /// The avatar's entity tag; None without an avatar.
    pub avatar_etag: Option<String>,
}

impl ProfileBrief {
    /// Nothing to show: the participant has no name and no avatar.
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none() && self.avatar_etag.is_none()
    }
}

/// Serializes a time as chrono does (RFC 3339 in UTC with `Z`, and 3, 6 or 9 fractional digits
/// only when there is a fraction), but written straight into a small buffer. chrono formats
/// through `fmt` a few characters at a time, each piece escaped on its own by serde_json: with
/// two times per row that was over half of the instructions of a top-100 page.
pub fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    match format_rfc3339(t) {
        Some((buf, len)) => s.serialize_str(std::str::from_utf8(&buf[..len]).unwrap_or_default()),
        None => t.serialize(s),
    }
}

/// The RFC 3339 text of `t` for years 0 to 9999 (None otherwise: chrono handles those).
fn format_rfc3339(t: &DateTime<Utc>) -> Option<([u8; 32], usize)> {
    use chrono::{Datelike, Timelike};
    // The naive UTC time directly: going through the time zone costs an offset addition.
    let t = t.naive_utc();
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let mut buf = [0u8; 32];
    let mut put = |at: usize, value: u32, digits: usize| {
        let mut v = value;
        for i in (0..digits).rev() {
            buf[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, t.month(), 2);
    put(8, t.day(), 2);
    put(11, t.hour(), 2);
    put(14, t.minute(), 2);
    // A leap second is carried in the nanoseconds (≥ 1e9): chrono prints it as second 60.
    let (second, nanos) = match t.nanosecond() {
        n if n >= 1_000_000_000 => (60, n - 1_000_000_000),
        n => (t.second(), n),
    };
    put(17, second, 2);
    let mut len = 19;
    let (value, digits) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    if digits > 0 {
        put(20, value, digits);
        len = 20 + digits;
    }
    for (at, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
    ] {
        buf[at] = c;
    }
    buf[len] = b'Z';
    Some((buf, len + 1))
}

#[cfg(test)]
mod rfc3339_tests {
    use super::*;

    fn ours(t: DateTime<Utc>) -> String {
        let mut out = Vec::new();
        rfc3339(&t, &mut serde_json::Serializer::new(&mut out)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn writes_what_chrono_writes() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut checked = 0;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Any time from year 1 to 9999, with every kind of fraction.
            let secs = (x % 315_000_000_000) as i64 - 62_000_000_000;
            let nanos = match x % 4 {
                0 => 0,
                1 => (x % 1000) as u32 * 1_000_000,
                2 => (x % 1_000_000) as u32 * 1_000,
                _ => (x % 1_000_000_000) as u32,
            };
            let Some(t) = DateTime::from_timestamp(secs, nanos) else {
                continue;
            };
            assert_eq!(ours(t), serde_json::to_string(&t).unwrap(), "{t:?}");
            checked += 1;
        }
        assert!(checked > 19_000);
        for t in [
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
            DateTime::UNIX_EPOCH,
        ] {
            assert_eq!(ours(t), serde_json::to_string(&t).unwrap(), "{t:?}");
        }
    }
}
