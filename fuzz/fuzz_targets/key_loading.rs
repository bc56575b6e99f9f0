//! Key loading from arbitrary bytes (PEM, DER, base64, literal `\n`), with the checks that
//! crates/snap-crypto/tests/it/fuzz_corpus.rs also replays over fuzz/corpus/key_loading: never
//! panics; loaded keys are big enough, sign and verify, and reload from their own DER.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "other targets' checks live in the same file")]
mod checks {
    include!("../../crates/snap-crypto/tests/it/fuzz_check.rs");
}
use checks::check_key_loading;

fuzz_target!(|data: &[u8]| {
    check_key_loading(data);
});
