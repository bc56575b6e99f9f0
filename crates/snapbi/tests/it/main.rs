//! Integration tests of the `snapbi` binary: each module drives one command through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod call;
mod code;
mod demo;
mod qris;
mod receive;
mod receive_shared;
mod sandbox;
mod signing;
