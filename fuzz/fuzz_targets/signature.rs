//! Symmetric, asymmetric and auth signatures with the checks that
//! crates/snap-crypto/tests/it/fuzz_corpus.rs also replays over fuzz/corpus/signature:
//! sign -> verify passes; body whitespace never changes the result or the body digest; the digest
//! is SHA-256 of the minified body; a changed field passes exactly when the standard's
//! string-to-sign is unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "other targets' checks live in the same file")]
mod checks {
    include!("../../crates/snap-crypto/tests/it/fuzz_check.rs");
}

fuzz_target!(|data: &[u8]| {
    checks::check_signature(data);
});
