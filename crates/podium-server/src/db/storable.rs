//! What PostgreSQL can store. `text` and `jsonb` refuse the NUL character, `jsonb` refuses a
//! lone UTF-16 surrogate escape and numbers beyond `numeric`'s limits. Such a value must be
//! refused at the edge, naming its field: let through, it fails the whole transaction it is
//! written in, and writes are grouped with other callers' (see `batcher`).
//!
//! `check_json` scans a request body once, in linear time, before it is parsed into its type.
//! It is a scanner of our own because serde hands a visitor a number as `f64`, never as the
//! text PostgreSQL will parse (`1e-16384` reads as 0.0 but `jsonb` refuses it), and re-parsing
//! every nested value as a `RawValue` costs depth × size on hostile input.

use std::fmt;

/// Why a value cannot be stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A NUL character (`\u0000`) in a string or an object key.
    Nul,
    /// A `\uD800`–`\uDFFF` escape that is not half of a surrogate pair.
    LoneSurrogate,
    /// A number `numeric` cannot hold: more than 16,383 digits after the point or more than
    /// 131,072 before it, once the exponent is applied.
    Number,
}

impl Reason {
    pub fn message(self) -> &'static str {
        match self {
            Reason::Nul => "contains a NUL character (\\u0000), which cannot be stored",
            Reason::LoneSurrogate => {
                "contains a lone UTF-16 surrogate escape (\\uD800–\\uDFFF without its pair), \
                 which is not text"
            }
            Reason::Number => {
                "is a number that cannot be stored (over 131,072 digits before the point or \
                 16,383 after it)"
            }
        }
    }
}

/// A value that cannot be stored, and where it is: a JSON path such as `metadata.name`,
/// `[3].metadata` or `teams[0].participants[1]` (empty for the document itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unstorable {
    pub path: String,
    pub reason: Reason,
}

impl fmt::Display for Unstorable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "the value {}", self.reason.message())
        } else {
            write!(f, "{} {}", self.path, self.reason.message())
        }
    }
}

/// Checks a string bound for a `text` column.
pub fn check_text(s: &str) -> Result<(), Reason> {
    if s.contains('\0') {
        Err(Reason::Nul)
    } else {
        Ok(())
    }
}

/// Checks a parsed JSON value bound for a `jsonb` column: every string and key. (Numbers of a
/// parsed `Value` are `f64`/`i64`, which always print as something `numeric` accepts.)
pub fn check_value(value: &serde_json::Value) -> Result<(), Unstorable> {
    fn walk(v: &serde_json::Value, path: &mut Vec<Seg>) -> Result<(), Unstorable> {
        let fail = |path: &[Seg], reason| Unstorable {
            path: render(path),
            reason,
        };
        match v {
            serde_json::Value::String(s) => check_text(s).map_err(|r| fail(path, r)),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    walk(item, path)?;
                    path.pop();
                }
                Ok(())
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map {
                    path.push(Seg::Key(k.clone()));
                    check_text(k).map_err(|r| fail(path, r))?;
                    walk(item, path)?;
                    path.pop();
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(value, &mut Vec::new())
}

/// Checks a JSON document (a request body) for anything PostgreSQL cannot store. A document
/// that is not valid JSON passes: the typed parse that follows names that error.
pub fn check_json(bytes: &[u8]) -> Result<(), Unstorable> {
    let mut s = Scanner {
        b: bytes,
        i: 0,
        path: Vec::new(),
    };
    match s.value(0) {
        Err(Stop::Found(u)) => Err(u),
        Ok(()) | Err(Stop::Syntax) => Ok(()),
    }
}

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                // A key is shown as sent, except what would make the path unreadable.
                out.extend(k.chars().flat_map(char::escape_debug));
            }
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

enum Stop {
    Found(Unstorable),
    /// Not valid JSON (or nested beyond the parser's limit): left to the typed parse.
    Syntax,
}

/// serde_json refuses documents nested deeper than 128; so does this scanner.
const MAX_DEPTH: usize = 128;
/// `numeric`'s limits: the display scale and the digits before the point (measured on
/// PostgreSQL 15: `1e-16383` and `1e131071` are stored, `1e-16384` and `10e131071` are not).
const MAX_DECIMALS: i64 = 16_383;
const MAX_DIGITS: i64 = 131_072;

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    path: Vec<Seg>,
}

impl Scanner<'_> {
    fn found(&self, reason: Reason) -> Stop {
        Stop::Found(Unstorable {
            path: render(&self.path),
            reason,
        })
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.b.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Result<(), Stop> {
        if depth > MAX_DEPTH {
            return Err(Stop::Syntax);
        }
        match self.peek().ok_or(Stop::Syntax)? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string(false).map(drop),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => Err(Stop::Syntax),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Stop> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Stop::Syntax)
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), Stop> {
        self.i += 1;
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(Stop::Syntax);
            }
            let key = self.string(true)?.unwrap_or_default();
            let bad_key = key.contains('\0');
            self.path.push(Seg::Key(key));
            if bad_key {
                return Err(self.found(Reason::Nul));
            }
            if self.peek() != Some(b':') {
                return Err(Stop::Syntax);
            }
            self.i += 1;
            self.value(depth + 1)?;
            self.path.pop();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Stop::Syntax),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), Stop> {
        self.i += 1;
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        let mut index = 0;
        loop {
            self.path.push(Seg::Index(index));
            self.value(depth + 1)?;
            self.path.pop();
            index += 1;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Stop::Syntax),
            }
        }
    }

    /// Scans a string (at its opening quote); returns it decoded when `keep` (object keys, for
    /// the path), else None. A NUL or lone surrogate in a value is reported here.
    fn string(&mut self, keep: bool) -> Result<Option<String>, Stop> {
        self.i += 1;
        let mut out = keep.then(Vec::new);
        let mut nul = false;
        loop {
            let start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            if let Some(out) = &mut out {
                out.extend_from_slice(&self.b[start..self.i]);
            }
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.escape()?;
                    nul |= c == Some('\0');
                    if let Some(out) = &mut out {
                        let mut buf = [0; 4];
                        let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
                _ => return Err(Stop::Syntax),
            }
        }
        if nul && !keep {
            return Err(self.found(Reason::Nul));
        }
        match out {
            Some(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| Stop::Syntax),
            None => Ok(None),
        }
    }

    /// One escape after its backslash; the character it stands for (None for a simple escape).
    fn escape(&mut self) -> Result<Option<char>, Stop> {
        let c = *self.b.get(self.i).ok_or(Stop::Syntax)?;
        self.i += 1;
        match c {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(None),
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        if self.b[self.i..].starts_with(b"\\u") {
                            self.i += 2;
                            let low = self.hex4()?;
                            if (0xDC00..=0xDFFF).contains(&low) {
                                let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                                return Ok(char::from_u32(c));
                            }
                        }
                        Err(self.found(Reason::LoneSurrogate))
                    }
                    0xDC00..=0xDFFF => Err(self.found(Reason::LoneSurrogate)),
                    _ => Ok(char::from_u32(unit)),
                }
            }
            _ => Err(Stop::Syntax),
        }
    }

    fn hex4(&mut self) -> Result<u32, Stop> {
        let digits = self.b.get(self.i..self.i + 4).ok_or(Stop::Syntax)?;
        let text = std::str::from_utf8(digits).map_err(|_| Stop::Syntax)?;
        let unit = u32::from_str_radix(text, 16).map_err(|_| Stop::Syntax)?;
        self.i += 4;
        Ok(unit)
    }

    fn digits(&mut self) -> i64 {
        let start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        (self.i - start) as i64
    }

    fn number(&mut self) -> Result<(), Stop> {
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let whole = self.digits();
        if whole == 0 {
            return Err(Stop::Syntax);
        }
        let mut decimals = 0;
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            decimals = self.digits();
            if decimals == 0 {
                return Err(Stop::Syntax);
            }
        }
        let mut exponent: i64 = 0;
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            let negative = match self.b.get(self.i) {
                Some(b'-') => {
                    self.i += 1;
                    true
                }
                Some(b'+') => {
                    self.i += 1;
                    false
                }
                _ => false,
            };
            let start = self.i;
            if self.digits() == 0 {
                return Err(Stop::Syntax);
            }
            for &d in &self.b[start..self.i] {
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i64::from(d - b'0'));
            }
            if negative {
                exponent = -exponent;
            }
        }
        if decimals.saturating_sub(exponent) > MAX_DECIMALS
            || whole.saturating_add(exponent) > MAX_DIGITS
        {
            return Err(self.found(Reason::Number));
        }
        Ok(())
    }
}

impl From<Unstorable> for crate::error::ApiError {
    fn from(u: Unstorable) -> Self {
        let code = match u.reason {
            Reason::Nul | Reason::LoneSurrogate => crate::error::ErrorCode::InvalidText,
            Reason::Number => crate::error::ErrorCode::OutOfRange,
        };
        Self::field(code, u.path, u.reason.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(json: &str) -> Option<(String, Reason)> {
        check_json(json.as_bytes())
            .err()
            .map(|u| (u.path, u.reason))
    }

    #[test]
    fn ordinary_documents_pass() {
        for ok in [
            r#"{"score": 12, "subscore": -3, "metadata": {"a": [1, 2.5e10, "x\u00e9\n", null, true]}}"#,
            r#"[{"participant": "p1", "score": 1}, {"participant": "p2", "score": 2}]"#,
            r#""\ud83d\ude00 paired surrogates are one character""#,
            r#"{"escaped backslash then u0000": "\\u0000"}"#,
            "1e131071",
            "9.9e131071",
            "1e-16383",
            "1.5e-16382",
            "-0.5E+3",
            "",
            "{not json",
        ] {
            assert_eq!(at(ok), None, "{ok}");
        }
    }

    #[test]
    fn nul_in_a_value_is_named_by_its_path() {
        assert_eq!(
            at(r#"{"metadata": {"note": "a\u0000b"}}"#),
            Some(("metadata.note".into(), Reason::Nul))
        );
        assert_eq!(
            at(r#"[{"a": 1}, {"m": {"list": ["ok", "\u0000"]}}]"#),
            Some(("[1].m.list[1]".into(), Reason::Nul))
        );
        assert_eq!(at(r#""\u0000""#), Some((String::new(), Reason::Nul)));
    }

    #[test]
    fn nul_in_an_object_key_is_named_with_the_key() {
        assert_eq!(
            at(r#"{"metadata": {"k\u0000": 1}}"#),
            Some(("metadata.k\\0".into(), Reason::Nul))
        );
    }

    #[test]
    fn lone_surrogates_are_refused_paired_ones_are_not() {
        assert_eq!(
            at(r#"{"m": "\ud800"}"#),
            Some(("m".into(), Reason::LoneSurrogate))
        );
        assert_eq!(
            at(r#"{"m": "\udc00\ud800"}"#),
            Some(("m".into(), Reason::LoneSurrogate))
        );
        assert_eq!(
            at(r#"{"m": "\ud800\u0041"}"#),
            Some(("m".into(), Reason::LoneSurrogate))
        );
        assert_eq!(at(r#"{"m": "\uD83D\uDE00"}"#), None);
    }

    #[test]
    fn numbers_beyond_numeric_are_refused() {
        assert_eq!(
            at(r#"{"m": {"x": 1e-16384}}"#),
            Some(("m.x".into(), Reason::Number))
        );
        assert_eq!(at("10E+131071"), Some((String::new(), Reason::Number)));
        assert_eq!(at("-1.5e-16383"), Some((String::new(), Reason::Number)));
        let many_decimals = format!("[0.{}]", "1".repeat(16_384));
        assert_eq!(at(&many_decimals), Some(("[0]".into(), Reason::Number)));
        let huge_exponent = format!("1e{}", "9".repeat(40));
        assert_eq!(at(&huge_exponent), Some((String::new(), Reason::Number)));
        let tiny_exponent = format!("1e-{}", "9".repeat(40));
        assert_eq!(at(&tiny_exponent), Some((String::new(), Reason::Number)));
    }

    #[test]
    fn parsed_values_are_checked_keys_included() {
        let v = serde_json::json!({"a": [{"b": "x\u{0}"}]});
        assert_eq!(
            check_value(&v).map_err(|u| u.path),
            Err("a[0].b".to_owned())
        );
        let v = serde_json::json!({"k\u{0}": 1});
        assert_eq!(check_value(&v).map_err(|u| u.reason), Err(Reason::Nul));
        assert!(check_value(&serde_json::json!({"ok": ["fine", 1.5e300]})).is_ok());
        assert_eq!(check_text("a\0b"), Err(Reason::Nul));
    }

    #[test]
    fn deep_nesting_is_left_to_the_parser_and_costs_linear_time() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(at(&deep), None);
    }
}
