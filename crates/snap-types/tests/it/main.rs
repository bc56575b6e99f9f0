//! Integration tests of snap-types: seed fixtures, validation rules, property tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod fuzz_check;
mod fuzz_corpus;
mod props;
mod rules;

use std::path::PathBuf;

/// `fixtures/examples/` at the workspace root.
pub(crate) fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/examples")
}

/// The bytes of one example file.
pub(crate) fn example(name: &str) -> Vec<u8> {
    std::fs::read(examples_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Removes JSON whitespace outside string literals (Go `json.Compact`).
pub(crate) fn minify(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            if b == b'"' {
                in_string = true;
            }
            out.push(b);
        }
    }
    out
}
