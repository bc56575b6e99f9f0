//! Property tests: round trips and "never panics".

use proptest::prelude::*;
use snap_qris::{DynamicOptions, OwnedObject, Profile, Tip, encode, parse};

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..=max).prop_map(String::from_iter)
}

/// Chosen from the list rather than filtered, so no case is rejected.
fn primitive_root_id() -> impl Strategy<Value = u8> {
    let ids: Vec<u8> = (0u8..=99)
        .filter(|id| !snap_qris::is_template(None, *id) && *id != 63)
        .collect();
    prop::sample::select(ids)
}

fn template_root_id() -> impl Strategy<Value = u8> {
    let ids: Vec<u8> = (0u8..=99)
        .filter(|id| snap_qris::is_template(None, *id))
        .collect();
    prop::sample::select(ids)
}

fn object() -> impl Strategy<Value = OwnedObject> {
    prop_oneof![
        (primitive_root_id(), text(99)).prop_map(|(id, v)| OwnedObject::primitive(id, v)),
        (
            template_root_id(),
            proptest::collection::vec((0u8..=49, text(18)), 0..=4)
        )
            .prop_map(|(id, children)| {
                OwnedObject::template(
                    id,
                    children
                        .into_iter()
                        .map(|(c, v)| OwnedObject::primitive(c, v))
                        .collect(),
                )
            }),
    ]
}

proptest! {
    #[test]
    fn build_parse_round_trip(objects in proptest::collection::vec(object(), 0..12)) {
        let qr = encode(&objects).unwrap();
        let p = parse(&qr).unwrap();
        prop_assert!(p.crc().is_valid());
        prop_assert_eq!(p.encode(), qr.clone());
        let mut back = p.to_owned_objects();
        prop_assert_eq!(back.pop().map(|o| o.id), Some(63));
        prop_assert_eq!(back, objects);
    }

    #[test]
    fn parse_never_panics(s in any::<String>()) {
        if let Ok(p) = parse(&s) {
            prop_assert_eq!(p.encode(), s.clone());
            let _ = p.validate(Profile::Qris);
            let _ = p.view();
        }
        let _ = snap_qris::validate(&s, Profile::Emv);
    }

    #[test]
    fn parse_never_panics_on_tlv_like_input(s in "([0-9]{2,6}[A-Za-z€最🍜]{0,3}){0,30}") {
        if let Ok(p) = parse(&s) {
            prop_assert_eq!(p.encode(), s.clone());
            let _ = p.validate(Profile::Qris);
            let _ = p.view();
            let _ = p.to_dynamic(&DynamicOptions::new(1));
            let _ = p.to_static();
        }
    }

    #[test]
    fn mutated_payload_never_panics(at in 0usize..200, c in any::<char>(), cut in 0usize..220) {
        let base = "00020101021226580011id.qoin.www01189360084202020002110210Q2023002110303UME51370014ID.CO.QRIS.WWW0215ID0000202300211520458125303360540410005802ID5914Qoin Hub Store6007Jakarta61051321062200112QD00000005810700630459B2";
        let mut s: String = base.chars().take(cut).collect();
        let at = at.min(s.chars().count());
        let byte = s.char_indices().nth(at).map_or(s.len(), |(i, _)| i);
        s.insert(byte, c);
        if let Ok(p) = parse(&s) {
            prop_assert_eq!(p.encode(), s.clone());
            let _ = p.validate(Profile::Qris);
            let _ = p.to_dynamic(&DynamicOptions::new(1));
        }
    }

    #[test]
    fn dynamic_then_static_restores(
        name in text(25).prop_filter("non-empty", |s| !s.is_empty()),
        amount in 1u64..10_000_000_000,
        tip in prop_oneof![Just(None), Just(Some(Tip::Prompt)), (1u64..1_000_000).prop_map(|f| Some(Tip::Fixed(f))), (1u16..=9999).prop_map(|p| Some(Tip::Percent(p)))],
    ) {
        let original = vec![
            OwnedObject::primitive(0, "01"),
            OwnedObject::primitive(1, "11"),
            OwnedObject::template(51, vec![OwnedObject::primitive(0, "ID.CO.QRIS.WWW"), OwnedObject::primitive(2, "ID1020000000001")]),
            OwnedObject::primitive(52, "5812"),
            OwnedObject::primitive(53, "360"),
            OwnedObject::primitive(58, "ID"),
            OwnedObject::primitive(59, name),
            OwnedObject::template(62, vec![OwnedObject::primitive(3, "S1")]),
        ];
        let st = encode(&original).unwrap();
        let dy = parse(&st).unwrap().to_dynamic(&DynamicOptions { tip, ..DynamicOptions::new(amount) }).unwrap();
        let d = parse(&dy).unwrap();
        prop_assert!(d.crc().is_valid());
        prop_assert_eq!(d.view().amount, Some(amount));
        prop_assert_eq!(d.view().tip, tip);
        let back = d.to_static().unwrap();
        prop_assert_eq!(back, st);
    }
}
