//! JSON minify with Go `json.Compact` semantics: whitespace outside string literals goes, every other
//! byte stays. The input is validated as it is copied, so a body that is not JSON never gets signed.
//!
//! Speed matters here (every signed request and every verified notification passes through it).
//! The scanner classifies the input 16 bytes at a time into bit masks (string specials,
//! whitespace), so finding the end of a string or of a whitespace run is a shift and a bit scan, and
//! it copies the non-whitespace stretches as blocks rather than byte by byte.

use std::fmt;

use wide::u8x16;

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
    let result = compact(input, out.get_mut(start..).unwrap_or_default());
    out.truncate(start + *result.as_ref().unwrap_or(&0));
    result.map(drop)
}

/// Minifies into the start of `buf`, which keeps at least `input.len() + SLACK` initialized bytes
/// between calls (so a reused buffer is not zeroed again); returns the output length. The bytes
/// after it are garbage.
pub(crate) fn minify_reusing(input: &[u8], buf: &mut Vec<u8>) -> Result<usize, MinifyError> {
    let needed = input.len() + SLACK;
    if buf.len() < needed {
        buf.resize(needed, 0);
    }
    compact(input, buf)
}

const SLACK: usize = 32;

#[inline(always)]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
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

fn err(offset: usize, kind: MinifyErrorKind) -> MinifyError {
    MinifyError { offset, kind }
}

#[cold]
fn unexpected(src: &[u8], at: usize) -> MinifyError {
    match src.get(at) {
        Some(&b) => err(at, MinifyErrorKind::UnexpectedByte(b)),
        None => err(at, MinifyErrorKind::UnexpectedEnd),
    }
}

/// Copies `src[run..pos]` to `dst[w..]`; returns the new write index.
///
/// Short stretches (almost all of them) are copied as one fixed 32-byte block, which the slack at
/// the end of `dst` (and of `src`, checked) makes possible.
#[inline(always)]
fn copy_run(src: &[u8], dst: &mut [u8], run: usize, pos: usize, w: usize) -> usize {
    let len = pos - run;
    if len <= SLACK {
        let from = src.get(run..).and_then(<[u8]>::first_chunk::<SLACK>);
        let to = dst.get_mut(w..).and_then(<[u8]>::first_chunk_mut::<SLACK>);
        if let (Some(from), Some(to)) = (from, to) {
            *to = *from;
            return w + len;
        }
    }
    copy_run_slow(src, dst, run, pos, w)
}

#[inline(never)]
fn copy_run_slow(src: &[u8], dst: &mut [u8], run: usize, pos: usize, w: usize) -> usize {
    let len = pos - run;
    if let (Some(from), Some(to)) = (src.get(run..pos), dst.get_mut(w..w + len)) {
        to.copy_from_slice(from);
    }
    w + len
}

/// Byte classes of one 64-byte block of the input, one bit per byte, computed 16 bytes at a time.
///
/// Looking a position up here takes a shift and a bit scan, instead of loading and testing bytes
/// after the previous token's end is known: the scan is a chain of dependent lookups, so a short
/// step per token is what makes minify fast on small pretty-printed bodies.
struct Blocks {
    /// Offset of the block the masks describe (a multiple of 64).
    base: usize,
    /// `"`, `\\` and bytes below 0x20 (past the end of input: set, so scans stop there).
    specials: u64,
    /// Bytes that are not JSON whitespace (past the end: set, so skips stop there).
    non_ws: u64,
}

impl Blocks {
    /// The masks of the first block of `src`.
    fn new(src: &[u8]) -> Self {
        let mut blocks = Self {
            base: 0,
            specials: 0,
            non_ws: 0,
        };
        blocks.load(src, 0);
        blocks
    }

    #[inline]
    fn load(&mut self, src: &[u8], base: usize) {
        let rest = src.get(base..).unwrap_or_default();
        let (chunk, valid) = match rest.first_chunk::<64>() {
            Some(chunk) => (*chunk, u64::MAX),
            None => {
                let mut chunk = [b' '; 64];
                if let Some(c) = chunk.get_mut(..rest.len()) {
                    c.copy_from_slice(rest);
                }
                (chunk, (1u64 << rest.len()) - 1)
            }
        };
        let (mut specials, mut ws) = (0u64, 0u64);
        for (k, part) in chunk.chunks_exact(16).enumerate() {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(part);
            let v = u8x16::from(bytes);
            let special = v.simd_eq(u8x16::splat(b'"'))
                | v.simd_eq(u8x16::splat(b'\\'))
                | v.min(u8x16::splat(0x1f)).simd_eq(v);
            let white = v.simd_eq(u8x16::splat(b' '))
                | v.simd_eq(u8x16::splat(b'\n'))
                | v.simd_eq(u8x16::splat(b'\r'))
                | v.simd_eq(u8x16::splat(b'\t'));
            specials |= u64::from(special.to_bitmask() as u16) << (16 * k);
            ws |= u64::from(white.to_bitmask() as u16) << (16 * k);
        }
        self.base = base;
        self.specials = specials | !valid;
        self.non_ws = !ws | !valid;
    }

    /// Index of the first special byte at or after `i` (at most `src.len()`: the padding past the
    /// end is flagged).
    #[inline(always)]
    fn next_special(&mut self, src: &[u8], i: usize) -> usize {
        self.next_flagged(src, i, |b| b.specials)
    }

    /// Index of the first non-whitespace byte at or after `i` (at most `src.len()`).
    #[inline(always)]
    fn skip_ws(&mut self, src: &[u8], i: usize) -> usize {
        self.next_flagged(src, i, |b| b.non_ws)
    }

    /// Index of the first byte at or after `i` whose bit is set in the `mask` of its block, loading
    /// blocks as the search moves on; `src.len()` when there is none.
    #[inline(always)]
    fn next_flagged(&mut self, src: &[u8], mut i: usize, mask: impl Fn(&Self) -> u64) -> usize {
        loop {
            let off = i.wrapping_sub(self.base);
            if off < 64 {
                let m = mask(self) >> off;
                if m != 0 {
                    return i + m.trailing_zeros() as usize;
                }
                i = self.base + 64;
            }
            if i >= src.len() {
                return src.len();
            }
            self.load(src, i & !63);
        }
    }
}

/// Validates `src` as one JSON document and copies it without insignificant whitespace to `dst`
/// (at least `src.len() + SLACK` bytes); returns the number of bytes written.
///
/// The scanning helpers only read `src` and return positions, so the positions stay in registers.
fn compact(src: &[u8], dst: &mut [u8]) -> Result<usize, MinifyError> {
    let mut blocks = Blocks::new(src);
    let mut pos = blocks.skip_ws(src, 0);
    // Start of the bytes not yet copied (always <= pos), and the bytes written so far.
    let mut run = pos;
    let mut w = 0;
    if pos == src.len() {
        return Ok(0);
    }
    let mut stack = Stack::default();
    macro_rules! skip_ws {
        () => {
            if matches!(src.get(pos), Some(&b) if is_ws(b)) {
                w = copy_run(src, dst, run, pos, w);
                pos = blocks.skip_ws(src, pos + 1);
                run = pos;
            }
        };
    }
    // An object key and its colon, leaving `pos` at the start of the value.
    macro_rules! key {
        () => {
            if src.get(pos) != Some(&b'"') {
                return Err(unexpected(src, pos));
            }
            pos = string(src, pos, &mut blocks)?;
            skip_ws!();
            if src.get(pos) != Some(&b':') {
                return Err(unexpected(src, pos));
            }
            pos += 1;
            skip_ws!();
        };
    }
    'value: loop {
        // At the start of a value, whitespace already skipped.
        match src.get(pos) {
            Some(b'"') => pos = string(src, pos, &mut blocks)?,
            Some(b'{') => {
                pos += 1;
                skip_ws!();
                if src.get(pos) == Some(&b'}') {
                    pos += 1;
                } else {
                    stack.push(true);
                    key!();
                    continue 'value;
                }
            }
            Some(b'[') => {
                pos += 1;
                skip_ws!();
                if src.get(pos) == Some(&b']') {
                    pos += 1;
                } else {
                    stack.push(false);
                    continue 'value;
                }
            }
            Some(b't') => pos = literal(src, pos, b"true")?,
            Some(b'f') => pos = literal(src, pos, b"false")?,
            Some(b'n') => pos = literal(src, pos, b"null")?,
            Some(b'-' | b'0'..=b'9') => pos = number(src, pos)?,
            _ => return Err(unexpected(src, pos)),
        }
        // After a value: close containers until one continues with a comma.
        loop {
            skip_ws!();
            match stack.top() {
                None => {
                    return if pos == src.len() {
                        Ok(copy_run(src, dst, run, pos, w))
                    } else {
                        Err(err(pos, MinifyErrorKind::TrailingData))
                    };
                }
                Some(object) => match src.get(pos) {
                    Some(b',') => {
                        pos += 1;
                        skip_ws!();
                        if object {
                            key!();
                        }
                        continue 'value;
                    }
                    Some(b'}') if object => {
                        pos += 1;
                        stack.pop();
                    }
                    Some(b']') if !object => {
                        pos += 1;
                        stack.pop();
                    }
                    _ => return Err(unexpected(src, pos)),
                },
            }
        }
    }
}

/// The string literal whose opening quote is at `pos`; returns the index after its closing quote.
#[inline(always)]
fn string(src: &[u8], pos: usize, blocks: &mut Blocks) -> Result<usize, MinifyError> {
    let mut i = pos + 1;
    loop {
        i = blocks.next_special(src, i);
        match src.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => i = escape(src, i)?,
            Some(&b) if b < 0x20 => {
                return Err(err(i, MinifyErrorKind::ControlCharacterInString));
            }
            Some(_) => i += 1,
            None => return Err(err(i, MinifyErrorKind::UnexpectedEnd)),
        }
    }
}

/// Validates the escape whose backslash is at `i`; returns the index after it.
fn escape(src: &[u8], i: usize) -> Result<usize, MinifyError> {
    match src.get(i + 1) {
        None => Err(err(i + 1, MinifyErrorKind::UnexpectedEnd)),
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
        Some(b'u') => {
            for k in i + 2..i + 6 {
                match src.get(k) {
                    None => return Err(err(k, MinifyErrorKind::UnexpectedEnd)),
                    Some(h) if h.is_ascii_hexdigit() => {}
                    Some(_) => return Err(err(k, MinifyErrorKind::InvalidEscape)),
                }
            }
            Ok(i + 6)
        }
        Some(_) => Err(err(i + 1, MinifyErrorKind::InvalidEscape)),
    }
}

/// `word` at `pos`; returns the index after it.
fn literal(src: &[u8], pos: usize, word: &[u8]) -> Result<usize, MinifyError> {
    for (k, &expected) in word.iter().enumerate() {
        if src.get(pos + k) != Some(&expected) {
            return Err(unexpected(src, pos + k));
        }
    }
    Ok(pos + word.len())
}

fn digits(src: &[u8], mut i: usize) -> usize {
    while matches!(src.get(i), Some(b'0'..=b'9')) {
        i += 1;
    }
    i
}

/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` at `pos`; returns the index after it
/// (the byte there is checked by the caller).
fn number(src: &[u8], pos: usize) -> Result<usize, MinifyError> {
    let mut i = pos;
    if src.get(i) == Some(&b'-') {
        i += 1;
    }
    match src.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(src, i + 1),
        _ => return Err(unexpected(src, i)),
    }
    if src.get(i) == Some(&b'.') {
        i += 1;
        if !matches!(src.get(i), Some(b'0'..=b'9')) {
            return Err(unexpected(src, i));
        }
        i = digits(src, i);
    }
    if matches!(src.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(src.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !matches!(src.get(i), Some(b'0'..=b'9')) {
            return Err(unexpected(src, i));
        }
        i = digits(src, i);
    }
    Ok(i)
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

    #[test]
    fn block_boundaries() {
        // Strings, whitespace runs and the end of input at every offset around the 64-byte blocks.
        for pad in 0..140 {
            let text = "a".repeat(pad);
            let spaces = " ".repeat(pad);
            assert_eq!(
                ok(&format!(
                    "{spaces}{{ \"k\" :{spaces}\"{text}\\\"x\"{spaces}}}{spaces}"
                )),
                format!("{{\"k\":\"{text}\\\"x\"}}")
            );
            assert_eq!(ok(&format!("[{spaces}1{spaces}]")), "[1]");
            assert_eq!(
                bad(&format!("[\"{text}\u{1}\"]")),
                (pad + 2, MinifyErrorKind::ControlCharacterInString)
            );
            assert_eq!(
                bad(&format!("{spaces}\"{text}")),
                (2 * pad + 1, MinifyErrorKind::UnexpectedEnd)
            );
            assert_eq!(
                bad(&format!("[{spaces}\u{b}]")),
                (pad + 1, MinifyErrorKind::UnexpectedByte(0x0b))
            );
        }
    }
}
