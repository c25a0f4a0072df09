//! Validated identifiers: leaderboard slugs and participant ids, parsed once at the edge so an
//! invalid one cannot exist further in.

use std::fmt;

/// Why a string is not a valid identifier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The string is empty.
    #[error("must not be empty")]
    Empty,
    /// The string has more than `max` characters.
    #[error("must be at most {max} characters (got {got})")]
    TooLong {
        /// The limit.
        max: usize,
        /// The length given.
        got: usize,
    },
    /// A character is not allowed where it is; `position` counts characters from 1.
    #[error("character {ch:?} at position {position} is not allowed; {allowed}")]
    BadChar {
        /// The offending character.
        ch: char,
        /// Its 1-based character position.
        position: usize,
        /// What is allowed there, as a sentence fragment.
        allowed: &'static str,
    },
}

/// A leaderboard slug: 1–64 characters, `[a-z0-9]` then `[a-z0-9_-]*`.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct Slug(String);

/// A participant id: 1–128 characters of `[A-Za-z0-9_.:@-]`.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct ParticipantId(String);

impl Slug {
    /// Longest slug, in characters.
    pub const MAX_LEN: usize = 64;

    /// Validates a slug.
    pub fn parse(s: &str) -> Result<Slug, IdError> {
        const FIRST: &str = "a slug starts with a lowercase letter or digit";
        const REST: &str = "a slug uses lowercase letters, digits, '-' and '_'";
        check_length(s, Self::MAX_LEN)?;
        for (i, ch) in s.chars().enumerate() {
            let ok = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            let ok = ok || (i > 0 && (ch == '-' || ch == '_'));
            if !ok {
                let allowed = if i == 0 && (ch == '-' || ch == '_') {
                    FIRST
                } else {
                    REST
                };
                return Err(IdError::BadChar {
                    ch,
                    position: i + 1,
                    allowed,
                });
            }
        }
        Ok(Slug(s.to_owned()))
    }

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The slug text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl ParticipantId {
    /// Longest participant id, in characters.
    pub const MAX_LEN: usize = 128;

    /// Validates a participant id.
    pub fn parse(s: &str) -> Result<ParticipantId, IdError> {
        check_length(s, Self::MAX_LEN)?;
        for (i, ch) in s.chars().enumerate() {
            if !(ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | ':' | '@' | '-')) {
                return Err(IdError::BadChar {
                    ch,
                    position: i + 1,
                    allowed: "a participant id uses letters, digits and _ . : @ -",
                });
            }
        }
        Ok(ParticipantId(s.to_owned()))
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

fn check_length(s: &str, max: usize) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    // Byte length bounds the character count, so only long strings pay for counting.
    if s.len() > max {
        let got = s.chars().count();
        if got > max {
            return Err(IdError::TooLong { max, got });
        }
    }
    Ok(())
}

macro_rules! string_newtype {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $ty {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                // Validate first, then keep the caller's allocation.
                $ty::parse(&s)?;
                Ok($ty(s))
            }
        }

        impl From<$ty> for String {
            fn from(id: $ty) -> String {
                id.0
            }
        }

        impl std::str::FromStr for $ty {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                $ty::parse(s)
            }
        }
    };
}

string_newtype!(Slug);
string_newtype!(ParticipantId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_accepts_lowercase_digits_dash_and_underscore() {
        let slug = Slug::parse("weekly-high_scores2").unwrap();
        assert_eq!(slug.as_str(), "weekly-high_scores2");
        assert_eq!(slug.to_string(), "weekly-high_scores2");
        assert_eq!(Slug::parse("7").unwrap().into_inner(), "7");
    }

    #[test]
    fn slug_rejects_empty_input() {
        assert_eq!(Slug::parse(""), Err(IdError::Empty));
        assert_eq!(IdError::Empty.to_string(), "must not be empty");
    }

    #[test]
    fn slug_rejects_more_than_64_characters() {
        assert!(Slug::parse(&"a".repeat(64)).is_ok());
        let err = Slug::parse(&"a".repeat(65)).unwrap_err();
        assert_eq!(err, IdError::TooLong { max: 64, got: 65 });
        assert_eq!(err.to_string(), "must be at most 64 characters (got 65)");
    }

    #[test]
    fn slug_rejects_uppercase_with_its_position() {
        let err = Slug::parse("abC").unwrap_err();
        assert!(matches!(
            err,
            IdError::BadChar {
                ch: 'C',
                position: 3,
                ..
            }
        ));
        assert!(err.to_string().contains("'C' at position 3"), "{err}");
    }

    #[test]
    fn slug_rejects_a_leading_dash() {
        let err = Slug::parse("-abc").unwrap_err();
        assert!(matches!(
            err,
            IdError::BadChar {
                ch: '-',
                position: 1,
                ..
            }
        ));
        assert!(err.to_string().contains("starts with"), "{err}");
        assert!(Slug::parse("_abc").is_err());
    }

    #[test]
    fn participant_id_accepts_its_whole_alphabet() {
        let id = ParticipantId::parse("Player_1.eu:west@Host-9").unwrap();
        assert_eq!(id.as_ref(), "Player_1.eu:west@Host-9");
    }

    #[test]
    fn participant_id_reports_length_in_characters() {
        assert!(ParticipantId::parse(&"x".repeat(128)).is_ok());
        let err = ParticipantId::parse(&"x".repeat(140)).unwrap_err();
        assert_eq!(err.to_string(), "must be at most 128 characters (got 140)");
    }

    #[test]
    fn participant_id_rejects_spaces_and_non_ascii() {
        let err = ParticipantId::parse("a b").unwrap_err();
        assert!(matches!(
            err,
            IdError::BadChar {
                ch: ' ',
                position: 2,
                ..
            }
        ));
        let err = ParticipantId::parse("zoë").unwrap_err();
        assert!(matches!(
            err,
            IdError::BadChar {
                ch: 'ë',
                position: 3,
                ..
            }
        ));
    }

    #[test]
    fn ids_serialize_as_plain_strings_and_validate_on_deserialize() {
        let slug = Slug::parse("daily").unwrap();
        assert_eq!(serde_json::to_string(&slug).unwrap(), "\"daily\"");
        let id: ParticipantId = serde_json::from_str("\"p-1\"").unwrap();
        assert_eq!(id.as_str(), "p-1");
        let err = serde_json::from_str::<ParticipantId>("\"bad id\"").unwrap_err();
        assert!(err.to_string().contains("not allowed"), "{err}");
    }
}
