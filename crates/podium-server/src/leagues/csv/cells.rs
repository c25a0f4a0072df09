//! Reading a CSV file's header and rows: which column is which, and each cell's syntax (UTF-8,
//! no NUL, a time, a whole number, a number, JSON). What the values must be is the league's
//! rules' to say (`podium_core::league::submission`); a cell that cannot be read is reported
//! here, on its line and in its column, and the rules never see it.

use ::csv::ByteRecord;
use chrono::{DateTime, Utc};
use podium_core::league::submission::{TeamResult, TeamRow};
use serde_json::Value;

use super::{MAX_KEY_LEN, Report, RowError, shown};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Column {
    Match,
    PlayedAt,
    Participants,
    Rank,
    Score,
    ExternalId,
    Metadata,
}

impl Column {
    const ALL: [Column; 7] = [
        Column::Match,
        Column::PlayedAt,
        Column::Participants,
        Column::Rank,
        Column::Score,
        Column::ExternalId,
        Column::Metadata,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Column::Match => "match",
            Column::PlayedAt => "played_at",
            Column::Participants => "participants",
            Column::Rank => "rank",
            Column::Score => "score",
            Column::ExternalId => "external_id",
            Column::Metadata => "metadata",
        }
    }
}

/// Where each known column sits in a row.
#[derive(Debug)]
pub(super) struct Columns {
    index: [Option<usize>; Column::ALL.len()],
    width: usize,
}

/// A cell's value: `None` when it could not be read (and was reported).
type Checked<T> = Option<T>;

/// One data row (a team of a match) as read; unreadable cells are `None`.
#[derive(Debug)]
pub(super) struct Row {
    pub(super) line: u64,
    pub(super) played_at: Checked<DateTime<Utc>>,
    pub(super) participants: Checked<Vec<String>>,
    pub(super) result: Checked<TeamResult>,
    pub(super) external_id: Checked<Option<String>>,
    pub(super) metadata: Checked<Option<Value>>,
}

impl Row {
    /// The row as the league's rules take it.
    pub(super) fn team_row(&self) -> TeamRow {
        TeamRow {
            played_at: self.played_at,
            participants: self.participants.clone(),
            result: self.result,
            external_id: self.external_id.clone(),
            metadata: self.metadata.clone(),
        }
    }

    /// A row whose cells cannot be trusted (it has the wrong number of cells).
    fn unread(line: u64) -> Row {
        Row {
            line,
            played_at: None,
            participants: None,
            result: None,
            external_id: None,
            metadata: None,
        }
    }
}

const TIME_EXAMPLE: &str = "2026-03-01T18:30:00Z";

impl Columns {
    /// The columns the header names; every problem with it, on `line`, otherwise.
    pub(super) fn from_header(header: &ByteRecord, line: u64) -> Result<Columns, Vec<RowError>> {
        let mut errors = Vec::new();
        let mut index = [None; Column::ALL.len()];
        for (i, cell) in header.iter().enumerate() {
            let name = String::from_utf8_lossy(cell);
            let lower = name.to_lowercase();
            let Some(col) = Column::ALL.into_iter().find(|c| c.name() == lower) else {
                errors.push(unknown_column(line, i, &name));
                continue;
            };
            if index[col as usize].replace(i).is_some() {
                errors.push(RowError::new(
                    line,
                    Some(col),
                    format!("column {:?} appears more than once", col.name()),
                ));
            }
        }
        for col in [Column::Match, Column::PlayedAt, Column::Participants] {
            if index[col as usize].is_none() {
                errors.push(RowError::new(
                    line,
                    Some(col),
                    format!("missing column {:?}, which is required", col.name()),
                ));
            }
        }
        if index[Column::Rank as usize].is_none() && index[Column::Score as usize].is_none() {
            errors.push(RowError::new(
                line,
                None,
                "missing column: the header needs a \"rank\" or a \"score\" column",
            ));
        }
        if errors.is_empty() {
            Ok(Columns {
                index,
                width: header.len(),
            })
        } else {
            Err(errors)
        }
    }

    pub(super) fn has(&self, col: Column) -> bool {
        self.index[col as usize].is_some()
    }

    /// Reads one data row: its match key (if readable) and its cells.
    pub(super) fn row(&self, record: &ByteRecord, report: &mut Report) -> (Option<String>, Row) {
        let line = super::line_of(record);
        if record.len() != self.width {
            let message = format!(
                "the row has {} cells but the header has {}; quote cells that hold commas",
                record.len(),
                self.width
            );
            report.push(None, RowError::new(line, None, message));
            // Cells may have shifted, so only the key is trusted: the row still counts as a
            // team of its match, which keeps "needs two teams" from firing on top of this.
            let key = record.get(self.index[Column::Match as usize].unwrap_or(0));
            let key = key
                .and_then(|k| std::str::from_utf8(k).ok())
                .filter(|k| !k.is_empty());
            return (key.map(str::to_owned), Row::unread(line));
        }
        let mut cells = Cells {
            columns: self,
            record,
            line,
            report,
        };
        // Every cell is read even after a bad one, so a row reports all of its faults.
        let key = cells.parse(Column::Match, parse_key);
        let row = Row {
            line,
            played_at: cells.parse(Column::PlayedAt, parse_time),
            participants: cells.parse(Column::Participants, |p| Ok(participants(p))),
            result: cells.result(),
            external_id: cells.parse(Column::ExternalId, |e| Ok(e.map(str::to_owned))),
            metadata: cells.parse(Column::Metadata, parse_metadata),
        };
        (key, row)
    }
}

fn unknown_column(line: u64, i: usize, name: &str) -> RowError {
    let expected = Column::ALL.map(Column::name).join(", ");
    let what = if name.is_empty() {
        format!("column {} has no name", i + 1)
    } else {
        format!("unknown column {} (column {})", shown(name), i + 1)
    };
    // A header like `match;played_at;…` is one unknown column: say why.
    let hint = if name.contains([';', '\t']) {
        "; the file must be comma-separated"
    } else {
        ""
    };
    RowError {
        line,
        column: Some(name.to_owned()),
        message: format!("{what}; expected {expected}{hint}"),
    }
}

/// One row's cells, reporting each unreadable one against the row's line and its column.
struct Cells<'a> {
    columns: &'a Columns,
    record: &'a ByteRecord,
    line: u64,
    report: &'a mut Report,
}

impl<'a> Cells<'a> {
    /// A cell's text: `Some(None)` when empty or the column is absent, `None` when unreadable.
    fn text(&mut self, col: Column) -> Checked<Option<&'a str>> {
        let i = self.columns.index[col as usize];
        let Some(bytes) = i.and_then(|i| self.record.get(i)) else {
            return Some(None);
        };
        match std::str::from_utf8(bytes) {
            Ok("") => Some(None),
            Ok(s) if s.contains('\0') => {
                self.keep(col, Err(crate::db::storable::Reason::Nul.message().into()))
            }
            Ok(s) => Some(Some(s)),
            Err(_) => self.keep(col, Err("not valid UTF-8; save the file as UTF-8".into())),
        }
    }

    fn parse<T>(
        &mut self,
        col: Column,
        parse: impl FnOnce(Option<&str>) -> Result<T, String>,
    ) -> Checked<T> {
        let text = self.text(col)?;
        self.keep(col, parse(text))
    }

    /// The rank and score cells: what they give, when both could be read.
    fn result(&mut self) -> Checked<TeamResult> {
        let rank = self.parse(Column::Rank, |r| r.map(parse_rank).transpose());
        let score = self.parse(Column::Score, |s| s.map(parse_score).transpose());
        Some(TeamResult {
            rank: rank?,
            score: score?,
        })
    }

    /// The value, or `None` with the reason reported (prefixed with the column's name).
    fn keep<T>(&mut self, col: Column, result: Result<T, String>) -> Checked<T> {
        result
            .map_err(|message| {
                let message = format!("{}: {message}", col.name());
                let error = RowError::new(self.line, Some(col), message);
                self.report.push(Some(col), error);
            })
            .ok()
    }
}

fn parse_key(cell: Option<&str>) -> Result<String, String> {
    let key = cell.ok_or("empty; every row needs the key of its match")?;
    if key.chars().count() > MAX_KEY_LEN {
        return Err(format!("longer than {MAX_KEY_LEN} characters"));
    }
    Ok(key.to_owned())
}

fn parse_time(cell: Option<&str>) -> Result<DateTime<Utc>, String> {
    let Some(text) = cell else {
        return Err(format!(
            "empty; expected an RFC 3339 time such as {TIME_EXAMPLE}"
        ));
    };
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "{} is not an RFC 3339 time (expected e.g. {TIME_EXAMPLE})",
                shown(text)
            )
        })
}

/// The team's ids, separated by `;`; none for an empty cell.
fn participants(cell: Option<&str>) -> Vec<String> {
    cell.map_or_else(Vec::new, |c| {
        c.split(';').map(|id| id.trim().to_owned()).collect()
    })
}

/// A whole number; whether it is a rank the rules accept is theirs to say.
fn parse_rank(text: &str) -> Result<u32, String> {
    text.parse::<u32>().map_err(|_| super::not_a_rank(text))
}

/// A number; whether it is a finite score is the rules' to say.
fn parse_score(text: &str) -> Result<f64, String> {
    text.parse::<f64>().map_err(|_| super::not_finite(text))
}

/// JSON that PostgreSQL can store; whether it is an object is the rules' to say.
fn parse_metadata(cell: Option<&str>) -> Result<Option<Value>, String> {
    let Some(text) = cell else {
        return Ok(None);
    };
    let v = serde_json::from_str::<Value>(text).map_err(|e| format!("not valid JSON ({e})"))?;
    crate::db::storable::check_value(&v)
        .map_err(|u| format!("{} {}", u.path, u.reason.message()))?;
    Ok(Some(v))
}
