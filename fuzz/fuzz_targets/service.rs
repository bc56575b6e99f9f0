//! The whole SnapServer as a tower service (raw requests, correctly signed notifications and
//! token requests with script-chosen changes), with the checks that
//! crates/snap-http/tests/it/fuzz_corpus.rs also replays over fuzz/corpus/service: SNAP JSON
//! answers with X-TIMESTAMP, never a 5xx, the route's service code, the handler only for correct
//! requests, the same answer twice.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "other targets' checks live in the same file")]
mod checks {
    include!("../../crates/snap-http/tests/it/fuzz_check.rs");
}

fuzz_target!(|data: &[u8]| {
    checks::check_service(data);
});
