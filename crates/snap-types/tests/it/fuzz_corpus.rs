//! Replays the committed fuzz corpus (fuzz/corpus/dto) and the inputs the dto target once failed
//! on (fuzz/regressions/dto) with the target's checks (`fuzz_check`).

use std::path::{Path, PathBuf};

use snap_types::{AccessTokenRequest, RequestError, StatusResponse, parse_body, parse_request};

use crate::fuzz_check::check_dto;

fn inputs(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn dto_corpus_replays() {
    let files = inputs("corpus/dto");
    assert!(
        files.len() >= 15,
        "the dto corpus has only {} files",
        files.len()
    );
    for path in files {
        eprintln!("replaying {}", path.display());
        check_dto(&std::fs::read(&path).unwrap());
    }
}

#[test]
fn dto_findings_replay() {
    for path in inputs("regressions/dto") {
        eprintln!("replaying {}", path.display());
        check_dto(&std::fs::read(&path).unwrap());
    }
}

/// Found by the dto target: a key that is not UTF-8 was a field error (`400xx01`), not a body
/// that is not JSON (`400xx00`).
#[test]
fn non_utf8_body_is_malformed() {
    let body = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/regressions/dto/status_response_non_utf8_key"),
    )
    .unwrap();
    let err = parse_body::<StatusResponse>(&body[1..]).unwrap_err();
    assert!(matches!(err, RequestError::Malformed(_)), "{err:?}");
    let err = parse_body::<StatusResponse>(b"{\"responseMessage\":\"\xff\"}").unwrap_err();
    assert!(matches!(err, RequestError::Malformed(_)), "{err:?}");
}

/// Found by the dto target: serde's derived structs accept a JSON array field by field, so
/// `["client_credentials"]` was a valid access-token request; a body must be an object.
#[test]
fn array_body_is_malformed() {
    let err = parse_request::<AccessTokenRequest>(br#"["client_credentials"]"#).unwrap_err();
    assert!(matches!(err, RequestError::Malformed(_)), "{err:?}");
    let err = parse_body::<StatusResponse>(br#" ["2002500", "Successful"]"#).unwrap_err();
    assert!(matches!(err, RequestError::Malformed(_)), "{err:?}");
    assert!(parse_request::<AccessTokenRequest>(br#" {"grantType":"client_credentials"}"#).is_ok());
}

/// The providers' dialects under the dto target's checks (they share its fallback selectors, 28
/// to 31): DOKU's and DANA's sample bodies, and each with every member in turn given a value of
/// the wrong JSON type, removed, or emptied.
#[test]
fn providers_dialects_pass_the_dto_checks() {
    let samples = [
        r#"{"partnerServiceId":"88899","customerNo":"8889912345678980003","virtualAccountNo":"8889912345678980003","paymentRequestId":"R_1","paidAmount":{"value":"10000.00","currency":"IDR"},"channelCode":"6011","paidBills":"FFFFFF","flagAdvise":"N"}"#,
        r#"{"partnerServiceId":"   12345","customerNo":"0000012345","virtualAccountNo":"   123450000012345","inquiryRequestId":"I1","channelCode":"6011","language":"ID"}"#,
        r#"{"partnerReferenceNo":"DN-1","merchantId":"M1","amount":{"value":"1000.00","currency":"IDR"},"validUpTo":"2030-01-01T10:00:00+07:00","urlParams":[{"url":"https://m.example/n","type":"NOTIFICATION","isDeeplink":"N"}],"payOptionDetails":[{"payMethod":"BALANCE"}],"additionalInfo":{"mcc":"5732"}}"#,
        r#"{"originalPartnerReferenceNo":"DN-1","originalReferenceNo":"DN1","serviceCode":"54","merchantId":"M1","amount":{"value":"1.00","currency":"IDR"}}"#,
        r#"{"originalPartnerReferenceNo":"DN-1","originalReferenceNo":"DN1","merchantId":"M1","amount":{"value":"1.00","currency":"IDR"},"latestTransactionStatus":"00","createdTime":"2030-01-01T10:00:00+07:00","finishedTime":"2030-01-01T10:01:00+07:00","additionalInfo":{}}"#,
        r#"{"merchantId":"M1","originalPartnerReferenceNo":"DN-1","partnerRefundNo":"RF-1","refundAmount":{"value":"1.00","currency":"IDR"},"reason":"x"}"#,
        r#"{"responseCode":"2005800","responseMessage":"Successful","originalPartnerReferenceNo":"DN-1","partnerRefundNo":"RF-1","refundAmount":{"value":"1.00","currency":"IDR"},"refundNo":"R1"}"#,
        r#"{"responseCode":"2005500","responseMessage":"Successful","serviceCode":"54","latestTransactionStatus":"03","amount":{"value":"1.00","currency":"IDR"}}"#,
    ];
    for sample in samples {
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(sample).unwrap();
        let mut bodies = vec![sample.to_owned()];
        for key in map.keys() {
            for change in [
                Some(serde_json::json!(7)),
                Some(serde_json::json!("")),
                None,
            ] {
                let mut changed = map.clone();
                match change {
                    Some(value) => changed.insert(key.clone(), value),
                    None => changed.remove(key),
                };
                bodies.push(serde_json::to_string(&changed).unwrap());
            }
        }
        for body in bodies {
            let mut input = vec![28];
            input.extend_from_slice(body.as_bytes());
            check_dto(&input);
        }
    }
}
