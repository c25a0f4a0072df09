//! The league's rules' problems with a match, said as a CSV file's reader needs them: on the
//! line of the row at fault, in its column, naming the match by its key and other rows by
//! their lines.

use chrono::{DateTime, SecondsFormat, Utc};
use podium_core::league::submission::{Field, Kind, MAX_EXTERNAL_ID_CHARS, Problem, RowInvalid};

use super::{
    Group, RowError,
    cells::{Column, Columns, Row},
    not_a_rank, not_finite, shown,
};

const BOTH: &str = "rank and score both given; give one of them";
const NEITHER: &str = "neither rank nor score given; every row needs one of them";

/// A problem of `group`'s rows as a row error, with the column it sorts under.
pub(super) fn row_error(
    group: &Group,
    columns: &Columns,
    e: RowInvalid,
) -> (Option<Column>, RowError) {
    let line = group.rows[e.row].line;
    let (column, message) = match &e.problem {
        // A row's result as a whole: no one column is at fault.
        Problem::BothResults => return (Some(Column::Rank), RowError::new(line, None, BOTH)),
        Problem::NoResult { .. } => return no_result(line, columns),
        Problem::TooFewTeams { .. } | Problem::TooManyTeams { .. } => of_match(group, &e),
        Problem::Shape(_) if e.field == Field::Teams => of_match(group, &e),
        Problem::Duplicate { .. } | Problem::BadParticipant(_) | Problem::EmptyTeam => {
            of_participants(group, &e)
        }
        Problem::Mixed { .. } | Problem::RankZero | Problem::NotFinite { .. } => {
            of_result(group, &e)
        }
        Problem::PlayedAtDiffers { .. }
        | Problem::ExternalIdDiffers { .. }
        | Problem::MetadataDiffers { .. } => of_disagreement(group, &e),
        Problem::ExternalIdLength { .. } => (
            Column::ExternalId,
            format!("external_id: longer than {MAX_EXTERNAL_ID_CHARS} characters"),
        ),
        Problem::MetadataNotObject => (
            Column::Metadata,
            "metadata: not a JSON object; expected e.g. {\"map\": \"dust2\"}".into(),
        ),
        // The rest speak of one cell: its column's name, then the rules' words.
        Problem::PlayedAtOutOfRange | Problem::RankTooHigh { .. } | Problem::Shape(_) => {
            let column = column_at(e.field);
            (column, format!("{}: {}", column.name(), e.problem))
        }
    };
    (Some(column), RowError::new(line, Some(column), message))
}

/// A problem of the match as a whole, said on its first row.
fn of_match(group: &Group, e: &RowInvalid) -> (Column, String) {
    let key = shown(&group.key);
    let message = match &e.problem {
        Problem::TooFewTeams { .. } => {
            format!("match {key} has one team; a match needs at least two rows (teams)")
        }
        Problem::TooManyTeams { got } => {
            format!("match {key} has {got} rows (teams); {}", e.problem)
        }
        other => format!("match {key}: {other}"),
    };
    (Column::Match, message)
}

fn of_participants(group: &Group, e: &RowInvalid) -> (Column, String) {
    let message = match (&e.problem, e.field) {
        (
            Problem::Duplicate {
                participant,
                earlier,
            },
            _,
        ) => format!(
            "participants: {} appears more than once in match {} (also on line {})",
            shown(participant),
            shown(&group.key),
            group.rows[*earlier].line
        ),
        (Problem::BadParticipant(why), Field::Participant(t, i)) => {
            let id = group.rows[t].participants.as_ref().and_then(|p| p.get(i));
            let id = shown(id.map_or("", String::as_str));
            format!("participants: id {id} {why}")
        }
        _ => "participants: empty; expected the team's participant ids separated by ';'".into(),
    };
    (Column::Participants, message)
}

fn of_result(group: &Group, e: &RowInvalid) -> (Column, String) {
    match &e.problem {
        Problem::Mixed { expected, set_by } => (
            // The row gives the other kind, in that kind's column.
            column_of(expected.other()),
            format!(
                "match {} mixes rank and score across its rows (line {} has {expected})",
                shown(&group.key),
                group.rows[*set_by].line
            ),
        ),
        Problem::NotFinite { score } => (
            Column::Score,
            format!("score: {}", not_finite(&score.to_string())),
        ),
        _ => (Column::Rank, format!("rank: {}", not_a_rank("0"))),
    }
}

/// A row whose time, external id or metadata differs from the one the match takes.
fn of_disagreement(group: &Group, e: &RowInvalid) -> (Column, String) {
    let (key, row) = (shown(&group.key), &group.rows[e.row]);
    let first = |r: usize| &group.rows[r];
    match e.problem {
        Problem::PlayedAtDiffers { first_row } => {
            let t = |r: &Row| r.played_at.map_or_else(String::new, rfc3339);
            let (here, there) = (t(row), t(first(first_row)));
            let message = format!(
                "match {key} has played_at {here} here but {there} on line {}; \
                 every row of a match needs the same time",
                first(first_row).line
            );
            (Column::PlayedAt, message)
        }
        Problem::ExternalIdDiffers { first_row } => {
            let show = |r: &Row| match &r.external_id {
                Some(Some(e)) => shown(e),
                _ => "empty".into(),
            };
            let (here, there) = (show(row), show(first(first_row)));
            let message = format!(
                "match {key} has external_id {here} here but {there} on line {}; \
                 give it on every row or on none",
                first(first_row).line
            );
            (Column::ExternalId, message)
        }
        _ => (
            Column::Metadata,
            format!(
                "match {key} has metadata here that differs from its first row (line {}); \
                 give it on the first row only, or the same on every row",
                first(0).line
            ),
        ),
    }
}

/// A row that gives neither rank nor score: named by the one column the file has, if it has
/// only one.
fn no_result(line: u64, columns: &Columns) -> (Option<Column>, RowError) {
    let only = match (columns.has(Column::Rank), columns.has(Column::Score)) {
        (true, false) => Some(Column::Rank),
        (false, true) => Some(Column::Score),
        _ => None,
    };
    let error = match only {
        Some(c) => RowError::new(
            line,
            Some(c),
            format!(
                "{}: empty; every row needs its team's {}",
                c.name(),
                c.name()
            ),
        ),
        None => RowError::new(line, None, NEITHER),
    };
    (Some(only.unwrap_or(Column::Rank)), error)
}

/// The column a field of the rules is read from.
fn column_at(field: Field) -> Column {
    match field {
        Field::PlayedAt => Column::PlayedAt,
        Field::ExternalId => Column::ExternalId,
        Field::Metadata => Column::Metadata,
        Field::Teams | Field::Team(_) => Column::Match,
        Field::Participants(_) | Field::Participant(..) => Column::Participants,
        Field::Rank(_) => Column::Rank,
        Field::Score(_) => Column::Score,
    }
}

fn column_of(kind: Kind) -> Column {
    match kind {
        Kind::Rank => Column::Rank,
        Kind::Score => Column::Score,
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}
