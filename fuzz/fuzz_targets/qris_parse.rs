//! Feeds arbitrary bytes to the QRIS parser with the checks that
//! crates/snap-qris/tests/it/corpus.rs also replays over fuzz/corpus/qris_parse.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/snap-qris/tests/it/fuzz_check.rs");

fuzz_target!(|data: &[u8]| check(data));
