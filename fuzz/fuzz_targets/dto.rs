//! Every SNAP request and response DTO and every newtype of snap-types (chosen by the first
//! byte), with the checks that crates/snap-types/tests/it/fuzz_corpus.rs also replays over
//! fuzz/corpus/dto: accepted bodies round-trip to the same JSON, field errors name a key of the
//! body, newtypes agree between `FromStr` and JSON and print to a text that parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod checks {
    include!("../../crates/snap-types/tests/it/fuzz_check.rs");
}

fuzz_target!(|data: &[u8]| checks::check_dto(data));
