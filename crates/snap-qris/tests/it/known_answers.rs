//! Known answers and the bugs QRIS.md lists.

use snap_qris::{
    Builder, DynamicOptions, Error, Initiation, IssueCode, OwnedObject, Profile, Severity, Tip,
    crc16, encode, parse,
};

const QOIN: &str = "00020101021226580011id.qoin.www01189360084202020002110210Q2023002110303UME51370014ID.CO.QRIS.WWW0215ID0000202300211520458125303360540410005802ID5914Qoin Hub Store6007Jakarta61051321062200112QD00000005810700630459B2";
const FINPAY: &str = "00020101021226620013ID.FINPAY.WWW01189360077732007160010212FM20071600010303UKE51410014ID.CO.QRIS.WWW0212ID12345678910303UKE520458145303360540410005502025602505802ID5909Test Sogi6015JAKARTA SELATAN61051271062100706finnet630490FF";
const ANNEX_B: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";

fn static_qris() -> String {
    Builder::new()
        .initiation(Initiation::Static)
        .merchant_account(
            26,
            "ID.CO.BANKNUSA.WWW",
            "936000140000000001",
            "M0000001",
            "UMI",
        )
        .national("ID1020000000001", "UMI")
        .mcc("5812")
        .currency("360")
        .country("ID")
        .merchant_name("Warung Bu Sri")
        .merchant_city("Yogyakarta")
        .postal_code("55281")
        .build_with(Profile::Qris)
        .unwrap()
}

#[test]
fn crc_check_value() {
    assert_eq!(crc16(b"123456789"), 0x29B1);
    assert_eq!(snap_qris::crc16_hex(0x0E44), "0E44");
}

#[test]
fn seeds_have_their_crcs() {
    for (qr, crc) in [(QOIN, "59B2"), (FINPAY, "90FF"), (ANNEX_B, "A13A")] {
        let p = parse(qr).unwrap();
        assert_eq!(p.crc().computed_hex().as_deref(), Some(crc));
        assert!(p.check_crc().is_ok());
        assert_eq!(p.encode(), qr);
    }
}

#[test]
fn finpay_view() {
    let v = parse(FINPAY).unwrap().view();
    assert_eq!(v.initiation, Some(Initiation::Dynamic));
    assert_eq!(v.amount, Some(100_000));
    assert_eq!(v.tip, Some(Tip::Fixed(5_000)));
    assert_eq!(v.merchant_accounts.len(), 1);
    assert_eq!(v.merchant_accounts[0].guid, Some("ID.FINPAY.WWW"));
    assert_eq!(v.merchant_accounts[0].pan, Some("936007773200716001"));
    assert_eq!(v.merchant_accounts[0].criteria, Some("UKE"));
    assert_eq!(v.nmid, Some("ID1234567891"));
    assert_eq!(v.merchant_city, Some("JAKARTA SELATAN"));
    assert_eq!(v.additional_data.unwrap().terminal_label, Some("finnet"));
}

#[test]
fn annex_b_lengths_are_characters() {
    let p = parse(ANNEX_B).unwrap();
    let t64 = p.get(64).unwrap();
    assert_eq!(t64.length(), 20);
    assert_eq!(t64.value().len(), 32);
    assert_eq!(t64.child_value(1), Some("最佳运输"));
    // Positions are characters: 54 follows 64 at character offset (of 64) + 4 + 20.
    assert_eq!(p.get(54).unwrap().position(), t64.position() + 24);
    assert!(p.validate(Profile::Emv).is_empty());
    let view = p.view();
    assert_eq!(view.alternate_language.unwrap().city, Some("北京"));
    assert_eq!(view.tip, Some(Tip::Prompt));
    assert_eq!(view.amount, Some(2372));
}

#[test]
fn zero_length_keeps_siblings() {
    let p = parse(QOIN).unwrap();
    let t62 = p.get(62).unwrap();
    assert_eq!(t62.children().len(), 2);
    assert_eq!(t62.child_value(7), Some(""));
    let issues = p.validate(Profile::Qris);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].code, IssueCode::ZeroLength);
    assert_eq!(issues[0].severity, Severity::Warning);
    assert_eq!(issues[0].path.to_string(), "62.07");
}

#[test]
fn primitive_ids_are_not_guessed_templates() {
    let body = encode(&[
        OwnedObject::primitive(0, "01"),
        OwnedObject::primitive(2, "0002AB0103XYZ"),
        OwnedObject::primitive(59, "0002AB"),
    ])
    .unwrap();
    let p = parse(&body).unwrap();
    assert!(
        p.objects()
            .iter()
            .all(|o| o.children().is_empty() && !o.is_template())
    );
}

#[test]
fn crc_located_positionally() {
    // A value holding `6304` and `5802ID` does not confuse anything.
    let qr = encode(&[
        OwnedObject::primitive(0, "01"),
        OwnedObject::template(62, vec![OwnedObject::primitive(1, "x6304ABCD5802ID")]),
    ])
    .unwrap();
    let p = parse(&qr).unwrap();
    assert!(p.crc().is_valid());
    assert_eq!(p.objects().len(), 3);
    assert_eq!(p.find(&[62, 1]).unwrap().value(), "x6304ABCD5802ID");
}

#[test]
fn crc_issues() {
    let good = static_qris();
    let (body, crc) = good.split_at(good.len() - 4);
    let lower = format!("{body}{}", crc.to_ascii_lowercase());
    let p = parse(&lower).unwrap();
    assert!(p.check_crc().is_ok());
    if crc.bytes().any(|c| c.is_ascii_alphabetic()) {
        assert_eq!(p.validate(Profile::Emv)[0].code, IssueCode::CrcLowercase);
    }
    let wrong = format!("{body}{}", if crc == "0000" { "0001" } else { "0000" });
    let p = parse(&wrong).unwrap();
    let issues = p.validate(Profile::Qris);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].code, IssueCode::CrcMismatch);
    assert_eq!(issues[0].position, good.chars().count() - 4);
    assert!(matches!(p.check_crc(), Err(Error::CrcMismatch { .. })));
    // No CRC at all.
    let p = parse("000201").unwrap();
    assert!(matches!(p.check_crc(), Err(Error::CrcMissing)));
    assert!(
        p.validate(Profile::Emv)
            .iter()
            .any(|i| i.code == IssueCode::CrcMissing)
    );
}

#[test]
fn structural_errors() {
    let good = static_qris();
    let e = parse(&format!("{good}\n")).unwrap_err();
    assert_eq!(e.code(), IssueCode::TrailingData);
    assert_eq!(e.position(), good.len());
    assert_eq!(
        parse(&good[..good.len() - 1]).unwrap_err().code(),
        IssueCode::Truncated
    );
    assert_eq!(parse("").unwrap_err().code(), IssueCode::Empty);
    assert_eq!(parse("0A02").unwrap_err().code(), IssueCode::IdNotNumeric);
    let e = parse("00x201").unwrap_err();
    assert_eq!((e.code(), e.position()), (IssueCode::LengthNotNumeric, 2));
    // Non-ASCII: a length that lands inside a multi-byte character is not a panic.
    assert_eq!(parse("5903ab€").unwrap().get(59).unwrap().value(), "ab€");
    assert_eq!(parse("5904ab€").unwrap_err().code(), IssueCode::Truncated);
    let issues = snap_qris::validate(&format!("{good}\n"), Profile::Qris);
    assert_eq!(issues[0].code, IssueCode::TrailingData);
}

#[test]
fn malformed_template_is_reported_and_kept() {
    let qr = encode(&[
        OwnedObject::primitive(0, "01"),
        OwnedObject::primitive(26, "not tlv"),
    ])
    .unwrap();
    let p = parse(&qr).unwrap();
    assert_eq!(p.encode(), qr);
    let t = p.get(26).unwrap();
    assert!(t.is_template() && t.template_error().is_some());
    assert!(
        p.validate(Profile::Emv)
            .iter()
            .any(|i| i.code == IssueCode::TemplateMalformed)
    );
}

#[test]
fn validation_reports_everything_at_once() {
    let qr = encode(&[
        OwnedObject::primitive(1, "13"),
        OwnedObject::primitive(0, "02"),
        OwnedObject::primitive(52, "58a2"),
        OwnedObject::primitive(54, "1.000,00"),
        OwnedObject::primitive(58, "MY"),
        OwnedObject::primitive(59, "A|B"),
        OwnedObject::primitive(59, "dup"),
    ])
    .unwrap();
    let issues = parse(&qr).unwrap().validate(Profile::Qris);
    let codes: Vec<&str> = issues.iter().map(|i| i.code.as_str()).collect();
    for c in [
        "E_DUPLICATE",
        "E_00_NOT_FIRST",
        "E_MISSING",
        "E_FORMAT",
        "Q_COUNTRY",
        "Q_MISSING_51",
        "Q_PIPE",
    ] {
        assert!(codes.contains(&c), "{c} missing from {codes:?}");
    }
    let fmt: Vec<String> = issues
        .iter()
        .filter(|i| i.code == IssueCode::Format)
        .map(|i| i.path.to_string())
        .collect();
    assert_eq!(fmt, ["01", "00", "52", "54"]);
}

#[test]
fn builder_orders_and_refuses() {
    let qr = static_qris();
    let p = parse(&qr).unwrap();
    let ids: Vec<u8> = p.objects().iter().map(|o| o.id()).collect();
    assert_eq!(ids, [0, 1, 26, 51, 52, 53, 58, 59, 60, 61, 63]);
    assert!(p.validate(Profile::Qris).is_empty());
    assert!(matches!(
        Builder::new().primitive(63, "ABCD").build(),
        Err(Error::InvalidValue { .. })
    ));
    assert!(matches!(
        Builder::new().primitive(120, "x").build(),
        Err(Error::InvalidId { id: 120 })
    ));
    assert!(matches!(
        Builder::new().merchant_name("").build(),
        Err(Error::InvalidValue { .. })
    ));
    let long = "x".repeat(100);
    assert!(matches!(
        Builder::new().merchant_name(&long).build(),
        Err(Error::ValueTooLong { .. })
    ));
    assert!(matches!(
        Builder::new().mcc("5812").build(),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn to_dynamic_and_back() {
    let st = static_qris();
    let p = parse(&st).unwrap();
    let opts = DynamicOptions {
        tip: Some(Tip::Percent(550)),
        reference: Some("INV-1"),
        terminal: Some("K01"),
        ..DynamicOptions::new(1_500_050)
    };
    let dy = p.to_dynamic(&opts).unwrap();
    let d = parse(&dy).unwrap();
    let ids: Vec<u8> = d.objects().iter().map(|o| o.id()).collect();
    assert_eq!(
        ids,
        [0, 1, 26, 51, 52, 53, 54, 55, 57, 58, 59, 60, 61, 62, 63]
    );
    assert_eq!(d.value(1), Some("12"));
    assert_eq!(d.value(54), Some("15000.50"));
    assert_eq!(d.value(57), Some("5.50"));
    assert_eq!(d.find(&[62, 5]).unwrap().value(), "INV-1");
    assert!(
        d.validate(Profile::Qris).is_empty(),
        "{:?}",
        d.validate(Profile::Qris)
    );
    // Existing 62 children are kept; labels go in ascending order.
    let again = d
        .to_dynamic(&DynamicOptions {
            terminal: Some("K02"),
            ..DynamicOptions::new(100)
        })
        .unwrap();
    let a = parse(&again).unwrap();
    let sub: Vec<u8> = a
        .get(62)
        .unwrap()
        .children()
        .iter()
        .map(|c| c.id())
        .collect();
    assert_eq!(sub, [5, 7]);
    assert_eq!(a.find(&[62, 7]).unwrap().value(), "K02");
    assert_eq!(a.value(54), Some("1"));
    assert!(a.get(55).is_none() && a.get(57).is_none());
    // Back to static.
    let plain = p.to_dynamic(&DynamicOptions::new(100_000)).unwrap();
    assert_eq!(parse(&plain).unwrap().to_static().unwrap(), st);
    // Refuses a bad source CRC, zero amount and over-long labels.
    let (body, _) = st.split_at(st.len() - 4);
    let bad = format!("{body}0000");
    assert!(
        parse(&bad)
            .unwrap()
            .to_dynamic(&DynamicOptions::new(1))
            .is_err()
    );
    assert!(parse(&bad).unwrap().to_static().is_err());
    assert!(p.to_dynamic(&DynamicOptions::new(0)).is_err());
    let long = "r".repeat(26);
    assert!(
        p.to_dynamic(&DynamicOptions {
            reference: Some(&long),
            ..DynamicOptions::new(1)
        })
        .is_err()
    );
}

#[test]
fn to_dynamic_inserts_01_after_00() {
    let qr = encode(&[
        OwnedObject::primitive(0, "01"),
        OwnedObject::template(51, vec![OwnedObject::primitive(0, "ID.CO.QRIS.WWW")]),
        OwnedObject::primitive(58, "ID"),
    ])
    .unwrap();
    let dy = parse(&qr)
        .unwrap()
        .to_dynamic(&DynamicOptions::new(500))
        .unwrap();
    let ids: Vec<u8> = parse(&dy)
        .unwrap()
        .objects()
        .iter()
        .map(|o| o.id())
        .collect();
    assert_eq!(ids, [0, 1, 51, 54, 58, 63]);
}

#[test]
fn builder_refuses_a_template_at_the_crc_id_or_without_children() {
    // Found by the qris_build fuzz target: `template(63, [])` was accepted and then dropped from
    // the output, so the payload did not show what was set.
    let none: [(u8, &str); 0] = [];
    for id in [63, 62] {
        let built = Builder::new()
            .initiation(Initiation::Static)
            .template(id, none)
            .build();
        assert!(
            built.is_err(),
            "template {id} without children built: {built:?}"
        );
    }
    let with_child = Builder::new().template(63, [(1, "x")]).build();
    assert!(
        with_child.is_err(),
        "a template at ID 63 built: {with_child:?}"
    );
}
