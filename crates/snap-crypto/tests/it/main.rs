//! Integration tests of snap-crypto: openssl-checked vectors, key forms, properties, fuzz corpora.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fuzz_check;
mod fuzz_corpus;
mod keys;
mod properties;
mod timestamps;
mod vectors;

use std::path::PathBuf;

/// A path under the repository's `fixtures/` directory.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

pub(crate) fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}
