//! Reading one league's `params` JSON object field by field, with defaults, range checks and
//! errors that name the field, and refusing the fields nobody read.

use std::ops::RangeInclusive;

use serde_json::{Map, Value};

use super::ParamError;

/// Reads typed, range-checked fields out of a `params` object and remembers which it read, so
/// that [`Fields::finish`] can reject the unknown ones.
pub(super) struct Fields<'a> {
    map: Option<&'a Map<String, Value>>,
    read: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    /// `null` reads as an empty object; anything but an object is refused.
    pub(super) fn new(params: &'a Value) -> Result<Self, ParamError> {
        let map = match params {
            Value::Null => None,
            Value::Object(map) => Some(map),
            other => {
                return Err(ParamError::new(
                    "params",
                    format!("must be an object (got {})", kind(other)),
                ));
            }
        };
        Ok(Self {
            map,
            read: Vec::new(),
        })
    }

    /// The raw value of a field, marking it read.
    pub(super) fn raw(&mut self, name: &'static str) -> Option<&'a Value> {
        self.read.push(name);
        self.map.and_then(|m| m.get(name)).filter(|v| !v.is_null())
    }

    /// A number in `range`, or `default` when absent.
    pub(super) fn f64(
        &mut self,
        name: &'static str,
        default: f64,
        range: RangeInclusive<f64>,
    ) -> Result<f64, ParamError> {
        Ok(self.opt_f64(name, range)?.unwrap_or(default))
    }

    /// A number in `range`, if present.
    pub(super) fn opt_f64(
        &mut self,
        name: &'static str,
        range: RangeInclusive<f64>,
    ) -> Result<Option<f64>, ParamError> {
        let Some(value) = self.raw(name) else {
            return Ok(None);
        };
        let Some(x) = value.as_f64() else {
            return Err(field_error(
                name,
                format!("must be a number (got {})", kind(value)),
            ));
        };
        within(name, x, &range)?;
        Ok(Some(x))
    }

    /// A whole number in `range`, or `default` when absent.
    pub(super) fn i64(
        &mut self,
        name: &'static str,
        default: i64,
        range: RangeInclusive<i64>,
    ) -> Result<i64, ParamError> {
        let Some(value) = self.raw(name) else {
            return Ok(default);
        };
        let Some(x) = value.as_i64() else {
            return Err(field_error(
                name,
                format!("must be a whole number (got {})", kind_or_number(value)),
            ));
        };
        within(name, x, &range)?;
        Ok(x)
    }

    /// Refuses every field of the object that was not read.
    pub(super) fn finish(self) -> Result<(), ParamError> {
        let Some(map) = self.map else { return Ok(()) };
        match map.keys().find(|k| !self.read.contains(&k.as_str())) {
            Some(unknown) => Err(ParamError::new(
                format!("params.{unknown}"),
                "is not a parameter of this system",
            )),
            None => Ok(()),
        }
    }
}

/// An error on `params.<name>`.
pub(super) fn field_error(name: &str, message: impl Into<String>) -> ParamError {
    ParamError::new(format!("params.{name}"), message)
}

/// A JSON value's kind, for messages that should not echo arbitrary input back.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Like [`kind`], but shows the number itself: `2.5` explains "must be a whole number" best.
fn kind_or_number(value: &Value) -> String {
    match value {
        Value::Number(n) => n.to_string(),
        other => kind(other).to_owned(),
    }
}

/// Refuses a value outside its range, naming both ends.
fn within<T: PartialOrd + std::fmt::Display>(
    name: &'static str,
    x: T,
    range: &RangeInclusive<T>,
) -> Result<(), ParamError> {
    if range.contains(&x) {
        Ok(())
    } else {
        Err(field_error(
            name,
            format!(
                "must be between {} and {} (got {x})",
                range.start(),
                range.end()
            ),
        ))
    }
}
