//! Property tests: parse ↔ print round trips.

use proptest::prelude::*;
use snap_types::*;

proptest! {
    #[test]
    fn amount_print_parse(minor in 0u64..=Amount::MAX.minor_units()) {
        let amount = Amount::new(minor).unwrap();
        let text = amount.to_string();
        prop_assert!(text.len() <= 16);
        prop_assert_eq!(text.split_once('.').unwrap().1.len(), 2);
        prop_assert_eq!(text.parse::<Amount>().unwrap(), amount);
        let json = serde_json::to_string(&amount).unwrap();
        prop_assert_eq!(serde_json::from_str::<Amount>(&json).unwrap(), amount);
    }

    #[test]
    fn amount_parse_print(int in "0|[1-9][0-9]{0,12}", frac in proptest::option::of("[0-9]{2}")) {
        let text = match &frac { Some(f) => format!("{int}.{f}"), None => int.clone() };
        let amount: Amount = text.parse().unwrap();
        let expected = format!("{int}.{}", frac.as_deref().unwrap_or("00"));
        prop_assert_eq!(amount.to_string(), expected);
    }

    #[test]
    fn amount_never_panics(s in "\\PC{0,20}") {
        let _ = s.parse::<Amount>();
    }

    #[test]
    fn virtual_account_compose_split(pad in 0usize..=7, digits in "[0-9]{1,8}", customer in "[0-9]{1,20}") {
        let psid_text = format!("{}{digits}", " ".repeat(pad.min(8 - digits.len())));
        let psid: PartnerServiceId = psid_text.parse().unwrap();
        let customer: CustomerNo = customer.parse().unwrap();
        let va = VirtualAccountNo::compose(&psid, &customer).unwrap();
        prop_assert!(va.as_str().len() <= 28);
        prop_assert_eq!(va.as_str().parse::<VirtualAccountNo>().unwrap(), va.clone());
        let (p, c) = va.split().unwrap();
        prop_assert_eq!(p.padded(), psid.padded());
        prop_assert_eq!(p.digits(), psid.digits());
        prop_assert_eq!(c, customer);
    }

    #[test]
    fn virtual_account_parse_print(s in " {0,7}[0-9]{1,20}") {
        let va: VirtualAccountNo = s.parse().unwrap();
        prop_assert_eq!(va.to_string(), s.clone());
        let json = serde_json::to_string(&va).unwrap();
        prop_assert_eq!(serde_json::from_str::<VirtualAccountNo>(&json).unwrap(), va);
    }

    #[test]
    fn timestamp_format_parse(secs in 0i64..253_402_300_799, offset_min in -(23 * 60 + 59)..=(23 * 60 + 59i32)) {
        let offset = time::UtcOffset::from_whole_seconds(offset_min * 60).unwrap();
        let dt = time::OffsetDateTime::from_unix_timestamp(secs).unwrap().to_offset(offset);
        if let Ok(t) = Timestamp::from_datetime(dt) {
            prop_assert_eq!(t.as_str().len(), 25);
            let back: Timestamp = t.as_str().parse().unwrap();
            prop_assert_eq!(back.datetime(), dt);
            prop_assert_eq!(back, t);
        }
    }
}
