//! Replays the committed fuzz corpus (fuzz/corpus/qris_parse) with the fuzz target's checks.

use snap_qris::{DynamicOptions, Profile, parse};

/// The same body as fuzz/fuzz_targets/qris_parse.rs.
fn check(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let issues = snap_qris::validate(s, Profile::Qris);
    if let Ok(p) = parse(s) {
        assert_eq!(p.encode(), s, "parse/encode must be lossless");
        let _ = p.validate(Profile::Emv);
        let _ = p.view();
        if p.crc().is_valid() {
            let dy = p.to_dynamic(&DynamicOptions::new(1)).unwrap_or_default();
            if !dy.is_empty() {
                assert!(parse(&dy).map(|d| d.crc().is_valid()).unwrap_or(false));
            }
        }
    } else {
        assert_eq!(issues.len(), 1);
    }
}

#[test]
fn fuzz_corpus_replays() {
    let dir = crate::repo_root().join("fuzz/corpus/qris_parse");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        check(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 10, "corpus has only {n} files");
}
