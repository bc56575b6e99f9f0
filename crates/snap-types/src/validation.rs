//! Field-level validation: which field (as a JSON path) is wrong, and whether it is missing or
//! malformed.

use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{EMPTY_SUFFIX, Error, check_len};

/// Whether a field is malformed or missing: SNAP's case `01` "Invalid Field Format {field}" versus
/// case `02` "Invalid Mandatory Field {field}".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldErrorKind {
    /// Present but malformed (wrong type, too long, bad amount or timestamp, ...): case `01`.
    Format,
    /// Mandatory but absent, `null` or empty: case `02`.
    Mandatory,
}

/// The first bad field of a body: its JSON path, the kind of problem and a reason in words.
///
/// Paths are written as in JavaScript: object keys joined with `.`, array indices in brackets,
/// no leading `$` or `.`: `virtualAccountNo`, `paidAmount.value`, `billDetails[0].billName`,
/// `additionalInfo.items[0].price.value`. Keys are the JSON names (camelCase), not Rust field
/// names. Deserialization errors use the key exactly as the sender spelled it (an aliased
/// `addtionalInfo` stays `addtionalInfo`); validation errors use the canonical name. A problem with
/// the body as a whole (not an object) has the empty path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    kind: FieldErrorKind,
    path: String,
    reason: String,
}

impl FieldError {
    /// A malformed field at `path`.
    pub fn format(path: impl Into<String>, reason: impl fmt::Display) -> Self {
        Self {
            kind: FieldErrorKind::Format,
            path: path.into(),
            reason: reason.to_string(),
        }
    }

    /// A missing mandatory field at `path`.
    pub fn mandatory(path: impl Into<String>) -> Self {
        Self {
            kind: FieldErrorKind::Mandatory,
            path: path.into(),
            reason: "missing, null or empty".to_owned(),
        }
    }

    /// Maps a newtype's [`Error`] at `path` to the matching kind.
    pub(crate) fn from_value_error(path: impl Into<String>, error: &Error) -> Self {
        if error.is_missing() {
            Self::mandatory(path)
        } else {
            Self::format(path, error)
        }
    }

    /// Format or Mandatory.
    pub fn kind(&self) -> FieldErrorKind {
        self.kind
    }

    /// The JSON path of the field (see the type's docs for the syntax).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong, in words (for logs; the SNAP `responseMessage` uses only the path).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// This error with `prefix` put in front of its path (`items[0]` + `id` → `items[0].id`).
    pub(crate) fn under(mut self, prefix: &str) -> Self {
        self.path = join(prefix, &self.path);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            FieldErrorKind::Format => "Invalid Field Format",
            FieldErrorKind::Mandatory => "Invalid Mandatory Field",
        };
        write!(f, "{what} {}: {}", self.path, self.reason)
    }
}

/// `prefix` + `.` + `rest`, without dangling dots when either is empty or `rest` is an index.
pub(crate) fn join(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() {
        rest.to_owned()
    } else if rest.is_empty() {
        prefix.to_owned()
    } else if rest.starts_with('[') {
        format!("{prefix}{rest}")
    } else {
        format!("{prefix}.{rest}")
    }
}

/// Checks of a DTO against its seed table that types alone cannot express (empty mandatory
/// strings, `String(n)` limits, cross-field rules, the content of `additionalInfo`).
///
/// Returns the first bad field, in the order the struct declares its fields.
pub trait Validate {
    /// `Ok` when every rule of the seed table holds.
    fn validate(&self) -> Result<(), FieldError>;
}

/// A mandatory string: non-empty (after trimming spaces) and at most `max` characters.
pub(crate) fn mandatory_str(path: &str, value: &str, max: Option<usize>) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(FieldError::mandatory(path));
    }
    max_len(path, value, max)
}

/// An optional string: when present, at most `max` characters.
pub(crate) fn optional_str(
    path: &str,
    value: Option<&str>,
    max: Option<usize>,
) -> Result<(), FieldError> {
    value.map_or(Ok(()), |v| max_len(path, v, max))
}

fn max_len(path: &str, value: &str, max: Option<usize>) -> Result<(), FieldError> {
    match max {
        Some(max) => check_len("value", value, max).map_err(|e| FieldError::format(path, e)),
        None => Ok(()),
    }
}

/// Deserializes a raw `additionalInfo` (or any raw JSON) into a typed view, with errors whose paths
/// start at `prefix`.
pub(crate) fn parse_raw<'a, T: Deserialize<'a>>(
    raw: &'a RawValue,
    prefix: &str,
) -> Result<T, FieldError> {
    // Plain serde_json first; only a refused value pays for the path-tracking parse that names
    // the bad field (same verdict: both run the same Deserialize impls).
    if let Ok(value) = serde_json::from_str(raw.get()) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(raw.get());
    serde_path_to_error::deserialize(&mut de).map_err(|e| field_error_from_serde(e).under(prefix))
}

/// `raw` must be a JSON object (possibly empty).
pub(crate) fn raw_object(raw: &RawValue, path: &str) -> Result<(), FieldError> {
    if raw.get().trim_start().starts_with('{') {
        Ok(())
    } else {
        Err(FieldError::format(path, "not a JSON object"))
    }
}

/// Turns a path-tracked serde error into a [`FieldError`]: serde's `missing field` and `null`
/// messages and our newtypes' "is empty" become Mandatory, everything else Format.
pub(crate) fn field_error_from_serde(
    error: serde_path_to_error::Error<serde_json::Error>,
) -> FieldError {
    let path = path_string(error.path());
    let message = error.inner().to_string();
    // serde_json appends " at line L column C"; the reason is only the part before it.
    let reason = message
        .rfind(" at line ")
        .map_or(message.as_str(), |at| &message[..at]);
    if let Some(field) = reason
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        FieldError::mandatory(join(&path, field))
    } else if reason.starts_with("invalid type: null") || reason.ends_with(EMPTY_SUFFIX) {
        FieldError::mandatory(path)
    } else {
        FieldError::format(path, reason)
    }
}

fn path_string(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => out = join(&out, key),
            Segment::Enum { variant } => out = join(&out, variant),
            // serde_path_to_error's own placeholder for a segment it could not name.
            Segment::Unknown => out = join(&out, "?"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a", "[0]"), "a[0]");
        assert_eq!(join("a[0]", "b"), "a[0].b");
        assert_eq!(join("a", ""), "a");
    }
}
