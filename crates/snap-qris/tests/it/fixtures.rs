//! Replays fixtures/qris/payloads.json, reporting every failing id.

use serde_json::Value;
use snap_qris::{Profile, parse};

fn codes(issues: &[snap_qris::Issue]) -> Vec<String> {
    issues.iter().map(|i| i.code.as_str().to_owned()).collect()
}

fn expected(case: &Value, key: &str) -> Vec<String> {
    case[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn payload_fixtures() {
    let text =
        std::fs::read_to_string(crate::repo_root().join("fixtures/qris/payloads.json")).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 15);
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let payload = case["payload"].as_str().unwrap();
        let want_parse = case["parse"].as_str().unwrap();
        match parse(payload) {
            Err(e) => {
                if e.code().as_str() != want_parse {
                    failures.push(format!(
                        "{id}: parse failed with {} , expected {want_parse}",
                        e.code()
                    ));
                }
            }
            Ok(_) if want_parse != "ok" => {
                failures.push(format!("{id}: parsed, expected {want_parse}"))
            }
            Ok(p) => {
                if p.encode() != payload {
                    failures.push(format!("{id}: not lossless"));
                }
                let crc = p.crc();
                if crc.computed_hex().as_deref() != case["crc_computed"].as_str() {
                    failures.push(format!("{id}: computed CRC {:?}", crc.computed_hex()));
                }
                if crc.is_valid() != case["crc_ok"].as_bool().unwrap() {
                    failures.push(format!("{id}: crc validity {}", crc.is_valid()));
                }
                let emv = codes(&p.validate(Profile::Emv));
                if emv != expected(case, "emv_issues") {
                    failures.push(format!("{id}: emv issues {emv:?}"));
                }
                let qris = codes(&p.validate(Profile::Qris));
                let want = expected(case, "qris_issues");
                if qris != want {
                    failures.push(format!("{id}: qris issues {qris:?}, expected {want:?}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "failing fixtures:\n{}",
        failures.join("\n")
    );
}
