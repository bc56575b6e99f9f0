//! The TOML configuration of `snapbi receive`, `snapbi sandbox` and `snapbi call` (chosen by the
//! first byte), with the checks that snapbi's unit tests also replay over fuzz/corpus/config:
//! never a panic, a refusal names its key (or the TOML line), an accepted configuration holds
//! what the text says within the limits the commands rely on.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    snapbi::fuzz_config(data);
});
