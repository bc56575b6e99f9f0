//! snap-store's integration tests: one contract suite, run against every backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod contract;
mod old_format;
#[cfg(feature = "redis")]
mod redis;
mod support;
