//! The values snap-store's redb backend reads back (a notification's record, body and delivery
//! state; a claim's stored answer), with the checks that snap-store's unit tests also replay over
//! fuzz/corpus/stored_record: arbitrary bytes decode to a record or an unreadable-record error,
//! a decoded record encodes to bytes that decode to the same record, and a record built from
//! script-chosen fields (bodies that are not UTF-8 included) reads back as written.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    snap_store::fuzz_stored_record(data);
});
