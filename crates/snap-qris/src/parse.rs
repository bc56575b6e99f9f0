//! The borrowing TLV parser and the parsed payload.

use std::fmt;

use crate::crc16::{CRC_INIT, crc16_block, crc16_update, parse_hex4};
use crate::issue::{Issue, IssueCode, Path};

/// Two-digit text of every ID, so IDs display without allocating.
static ID_TEXT: [&str; 100] = [
    "00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15",
    "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31",
    "32", "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
    "48", "49", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63",
    "64", "65", "66", "67", "68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79",
    "80", "81", "82", "83", "84", "85", "86", "87", "88", "89", "90", "91", "92", "93", "94", "95",
    "96", "97", "98", "99",
];

/// The two-digit text of an ID (`7` → `"07"`); `"??"` above 99.
pub fn id_text(id: u8) -> &'static str {
    ID_TEXT.get(usize::from(id)).copied().unwrap_or("??")
}

/// Whether `id` holds a template when it sits under `parent` (`None` = root level).
///
/// Root templates are exactly 26–51, 62, 64 and 80–99. Inside the additional data template 62,
/// IDs 50–98 are payment-system templates (EMV MPM §4.8); 62.99 (QRIS proprietary) stays primitive
/// because its inner format is not published. Everything deeper is primitive.
pub fn is_template(parent: Option<u8>, id: u8) -> bool {
    match parent {
        None => matches!(id, 26..=51 | 62 | 64 | 80..=99),
        Some(62) => matches!(id, 50..=98),
        Some(_) => false,
    }
}

/// One data object (ID, length, value), borrowing its value from the input.
///
/// A template's children are parsed with it, in the same walk over the payload.
#[derive(Clone, PartialEq, Eq)]
pub struct DataObject<'a> {
    value: &'a str,
    /// Well-formed templates only: the children (one exactly sized allocation). An `Option`
    /// so that dropping a primitive is a null check, not a call.
    children: Option<Box<[DataObject<'a>]>>,
    position: usize,
    /// Path, ID, length, template flag and template error in one word (see [`Meta`]): the
    /// parser writes it with one store instead of nine byte stores, and the object is 48 bytes.
    meta: u64,
}

/// Bit layout of [`DataObject::meta`].
struct Meta;

impl Meta {
    /// Bits 0–31: the path ([`Path::to_bits`]).
    const PATH_MASK: u64 = 0xFFFF_FFFF;
    /// Bits 32–39: the ID.
    const ID: u32 = 32;
    /// Bits 40–47: the length in characters.
    const LENGTH: u32 = 40;
    /// Bit 48: the ID is a template at its level.
    const TEMPLATE: u64 = 1 << 48;
    /// Bits 49–51: why a template's value is not a TLV list (0: it is; see [`Meta::error_bits`]).
    const ERROR: u32 = 49;
    /// Bits 56–63: where it failed, in characters from the start of the value.
    const OFFSET: u32 = 56;

    /// The error field for a template whose value could not be read (the codes a TLV walk
    /// below the root can give).
    fn error_bits(code: IssueCode, offset: u8) -> u64 {
        let kind: u64 = match code {
            IssueCode::IdNotNumeric => 2,
            IssueCode::LengthNotNumeric => 3,
            IssueCode::TrailingData => 4,
            _ => 1,
        };
        kind << Meta::ERROR | u64::from(offset) << Meta::OFFSET
    }

    fn error(meta: u64) -> Option<IssueCode> {
        match (meta >> Meta::ERROR) & 0b111 {
            0 => None,
            2 => Some(IssueCode::IdNotNumeric),
            3 => Some(IssueCode::LengthNotNumeric),
            4 => Some(IssueCode::TrailingData),
            _ => Some(IssueCode::Truncated),
        }
    }
}

impl<'a> DataObject<'a> {
    /// The ID, 0–99.
    pub fn id(&self) -> u8 {
        (self.meta >> Meta::ID) as u8
    }

    /// The ID as its two digits (`"07"`).
    pub fn id_str(&self) -> &'static str {
        id_text(self.id())
    }

    /// The value exactly as it appears in the payload (for templates: the raw inner TLV text).
    pub fn value(&self) -> &'a str {
        self.value
    }

    /// The declared length: the value's length in characters (Unicode scalar values).
    pub fn length(&self) -> usize {
        usize::from((self.meta >> Meta::LENGTH) as u8)
    }

    /// Character offset of the object's ID in the payload.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Character offset of the value in the payload.
    pub fn value_position(&self) -> usize {
        self.position + 4
    }

    /// Full path (`62.07`).
    pub fn path(&self) -> Path {
        Path::from_bits((self.meta & Meta::PATH_MASK) as u32)
    }

    /// Whether this ID is a template at its level (see [`is_template`]), even if malformed.
    pub fn is_template(&self) -> bool {
        self.meta & Meta::TEMPLATE != 0
    }

    /// For a template whose value is not a TLV list: why and where (character offset).
    pub fn template_error(&self) -> Option<(IssueCode, usize)> {
        let offset = usize::from((self.meta >> Meta::OFFSET) as u8);
        Meta::error(self.meta).map(|code| (code, self.value_position() + offset))
    }

    /// The child objects of a well-formed template, in payload order (empty otherwise).
    pub fn children(&self) -> &[DataObject<'a>] {
        self.children.as_deref().unwrap_or(&[])
    }

    /// The first child with this ID.
    pub fn child(&self, id: u8) -> Option<&DataObject<'a>> {
        self.children().iter().find(|c| c.id() == id)
    }

    /// The value of the first child with this ID.
    pub fn child_value(&self, id: u8) -> Option<&'a str> {
        self.child(id).map(|c| c.value)
    }

    fn write_to(&self, out: &mut String) {
        out.push_str(self.id_str());
        out.push_str(id_text((self.meta >> Meta::LENGTH) as u8));
        if self.is_template() && Meta::error(self.meta).is_none() {
            for c in self.children() {
                c.write_to(out);
            }
        } else {
            out.push_str(self.value);
        }
    }
}

impl fmt::Debug for DataObject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("DataObject");
        d.field("id", &self.id())
            .field("value", &self.value)
            .field("length", &self.length())
            .field("position", &self.position)
            .field("path", &self.path());
        if self.template_error().is_some() {
            d.field("template_error", &self.template_error());
        } else if self.is_template() {
            d.field("children", &self.children());
        }
        d.finish()
    }
}

/// Why the TLV walk could not read the payload (nothing is returned for malformed input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError {
    code: IssueCode,
    position: usize,
}

impl ParseError {
    /// The stable code (`E_TRUNCATED`, `E_TRAILING_DATA`, …).
    pub fn code(&self) -> IssueCode {
        self.code
    }

    /// Character offset where reading failed.
    pub fn position(&self) -> usize {
        self.position
    }

    /// The same finding as a validation [`Issue`].
    pub fn to_issue(&self) -> Issue {
        Issue::new(self.code, Path::ROOT, self.position, self.to_string())
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.code {
            IssueCode::Empty => "empty payload",
            IssueCode::IdNotNumeric => "object ID is not two digits",
            IssueCode::LengthNotNumeric => "object length is not two digits",
            IssueCode::TrailingData => "data after the final CRC object",
            _ => "payload ends inside an object",
        };
        write!(f, "{what} (character {})", self.position)
    }
}

impl std::error::Error for ParseError {}

/// The CRC as found in the payload and as computed over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrcStatus<'a> {
    found: Option<&'a str>,
    computed: Option<u16>,
}

impl<'a> CrcStatus<'a> {
    /// The CRC text of the final `63` object, verbatim (`None` when the last object is not `63`).
    pub fn found(&self) -> Option<&'a str> {
        self.found
    }

    /// CRC-16 over the UTF-8 bytes up to and including the final `6304` (`None` without a final `63`).
    pub fn computed(&self) -> Option<u16> {
        self.computed
    }

    /// [`CrcStatus::computed`] as four upper-case hex digits.
    pub fn computed_hex(&self) -> Option<String> {
        self.computed.map(crate::crc16::crc16_hex)
    }

    /// True when the found CRC is four hex digits (either case) equal to the computed one.
    pub fn is_valid(&self) -> bool {
        match (self.found.and_then(parse_hex4), self.computed) {
            (Some(f), Some(c)) => f == c,
            _ => false,
        }
    }
}

/// A parsed payload: the root objects in order, borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload<'a> {
    raw: &'a str,
    chars: usize,
    objects: Vec<DataObject<'a>>,
    crc: CrcStatus<'a>,
}

/// Parses an EMV MPM payload exactly as given (no trimming) and computes its CRC.
///
/// Succeeds when the whole input is a sequence of `ID LL value` objects (lengths in characters).
/// Templates are parsed into children in the same walk (a template that is not a
/// TLV list is kept verbatim and reported, never an error here); everything else — CRC, formats,
/// presence — is reported by [`Payload::validate`]. Never panics.
pub fn parse(input: &str) -> Result<Payload<'_>, ParseError> {
    if input.is_empty() {
        return Err(ParseError {
            code: IssueCode::Empty,
            position: 0,
        });
    }
    // One check up front; when it holds, byte offsets are character offsets.
    let ascii = input.is_ascii();
    let mut run = CrcRun {
        crc: CRC_INIT,
        done: 0,
    };
    let (objects, chars) = walk(input, 0, ascii, None, Path::ROOT, Some(&mut run))?;
    let crc = match objects.last() {
        Some(last) if last.id() == 63 => {
            // The value of the final object starts 4 bytes after its header; CRC covers the header.
            // `run` has already covered part of it (never past the start of the final object).
            let value_byte = input.len() - last.value.len();
            let rest = input.as_bytes().get(run.done..value_byte).unwrap_or(&[]);
            CrcStatus {
                found: Some(last.value),
                computed: Some(crc16_update(run.crc, rest)),
            }
        }
        _ => CrcStatus {
            found: None,
            computed: None,
        },
    };
    Ok(Payload {
        raw: input,
        chars,
        objects,
        crc,
    })
}

#[inline]
fn two_digits(a: u8, b: u8) -> Option<u8> {
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some((a - b'0') * 10 + (b - b'0'))
    } else {
        None
    }
}

/// Byte index after `n` characters starting at byte `start`, or `None` if the text ends first.
#[inline]
fn advance_chars(b: &[u8], start: usize, n: usize) -> Option<usize> {
    let mut i = start;
    for _ in 0..n {
        let lead = *b.get(i)?;
        i += match lead {
            0x00..=0x7F => 1,
            0x80..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
    }
    if i <= b.len() { Some(i) } else { None }
}

/// The header of the object at byte `i` of `b`: ID, length in characters and the byte offset
/// where its value ends. The error is the code of the first thing that is wrong (before any
/// "trailing data" rewrite). The end is always a character boundary of the text `b` comes from.
#[inline(always)]
fn read_head(b: &[u8], i: usize, ascii: bool) -> Result<(u8, u8, usize), IssueCode> {
    let Some(&[b0, b1, b2, b3]) = b.get(i..).and_then(<[u8]>::first_chunk::<4>) else {
        return Err(IssueCode::Truncated);
    };
    let id = two_digits(b0, b1).ok_or(IssueCode::IdNotNumeric)?;
    let len = two_digits(b2, b3).ok_or(IssueCode::LengthNotNumeric)?;
    let vstart = i + 4;
    let ascii_end = vstart + usize::from(len);
    let end = if ascii || b.get(vstart..ascii_end).is_some_and(<[u8]>::is_ascii) {
        // Characters are bytes (the whole payload, or at least this value, is ASCII).
        if ascii_end <= b.len() {
            Some(ascii_end)
        } else {
            None
        }
    } else {
        advance_chars(b, vstart, usize::from(len))
    };
    match end {
        Some(end) => Ok((id, len, end)),
        None => Err(IssueCode::Truncated),
    }
}

/// A CRC computed while the root list is scanned: register `crc` after the first `done` bytes.
struct CrcRun {
    crc: u16,
    done: usize,
}

/// How many object headers [`scan`] remembers; objects beyond it are read again by [`walk`].
/// A template's value (at most 99 characters) holds at most 24 objects, so only a long root
/// list goes past it. Kept small enough (with 32-bit offsets) that clearing [`Heads`] is a few
/// vector stores rather than a call to `memset`.
const REMEMBERED: usize = 32;

/// What [`scan`] learnt about one TLV list: how many objects are readable before the end or the
/// first failure, where the first [`REMEMBERED`] end (the next one starts there; unused for a
/// text longer than `u32::MAX` bytes), their IDs and lengths, and the byte offset where reading
/// stopped.
struct Heads {
    n: usize,
    stop: usize,
    ends: [u32; REMEMBERED],
    ids: [u8; REMEMBERED],
    lens: [u8; REMEMBERED],
}

/// First pass over one TLV list, headers only (see [`Heads`]).
///
/// Finding where each object starts is a chain of dependent loads (the next start depends on this
/// length); with the headers known, [`walk`] builds all objects independently of each other, and
/// knowing the count lets it allocate exactly once.
///
/// At the root, it also advances the payload's CRC by the 16-byte blocks that end before the
/// object just read (the CRC covers the payload up to the final object's value, so that prefix
/// is always covered): the two dependency chains, object to object and block to block, then run
/// side by side instead of one after the other.
#[inline(always)]
fn scan(b: &[u8], ascii: bool, heads: &mut Heads, mut crc: Option<&mut CrcRun>) {
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        let Ok((id, len, end)) = read_head(b, i, ascii) else {
            break;
        };
        if let Some(run) = crc.as_deref_mut() {
            while let Some(block) = b.get(run.done..i).and_then(|b| b.first_chunk::<16>()) {
                run.crc = crc16_block(run.crc, *block);
                run.done += 16;
            }
        }
        if let (Some(e), Some(d), Some(l)) = (
            heads.ends.get_mut(n),
            heads.ids.get_mut(n),
            heads.lens.get_mut(n),
        ) {
            // Truncated only for texts over 4 GiB, where `walk` does not use it.
            *e = end as u32;
            *d = id;
            *l = len;
        }
        n += 1;
        i = end;
    }
    heads.n = n;
    heads.stop = i;
}

/// Reads one TLV list and, recursively, the children of its templates: the objects and the
/// list's length in characters (all of `text`). `base` is the character offset of `text` in the
/// payload.
///
/// The objects go into one exactly sized vector through an exact-size iterator, so each is
/// written in place: `push` would build each object on the stack (it must survive a possible
/// reallocation) and copy it in with wide loads that stall store forwarding.
fn walk<'a>(
    text: &'a str,
    base: usize,
    ascii: bool,
    parent: Option<u8>,
    parent_path: Path,
    crc: Option<&mut CrcRun>,
) -> Result<(Vec<DataObject<'a>>, usize), ParseError> {
    let mut heads = Heads {
        n: 0,
        stop: 0,
        ends: [0; REMEMBERED],
        ids: [0; REMEMBERED],
        lens: [0; REMEMBERED],
    };
    scan(text.as_bytes(), ascii, &mut heads, crc);
    let n = heads.n;
    let m = if u32::try_from(text.len()).is_ok() {
        n.min(REMEMBERED)
    } else {
        0
    };
    let mut pos = base;
    let mut start = 0;
    let mut out = Vec::with_capacity(n);
    // An exact-size iterator over the remembered headers: each object is built from what the
    // scan found (the value ends where the next object starts) and written straight into the
    // vector (no capacity check, no staging copy).
    let ends = heads.ends.get(..m).unwrap_or(&[]);
    out.extend(
        ends.iter()
            .zip(&heads.ids)
            .zip(&heads.lens)
            .map(|((&end, &id), &len)| {
                let end = end as usize;
                // Scanned: a character boundary, so `get` always succeeds.
                let value = text.get(start + 4..end).unwrap_or("");
                let object = build(value, pos, id, len, ascii, parent, parent_path);
                pos += 4 + usize::from(len);
                start = end;
                object
            }),
    );
    let mut after_crc = heads.ids.get(..m).and_then(<[u8]>::last) == Some(&63);
    // Past the remembered headers (long root lists only), each object starts where the
    // previous one ended.
    for _ in m..n {
        let (id, len, end) =
            read_head(text.as_bytes(), start, ascii).map_err(|c| fail(c, pos, false))?;
        let value = text.get(start + 4..end).unwrap_or("");
        out.push(build(value, pos, id, len, ascii, parent, parent_path));
        pos += 4 + usize::from(len);
        start = end;
        after_crc = id == 63;
    }
    if heads.stop < text.len() {
        // `scan` stopped here: report why.
        let code = read_head(text.as_bytes(), heads.stop, ascii)
            .err()
            .unwrap_or(IssueCode::Truncated);
        return Err(fail(code, pos, parent.is_none() && after_crc));
    }
    Ok((out, pos - base))
}

/// The object with this header and value at character `pos` of the payload; a template's
/// children are read here.
#[inline(always)]
fn build<'a>(
    value: &'a str,
    pos: usize,
    id: u8,
    len: u8,
    ascii: bool,
    parent: Option<u8>,
    parent_path: Path,
) -> DataObject<'a> {
    let path = parent_path.child(id);
    let meta =
        u64::from(path.to_bits()) | u64::from(id) << Meta::ID | u64::from(len) << Meta::LENGTH;
    let (children, meta) = if is_template(parent, id) {
        let (children, error) = template_contents(value, pos + 4, ascii, id, path);
        (children, meta | Meta::TEMPLATE | error)
    } else {
        (None, meta)
    };
    DataObject {
        value,
        children,
        position: pos,
        meta,
    }
}

/// A template's children, or (as [`Meta`] error bits) why its value, at character `base`, is
/// not a TLV list and where. Kept out of line: inlined into the per-object loop it made parsing
/// slower (more spills on the common, primitive path).
#[inline(never)]
fn template_contents<'a>(
    value: &'a str,
    base: usize,
    ascii: bool,
    id: u8,
    path: Path,
) -> (Option<Box<[DataObject<'a>]>>, u64) {
    match walk(value, base, ascii || value.is_ascii(), Some(id), path, None) {
        Ok((children, _)) => (Some(children.into_boxed_slice()), 0),
        Err(e) => {
            let offset = u8::try_from(e.position.saturating_sub(base)).unwrap_or(u8::MAX);
            (None, Meta::error_bits(e.code, offset))
        }
    }
}

/// The error for an object at character `pos` that cannot be read.
fn fail(code: IssueCode, pos: usize, trailing: bool) -> ParseError {
    let (code, position) = if trailing {
        (IssueCode::TrailingData, pos)
    } else if code == IssueCode::LengthNotNumeric {
        (code, pos + 2)
    } else {
        (code, pos)
    };
    ParseError { code, position }
}

impl<'a> Payload<'a> {
    /// The input text, verbatim.
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// Length of the payload in characters.
    pub fn char_len(&self) -> usize {
        self.chars
    }

    /// The root objects in payload order, the final CRC object included.
    pub fn objects(&self) -> &[DataObject<'a>] {
        &self.objects
    }

    /// The first root object with this ID.
    pub fn get(&self, id: u8) -> Option<&DataObject<'a>> {
        self.objects.iter().find(|o| o.id() == id)
    }

    /// The value of the first root object with this ID.
    pub fn value(&self, id: u8) -> Option<&'a str> {
        self.get(id).map(|o| o.value)
    }

    /// The object at a path of IDs (`&[62, 7]` is 62.07).
    pub fn find(&self, path: &[u8]) -> Option<&DataObject<'a>> {
        let (first, rest) = path.split_first()?;
        let mut obj = self.get(*first)?;
        for id in rest {
            obj = obj.child(*id)?;
        }
        Some(obj)
    }

    /// The CRC found and computed.
    pub fn crc(&self) -> CrcStatus<'a> {
        self.crc
    }

    /// `Ok` when the final object is a CRC that matches (lower-case hex accepted here;
    /// [`Payload::validate`] reports it as a leniency).
    pub fn check_crc(&self) -> Result<(), crate::Error> {
        match (self.crc.found, self.crc.computed) {
            (Some(found), Some(computed)) if parse_hex4(found) == Some(computed) => Ok(()),
            (Some(found), Some(computed)) => Err(crate::Error::CrcMismatch {
                found: found.to_owned(),
                computed: crate::crc16::crc16_hex(computed),
            }),
            _ => Err(crate::Error::CrcMissing),
        }
    }

    /// Re-serializes the objects (templates from their children, the original CRC text kept).
    ///
    /// For any payload [`parse`] accepts, this returns the input unchanged.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(self.raw.len());
        for o in &self.objects {
            o.write_to(&mut out);
        }
        out
    }
}

impl fmt::Display for Payload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// What a reference walk sees: id, value, position, children or the malformed code/position.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Primitive(u8, String, usize),
        Template(u8, usize, Vec<Seen>),
        Malformed(u8, String, usize, IssueCode, usize),
    }

    /// A plain character-by-character walk, the way the parser worked before it was optimized.
    fn reference(chars: &[char], base: usize, parent: Option<u8>) -> Result<Vec<Seen>, ParseError> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut after_crc = false;
        let digits = |a: Option<&char>, b: Option<&char>| {
            let (a, b) = (a?.to_digit(10)?, b?.to_digit(10)?);
            Some(u8::try_from(a * 10 + b).unwrap())
        };
        while i < chars.len() {
            let pos = base + i;
            let fail = |code: IssueCode, at: usize| {
                if parent.is_none() && after_crc {
                    ParseError {
                        code: IssueCode::TrailingData,
                        position: pos,
                    }
                } else {
                    ParseError { code, position: at }
                }
            };
            // The header is four bytes: fewer left is truncation, a non-ASCII byte not a digit.
            if chars[i..].iter().map(|c| c.len_utf8()).sum::<usize>() < 4 {
                return Err(fail(IssueCode::Truncated, pos));
            }
            let id =
                digits(chars.get(i), chars.get(i + 1)).ok_or(fail(IssueCode::IdNotNumeric, pos))?;
            let len = digits(chars.get(i + 2), chars.get(i + 3))
                .ok_or(fail(IssueCode::LengthNotNumeric, pos + 2))?;
            let end = i + 4 + usize::from(len);
            if end > chars.len() {
                return Err(fail(IssueCode::Truncated, pos));
            }
            let value = &chars[i + 4..end];
            let text: String = value.iter().collect();
            out.push(if is_template(parent, id) {
                match reference(value, pos + 4, Some(id)) {
                    Ok(children) => Seen::Template(id, pos, children),
                    Err(e) => Seen::Malformed(id, text, pos, e.code, e.position),
                }
            } else {
                Seen::Primitive(id, text, pos)
            });
            after_crc = id == 63;
            i = end;
        }
        Ok(out)
    }

    fn seen(objects: &[DataObject<'_>]) -> Vec<Seen> {
        objects
            .iter()
            .map(|o| match (o.is_template(), o.template_error()) {
                (false, _) => Seen::Primitive(o.id(), o.value().to_owned(), o.position()),
                (true, None) => Seen::Template(o.id(), o.position(), seen(o.children())),
                (true, Some((code, at))) => {
                    Seen::Malformed(o.id(), o.value().to_owned(), o.position(), code, at)
                }
            })
            .collect()
    }

    /// The payload can be shared across threads.
    #[test]
    fn payload_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Payload<'static>>();
        check::<DataObject<'static>>();
    }

    /// The packed layout keeps an object at six words (the parser writes one per object).
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn data_object_is_48_bytes() {
        assert_eq!(std::mem::size_of::<DataObject<'static>>(), 48);
    }

    /// Payload-like strings: many objects (past the remembered starts), templates, non-ASCII
    /// values, then damage at a random place.
    #[test]
    fn matches_reference_walk() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut rand = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let alphabet = ['A', '7', 'é', '中', '😀', '|', '0'];
        for round in 0..3000 {
            let mut s = String::new();
            for _ in 0..rand(60) {
                let id = [0, 1, 26, 51, 62, 63, 64, 65, 99][rand(9)];
                let value: String = if is_template(None, id) && rand(4) > 0 {
                    let mut v = String::new();
                    for _ in 0..rand(5) {
                        let c = [0, 1, 5, 50, 99][rand(5)];
                        let inner: String = (0..rand(4)).map(|_| alphabet[rand(7)]).collect();
                        let n = inner.chars().count();
                        v.push_str(&format!("{c:02}{n:02}{inner}"));
                    }
                    v
                } else {
                    (0..rand(12)).map(|_| alphabet[rand(7)]).collect()
                };
                let n = value.chars().count();
                s.push_str(&format!("{id:02}{n:02}{value}"));
            }
            if round % 3 == 1 && !s.is_empty() {
                let mut chars: Vec<char> = s.chars().collect();
                let at = rand(chars.len());
                match rand(3) {
                    0 => chars.truncate(at),
                    1 => chars[at] = 'x',
                    _ => chars.insert(at, '1'),
                }
                s = chars.into_iter().collect();
            }
            let chars: Vec<char> = s.chars().collect();
            let expected = if s.is_empty() {
                Err(ParseError {
                    code: IssueCode::Empty,
                    position: 0,
                })
            } else {
                reference(&chars, 0, None)
            };
            let got = parse(&s).map(|p| {
                assert_eq!(p.char_len(), chars.len());
                assert_eq!(p.encode(), s);
                seen(p.objects())
            });
            assert_eq!(got, expected, "input {s:?}");
        }
    }
}
