//! Replays the committed fuzz corpus (fuzz/corpus/http_conn) and the inputs the http_conn target
//! once failed on (fuzz/regressions/http_conn) with the target's checks (`fuzz_check`).

use std::path::{Path, PathBuf};

use crate::fuzz_check::{check_connection, check_jwt, check_service};

fn inputs(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

#[test]
fn http_conn_corpus_replays() {
    let files = inputs("corpus/http_conn");
    assert!(
        files.len() >= 5,
        "the http_conn corpus has only {} files",
        files.len()
    );
    let mut answers = 0;
    for path in files.into_iter().chain(inputs("regressions/http_conn")) {
        eprintln!("replaying {}", path.display());
        answers += check_connection(&std::fs::read(&path).unwrap());
    }
    // The seeds hold complete SNAP requests, so the response checks did run.
    assert!(answers > 0);
}

#[test]
fn jwt_corpus_replays() {
    let files = inputs("corpus/jwt");
    assert!(
        files.len() >= 4,
        "the jwt corpus has only {} files",
        files.len()
    );
    for path in files.into_iter().chain(inputs("regressions/jwt")) {
        eprintln!("replaying {}", path.display());
        check_jwt(&std::fs::read(&path).unwrap());
    }
}

#[test]
fn service_corpus_replays() {
    let files = inputs("corpus/service");
    assert!(
        files.len() >= 4,
        "the service corpus has only {} files",
        files.len()
    );
    let mut handled = 0;
    for path in files.into_iter().chain(inputs("regressions/service")) {
        eprintln!("replaying {}", path.display());
        handled += usize::from(check_service(&std::fs::read(&path).unwrap()));
    }
    // The seeds hold correctly signed notifications, so the handler-side checks ran.
    assert!(handled > 0);
}
