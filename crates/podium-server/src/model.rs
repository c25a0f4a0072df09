//! Server-side domain records shared by the database layer, the rank index and the HTTP layer:
//! a leaderboard's definition and the bounds of its periods.

use chrono::{DateTime, Utc};
use podium_core::{
    period::ResetSchedule,
    score::{Operator, Order},
};
use serde::{Deserialize, Serialize};

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
