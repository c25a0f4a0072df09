//! The rules of a match as submitted, one set for every way in: a JSON body
//! (`POST /leagues/{slug}/matches`, `PATCH …/matches/{id}`) gives a match whole
//! ([`validate`]), a CSV import gives it as one row per team, each row repeating the match's
//! time, external id and metadata ([`validate_rows`]). Both check the same rules and give the
//! same [`ValidMatch`]; errors name the field at fault ([`Field`]) and what is wrong with it
//! ([`Problem`]), so each edge can say it in its own terms (a JSON path, a CSV line and column).
//!
//! The rules: `played_at` between 0000-01-01 and 9999-12-31 (UTC; what RFC 3339 writes and
//! PostgreSQL stores), kept to the microsecond; 2 to [`MAX_TEAMS`] teams; every team at least
//! one valid participant id, nobody twice in a match; every team either a rank (1 to
//! [`MAX_RANK`]) or a finite score, never both, the same kind for every team (a score becomes
//! a rank: 1 + the teams with a strictly higher score); the shape the league's rating system
//! rates (Elo and Glicko-2: one against one); an external id of 1 to 200 characters; metadata
//! a JSON object.

use std::{collections::HashMap, fmt};

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde_json::Value;

use crate::{
    ids::{IdError, ParticipantId},
    rating::{Params, ShapeError},
};

/// Most teams in a match (a team's index is stored as a 16-bit integer).
pub const MAX_TEAMS: usize = i16::MAX as usize;
/// Highest rank (stored as a 16-bit integer).
pub const MAX_RANK: u32 = i16::MAX as u32;
/// Longest external id, in characters.
pub const MAX_EXTERNAL_ID_CHARS: usize = 200;

/// A match as submitted, before any rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    /// When it was played.
    pub played_at: DateTime<Utc>,
    /// Its teams, in the order given.
    pub teams: Vec<TeamSubmission>,
    /// Makes recording idempotent.
    pub external_id: Option<String>,
    /// Anything the client keeps with the match; `{}` when absent.
    pub metadata: Option<Value>,
}

/// One team as submitted.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamSubmission {
    /// Participant ids, unchecked.
    pub participants: Vec<String>,
    /// Its rank or its score.
    pub result: TeamResult,
}

/// What a team gives of its result: the rules want exactly one of the two.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TeamResult {
    /// 1 = winner; equal ranks draw.
    pub rank: Option<u32>,
    /// Higher wins; equal scores draw.
    pub score: Option<f64>,
}

/// A match that passed every rule.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidMatch {
    /// When it was played, to the microsecond.
    pub played_at: DateTime<Utc>,
    /// Its teams, in the order given.
    pub teams: Vec<ValidTeam>,
    /// 1 to 200 characters.
    pub external_id: Option<String>,
    /// A JSON object.
    pub metadata: Value,
}

/// A team of a valid match.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidTeam {
    /// Valid ids, none of them in another place of the match.
    pub participants: Vec<ParticipantId>,
    /// 1 = winner; equal ranks draw. From the score when the match has scores.
    pub rank: u32,
    /// The team's score, when the match has scores.
    pub score: Option<f64>,
}

/// One row of a match given as one row per team: the team, and the match's values the row
/// repeats. A cell is `None` when the edge could not read it (it said so already); no rule
/// looks at it, so one bad cell gives one error.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TeamRow {
    /// The match's time; every row gives the same.
    pub played_at: Option<DateTime<Utc>>,
    /// The team's participants.
    pub participants: Option<Vec<String>>,
    /// The team's result.
    pub result: Option<TeamResult>,
    /// The match's external id (`Some(None)`: none); the same on every row.
    pub external_id: Option<Option<String>>,
    /// The match's metadata (`Some(None)`: none): on its first row, later rows empty or the same.
    pub metadata: Option<Option<Value>>,
}

/// Which result the teams of a match give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Ranks.
    Rank,
    /// Scores.
    Score,
}

/// Where a problem is: a field of the match (for rows: of the row's team, or of the row).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// `played_at`.
    PlayedAt,
    /// `external_id`.
    ExternalId,
    /// `metadata`.
    Metadata,
    /// `teams`: the match's teams as a whole.
    Teams,
    /// `teams[t]`.
    Team(usize),
    /// `teams[t].participants`.
    Participants(usize),
    /// `teams[t].participants[i]`.
    Participant(usize, usize),
    /// `teams[t].rank`.
    Rank(usize),
    /// `teams[t].score`.
    Score(usize),
}

/// What is wrong. The text of each is the JSON API's message.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Problem {
    /// `played_at` outside 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z.
    #[error("must be between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z")]
    PlayedAtOutOfRange,
    /// An external id that is empty or too long.
    #[error("must be 1 to {MAX_EXTERNAL_ID_CHARS} characters")]
    ExternalIdLength {
        /// Its length in characters.
        chars: usize,
    },
    /// Metadata that is not a JSON object.
    #[error("must be a JSON object")]
    MetadataNotObject,
    /// Fewer than two teams.
    #[error("a match needs at least two teams (got {got})")]
    TooFewTeams {
        /// The teams given.
        got: usize,
    },
    /// More than [`MAX_TEAMS`] teams.
    #[error("a match has at most {MAX_TEAMS} teams (got {got})")]
    TooManyTeams {
        /// The teams given.
        got: usize,
    },
    /// A team without participants.
    #[error("a team needs at least one participant")]
    EmptyTeam,
    /// A participant id that is not valid.
    #[error("{0}")]
    BadParticipant(IdError),
    /// A participant already in an earlier place of the match.
    #[error("'{participant}' appears more than once in this match")]
    Duplicate {
        /// The id.
        participant: String,
        /// The team of its previous place.
        earlier: usize,
    },
    /// A team gives both a rank and a score.
    #[error("give a rank or a score, not both")]
    BothResults,
    /// A team gives neither a rank nor a score.
    #[error("give every team a {expected}, or every team a {}", expected.other())]
    NoResult {
        /// What the other teams give (a score when none does).
        expected: Kind,
    },
    /// A team gives the other kind of result than the first team that gives a valid one.
    #[error("give every team a {expected}, or every team a {}", expected.other())]
    Mixed {
        /// What the first team with a valid result gives.
        expected: Kind,
        /// That team.
        set_by: usize,
    },
    /// Rank 0.
    #[error("ranks start at 1")]
    RankZero,
    /// A rank above [`MAX_RANK`].
    #[error("ranks go up to {MAX_RANK} (got {rank})")]
    RankTooHigh {
        /// The rank given.
        rank: u32,
    },
    /// A score that is not a finite number.
    #[error("must be a finite number")]
    NotFinite {
        /// The score given.
        score: f64,
    },
    /// A shape the league's rating system does not rate.
    #[error(transparent)]
    Shape(ShapeError),
    /// Rows: a `played_at` other than the one of an earlier row.
    #[error("differs from row {first_row}'s")]
    PlayedAtDiffers {
        /// The row whose value the match takes.
        first_row: usize,
    },
    /// Rows: an external id other than the one of an earlier row (given or not).
    #[error("differs from row {first_row}'s")]
    ExternalIdDiffers {
        /// The row whose value the match takes.
        first_row: usize,
    },
    /// Rows: metadata other than the first row's on a later row.
    #[error("differs from row {first_row}'s")]
    MetadataDiffers {
        /// The first row.
        first_row: usize,
    },
}

/// A problem with a submitted match and where it is.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct Invalid {
    /// Where.
    pub field: Field,
    /// What.
    pub problem: Problem,
}

/// A problem with a match given as rows, and its row (a problem of the match as a whole is
/// on its first row).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("row {row}: {field}: {problem}")]
pub struct RowInvalid {
    /// The row, from 0.
    pub row: usize,
    /// Where in it.
    pub field: Field,
    /// What.
    pub problem: Problem,
}

/// Checks a whole match against every rule; every problem found, in field order (time, teams
/// one by one, external id, metadata), when any.
pub fn validate(s: &Submission, params: &Params) -> Result<ValidMatch, Vec<Invalid>> {
    let mut errors = Vec::new();
    let played_at = keep(&mut errors, Field::PlayedAt, played_at(s.played_at));
    let teams: Vec<Team> = s
        .teams
        .iter()
        .map(|t| Team {
            participants: Some(&t.participants),
            result: Some(t.result),
        })
        .collect();
    let teams = check_teams(&teams, params, &mut errors);
    let external_id = keep(
        &mut errors,
        Field::ExternalId,
        external_id(s.external_id.as_deref()),
    );
    let metadata = keep(&mut errors, Field::Metadata, metadata(s.metadata.as_ref()));
    match (played_at, teams, external_id, metadata) {
        (Some(played_at), Some(teams), Some(external_id), Some(metadata)) if errors.is_empty() => {
            Ok(ValidMatch {
                played_at,
                teams,
                external_id,
                metadata,
            })
        }
        _ => Err(errors),
    }
}

/// Checks a match given as one row per team: each row's cells against the rules of their
/// field, the rows against each other (one time, one external id, one metadata), then the
/// match as [`validate`] does. Every problem found, when any. Rows with a cell the edge could
/// not read never make a match, though the problems may then be only the edge's.
pub fn validate_rows(rows: &[TeamRow], params: &Params) -> Result<ValidMatch, Vec<RowInvalid>> {
    let read_whole = rows.iter().all(|r| {
        r.played_at.is_some()
            && r.participants.is_some()
            && r.result.is_some()
            && r.external_id.is_some()
            && r.metadata.is_some()
    });
    let mut errors = Vec::new();
    let played_at = agreed(
        rows,
        &mut errors,
        Field::PlayedAt,
        |r| r.played_at,
        played_at,
        |first_row| Problem::PlayedAtDiffers { first_row },
    );
    let external_id = agreed(
        rows,
        &mut errors,
        Field::ExternalId,
        |r| r.external_id.clone(),
        |e| external_id(e.as_deref()),
        |first_row| Problem::ExternalIdDiffers { first_row },
    );
    let metadata = first_row_metadata(rows, &mut errors);
    let teams: Vec<Team> = rows
        .iter()
        .map(|r| Team {
            participants: r.participants.as_deref(),
            result: r.result,
        })
        .collect();
    let mut team_errors = Vec::new();
    let teams = check_teams(&teams, params, &mut team_errors);
    errors.extend(team_errors.into_iter().map(|e| RowInvalid {
        row: e.field.team().unwrap_or(0),
        field: e.field,
        problem: e.problem,
    }));
    match (played_at, teams, external_id, metadata) {
        (Some(played_at), Some(teams), Some(external_id), Some(metadata))
            if errors.is_empty() && read_whole =>
        {
            Ok(ValidMatch {
                played_at,
                teams,
                external_id,
                metadata,
            })
        }
        _ => Err(errors),
    }
}

/// The earliest `played_at` accepted.
pub fn earliest_played_at() -> DateTime<Utc> {
    let day = NaiveDate::from_ymd_opt(0, 1, 1).expect("year 0 is in chrono's range");
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The latest `played_at` accepted.
pub fn latest_played_at() -> DateTime<Utc> {
    let day = NaiveDate::from_ymd_opt(9999, 12, 31).expect("year 9999 is in chrono's range");
    let last = chrono::NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("a valid time");
    day.and_time(last).and_utc()
}

impl Kind {
    /// The other kind.
    pub fn other(self) -> Kind {
        match self {
            Kind::Rank => Kind::Score,
            Kind::Score => Kind::Rank,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Rank => "rank",
            Kind::Score => "score",
        })
    }
}

impl Field {
    /// The team the field belongs to, if any.
    pub fn team(self) -> Option<usize> {
        match self {
            Field::Team(t)
            | Field::Participants(t)
            | Field::Participant(t, _)
            | Field::Rank(t)
            | Field::Score(t) => Some(t),
            Field::PlayedAt | Field::ExternalId | Field::Metadata | Field::Teams => None,
        }
    }
}

/// The field's JSON path: `teams[1].participants[0]`.
impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::PlayedAt => f.write_str("played_at"),
            Field::ExternalId => f.write_str("external_id"),
            Field::Metadata => f.write_str("metadata"),
            Field::Teams => f.write_str("teams"),
            Field::Team(t) => write!(f, "teams[{t}]"),
            Field::Participants(t) => write!(f, "teams[{t}].participants"),
            Field::Participant(t, i) => write!(f, "teams[{t}].participants[{i}]"),
            Field::Rank(t) => write!(f, "teams[{t}].rank"),
            Field::Score(t) => write!(f, "teams[{t}].score"),
        }
    }
}

/// A team as the rules see it: its cells that could be read.
struct Team<'a> {
    participants: Option<&'a [String]>,
    result: Option<TeamResult>,
}

/// The value, or `None` with the problem noted.
fn keep<T>(errors: &mut Vec<Invalid>, field: Field, checked: Result<T, Problem>) -> Option<T> {
    checked
        .map_err(|problem| errors.push(Invalid { field, problem }))
        .ok()
}

fn played_at(t: DateTime<Utc>) -> Result<DateTime<Utc>, Problem> {
    if t < earliest_played_at() || t > latest_played_at() {
        return Err(Problem::PlayedAtOutOfRange);
    }
    // The match's key and PostgreSQL count microseconds: a finer time would be stored rounded
    // and kept in memory truncated, and the two would name different positions.
    Ok(t.trunc_subsecs(6))
}

fn external_id(e: Option<&str>) -> Result<Option<String>, Problem> {
    match e {
        Some(e) => {
            let chars = e.chars().count();
            if chars == 0 || chars > MAX_EXTERNAL_ID_CHARS {
                return Err(Problem::ExternalIdLength { chars });
            }
            Ok(Some(e.to_owned()))
        }
        None => Ok(None),
    }
}

fn metadata(m: Option<&Value>) -> Result<Value, Problem> {
    match m {
        Some(m) if !m.is_object() => Err(Problem::MetadataNotObject),
        Some(m) => Ok(m.clone()),
        None => Ok(Value::Object(serde_json::Map::new())),
    }
}

/// A value every row repeats: each readable cell checked by `rule`, then the first valid one
/// is the match's and a row with another valid one is at fault. `None` when no row gives a
/// valid one.
fn agreed<T: Clone + PartialEq, U: Clone + PartialEq>(
    rows: &[TeamRow],
    errors: &mut Vec<RowInvalid>,
    field: Field,
    cell: impl Fn(&TeamRow) -> Option<T>,
    rule: impl Fn(T) -> Result<U, Problem>,
    differs: impl Fn(usize) -> Problem,
) -> Option<U> {
    let mut first: Option<(usize, U)> = None;
    for (row, r) in rows.iter().enumerate() {
        let Some(value) = cell(r) else { continue };
        match (rule(value), &first) {
            (Err(problem), _) => errors.push(RowInvalid {
                row,
                field,
                problem,
            }),
            (Ok(v), None) => first = Some((row, v)),
            (Ok(v), Some((first_row, f))) if v != *f => errors.push(RowInvalid {
                row,
                field,
                problem: differs(*first_row),
            }),
            (Ok(_), Some(_)) => {}
        }
    }
    first.map(|(_, v)| v)
}

/// The match's metadata: the first row's. A later row may leave it empty or repeat it.
fn first_row_metadata(rows: &[TeamRow], errors: &mut Vec<RowInvalid>) -> Option<Value> {
    // Each row's metadata as given, when readable and an object (or absent).
    let valid: Vec<Option<Option<Value>>> = (rows.iter().enumerate().map(|(row, r)| {
        let given = r.metadata.as_ref()?;
        match metadata(given.as_ref()) {
            Ok(_) => Some(given.clone()),
            Err(problem) => {
                errors.push(RowInvalid {
                    row,
                    field: Field::Metadata,
                    problem,
                });
                None
            }
        }
    }))
    .collect();
    let mut valid = valid.into_iter();
    let first = valid.next().flatten();
    for (row, later) in valid.enumerate().map(|(i, v)| (i + 1, v)) {
        if let (Some(Some(m)), Some(f)) = (later, &first)
            && f.as_ref() != Some(&m)
        {
            errors.push(RowInvalid {
                row,
                field: Field::Metadata,
                problem: Problem::MetadataDiffers { first_row: 0 },
            });
        }
    }
    first.map(|f| f.unwrap_or_else(|| Value::Object(serde_json::Map::new())))
}

/// The rules of the teams: how many, their participants, their results, and the shape the
/// system rates. The valid teams, ranks normalised, when every rule holds.
fn check_teams(
    teams: &[Team],
    params: &Params,
    errors: &mut Vec<Invalid>,
) -> Option<Vec<ValidTeam>> {
    let before = errors.len();
    let n = teams.len();
    let count = if n < 2 {
        Err(Problem::TooFewTeams { got: n })
    } else if n > MAX_TEAMS {
        Err(Problem::TooManyTeams { got: n })
    } else {
        params.check_team_count(n).map_err(Problem::Shape)
    };
    keep(errors, Field::Teams, count);
    // The first team whose result is valid sets the kind every team must give.
    let kind = teams.iter().enumerate().find_map(|(t, team)| {
        let (kind, _) = result(team.result?).ok()?;
        Some((kind, t))
    });
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut valid = Vec::with_capacity(n);
    for (t, team) in teams.iter().enumerate() {
        let participants = team
            .participants
            .and_then(|p| check_participants(t, p, params, &mut seen, errors));
        let outcome = team.result.and_then(|r| keep_result(t, r, kind, errors));
        if let (Some(participants), Some((rank, score))) = (participants, outcome) {
            valid.push((participants, rank, score));
        }
    }
    (errors.len() == before && valid.len() == n).then(|| ranked(valid))
}

/// One team's participants: at least one, each a valid id not seen before in the match, as
/// many as the system rates. The ids when every one is valid.
fn check_participants<'a>(
    t: usize,
    participants: &'a [String],
    params: &Params,
    seen: &mut HashMap<&'a str, usize>,
    errors: &mut Vec<Invalid>,
) -> Option<Vec<ParticipantId>> {
    if participants.is_empty() {
        keep::<()>(errors, Field::Participants(t), Err(Problem::EmptyTeam));
        return None;
    }
    let mut ids = Vec::with_capacity(participants.len());
    for (i, p) in participants.iter().enumerate() {
        let at = Field::Participant(t, i);
        let Some(id) = keep(
            errors,
            at,
            ParticipantId::parse(p).map_err(Problem::BadParticipant),
        ) else {
            continue;
        };
        if let Some(earlier) = seen.insert(p, t) {
            let participant = p.clone();
            keep::<()>(
                errors,
                at,
                Err(Problem::Duplicate {
                    participant,
                    earlier,
                }),
            );
            continue;
        }
        ids.push(id);
    }
    let size = params
        .check_team_size(participants.len())
        .map_err(Problem::Shape);
    keep(errors, Field::Participants(t), size)?;
    (ids.len() == participants.len()).then_some(ids)
}

/// A team's result on its own: exactly one of rank and score, in range. Its kind and
/// (rank, score); a score's rank comes later.
fn result(r: TeamResult) -> Result<(Kind, (u32, Option<f64>)), Problem> {
    match (r.rank, r.score) {
        (Some(_), Some(_)) => Err(Problem::BothResults),
        (None, None) => Err(Problem::NoResult {
            expected: Kind::Score,
        }),
        (Some(0), None) => Err(Problem::RankZero),
        (Some(rank), None) if rank > MAX_RANK => Err(Problem::RankTooHigh { rank }),
        (Some(rank), None) => Ok((Kind::Rank, (rank, None))),
        (None, Some(score)) if !score.is_finite() => Err(Problem::NotFinite { score }),
        (None, Some(score)) => Ok((Kind::Score, (0, Some(score)))),
    }
}

/// Team `t`'s result, checked on its own and against the match's kind (set by team `set_by`,
/// the first whose result is valid).
fn keep_result(
    t: usize,
    r: TeamResult,
    kind: Option<(Kind, usize)>,
    errors: &mut Vec<Invalid>,
) -> Option<(u32, Option<f64>)> {
    let field_of = |kind| match kind {
        Kind::Rank => Field::Rank(t),
        Kind::Score => Field::Score(t),
    };
    let checked = match result(r) {
        Ok((own, _)) if kind.is_some_and(|(k, _)| k != own) => {
            let (expected, set_by) = kind.unwrap_or((own, t));
            Err((field_of(expected), Problem::Mixed { expected, set_by }))
        }
        Ok((_, value)) => Ok(value),
        Err(Problem::NoResult { .. }) => {
            let expected = kind.map_or(Kind::Score, |(k, _)| k);
            Err((field_of(expected), Problem::NoResult { expected }))
        }
        Err(p @ Problem::BothResults) => Err((Field::Team(t), p)),
        Err(p @ (Problem::RankZero | Problem::RankTooHigh { .. })) => Err((Field::Rank(t), p)),
        Err(p) => Err((Field::Score(t), p)),
    };
    checked
        .map_err(|(field, problem)| errors.push(Invalid { field, problem }))
        .ok()
}

/// The valid teams, a score's rank being 1 + the teams with a strictly higher score (equal
/// scores draw). Sorted once: a free-for-all may have thousands of teams.
fn ranked(teams: Vec<(Vec<ParticipantId>, u32, Option<f64>)>) -> Vec<ValidTeam> {
    let mut scores: Vec<f64> = teams.iter().filter_map(|(_, _, s)| *s).collect();
    scores.sort_by(|a, b| b.total_cmp(a));
    teams
        .into_iter()
        .map(|(participants, rank, score)| ValidTeam {
            participants,
            rank: match score {
                Some(s) => 1 + scores.partition_point(|x| *x > s) as u32,
                None => rank,
            },
            score,
        })
        .collect()
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
