//! Replays the committed fuzz corpora (fuzz/corpus/qris_parse, fuzz/corpus/qris_build) with the
//! fuzz targets' checks.

use crate::fuzz_check::{check, check_build};

/// Replays every input of fuzz/corpus/`target`; returns how many `check` counted.
fn replay(target: &str, check: impl Fn(&[u8]) -> bool, at_least: usize) -> usize {
    let dir = crate::repo_root().join("fuzz/corpus").join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let (mut n, mut counted) = (0, 0);
    for entry in entries {
        let path = entry.unwrap().path();
        eprintln!("replaying {}", path.display());
        counted += usize::from(check(&std::fs::read(&path).unwrap()));
        n += 1;
    }
    assert!(n >= at_least, "{target} corpus has only {n} files");
    counted
}

#[test]
fn fuzz_corpus_replays() {
    replay(
        "qris_parse",
        |data| {
            check(data);
            true
        },
        10,
    );
}

#[test]
fn qris_build_corpus_replays() {
    // Both Builder scripts and rewrites are accepted by some inputs, so the output checks ran.
    assert!(replay("qris_build", check_build, 2) > 1);
}

#[test]
fn qris_build_regressions_replay() {
    // Inputs that once failed the qris_build target (fuzz/regressions/qris_build): an empty
    // template at the CRC's ID 63 was accepted by the builder and silently dropped from the output.
    let dir = crate::repo_root().join("fuzz/regressions/qris_build");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        eprintln!("replaying {}", path.display());
        check_build(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 1, "no regression inputs in {}", dir.display());
}
