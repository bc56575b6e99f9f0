//! Raw bytes into an HTTP/1.1 connection to the SNAP server over an in-memory stream with paused
//! time, with the checks that crates/snap-http/tests/it/fuzz_corpus.rs also replays over
//! fuzz/corpus/http_conn: well-formed responses (SNAP JSON, never a 5xx) or a closed connection,
//! never a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "other targets' checks live in the same file")]
mod checks {
    include!("../../crates/snap-http/tests/it/fuzz_check.rs");
}

fuzz_target!(|data: &[u8]| {
    checks::check_connection(data);
});
