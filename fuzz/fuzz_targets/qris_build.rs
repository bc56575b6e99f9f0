//! QRIS `Builder` call sequences and `to_dynamic` / `to_static` with arbitrary options, with the
//! checks that crates/snap-qris/tests/it/corpus.rs also replays over fuzz/corpus/qris_build.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "other targets' checks live in the same file")]
mod checks {
    include!("../../crates/snap-qris/tests/it/fuzz_check.rs");
}

fuzz_target!(|data: &[u8]| {
    checks::check_build(data);
});
