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
