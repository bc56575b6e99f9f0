//! The sandbox's admin endpoint (`/_sandbox/...`: pay, deliveries, resend, faults, ledger, key,
//! the web simulator's pages and forms) as scripts of requests against a fresh sandbox, with the
//! checks that snapbi's unit tests also replay over fuzz/corpus/sandbox_admin: never a panic or a
//! 5xx, JSON (or HTML) answers whose SNAP codes match their status, payments that are delivered
//! and in the ledger, faults that read back as set.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    snapbi::fuzz_sandbox_admin(data);
});
