//! Integration tests of the `snapbi` binary: each module drives one command through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod browser;
mod call;
mod check;
mod code;
mod demo;
mod qris;
mod receive;
mod receive_shared;
mod sandbox;
mod sandbox_data;
mod scenario;
mod signing;
mod web;
