//! The two validation layers: generic EMV MPM and the QRIS profile.

use crate::amount::{is_valid_amount, percent_to_hundredths};
use crate::crc16::parse_hex4;
use crate::issue::{Issue, IssueCode, Path};
use crate::parse::{DataObject, Payload, parse};

/// Which rules [`Payload::validate`] applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// The generic EMV MPM layer only (structure, lengths, CRC, formats, presence, duplicates):
    /// reads DuitNow, PromptPay, Pix, LankaQR or KHQR payloads without false errors.
    Emv,
    /// The EMV layer plus the Indonesian QRIS rules (`Q_*` codes).
    #[default]
    Qris,
}

/// QRIS merchant criteria codes.
pub const QRIS_CRITERIA: [&str; 7] = ["UMI", "UKE", "UME", "UBE", "URE", "PSO", "BLU"];

/// Maximum payload length in characters.
pub const MAX_PAYLOAD_CHARS: usize = 512;

/// Parses and validates in one go: a structural failure becomes the single issue returned.
pub fn validate(input: &str, profile: Profile) -> Vec<Issue> {
    match parse(input) {
        Ok(p) => p.validate(profile),
        Err(e) => vec![e.to_issue()],
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// The first root object of each ID, found once instead of by a scan per question.
struct RootIndex<'p, 'a> {
    objects: &'p [DataObject<'a>],
    /// Index into `objects` of the first object with each ID (`u8::MAX`: absent or beyond).
    first: [u8; 100],
}

impl<'p, 'a> RootIndex<'p, 'a> {
    fn new(objects: &'p [DataObject<'a>]) -> Self {
        RootIndex {
            objects,
            first: [u8::MAX; 100],
        }
    }

    /// Fills the index in place (building it in a local and moving it would copy 100 bytes
    /// just written byte by byte, which stalls store forwarding).
    fn fill(&mut self) {
        for (k, o) in self.objects.iter().take(usize::from(u8::MAX)).enumerate() {
            if let Some(slot) = self.first.get_mut(usize::from(o.id()))
                && *slot == u8::MAX
            {
                *slot = k as u8;
            }
        }
    }

    fn get(&self, id: u8) -> Option<&'p DataObject<'a>> {
        match self.first.get(usize::from(id)) {
            Some(&k) if k != u8::MAX => self.objects.get(usize::from(k)),
            // Past the indexed prefix (more than 254 root objects) or absent.
            _ => self
                .objects
                .iter()
                .skip(usize::from(u8::MAX))
                .find(|o| o.id() == id),
        }
    }

    fn value(&self, id: u8) -> Option<&'a str> {
        self.get(id).map(|o| o.value())
    }
}

struct Checker {
    issues: Vec<Issue>,
}

impl Checker {
    fn push(&mut self, code: IssueCode, path: Path, position: usize, msg: impl Into<String>) {
        self.issues.push(Issue::new(code, path, position, msg));
    }

    fn format(&mut self, o: &DataObject<'_>, what: &str) {
        let msg = format!("{} must be {what}, found {:?}", o.path(), o.value());
        self.push(IssueCode::Format, o.path(), o.value_position(), msg);
    }

    fn max_len(&mut self, o: &DataObject<'_>, max: usize) {
        if o.length() > max {
            let msg = format!(
                "{} is {} characters long, at most {max} allowed",
                o.path(),
                o.length()
            );
            self.push(IssueCode::TooLong, o.path(), o.value_position(), msg);
        }
    }

    fn missing(&mut self, path: Path, position: usize, what: &str) {
        self.push(
            IssueCode::Missing,
            path,
            position,
            format!("mandatory {what} ({path}) is absent"),
        );
    }

    /// Zero lengths, malformed templates, duplicates, recursively.
    fn structure(&mut self, objects: &[DataObject<'_>]) {
        // One bit per ID (0-99) in two words: cheaper than a variable shift of a u128.
        let mut seen = [0u64; 2];
        for o in objects {
            let id = o.id();
            let bit = 1u64 << (id & 63);
            if let Some(word) = seen.get_mut(usize::from(id >> 6)) {
                if *word & bit != 0 {
                    let msg = format!("{} appears more than once", o.path());
                    self.push(IssueCode::Duplicate, o.path(), o.position(), msg);
                }
                *word |= bit;
            }
            if o.length() == 0 {
                let msg = format!(
                    "{} has a zero-length value (the spec allows 01-99)",
                    o.path()
                );
                self.push(IssueCode::ZeroLength, o.path(), o.position(), msg);
            }
            if !o.is_template() {
                continue;
            }
            if let Some((code, position)) = o.template_error() {
                let msg = format!(
                    "template {} does not contain data objects ({code} inside)",
                    o.path()
                );
                self.push(IssueCode::TemplateMalformed, o.path(), position, msg);
            }
            self.structure(o.children());
        }
    }

    fn crc(&mut self, p: &Payload<'_>) {
        let objects = p.objects();
        let n = objects.len();
        for o in objects
            .iter()
            .take(n.saturating_sub(1))
            .filter(|o| o.id() == 63)
        {
            let msg = "a CRC object (63) appears before the end of the payload";
            self.push(IssueCode::CrcNotLast, o.path(), o.position(), msg);
        }
        match objects.last() {
            Some(last) if last.id() == 63 => {
                let found = last.value();
                let pos = last.value_position();
                match (parse_hex4(found), p.crc().computed()) {
                    (None, _) | (_, None) => {
                        let msg = format!("CRC must be 4 hex digits, found {found:?}");
                        self.push(IssueCode::CrcFormat, last.path(), pos, msg);
                    }
                    (Some(f), Some(c)) if f != c => {
                        let msg = format!("CRC is {found}, computed {c:04X}");
                        self.push(IssueCode::CrcMismatch, last.path(), pos, msg);
                    }
                    _ => {
                        if found.bytes().any(|c| c.is_ascii_lowercase()) {
                            let msg = format!(
                                "CRC {found} is lower-case; emit {}",
                                found.to_ascii_uppercase()
                            );
                            self.push(IssueCode::CrcLowercase, last.path(), pos, msg);
                        }
                    }
                }
            }
            _ => {
                let msg = "the last object is not the CRC (63)";
                self.push(IssueCode::CrcMissing, Path::root(63), p.char_len(), msg);
            }
        }
    }

    fn emv(&mut self, p: &Payload<'_>, r: &RootIndex<'_, '_>) {
        if p.char_len() > MAX_PAYLOAD_CHARS {
            let msg = format!(
                "payload is {} characters, at most {MAX_PAYLOAD_CHARS} allowed",
                p.char_len()
            );
            self.push(
                IssueCode::PayloadTooLong,
                Path::ROOT,
                MAX_PAYLOAD_CHARS,
                msg,
            );
        }
        self.crc(p);
        self.structure(p.objects());
        match p.objects().first() {
            Some(first) if first.id() != 0 && r.get(0).is_some() => {
                self.push(
                    IssueCode::NotFirst,
                    Path::root(0),
                    first.position(),
                    "00 must be the first object",
                );
            }
            _ => {}
        }
        for (id, what) in [
            (0, "payload format indicator"),
            (52, "merchant category code"),
            (53, "transaction currency"),
            (58, "country code"),
            (59, "merchant name"),
            (60, "merchant city"),
        ] {
            if r.get(id).is_none() {
                self.missing(Path::root(id), 0, what);
            }
        }
        if !p.objects().iter().any(|o| matches!(o.id(), 2..=51)) {
            let msg = "no merchant account information (02-51)";
            self.push(IssueCode::Missing, Path::ROOT, 0, msg);
        }
        let tip = r.value(55);
        for o in p.objects() {
            let v = o.value();
            match o.id() {
                0 if v != "01" => self.format(o, "\"01\""),
                1 if v != "11" && v != "12" => {
                    self.format(o, "\"11\" (static) or \"12\" (dynamic)")
                }
                26..=51 | 80..=99 if o.template_error().is_none() && o.child(0).is_none() => {
                    self.missing(
                        o.path().child(0),
                        o.value_position(),
                        "globally unique identifier",
                    );
                }
                52 if !(o.length() == 4 && all_digits(v)) => self.format(o, "4 digits"),
                53 if !(o.length() == 3 && all_digits(v)) => {
                    self.format(o, "3 digits (ISO 4217 numeric)")
                }
                54 if !is_valid_amount(v) => self.format(
                    o,
                    "a non-zero amount (digits, one optional '.', at most 13)",
                ),
                55 => {
                    if !matches!(v, "01" | "02" | "03") {
                        self.format(o, "\"01\", \"02\" or \"03\"");
                    } else if v == "02" && r.get(56).is_none() {
                        self.push(
                            IssueCode::TipInconsistent,
                            o.path(),
                            o.position(),
                            "55 = 02 needs a fixed fee (56)",
                        );
                    } else if v == "03" && r.get(57).is_none() {
                        self.push(
                            IssueCode::TipInconsistent,
                            o.path(),
                            o.position(),
                            "55 = 03 needs a percentage (57)",
                        );
                    }
                }
                56 => {
                    if tip != Some("02") {
                        self.push(
                            IssueCode::TipInconsistent,
                            o.path(),
                            o.position(),
                            "56 is present but 55 is not 02",
                        );
                    }
                    if !is_valid_amount(v) {
                        self.format(o, "a non-zero amount");
                    }
                }
                57 => {
                    if tip != Some("03") {
                        self.push(
                            IssueCode::TipInconsistent,
                            o.path(),
                            o.position(),
                            "57 is present but 55 is not 03",
                        );
                    }
                    if percent_to_hundredths(v).is_none() {
                        self.format(o, "a percentage 00.01-99.99");
                    }
                }
                58 if !(o.length() == 2 && v.bytes().all(|c| c.is_ascii_uppercase())) => {
                    self.format(o, "2 upper-case letters (ISO 3166-1 alpha-2)")
                }
                59 => self.max_len(o, 25),
                60 => self.max_len(o, 15),
                61 => self.max_len(o, 10),
                62 => self.additional_data(o),
                64 => self.alternate_language(o),
                65..=79 => {
                    let msg = format!(
                        "{} is reserved for future use by EMVCo (kept verbatim)",
                        o.path()
                    );
                    self.push(IssueCode::Reserved, o.path(), o.position(), msg);
                }
                _ => {}
            }
        }
    }

    fn additional_data(&mut self, t: &DataObject<'_>) {
        for c in t.children() {
            match c.id() {
                1..=8 | 10 | 11 => self.max_len(c, 25),
                9 => {
                    let v = c.value();
                    let mut seen = [false; 3];
                    let mut ok = c.length() <= 3;
                    for ch in v.chars() {
                        let slot = match ch {
                            'A' => 0,
                            'M' => 1,
                            'E' => 2,
                            _ => {
                                ok = false;
                                continue;
                            }
                        };
                        if seen[slot] {
                            ok = false;
                        }
                        seen[slot] = true;
                    }
                    if !ok {
                        self.format(c, "A, M and/or E, each at most once");
                    }
                }
                50..=98 if c.template_error().is_none() && c.child(0).is_none() => {
                    self.missing(
                        c.path().child(0),
                        c.value_position(),
                        "globally unique identifier",
                    );
                }
                _ => {}
            }
        }
    }

    fn alternate_language(&mut self, t: &DataObject<'_>) {
        if t.template_error().is_some() {
            return;
        }
        match t.child(0) {
            None => self.missing(t.path().child(0), t.value_position(), "language preference"),
            Some(c) if c.length() != 2 => self.format(c, "2 characters (ISO 639)"),
            _ => {}
        }
        match t.child(1) {
            None => self.missing(
                t.path().child(1),
                t.value_position(),
                "alternate merchant name",
            ),
            Some(c) => self.max_len(c, 25),
        }
        if let Some(c) = t.child(2) {
            self.max_len(c, 15);
        }
    }

    fn criteria(&mut self, c: &DataObject<'_>) {
        if !QRIS_CRITERIA.contains(&c.value()) {
            let msg = format!(
                "{} must be one of {}, found {:?}",
                c.path(),
                QRIS_CRITERIA.join(", "),
                c.value()
            );
            self.push(IssueCode::QrisCriteria, c.path(), c.value_position(), msg);
        }
    }

    fn qris(&mut self, p: &Payload<'_>, r: &RootIndex<'_, '_>) {
        let country = r.value(58);
        if let Some(o) = r.get(58).filter(|o| o.value() != "ID") {
            let msg = format!("QRIS country must be \"ID\", found {:?}", o.value());
            self.push(IssueCode::QrisCountry, o.path(), o.value_position(), msg);
        }
        if let Some(o) = r.get(53).filter(|o| o.value() != "360") {
            let msg = format!("QRIS currency must be \"360\" (IDR), found {:?}", o.value());
            self.push(IssueCode::QrisCurrency, o.path(), o.value_position(), msg);
        }
        let poi = r.value(1);
        match r.get(51) {
            None if poi != Some("12") => {
                let msg = "static QRIS needs the national repository template 51";
                self.push(IssueCode::QrisMissing51, Path::root(51), 0, msg);
            }
            None => {}
            Some(t) if t.template_error().is_some() => {}
            Some(t) => {
                if let Some(g) = t
                    .child(0)
                    .filter(|g| !g.value().eq_ignore_ascii_case("ID.CO.QRIS.WWW"))
                {
                    let msg = format!("51.00 must be ID.CO.QRIS.WWW, found {:?}", g.value());
                    self.push(IssueCode::QrisGuid51, g.path(), g.value_position(), msg);
                }
                match t.child(2) {
                    None => self.push(
                        IssueCode::QrisNmid,
                        t.path().child(2),
                        t.value_position(),
                        "51.02 (NMID) is absent",
                    ),
                    Some(n) if n.length() == 0 || n.length() > 15 => {
                        let msg = format!("NMID must be 1-15 characters, found {:?}", n.value());
                        self.push(IssueCode::QrisNmid, n.path(), n.value_position(), msg);
                    }
                    _ => {}
                }
                if let Some(c) = t.child(3) {
                    self.criteria(c);
                }
            }
        }
        if country == Some("ID") && r.get(61).is_none() {
            self.push(
                IssueCode::QrisMissing61,
                Path::root(61),
                0,
                "postal code (61) is mandatory when 58 = ID",
            );
        }
        for o in p.objects().iter().filter(|o| matches!(o.id(), 58..=61)) {
            // '|' is ASCII, so a byte search finds it; count characters only when it is there.
            if let Some(b) = o.value().bytes().position(|c| c == b'|') {
                let i = o.value().get(..b).map_or(b, |s| s.chars().count());
                let msg = format!("{} contains '|', which QRIS forbids", o.path());
                self.push(IssueCode::QrisPipe, o.path(), o.value_position() + i, msg);
            }
        }
        for t in p
            .objects()
            .iter()
            .filter(|o| matches!(o.id(), 26..=45) && o.template_error().is_none())
        {
            match t.child(1) {
                None => {
                    let msg = format!("{} has no merchant PAN ({}.01)", t.path(), t.id_str());
                    self.push(
                        IssueCode::QrisMerchantAccount,
                        t.path().child(1),
                        t.value_position(),
                        msg,
                    );
                }
                Some(pan) if !(all_digits(pan.value()) && pan.length() <= 19) => {
                    let msg = format!(
                        "merchant PAN must be at most 19 digits, found {:?}",
                        pan.value()
                    );
                    self.push(IssueCode::QrisPan, pan.path(), pan.value_position(), msg);
                }
                _ => {}
            }
            if let Some(m) = t.child(2).filter(|m| m.length() > 15) {
                let msg = format!(
                    "merchant id must be at most 15 characters, found {}",
                    m.length()
                );
                self.push(IssueCode::QrisMerchantId, m.path(), m.value_position(), msg);
            }
            if let Some(c) = t.child(3) {
                self.criteria(c);
            }
        }
        match (poi, r.get(54)) {
            (Some("12"), None) => {
                self.push(
                    IssueCode::QrisDynamicWithoutAmount,
                    Path::root(54),
                    0,
                    "dynamic QRIS (01 = 12) without an amount (54)",
                );
            }
            (Some("11"), Some(a)) => {
                self.push(
                    IssueCode::QrisStaticWithAmount,
                    a.path(),
                    a.position(),
                    "static QRIS (01 = 11) carries an amount (54)",
                );
            }
            _ => {}
        }
    }
}

impl Payload<'_> {
    /// Every issue at once, in a stable order (EMV layer first, then the QRIS profile).
    ///
    /// An empty list means the payload is valid under `profile`; warnings are leniencies.
    pub fn validate(&self, profile: Profile) -> Vec<Issue> {
        let mut c = Checker { issues: Vec::new() };
        let mut r = RootIndex::new(self.objects());
        r.fill();
        c.emv(self, &r);
        if profile == Profile::Qris {
            c.qris(self, &r);
        }
        c.issues
    }
}
