//! Integration tests for snap-qris.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod corpus;
mod fixtures;
mod fuzz_check;
mod known_answers;
mod props;
#[cfg(feature = "render")]
mod render;

/// The repository root (fixtures/ and fuzz/ live there).
pub(crate) fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
