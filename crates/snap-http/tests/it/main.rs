//! Integration tests of snap-http: one binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod axum_layers;
mod client_loopback;
mod client_scripted;
mod client_seeds;
mod client_support;
mod fuzz_check;
mod fuzz_corpus;
mod server_flow;
mod server_rejections;
mod server_replay;
mod server_support;
