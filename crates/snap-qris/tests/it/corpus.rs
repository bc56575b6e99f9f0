//! Replays the committed fuzz corpora (fuzz/corpus/qris_parse, fuzz/corpus/qris_build) with the
//! fuzz targets' checks.

use crate::fuzz_check::{check, check_build};

fn replay(target: &str, check: fn(&[u8]), at_least: usize) {
    let dir = crate::repo_root().join("fuzz/corpus").join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        eprintln!("replaying {}", path.display());
        check(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= at_least, "{target} corpus has only {n} files");
}

#[test]
fn fuzz_corpus_replays() {
    replay("qris_parse", check, 10);
}

#[test]
fn qris_build_corpus_replays() {
    replay("qris_build", check_build, 1);
}
