//! Reads a league's matches from CSV (`POST /api/v1/leagues/{slug}/matches:import`): one row
//! per team, grouped into matches by the `match` column, checked all-or-nothing so a file either
//! imports whole or comes back with every bad row listed.
//!
//! # Format
//!
//! - UTF-8 (a leading byte order mark is ignored), comma-separated, quoted as in RFC 4180
//!   (`"a, b"`, `"say ""hi"""`), LF or CRLF line endings. Spaces around a cell are ignored and
//!   blank lines are skipped.
//! - The first row names the columns, in any order and any letter case. A column not listed
//!   below is an error, as is a column named twice.
//! - One row per **team** of a match, so 1v1, team games and free-for-alls all fit:
//!   - `match` (required): any text of 1–200 characters that groups the rows of one match. The
//!     rows of a match may be anywhere in the file; matches keep the order of their first row.
//!   - `played_at` (required): an RFC 3339 time (`2026-03-01T18:30:00Z`), the same instant on
//!     every row of the match.
//!   - `participants` (required): the team's participant ids separated by `;` (`ann;bob`), each
//!     1–128 characters of `A-Z a-z 0-9 _ . : @ -`. Nobody may appear twice in one match.
//!   - `rank` or `score` (at least one of the two columns): each row gives exactly one of them,
//!     and all rows of a match give the same one. A rank is a whole number from 1 (1 = winner,
//!     equal ranks = a draw). A score is a finite number; higher wins, and a team's rank is 1 +
//!     the number of teams with a strictly higher score.
//!   - `external_id` (optional): 1–200 characters, the same on every row of the match or empty
//!     on all; a match already recorded under it is not recorded again.
//!   - `metadata` (optional): a JSON object, on the match's first row only or identical on all
//!     its rows; `{}` when absent.
//! - A match needs at least two teams. A file holds at least one data row and at most 100,000
//!   ([`MAX_ROWS`]).
//!
//! ```csv
//! match,played_at,participants,score,metadata
//! final,2026-03-01T18:30:00Z,ann;bob,16,"{""map"": ""dust2""}"
//! final,2026-03-01T18:30:00Z,cat;dan,12,
//! ```

use std::collections::HashMap;

use ::csv::{ByteRecord, ReaderBuilder, Trim};
use chrono::{DateTime, SecondsFormat, Utc};
use podium_core::ids::ParticipantId;
use serde_json::Value;

use super::write::MatchSpec;

/// Most data rows (teams) one import may hold.
pub const MAX_ROWS: usize = 100_000;

/// Most errors reported for one file; past this a reader learns nothing new.
const MAX_ERRORS: usize = 1_000;

/// Longest `match` key and `external_id`, in characters (as in the JSON API).
const MAX_KEY_LEN: usize = 200;

/// One bad row: its 1-based line number in the file (the header is line 1), the column (if
/// any) and the reason.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl RowError {
    fn new(line: u64, column: Option<Column>, message: impl Into<String>) -> RowError {
        RowError {
            line,
            column: column.map(|c| c.name().to_owned()),
            message: message.into(),
        }
    }
}

/// Parses the whole file; all-or-nothing: Ok only if every row is valid, else every bad row's
/// error (not just the first) in line order, capped at 1,000 errors.
pub fn parse(body: &[u8]) -> Result<Vec<MatchSpec>, Vec<RowError>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        // Rows of the wrong width are reported by us, with the line, rather than by the reader.
        .flexible(true)
        .trim(Trim::All)
        .from_reader(body);
    let mut record = ByteRecord::new();

    let header_line = match reader.read_byte_record(&mut record) {
        Ok(true) => line_of(&record),
        Ok(false) => {
            return Err(vec![RowError::new(
                1,
                None,
                "no matches: the file is empty",
            )]);
        }
        Err(e) => return Err(vec![RowError::new(1, None, e.to_string())]),
    };
    let columns = Columns::from_header(&record, header_line)?;

    let mut errors = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut count = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // Reading a byte slice leaves nothing else to go wrong; stop rather than loop.
                let line = e.position().map_or(header_line, |p| p.line());
                errors.push(RowError::new(line, None, e.to_string()));
                break;
            }
        }
        count += 1;
        if count > MAX_ROWS {
            return Err(vec![RowError::new(
                MAX_ROWS as u64 + 2,
                None,
                format!(
                    "too many rows: an import takes at most {MAX_ROWS} data rows; split the file"
                ),
            )]);
        }
        let (key, row) = columns.row(&record, &mut errors);
        if let Some(key) = key {
            let at = *by_key.entry(key.clone()).or_insert_with(|| {
                groups.push(Group { key, rows: vec![] });
                groups.len() - 1
            });
            groups[at].rows.push(row);
        }
        prune(&mut errors);
    }
    if count == 0 && errors.is_empty() {
        return Err(vec![RowError::new(
            header_line,
            None,
            "no matches: the file has a header row but no data rows",
        )]);
    }

    let mut specs = Vec::with_capacity(groups.len());
    for group in &groups {
        specs.extend(group.check(&mut errors));
        prune(&mut errors);
    }
    if errors.is_empty() {
        return Ok(specs);
    }
    // Group checks run after every row was read; line order is what a person fixes the file in.
    errors.sort_by_key(|e| e.line);
    errors.truncate(MAX_ERRORS);
    Err(errors)
}

/// Keeps the errors that can still make the report (the lowest lines), so a file that is bad
/// on every row does not hold hundreds of thousands of them in memory.
fn prune(errors: &mut Vec<RowError>) {
    if errors.len() >= 2 * MAX_ERRORS {
        errors.sort_by_key(|e| e.line);
        errors.truncate(MAX_ERRORS);
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn line_of(record: &ByteRecord) -> u64 {
    record.position().map_or(1, |p| p.line())
}

/// Shows a cell's text in a message, cut short so one huge cell cannot flood the report.
fn shown(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{:?}…", &s[..i]),
        None => format!("{s:?}"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
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

    fn name(self) -> &'static str {
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
struct Columns {
    index: [Option<usize>; Column::ALL.len()],
    width: usize,
}

/// A cell's checked value: `None` when it was bad (and already reported).
type Checked<T> = Option<T>;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Rank(u32),
    Score(f64),
}

/// One row (team) as read; bad cells are `None` so the match-wide checks skip them.
struct Row {
    line: u64,
    played_at: Checked<DateTime<Utc>>,
    participants: Checked<Vec<String>>,
    outcome: Checked<Outcome>,
    external_id: Checked<Option<String>>,
    metadata: Checked<Option<Value>>,
}

impl Columns {
    fn from_header(header: &ByteRecord, line: u64) -> Result<Columns, Vec<RowError>> {
        let expected = Column::ALL.map(Column::name).join(", ");
        let mut errors = Vec::new();
        let mut index = [None; Column::ALL.len()];
        for (i, cell) in header.iter().enumerate() {
            let name = String::from_utf8_lossy(cell);
            let lower = name.to_lowercase();
            let Some(col) = Column::ALL.into_iter().find(|c| c.name() == lower) else {
                let what = if name.is_empty() {
                    format!("column {} has no name", i + 1)
                } else {
                    format!("unknown column {} (column {})", shown(&name), i + 1)
                };
                // A header like `match;played_at;…` is one unknown column: say why.
                let hint = if name.contains([';', '\t']) {
                    "; the file must be comma-separated"
                } else {
                    ""
                };
                errors.push(RowError {
                    line,
                    column: Some(name.into_owned()),
                    message: format!("{what}; expected {expected}{hint}"),
                });
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

    /// Reads one data row: its match key (if readable) and its checked cells.
    fn row(&self, record: &ByteRecord, errors: &mut Vec<RowError>) -> (Option<String>, Row) {
        let line = line_of(record);
        let mut cells = Cells {
            columns: self,
            record,
            line,
            errors,
        };
        if record.len() != self.width {
            let message = format!(
                "the row has {} cells but the header has {}; quote cells that hold commas",
                record.len(),
                self.width
            );
            cells.keep::<()>(None, Err(message));
            // Cells may have shifted, so only the key is trusted: the row still counts as a
            // team of its match, which keeps "needs two teams" from firing on top of this.
            let key = record.get(self.index[Column::Match as usize].unwrap_or(0));
            let key = key
                .and_then(|k| std::str::from_utf8(k).ok())
                .filter(|k| !k.is_empty());
            let row = Row {
                line,
                played_at: None,
                participants: None,
                outcome: None,
                external_id: None,
                metadata: None,
            };
            return (key.map(str::to_owned), row);
        }
        // Every cell is checked even after a bad one, so a row reports all of its faults.
        let key = cells.parse(Column::Match, parse_key);
        let played_at = cells.parse(Column::PlayedAt, parse_time);
        let participants = cells.parse(Column::Participants, parse_participants);
        let outcome = match (cells.text(Column::Rank), cells.text(Column::Score)) {
            (Some(Some(_)), Some(Some(_))) => cells.keep(None, Err(BOTH.into())),
            (Some(Some(r)), _) => cells.keep(Some(Column::Rank), parse_rank(r)),
            (_, Some(Some(s))) => cells.keep(Some(Column::Score), parse_score(s)),
            // A bad cell was reported when it was read.
            (None, _) | (_, None) => None,
            (Some(None), Some(None)) => {
                // Name the one column the file has, if it has only one.
                let col = match (self.has(Column::Rank), self.has(Column::Score)) {
                    (true, false) => Some(Column::Rank),
                    (false, true) => Some(Column::Score),
                    _ => None,
                };
                let message = match col {
                    Some(c) => format!("empty; every row needs its team's {}", c.name()),
                    None => NEITHER.into(),
                };
                cells.keep(col, Err(message))
            }
        };
        let row = Row {
            line,
            played_at,
            participants,
            outcome,
            external_id: cells.parse(Column::ExternalId, parse_external_id),
            metadata: cells.parse(Column::Metadata, parse_metadata),
        };
        (key, row)
    }

    fn has(&self, col: Column) -> bool {
        self.index[col as usize].is_some()
    }
}

const BOTH: &str = "rank and score both given; give one of them";
const NEITHER: &str = "neither rank nor score given; every row needs one of them";
const TIME_EXAMPLE: &str = "2026-03-01T18:30:00Z";

/// One row's cells, reporting each bad one against the row's line and the cell's column.
struct Cells<'a> {
    columns: &'a Columns,
    record: &'a ByteRecord,
    line: u64,
    errors: &'a mut Vec<RowError>,
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
            Ok(s) if s.contains('\0') => self.keep(
                Some(col),
                Err(crate::db::storable::Reason::Nul.message().into()),
            ),
            Ok(s) => Some(Some(s)),
            Err(_) => self.keep(
                Some(col),
                Err("not valid UTF-8; save the file as UTF-8".into()),
            ),
        }
    }

    fn parse<T>(
        &mut self,
        col: Column,
        parse: impl FnOnce(Option<&str>) -> Result<T, String>,
    ) -> Checked<T> {
        let text = self.text(col)?;
        self.keep(Some(col), parse(text))
    }

    /// The value, or `None` with the reason recorded (prefixed with the column's name).
    fn keep<T>(&mut self, col: Option<Column>, result: Result<T, String>) -> Checked<T> {
        result
            .map_err(|message| {
                let message = match col {
                    Some(c) => format!("{}: {message}", c.name()),
                    None => message,
                };
                self.errors.push(RowError::new(self.line, col, message));
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

fn parse_participants(cell: Option<&str>) -> Result<Vec<String>, String> {
    let cell = cell.ok_or("empty; expected the team's participant ids separated by ';'")?;
    cell.split(';')
        .map(|id| {
            let id = id.trim();
            ParticipantId::parse(id)
                .map(ParticipantId::into_inner)
                .map_err(|e| format!("id {} {e}", shown(id)))
        })
        .collect()
}

fn parse_rank(text: &str) -> Result<Outcome, String> {
    match text.parse::<u32>() {
        Ok(r) if r >= 1 => Ok(Outcome::Rank(r)),
        _ => Err(format!(
            "{} is not a rank; expected a whole number from 1 (1 = winner)",
            shown(text)
        )),
    }
}

fn parse_score(text: &str) -> Result<Outcome, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() => Ok(Outcome::Score(s)),
        _ => Err(format!("{} is not a finite number", shown(text))),
    }
}

fn parse_external_id(cell: Option<&str>) -> Result<Option<String>, String> {
    match cell {
        Some(e) if e.chars().count() > MAX_KEY_LEN => {
            Err(format!("longer than {MAX_KEY_LEN} characters"))
        }
        e => Ok(e.map(str::to_owned)),
    }
}

fn parse_metadata(cell: Option<&str>) -> Result<Option<Value>, String> {
    let Some(text) = cell else {
        return Ok(None);
    };
    match serde_json::from_str::<Value>(text) {
        Ok(v) if v.is_object() => match crate::db::storable::check_value(&v) {
            Ok(()) => Ok(Some(v)),
            Err(u) => Err(format!("{} {}", u.path, u.reason.message())),
        },
        Ok(_) => Err("not a JSON object; expected e.g. {\"map\": \"dust2\"}".into()),
        Err(e) => Err(format!("not valid JSON ({e})")),
    }
}

/// The rows of one match, in file order.
struct Group {
    key: String,
    rows: Vec<Row>,
}

impl Group {
    /// Checks that the rows agree with each other; the match when they (and every cell) do.
    fn check(&self, errors: &mut Vec<RowError>) -> Option<MatchSpec> {
        let before = errors.len();
        let key = shown(&self.key);
        let first = &self.rows[0];
        if self.rows.len() < 2 {
            errors.push(RowError::new(
                first.line,
                Some(Column::Match),
                format!("match {key} has one team; a match needs at least two rows (teams)"),
            ));
        }

        // The first row that read well sets what the others must agree with.
        let played_at = self.rows.iter().find_map(|r| Some((r.played_at?, r.line)));
        let outcome = self.rows.iter().find_map(|r| Some((r.outcome?, r.line)));
        let external_id = self
            .rows
            .iter()
            .find_map(|r| Some((r.external_id.clone()?, r.line)));
        let mut seen: HashMap<&str, u64> = HashMap::new();
        for row in &self.rows {
            let mut say = |col, message| errors.push(RowError::new(row.line, Some(col), message));
            if let (Some(t), Some((first_t, at))) = (row.played_at, played_at)
                && t != first_t
            {
                let (t, first_t) = (rfc3339(t), rfc3339(first_t));
                say(
                    Column::PlayedAt,
                    format!(
                        "match {key} has played_at {t} here but {first_t} on line {at}; \
                         every row of a match needs the same time"
                    ),
                );
            }
            let mixed = |at, has| {
                format!("match {key} mixes rank and score across its rows (line {at} has {has})")
            };
            match (row.outcome, outcome) {
                (Some(Outcome::Rank(_)), Some((Outcome::Score(_), at))) => {
                    say(Column::Rank, mixed(at, "score"));
                }
                (Some(Outcome::Score(_)), Some((Outcome::Rank(_), at))) => {
                    say(Column::Score, mixed(at, "rank"));
                }
                _ => {}
            }
            if let (Some(e), Some((first_e, at))) = (&row.external_id, &external_id)
                && e != first_e
            {
                let show = |e: &Option<String>| e.as_deref().map_or("empty".into(), shown);
                let (e, first_e) = (show(e), show(first_e));
                say(
                    Column::ExternalId,
                    format!(
                        "match {key} has external_id {e} here but {first_e} on line {at}; \
                         give it on every row or on none"
                    ),
                );
            }
            // Metadata belongs to the match: later rows may leave it empty or repeat it.
            if row.line != first.line
                && let (Some(Some(m)), Some(first_m)) = (&row.metadata, &first.metadata)
                && first_m.as_ref() != Some(m)
            {
                say(
                    Column::Metadata,
                    format!(
                        "match {key} has metadata here that differs from its first row (line {}); \
                         give it on the first row only, or the same on every row",
                        first.line
                    ),
                );
            }
            for p in row.participants.iter().flatten() {
                if let Some(at) = seen.insert(p, row.line) {
                    let p = shown(p);
                    say(
                        Column::Participants,
                        format!(
                            "participants: {p} appears more than once in match {key} \
                             (also on line {at})"
                        ),
                    );
                }
            }
        }
        if errors.len() > before {
            return None;
        }

        let mut teams = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            teams.push((row.participants.clone()?, row.outcome?));
        }
        // Higher score wins: rank = 1 + teams with a strictly higher score, as in the JSON API,
        // so equal scores draw. Sorted once, as a free-for-all may have thousands of teams.
        let mut scores: Vec<f64> = teams
            .iter()
            .filter_map(|(_, o)| match o {
                Outcome::Score(s) => Some(*s),
                Outcome::Rank(_) => None,
            })
            .collect();
        scores.sort_by(|a, b| b.total_cmp(a));
        let teams = teams
            .into_iter()
            .map(|(names, outcome)| match outcome {
                Outcome::Rank(r) => (names, r, None),
                Outcome::Score(s) => {
                    let above = scores.partition_point(|x| *x > s);
                    (names, 1 + above as u32, Some(s))
                }
            })
            .collect();
        Some(MatchSpec {
            played_at: played_at?.0,
            external_id: external_id?.0,
            teams,
            metadata: first
                .metadata
                .clone()?
                .unwrap_or_else(|| serde_json::json!({})),
        })
    }
}

#[cfg(test)]
mod tests;
