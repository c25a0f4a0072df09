//! Reads a league's matches from CSV (`POST /api/v1/leagues/{slug}/matches:import`): one row
//! per team, grouped into matches by the `match` column, checked all-or-nothing so a file either
//! imports whole or comes back with every bad row listed. Cells are read here (`cells`); the
//! rules a match must follow are the JSON API's, `podium_core::league::submission`, and their
//! problems are said in rows, lines and columns (`say`).
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
//!   - `played_at` (required): an RFC 3339 time (`2026-03-01T18:30:00Z`) from year 0000 to
//!     9999 in UTC, the same instant on every row of the match; kept to the microsecond.
//!   - `participants` (required): the team's participant ids separated by `;` (`ann;bob`), each
//!     1–128 characters of `A-Z a-z 0-9 _ . : @ -`. Nobody may appear twice in one match.
//!   - `rank` or `score` (at least one of the two columns): each row gives exactly one of them,
//!     and all rows of a match give the same one. A rank is a whole number from 1 to 32,767
//!     (1 = winner, equal ranks = a draw). A score is a finite number; higher wins, and a
//!     team's rank is 1 + the number of teams with a strictly higher score.
//!   - `external_id` (optional): 1–200 characters, the same on every row of the match or empty
//!     on all; a match already recorded under it is not recorded again.
//!   - `metadata` (optional): a JSON object, on the match's first row only or identical on all
//!     its rows; `{}` when absent.
//! - A match needs at least two teams (at most 32,767), in the shape the league's rating system
//!   rates (Elo and Glicko-2: one against one). A file holds at least one data row and at most
//!   100,000 ([`MAX_ROWS`]).
//!
//! ```csv
//! match,played_at,participants,score,metadata
//! final,2026-03-01T18:30:00Z,ann;bob,16,"{""map"": ""dust2""}"
//! final,2026-03-01T18:30:00Z,cat;dan,12,
//! ```

use std::collections::HashMap;

use ::csv::{ByteRecord, Reader, ReaderBuilder, Trim};
use podium_core::{league::submission, rating::Params};

use super::write::MatchSpec;
use cells::{Column, Columns, Row};

mod cells;
mod say;

/// Most data rows (teams) one import may hold.
pub const MAX_ROWS: usize = 100_000;

/// Most errors reported for one file; past this a reader learns nothing new.
const MAX_ERRORS: usize = 1_000;

/// Longest `match` key, in characters (as an external id).
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

/// Parses the whole file and checks its matches with the league's rules (`params`: the
/// system decides the shapes it rates); all-or-nothing: Ok only if every row is valid, else
/// every bad row's error (not just the first) in line order, capped at 1,000 errors.
pub fn parse(body: &[u8], params: &Params) -> Result<Vec<MatchSpec>, Vec<RowError>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        // Rows of the wrong width are reported by us, with the line, rather than by the reader.
        .flexible(true)
        .trim(Trim::All)
        .from_reader(body);
    let (columns, header_line) = header(&mut reader)?;
    let mut report = Report::default();
    let groups = groups(&mut reader, &columns, header_line, &mut report)?;
    let mut specs = Vec::with_capacity(groups.len());
    for group in &groups {
        specs.extend(group.check(params, &columns, &mut report));
        report.prune();
    }
    if report.is_empty() {
        Ok(specs)
    } else {
        Err(report.finish())
    }
}

/// The columns the first row names, and its line.
fn header(reader: &mut Reader<&[u8]>) -> Result<(Columns, u64), Vec<RowError>> {
    let mut record = ByteRecord::new();
    let line = match reader.read_byte_record(&mut record) {
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
    Ok((Columns::from_header(&record, line)?, line))
}

/// Reads every data row, grouping them into matches by key in the order of their first row.
/// Too many rows, or none, is the one error of the file.
fn groups(
    reader: &mut Reader<&[u8]>,
    columns: &Columns,
    header_line: u64,
    report: &mut Report,
) -> Result<Vec<Group>, Vec<RowError>> {
    let mut record = ByteRecord::new();
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
                report.push(None, RowError::new(line, None, e.to_string()));
                break;
            }
        }
        count += 1;
        if count > MAX_ROWS {
            let message = format!(
                "too many rows: an import takes at most {MAX_ROWS} data rows; split the file"
            );
            return Err(vec![RowError::new(MAX_ROWS as u64 + 2, None, message)]);
        }
        let (key, row) = columns.row(&record, report);
        if let Some(key) = key {
            let at = *by_key.entry(key.clone()).or_insert_with(|| {
                groups.push(Group { key, rows: vec![] });
                groups.len() - 1
            });
            groups[at].rows.push(row);
        }
        report.prune();
    }
    if count == 0 && report.is_empty() {
        return Err(vec![RowError::new(
            header_line,
            None,
            "no matches: the file has a header row but no data rows",
        )]);
    }
    Ok(groups)
}

/// The errors found so far, each with its place in a row so errors of one line come in the
/// order of the row's columns.
#[derive(Debug, Default)]
struct Report(Vec<(u8, RowError)>);

impl Report {
    /// Adds an error of `col` (rank for a row's result as a whole, first for the row itself).
    fn push(&mut self, col: Option<Column>, e: RowError) {
        self.0.push((col.map_or(0, |c| c as u8 + 1), e));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn sort(&mut self) {
        self.0.sort_by_key(|(place, e)| (e.line, *place));
    }

    /// Keeps the errors that can still make the report (the lowest lines), so a file that is
    /// bad on every row does not hold hundreds of thousands of them in memory.
    fn prune(&mut self) {
        if self.0.len() >= 2 * MAX_ERRORS {
            self.sort();
            self.0.truncate(MAX_ERRORS);
        }
    }

    /// In line order, which is what a person fixes the file in: match-wide checks run after
    /// every row was read.
    fn finish(mut self) -> Vec<RowError> {
        self.sort();
        self.0.truncate(MAX_ERRORS);
        self.0.into_iter().map(|(_, e)| e).collect()
    }
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

fn not_a_rank(text: &str) -> String {
    format!(
        "{} is not a rank; expected a whole number from 1 (1 = winner)",
        shown(text)
    )
}

fn not_finite(text: &str) -> String {
    format!("{} is not a finite number", shown(text))
}

/// The rows of one match, in file order.
#[derive(Debug)]
struct Group {
    key: String,
    rows: Vec<Row>,
}

impl Group {
    /// The match, when its rows follow the league's rules; else their problems, reported.
    fn check(&self, params: &Params, columns: &Columns, report: &mut Report) -> Option<MatchSpec> {
        let rows: Vec<_> = self.rows.iter().map(Row::team_row).collect();
        match submission::validate_rows(&rows, params) {
            Ok(valid) => Some(valid.into()),
            Err(problems) => {
                for p in problems {
                    let (place, error) = say::row_error(self, columns, p);
                    report.push(place, error);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
