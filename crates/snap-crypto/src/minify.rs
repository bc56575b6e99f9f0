//! JSON minify with Go `json.Compact` semantics: whitespace outside string literals goes, every other
//! byte stays. The input is validated as it is copied, so a body that is not JSON never gets signed.
//!
//! Speed matters here (every signed request and every verified notification passes through it), so
//! the scanner skips runs eight bytes at a time and copies the non-whitespace stretches as slices.

use std::fmt;

/// Why a body is not valid JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MinifyErrorKind {
    /// A byte that cannot appear at this position (the byte is given).
    UnexpectedByte(u8),
    /// The input ends inside a value.
    UnexpectedEnd,
    /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
    InvalidEscape,
    /// A raw control character (below U+0020) inside a string literal.
    ControlCharacterInString,
    /// A second value after the top-level value.
    TrailingData,
}

impl fmt::Display for MinifyErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedByte(b) if b.is_ascii_graphic() => {
                write!(f, "unexpected character '{}'", char::from(*b))
            }
            Self::UnexpectedByte(b) => write!(f, "unexpected byte 0x{b:02x}"),
            Self::UnexpectedEnd => f.write_str("unexpected end of input"),
            Self::InvalidEscape => f.write_str("invalid escape sequence"),
            Self::ControlCharacterInString => f.write_str("control character in string literal"),
            Self::TrailingData => f.write_str("data after the top-level value"),
        }
    }
}

/// The body is not valid JSON: where (byte offset into the input) and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at byte {offset}: {kind}")]
pub struct MinifyError {
    offset: usize,
    kind: MinifyErrorKind,
}

impl MinifyError {
    /// Byte offset into the input where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What the problem is.
    pub fn kind(&self) -> MinifyErrorKind {
        self.kind
    }
}

/// Removes JSON whitespace outside string literals and changes no other byte.
///
/// Key order, number spelling (`10000.00`, `1e3`) and escapes (`\/`, `\u00e9`) are kept exactly.
/// Empty (or whitespace-only) input gives empty output. Bytes of 0x80 and above inside strings are
/// copied uninterpreted, as Go's `json.Compact` does.
///
/// ```
/// let out = snap_crypto::minify(b"{ \"a\" : [1, 2.50, \"x y\"] }\n")?;
/// assert_eq!(out, br#"{"a":[1,2.50,"x y"]}"#);
/// # Ok::<(), snap_crypto::MinifyError>(())
/// ```
pub fn minify(input: &[u8]) -> Result<Vec<u8>, MinifyError> {
    let mut out = Vec::new();
    minify_into(input, &mut out)?;
    Ok(out)
}

/// Like [`minify`], appending to `out` (reuse one buffer on hot paths).
///
/// On error `out` is left as it was before the call.
pub fn minify_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), MinifyError> {
    let start = out.len();
    // Write into a pre-sized buffer so short runs can be copied as fixed 32-byte blocks; the slack
    // past the real output is cut off at the end.
    out.resize(start + input.len() + SLACK, 0);
    let mut m = Minifier {
        src: input,
        pos: 0,
        run: 0,
        out,
        written: start,
        stack: Stack::default(),
    };
    let result = m.document();
    if result.is_ok() {
        m.flush();
    }
    let end = if result.is_ok() { m.written } else { start };
    out.truncate(end);
    result
}

const SLACK: usize = 32;

#[inline(always)]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Flags (high bit of the byte) `"`, `\\` and control characters in 8 bytes.
///
/// Each `x - 0x01…` term borrows into a byte's high bit only when that byte (of `x`) is below the
/// subtrahend; borrows only propagate upward from a true hit, so the lowest flag is always exact.
/// `"` and `\\` have the high bit clear, so one `!w` mask serves all three terms.
#[inline(always)]
fn string_specials(w: u64) -> u64 {
    let quote = (w ^ (LO * u64::from(b'"'))).wrapping_sub(LO);
    let backslash = (w ^ (LO * u64::from(b'\\'))).wrapping_sub(LO);
    let control = w.wrapping_sub(LO * 0x20);
    (quote | backslash | control) & !w & HI
}

/// Index of the first non-whitespace byte at or after `i`.
#[inline(always)]
fn skip_ws_run(src: &[u8], mut i: usize) -> usize {
    loop {
        // Indentation is runs of spaces: take them sixteen at a time.
        while let Some(chunk) = src.get(i..).and_then(<[u8]>::first_chunk::<8>) {
            let x = u64::from_le_bytes(*chunk) ^ (LO * u64::from(b' '));
            if x != 0 {
                i += (x.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match src.get(i) {
            Some(&b) if is_ws(b) => i += 1,
            _ => return i,
        }
    }
}

/// Open containers: a bit per level (1 = object), spilling to a Vec past 64 levels.
#[derive(Default)]
struct Stack {
    bits: u64,
    depth: usize,
    spill: Vec<bool>,
}

impl Stack {
    #[inline]
    fn push(&mut self, object: bool) {
        if self.depth < 64 {
            let bit = 1u64 << self.depth;
            if object {
                self.bits |= bit;
            } else {
                self.bits &= !bit;
            }
        } else {
            self.spill.push(object);
        }
        self.depth += 1;
    }

    #[inline]
    fn pop(&mut self) {
        if self.depth > 64 {
            self.spill.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// `None` at top level, else whether the innermost container is an object.
    #[inline]
    fn top(&self) -> Option<bool> {
        match self.depth {
            0 => None,
            d if d <= 64 => Some(self.bits & (1u64 << (d - 1)) != 0),
            _ => self.spill.last().copied(),
        }
    }
}

struct Minifier<'a, 'o> {
    src: &'a [u8],
    pos: usize,
    /// Start of the bytes not yet copied to `out` (always <= pos).
    run: usize,
    out: &'o mut Vec<u8>,
    /// Bytes of `out` holding output (the rest is slack).
    written: usize,
    stack: Stack,
}

impl Minifier<'_, '_> {
    fn err(&self, offset: usize, kind: MinifyErrorKind) -> MinifyError {
        MinifyError { offset, kind }
    }

    fn unexpected(&self, at: usize) -> MinifyError {
        match self.src.get(at) {
            Some(&b) => self.err(at, MinifyErrorKind::UnexpectedByte(b)),
            None => self.err(at, MinifyErrorKind::UnexpectedEnd),
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    #[inline(always)]
    fn flush(&mut self) {
        let len = self.pos - self.run;
        let o = self.written;
        if len <= SLACK {
            let src = self
                .src
                .get(self.run..)
                .and_then(<[u8]>::first_chunk::<SLACK>);
            let dst = self
                .out
                .get_mut(o..)
                .and_then(<[u8]>::first_chunk_mut::<SLACK>);
            if let (Some(src), Some(dst)) = (src, dst) {
                *dst = *src;
                self.written += len;
                self.run = self.pos;
                return;
            }
        }
        self.flush_slow();
    }

    #[inline(never)]
    fn flush_slow(&mut self) {
        let o = self.written;
        let len = self.pos - self.run;
        if let (Some(src), Some(dst)) = (
            self.src.get(self.run..self.pos),
            self.out.get_mut(o..o + len),
        ) {
            dst.copy_from_slice(src);
            self.written += len;
        }
        self.run = self.pos;
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        if matches!(self.peek(), Some(b) if is_ws(b)) {
            self.flush();
            self.pos = skip_ws_run(self.src, self.pos + 1);
            self.run = self.pos;
        }
    }

    fn document(&mut self) -> Result<(), MinifyError> {
        self.pos = skip_ws_run(self.src, 0);
        self.run = self.pos;
        if self.pos == self.src.len() {
            return Ok(());
        }
        'value: loop {
            // At the start of a value, whitespace already skipped.
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        self.stack.push(true);
                        self.key()?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        self.stack.push(false);
                        continue 'value;
                    }
                }
                Some(b'"') => self.string()?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                _ => return Err(self.unexpected(self.pos)),
            }
            // After a value: close containers until one continues with a comma.
            loop {
                self.skip_ws();
                match self.stack.top() {
                    None => {
                        return if self.pos == self.src.len() {
                            Ok(())
                        } else {
                            Err(self.err(self.pos, MinifyErrorKind::TrailingData))
                        };
                    }
                    Some(object) => match self.peek() {
                        Some(b',') => {
                            self.pos += 1;
                            self.skip_ws();
                            if object {
                                self.key()?;
                            }
                            continue 'value;
                        }
                        Some(b'}') if object => {
                            self.pos += 1;
                            self.stack.pop();
                        }
                        Some(b']') if !object => {
                            self.pos += 1;
                            self.stack.pop();
                        }
                        _ => return Err(self.unexpected(self.pos)),
                    },
                }
            }
        }
    }

    /// An object key and its colon, leaving `pos` at the start of the value.
    #[inline(always)]
    fn key(&mut self) -> Result<(), MinifyError> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected(self.pos));
        }
        self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected(self.pos));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    /// A string literal starting at `pos` (the opening quote).
    #[inline(always)]
    fn string(&mut self) -> Result<(), MinifyError> {
        let src = self.src;
        let mut i = self.pos + 1;
        loop {
            while let Some(chunk) = src.get(i..).and_then(<[u8]>::first_chunk::<8>) {
                let m = string_specials(u64::from_le_bytes(*chunk));
                if m != 0 {
                    i += (m.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match src.get(i) {
                None => return Err(self.err(i, MinifyErrorKind::UnexpectedEnd)),
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(());
                }
                Some(b'\\') => i = self.escape(i)?,
                Some(&b) if b < 0x20 => {
                    return Err(self.err(i, MinifyErrorKind::ControlCharacterInString));
                }
                Some(_) => i += 1,
            }
        }
    }

    /// Validates the escape whose backslash is at `i`; returns the index after it.
    fn escape(&self, i: usize) -> Result<usize, MinifyError> {
        match self.src.get(i + 1) {
            None => Err(self.err(i + 1, MinifyErrorKind::UnexpectedEnd)),
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
            Some(b'u') => {
                for k in i + 2..i + 6 {
                    match self.src.get(k) {
                        None => return Err(self.err(k, MinifyErrorKind::UnexpectedEnd)),
                        Some(h) if h.is_ascii_hexdigit() => {}
                        Some(_) => return Err(self.err(k, MinifyErrorKind::InvalidEscape)),
                    }
                }
                Ok(i + 6)
            }
            Some(_) => Err(self.err(i + 1, MinifyErrorKind::InvalidEscape)),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), MinifyError> {
        for (k, &expected) in word.iter().enumerate() {
            if self.src.get(self.pos + k) != Some(&expected) {
                return Err(self.unexpected(self.pos + k));
            }
        }
        self.pos += word.len();
        Ok(())
    }

    fn digits(&self, mut i: usize) -> usize {
        while matches!(self.src.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        i
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; the byte after it is checked by the caller.
    fn number(&mut self) -> Result<(), MinifyError> {
        let mut i = self.pos;
        if self.src.get(i) == Some(&b'-') {
            i += 1;
        }
        match self.src.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => i = self.digits(i + 1),
            _ => return Err(self.unexpected(i)),
        }
        if self.src.get(i) == Some(&b'.') {
            i += 1;
            if !matches!(self.src.get(i), Some(b'0'..=b'9')) {
                return Err(self.unexpected(i));
            }
            i = self.digits(i);
        }
        if matches!(self.src.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(self.src.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !matches!(self.src.get(i), Some(b'0'..=b'9')) {
                return Err(self.unexpected(i));
            }
            i = self.digits(i);
        }
        self.pos = i;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ok(input: &str) -> String {
        String::from_utf8(minify(input.as_bytes()).unwrap()).unwrap()
    }

    fn bad(input: &str) -> (usize, MinifyErrorKind) {
        let e = minify(input.as_bytes()).unwrap_err();
        (e.offset(), e.kind())
    }

    #[test]
    fn keeps_everything_but_whitespace() {
        assert_eq!(ok(""), "");
        assert_eq!(ok(" \n\t\r "), "");
        assert_eq!(ok(" 1 "), "1");
        assert_eq!(
            ok("{ \"b\" : 10000.00 , \"a\" : [ 1e3 , -0.5E+2 , true , false , null ] }"),
            r#"{"b":10000.00,"a":[1e3,-0.5E+2,true,false,null]}"#
        );
        assert_eq!(
            ok(r#"{"s": "a b\t\/ \u00e9 \" \\ é"}"#),
            r#"{"s":"a b\t\/ \u00e9 \" \\ é"}"#
        );
        assert_eq!(ok("[ { } , [ ] , \"\" ]"), r#"[{},[],""]"#);
        assert_eq!(
            ok("{\n        \"indent\": \"        spaces inside        \"\n}"),
            r#"{"indent":"        spaces inside        "}"#
        );
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(ok(&deep), deep);
        assert_eq!(
            bad(&"[".repeat(1000)),
            (1000, MinifyErrorKind::UnexpectedEnd)
        );
    }

    #[test]
    fn reports_offsets() {
        assert_eq!(bad("{\"a\" 1}"), (5, MinifyErrorKind::UnexpectedByte(b'1')));
        assert_eq!(bad("[1,]"), (3, MinifyErrorKind::UnexpectedByte(b']')));
        assert_eq!(bad("01"), (1, MinifyErrorKind::TrailingData));
        assert_eq!(bad("[01]"), (2, MinifyErrorKind::UnexpectedByte(b'1')));
        assert_eq!(bad("\"ab\\x\""), (4, MinifyErrorKind::InvalidEscape));
        assert_eq!(bad("\"\\u12g4\""), (5, MinifyErrorKind::InvalidEscape));
        assert_eq!(
            bad("\"a\nb\""),
            (2, MinifyErrorKind::ControlCharacterInString)
        );
        assert_eq!(bad("\"abcdefghijkl"), (13, MinifyErrorKind::UnexpectedEnd));
        assert_eq!(bad("tru"), (3, MinifyErrorKind::UnexpectedEnd));
        assert_eq!(bad("nul1"), (3, MinifyErrorKind::UnexpectedByte(b'1')));
        assert_eq!(bad("1 2"), (2, MinifyErrorKind::TrailingData));
        assert_eq!(bad("-"), (1, MinifyErrorKind::UnexpectedEnd));
        assert_eq!(bad("1."), (2, MinifyErrorKind::UnexpectedEnd));
        assert_eq!(bad("{\"a\":1]"), (6, MinifyErrorKind::UnexpectedByte(b']')));
        assert_eq!(bad("{1:2}"), (1, MinifyErrorKind::UnexpectedByte(b'1')));
    }

    #[test]
    fn error_leaves_buffer_untouched() {
        let mut out = b"keep".to_vec();
        assert!(minify_into(b"[1, 2, x]", &mut out).is_err());
        assert_eq!(out, b"keep");
        minify_into(b" [1, 2] ", &mut out).unwrap();
        assert_eq!(out, b"keep[1,2]");
    }
}
