//! Minifies arbitrary bytes with the checks that crates/snap-crypto/tests/it/fuzz_corpus.rs also
//! replays over fuzz/corpus/minify: never panics; accepted input minifies to a result that is no
//! longer, minifies to itself, and differs from the input only by removed whitespace.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[expect(dead_code, reason = "check_key_loading is the other target's check")]
mod checks {
    include!("../../crates/snap-crypto/tests/it/fuzz_check.rs");
}
use checks::check_minify;

fuzz_target!(|data: &[u8]| {
    check_minify(data);
});
