//! Access-token (HS256 JWT) verification with the checks that
//! crates/snap-http/tests/it/fuzz_corpus.rs also replays over fuzz/corpus/jwt: arbitrary text
//! never verifies; issued tokens verify exactly inside their lifetime and fail after any change;
//! fuzzer-chosen claims signed with the key verify exactly when `nbf <= now < exp` with a valid
//! client id.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "other targets' checks live in the same file")]
mod checks {
    include!("../../crates/snap-http/tests/it/fuzz_check.rs");
}

fuzz_target!(|data: &[u8]| checks::check_jwt(data));
