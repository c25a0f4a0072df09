//! PostgreSQL's binary `COPY` format, both ways: the constants a writer needs (the league
//! history streams its rows in with it) and a reader for `COPY (…) TO STDOUT (FORMAT binary)`.
//!
//! Reading a large table this way costs a fraction of a query's per-row work: a query hands
//! each row through sqlx's row stream, column lookup and typed decoders (about 4,900
//! instructions a row when loading a board), where the reader walks length-prefixed fields in
//! one buffer. Start-up reads every board this way.
//!
//! Format: a 19-byte header (signature, flags, extension length and extension), then per row a
//! big-endian `i16` field count and, per field, an `i32` length (-1 for NULL) and the value in
//! the type's binary form; a field count of -1 ends the data.

use futures::TryStreamExt;
use sqlx::PgConnection;

/// Binary COPY's signature, flags and header extension length; and its end marker.
pub const BINARY_HEADER: [u8; 19] = *b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
pub const BINARY_TRAILER: [u8; 2] = (-1i16).to_be_bytes();
/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01).
pub const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// The fields of one row, read in order.
#[derive(Debug)]
pub struct Fields<'a> {
    rest: &'a [u8],
    left: u16,
}

impl<'a> Fields<'a> {
    /// The next field's bytes (None for NULL).
    fn next(&mut self) -> Result<Option<&'a [u8]>, sqlx::Error> {
        if self.left == 0 {
            return Err(malformed("a row has fewer fields than read"));
        }
        self.left -= 1;
        let (len, rest) = split_be::<4>(self.rest)?;
        let len = i32::from_be_bytes(len);
        if len < 0 {
            self.rest = rest;
            return Ok(None);
        }
        let len = len as usize;
        if rest.len() < len {
            return Err(malformed("a field runs past its row"));
        }
        let (value, rest) = rest.split_at(len);
        self.rest = rest;
        Ok(Some(value))
    }

    fn required(&mut self, what: &str) -> Result<&'a [u8], sqlx::Error> {
        self.next()?
            .ok_or_else(|| malformed(&format!("a NULL {what}")))
    }

    /// A `text` (or a value cast to text).
    pub fn text(&mut self) -> Result<&'a str, sqlx::Error> {
        let bytes = self.required("text")?;
        std::str::from_utf8(bytes).map_err(|_| malformed("text that is not UTF-8"))
    }

    /// A nullable `text`.
    pub fn opt_text(&mut self) -> Result<Option<&'a str>, sqlx::Error> {
        self.next()?
            .map(|b| std::str::from_utf8(b).map_err(|_| malformed("text that is not UTF-8")))
            .transpose()
    }

    /// An `int8`.
    pub fn int8(&mut self) -> Result<i64, sqlx::Error> {
        let bytes = self.required("int8")?;
        let bytes: [u8; 8] = bytes
            .try_into()
            .map_err(|_| malformed("an int8 that is not 8 bytes"))?;
        Ok(i64::from_be_bytes(bytes))
    }

    /// A `timestamptz`, as Unix microseconds.
    pub fn timestamp_micros(&mut self) -> Result<i64, sqlx::Error> {
        self.int8()?
            .checked_add(PG_EPOCH_MICROS)
            .ok_or_else(|| malformed("a timestamp out of range"))
    }
}

fn malformed(what: &str) -> sqlx::Error {
    sqlx::Error::Protocol(format!("binary COPY data: {what}"))
}

fn split_be<const N: usize>(bytes: &[u8]) -> Result<([u8; N], &[u8]), sqlx::Error> {
    if bytes.len() < N {
        return Err(malformed("truncated"));
    }
    let (head, rest) = bytes.split_at(N);
    Ok((head.try_into().expect("N bytes"), rest))
}

/// Parses a binary COPY stream fed in chunks of any size (PostgreSQL sends one row a message,
/// but nothing here depends on it).
#[derive(Debug, Default)]
struct Reader {
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` start.
    at: usize,
    header_read: bool,
    ended: bool,
}

impl Reader {
    /// Adds a chunk and hands every complete row to `on_row`; returns the rows handed.
    fn feed(
        &mut self,
        chunk: &[u8],
        on_row: &mut impl FnMut(Fields<'_>) -> Result<(), sqlx::Error>,
    ) -> Result<u64, sqlx::Error> {
        if self.ended {
            return Err(malformed("data after the end marker"));
        }
        // Drop what was read before appending, so the buffer holds at most a row and a chunk.
        self.buf.drain(..self.at);
        self.at = 0;
        self.buf.extend_from_slice(chunk);
        if !self.header_read {
            if self.buf.len() < BINARY_HEADER.len() {
                return Ok(0);
            }
            if self.buf[..11] != BINARY_HEADER[..11] {
                return Err(malformed("no binary COPY signature"));
            }
            let ext = u32::from_be_bytes(self.buf[15..19].try_into().expect("4 bytes")) as usize;
            if self.buf.len() < 19 + ext {
                return Ok(0);
            }
            self.at = 19 + ext;
            self.header_read = true;
        }
        let mut rows = 0;
        while let Some((fields, len)) = self.row()? {
            on_row(fields)?;
            self.at += len;
            rows += 1;
        }
        Ok(rows)
    }

    /// The next complete row and its length in bytes; None when more data is needed or the
    /// end marker was read.
    fn row(&mut self) -> Result<Option<(Fields<'_>, usize)>, sqlx::Error> {
        let data = &self.buf[self.at..];
        let Ok((count, mut rest)) = split_be::<2>(data) else {
            return Ok(None);
        };
        let count = i16::from_be_bytes(count);
        if count == -1 {
            self.ended = true;
            self.at += 2;
            return Ok(None);
        }
        let count = u16::try_from(count).map_err(|_| malformed("a negative field count"))?;
        // Find the row's end without decoding it.
        for _ in 0..count {
            let Ok((len, after)) = split_be::<4>(rest) else {
                return Ok(None);
            };
            let len = i32::from_be_bytes(len).max(0) as usize;
            if after.len() < len {
                return Ok(None);
            }
            rest = &after[len..];
        }
        let len = data.len() - rest.len();
        Ok(Some((
            Fields {
                rest: &data[2..len],
                left: count,
            },
            len,
        )))
    }
}

/// Runs `statement` (a `COPY (…) TO STDOUT (FORMAT binary)`) and hands each row to `on_row`;
/// returns the rows read. Fails if the data is malformed or ends without its end marker.
pub async fn read_rows(
    conn: &mut PgConnection,
    statement: &str,
    mut on_row: impl FnMut(Fields<'_>) -> Result<(), sqlx::Error>,
) -> Result<u64, sqlx::Error> {
    let mut stream = conn.copy_out_raw(statement).await?;
    let mut reader = Reader::default();
    let mut rows = 0;
    while let Some(chunk) = stream.try_next().await? {
        rows += reader.feed(&chunk, &mut on_row)?;
    }
    if !reader.ended {
        return Err(malformed("the data ended without its end marker"));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream of rows (participant text, score int8, metadata text or NULL).
    fn stream(rows: &[(&str, i64, Option<&str>)]) -> Vec<u8> {
        let mut out = BINARY_HEADER.to_vec();
        for (p, s, m) in rows {
            out.extend_from_slice(&3i16.to_be_bytes());
            out.extend_from_slice(&(p.len() as i32).to_be_bytes());
            out.extend_from_slice(p.as_bytes());
            out.extend_from_slice(&8i32.to_be_bytes());
            out.extend_from_slice(&s.to_be_bytes());
            match m {
                Some(m) => {
                    out.extend_from_slice(&(m.len() as i32).to_be_bytes());
                    out.extend_from_slice(m.as_bytes());
                }
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            }
        }
        out.extend_from_slice(&BINARY_TRAILER);
        out
    }

    fn read_in_chunks(
        bytes: &[u8],
        size: usize,
    ) -> Result<Vec<(String, i64, Option<String>)>, sqlx::Error> {
        let mut reader = Reader::default();
        let mut got = Vec::new();
        for chunk in bytes.chunks(size) {
            reader.feed(chunk, &mut |mut f: Fields<'_>| {
                got.push((
                    f.text()?.to_owned(),
                    f.int8()?,
                    f.opt_text()?.map(str::to_owned),
                ));
                Ok(())
            })?;
        }
        assert!(reader.ended, "the end marker was read");
        Ok(got)
    }

    #[test]
    fn rows_split_anywhere_read_the_same() {
        let rows = [
            ("ann", -5, None),
            ("bøb", i64::MAX, Some(r#"{"a":"é"}"#)),
            ("c", 0, Some("")),
        ];
        let bytes = stream(&rows);
        let want: Vec<_> = rows
            .iter()
            .map(|(p, s, m)| (p.to_string(), *s, m.map(str::to_owned)))
            .collect();
        for size in [1, 2, 3, 7, 19, 20, 64, bytes.len()] {
            assert_eq!(
                read_in_chunks(&bytes, size).expect("reads"),
                want,
                "chunks of {size}"
            );
        }
    }

    #[test]
    fn malformed_data_is_an_error_that_says_what() {
        let good = stream(&[("ann", 1, None)]);
        let mut bad_signature = good.clone();
        bad_signature[0] = b'X';
        let err = read_in_chunks(&bad_signature, 64).expect_err("refused");
        assert!(err.to_string().contains("signature"), "{err}");
        // A field longer than its row, then data after the end marker.
        let mut long = good.clone();
        long[19 + 2..19 + 6].copy_from_slice(&100i32.to_be_bytes());
        let mut reader = Reader::default();
        let fed = reader.feed(&long, &mut |_| Ok(()));
        assert_eq!(
            fed.expect("waits for more"),
            0,
            "an incomplete row is not handed out"
        );
        let mut reader = Reader::default();
        reader.feed(&good, &mut |_| Ok(())).expect("reads");
        assert!(
            reader.feed(b"x", &mut |_| Ok(())).is_err(),
            "data after the end"
        );
        // Reading more fields than the row has, or a NULL where a value must be.
        let mut reader = Reader::default();
        let err = reader
            .feed(&good, &mut |mut f: Fields<'_>| {
                f.text()?;
                f.int8()?;
                f.text()?;
                Ok(())
            })
            .expect_err("a NULL text");
        assert!(err.to_string().contains("NULL"), "{err}");
    }
}
