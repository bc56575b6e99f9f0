// The checks of the qris_parse fuzz target: never panic, parse → encode is lossless, and a
// rewrite of a payload with a valid CRC carries a valid CRC. Shared, not copied: this file is a
// test module here and is `include!`d by fuzz/fuzz_targets/qris_parse.rs. Plain comments only,
// since an included file cannot hold inner doc comments.

use snap_qris::{DynamicOptions, Profile, parse};

/// Runs every check on arbitrary bytes: never panics; parse → encode is lossless; `validate`
/// is parse + `Payload::validate`; the QRIS profile reports every EMV issue; the view's amount
/// is 54's; a payload with a valid CRC rewrites (with an amount taken from the input) to one with
/// a valid CRC that shows that amount.
pub(crate) fn check(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let issues = snap_qris::validate(s, Profile::Qris);
    if let Ok(p) = parse(s) {
        assert_eq!(p.encode(), s, "parse/encode must be lossless");
        assert_eq!(p.validate(Profile::Qris), issues);
        let emv = p.validate(Profile::Emv);
        for issue in &emv {
            assert!(
                issues.contains(issue),
                "EMV issue {issue:?} missing under QRIS"
            );
        }
        let view = p.view();
        assert_eq!(
            view.amount,
            p.value(54).and_then(|v| snap_qris::amount_to_minor(v, 2))
        );
        if p.crc().is_valid() {
            let amount = u64::from(snap_qris::crc16(data)) * 101 + 1;
            let dy = p
                .to_dynamic(&DynamicOptions::new(amount))
                .unwrap_or_default();
            if !dy.is_empty() {
                let d = parse(&dy).unwrap_or_else(|e| panic!("to_dynamic output: {e}"));
                assert!(d.crc().is_valid());
                assert_eq!(d.view().amount, Some(amount));
            }
        }
    } else {
        assert_eq!(issues.len(), 1);
    }
}

// ---- The qris_build target: Builder call sequences and static <-> dynamic rewrites. ----

use std::collections::BTreeMap;

use snap_qris::{Builder, Initiation, Severity, Tip};

// Fuzz input read as a script: numbers and texts taken from the front, zeros and empty texts
// once it runs out (so every input is a complete script).
pub(crate) struct Script<'a>(&'a [u8]);

impl Script<'_> {
    pub(crate) fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        first
    }

    pub(crate) fn u64(&mut self) -> u64 {
        // A length byte first, so the fuzzer reaches both small and huge numbers.
        let n = usize::from(self.byte() % 9);
        (0..n).fold(0u64, |v, _| (v << 8) | u64::from(self.byte()))
    }

    // Up to `max` bytes as text; invalid UTF-8 becomes U+FFFD, so texts include non-ASCII.
    pub(crate) fn text(&mut self, max: usize) -> String {
        let n = usize::from(self.byte()).min(max).min(self.0.len());
        let (text, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8_lossy(text).into_owned()
    }
}

// What the script set, as the builder's documented last-write-wins model: per root ID the
// value's TLV text, or None for an ID the builder was told to remove.
#[derive(Default)]
struct Model(BTreeMap<u8, String>);

fn tlv(id: u8, value: &str) -> String {
    format!("{id:02}{:02}{value}", value.chars().count())
}

impl Model {
    fn primitive(&mut self, id: u8, value: &str) {
        self.0.insert(id, value.to_owned());
    }

    fn template<'s>(&mut self, id: u8, children: impl IntoIterator<Item = (u8, &'s str)>) {
        let sorted: BTreeMap<u8, &str> = children.into_iter().collect();
        let text = sorted.into_iter().map(|(c, v)| tlv(c, v)).collect();
        self.0.insert(id, text);
    }
}

fn tip_of(s: &mut Script<'_>) -> Tip {
    match s.byte() % 3 {
        0 => Tip::Prompt,
        1 => Tip::Fixed(s.u64()),
        _ => Tip::Percent(u16::from_be_bytes([s.byte(), s.byte()])),
    }
}

fn profile_of(s: &mut Script<'_>) -> Profile {
    if s.byte().is_multiple_of(2) {
        Profile::Emv
    } else {
        Profile::Qris
    }
}

// A payload the builder accepted: parses, carries a valid upper-case CRC, re-encodes to itself,
// fits 512 characters and has no error under `profile`.
fn assert_well_formed(out: &str, profile: Profile) {
    let p = parse(out).unwrap_or_else(|e| panic!("output {out:?} does not parse: {e}"));
    assert_eq!(p.encode(), out, "output does not re-encode to itself");
    assert!(p.crc().is_valid(), "output {out:?} has a bad CRC");
    let crc = p.crc().found().unwrap_or_default();
    assert!(
        crc.len() == 4 && crc.bytes().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')),
        "CRC {crc:?} is not upper-case hex"
    );
    assert!(
        p.char_len() <= snap_qris::MAX_PAYLOAD_CHARS,
        "output over 512 characters"
    );
    let errors: Vec<_> = p
        .validate(profile)
        .into_iter()
        .filter(|i| i.severity == Severity::Error)
        .collect();
    assert!(
        errors.is_empty(),
        "output {out:?} fails {profile:?}: {errors:?}"
    );
}

/// Runs a script of Builder calls; an accepted build is well formed and holds exactly the
/// objects set (last write wins), in ascending ID order, CRC last. Returns whether it built.
pub(crate) fn check_builder(s: &mut Script<'_>) -> bool {
    let mut b = Builder::new();
    let mut model = Model::default();
    model.primitive(0, "01");
    for _ in 0..s.byte() % 24 {
        let (id, text) = (s.byte(), s.text(110));
        match s.byte() % 15 {
            0 => {
                b = b.primitive(id, text.clone());
                model.primitive(id, &text);
            }
            1 => {
                let children: Vec<(u8, String)> =
                    (0..s.byte() % 4).map(|_| (s.byte(), s.text(40))).collect();
                model.template(id, children.iter().map(|(c, v)| (*c, v.as_str())));
                b = b.template(id, children);
            }
            2 => {
                let i = if id.is_multiple_of(2) {
                    Initiation::Static
                } else {
                    Initiation::Dynamic
                };
                model.primitive(1, if i == Initiation::Static { "11" } else { "12" });
                b = b.initiation(i);
            }
            3 => {
                let id = 26 + id % 20;
                let (pan, mid, criteria) = (s.text(30), s.text(30), s.text(5));
                let children = [(0, text.as_str()), (1, &pan), (2, &mid), (3, &criteria)];
                model.template(id, children.into_iter().filter(|(_, v)| !v.is_empty()));
                b = b.merchant_account(id, &text, &pan, &mid, &criteria);
            }
            4 => {
                let criteria = s.text(5);
                model.template(51, [(0, "ID.CO.QRIS.WWW"), (2, &text), (3, &criteria)]);
                b = b.national(&text, &criteria);
            }
            5 => {
                model.primitive(52, &text);
                b = b.mcc(&text);
            }
            6 => {
                model.primitive(53, &text);
                b = b.currency(&text);
            }
            7 => {
                let minor = s.u64();
                model.primitive(54, &snap_qris::format_minor(minor));
                b = b.amount(minor);
            }
            8 => {
                let tip = tip_of(s);
                for id in 55..=57 {
                    model.0.remove(&id);
                }
                match tip {
                    Tip::Prompt => model.primitive(55, "01"),
                    Tip::Fixed(m) => {
                        model.primitive(55, "02");
                        model.primitive(56, &snap_qris::format_minor(m));
                    }
                    Tip::Percent(h) => {
                        model.primitive(55, "03");
                        model.primitive(57, &snap_qris::format_percent(h));
                    }
                }
                b = b.tip(tip);
            }
            9 => {
                model.primitive(58, &text);
                b = b.country(&text);
            }
            10 => {
                model.primitive(59, &text);
                b = b.merchant_name(&text);
            }
            11 => {
                model.primitive(60, &text);
                b = b.merchant_city(&text);
            }
            12 => {
                model.primitive(61, &text);
                b = b.postal_code(&text);
            }
            13 => {
                let children: Vec<(u8, String)> = (0..s.byte() % 4)
                    .map(|_| (s.byte() % 12, s.text(30)))
                    .collect();
                model.template(62, children.iter().map(|(c, v)| (*c, v.as_str())));
                b = b.additional_data(children);
            }
            _ => {
                let (name, city) = (s.text(30), s.text(20));
                let children = [(0, text.as_str()), (1, &name), (2, &city)];
                model.template(64, children.into_iter().filter(|(_, v)| !v.is_empty()));
                b = b.alternate_language(&text, &name, &city);
            }
        }
    }
    let profile = profile_of(s);
    let Ok(out) = b.build_with(profile) else {
        return false;
    };
    assert_well_formed(&out, profile);
    let p = parse(&out).unwrap_or_else(|e| panic!("{e}"));
    let found: Vec<(u8, &str)> = p
        .objects()
        .iter()
        .filter(|o| o.id() != 63)
        .map(|o| (o.id(), o.value()))
        .collect();
    let expected: Vec<(u8, &str)> = model.0.iter().map(|(id, v)| (*id, v.as_str())).collect();
    assert_eq!(found, expected, "the payload does not show what was set");
    assert_eq!(
        p.objects().last().map(|o| o.id()),
        Some(63),
        "CRC is not last"
    );
    true
}

fn options<'r>(s: &mut Script<'_>, reference: &'r str, terminal: &'r str) -> DynamicOptions<'r> {
    let flags = s.byte();
    DynamicOptions {
        amount: s.u64(),
        tip: (flags & 1 != 0).then(|| tip_of(s)),
        reference: (flags & 2 != 0).then_some(reference),
        terminal: (flags & 4 != 0).then_some(terminal),
    }
}

/// `to_dynamic` / `to_static` of a payload (built from the script, or the script's own text)
/// with options from the script: every accepted output is well formed, passes the profile its
/// source passed, shows the amount, tip and labels asked for, and `to_static` of it restores the
/// source's objects (62 aside, where labels were set). Returns whether `to_dynamic` accepted.
pub(crate) fn check_rewrite(s: &mut Script<'_>) -> bool {
    let source = if s.byte().is_multiple_of(2) {
        let merchant = s.text(25);
        let city = s.text(15);
        let b = Builder::new()
            .initiation(Initiation::Static)
            .merchant_account(
                26,
                "ID.CO.EXAMPLE.WWW",
                "936000140000000001",
                "12345",
                "UMI",
            )
            .national("ID1020000000001", "UMI")
            .mcc("5812")
            .currency("360")
            .country("ID")
            .merchant_name(&merchant)
            .merchant_city(&city)
            .postal_code("10110");
        let extra: Vec<(u8, String)> = (0..s.byte() % 3)
            .map(|_| (s.byte() % 12, s.text(30)))
            .collect();
        let b = if extra.is_empty() {
            b
        } else {
            b.additional_data(extra)
        };
        let Ok(built) = b.build_with(Profile::Qris) else {
            return false;
        };
        built
    } else {
        s.text(255)
    };
    let (reference, terminal) = (s.text(30), s.text(30));
    let opts = options(s, &reference, &terminal);
    let Ok(p) = parse(&source) else {
        return false;
    };
    let passes = |profile| {
        !p.validate(profile)
            .iter()
            .any(|i| i.severity == Severity::Error)
    };
    let profile = if passes(Profile::Qris) {
        Profile::Qris
    } else {
        Profile::Emv
    };
    let source_ok = passes(profile);
    let statik = p.to_static();
    match &statik {
        Ok(out) if source_ok => assert_well_formed(out, profile),
        Ok(out) => assert!(parse(out).is_ok(), "to_static output does not parse"),
        Err(_) => {}
    }
    let Ok(dynamic) = p.to_dynamic(&opts) else {
        return false;
    };
    assert!(
        p.crc().is_valid(),
        "to_dynamic accepted a source with a bad CRC"
    );
    if source_ok {
        assert_well_formed(&dynamic, profile);
    }
    let d = parse(&dynamic).unwrap_or_else(|e| panic!("to_dynamic output does not parse: {e}"));
    assert_eq!(d.encode(), dynamic);
    assert!(d.crc().is_valid(), "to_dynamic output has a bad CRC");
    let view = d.view();
    assert_eq!(view.initiation, Some(Initiation::Dynamic));
    assert_eq!(
        view.amount_text,
        Some(snap_qris::format_minor(opts.amount).as_str())
    );
    match opts.tip {
        None => assert_eq!(view.tip, None),
        Some(tip) => assert_eq!(view.tip, Some(tip)),
    }
    let labels = view.additional_data.as_ref();
    if let Some(r) = opts.reference {
        assert_eq!(labels.and_then(|a| a.reference_label), Some(r));
    }
    if let Some(t) = opts.terminal {
        assert_eq!(labels.and_then(|a| a.terminal_label), Some(t));
    }
    let back = d
        .to_static()
        .unwrap_or_else(|e| panic!("to_static of to_dynamic failed: {e}"));
    let statik =
        statik.unwrap_or_else(|e| panic!("to_static failed where to_dynamic did not: {e}"));
    let (back, statik) = (parse(&back), parse(&statik));
    let (Ok(back), Ok(statik)) = (back, statik) else {
        panic!("to_static outputs do not parse");
    };
    let labelled = opts.reference.is_some() || opts.terminal.is_some();
    let objects = |p: &snap_qris::Payload<'_>| -> Vec<snap_qris::OwnedObject> {
        let mut o = p.to_owned_objects();
        o.retain(|o| o.id != 63 && !(labelled && o.id == 62));
        o
    };
    assert_eq!(
        objects(&back),
        objects(&statik),
        "to_static(to_dynamic(x)) != to_static(x)"
    );
    true
}

/// The qris_build target: the first byte picks Builder scripts or rewrites. Returns whether an
/// output was accepted (and so checked).
pub(crate) fn check_build(data: &[u8]) -> bool {
    let mut s = Script(data);
    if s.byte().is_multiple_of(2) {
        check_builder(&mut s)
    } else {
        check_rewrite(&mut s)
    }
}
