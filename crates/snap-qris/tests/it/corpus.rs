//! Replays the committed fuzz corpus (fuzz/corpus/qris_parse) with the fuzz target's checks.

use crate::fuzz_check::check;

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
