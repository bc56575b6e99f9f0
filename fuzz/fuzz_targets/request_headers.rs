//! SNAP request header parsing (the scan for the service headers, the text, typed, bearer and
//! Content-Length helpers) from a header map built from arbitrary bytes, with the checks that
//! snap-http's request_headers tests also replay over fuzz/corpus/request_headers: the helpers
//! agree with a plain reading of the header map and refuse text that is not visible ASCII.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    snap_http::fuzz_request_headers(data);
});
