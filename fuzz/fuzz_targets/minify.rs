//! Minifies arbitrary bytes with the checks that crates/snap-crypto/tests/it/fuzz_corpus.rs also
//! replays over fuzz/corpus/minify: never panics; accepted input minifies to a result that is no
//! longer, minifies to itself, differs from the input only by removed whitespace, and is what
//! serde_json accepts, with the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "other targets' checks live in the same file")]
mod checks {
    include!("../../crates/snap-crypto/tests/it/fuzz_check.rs");
}
use checks::{check_minify, check_minify_against_serde};

fuzz_target!(|data: &[u8]| {
    check_minify(data);
    check_minify_against_serde(data);
});
