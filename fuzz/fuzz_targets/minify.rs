//! Minify arbitrary bytes: never panics; accepted input minifies to a result that is no longer,
//! minifies to itself, and differs from the input only by removed whitespace.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(out) = snap_crypto::minify(data) {
        assert!(out.len() <= data.len());
        assert_eq!(snap_crypto::minify(&out).as_deref(), Ok(&out[..]));
        let mut rest = out.iter().peekable();
        for b in data {
            if rest.peek() == Some(&b) {
                rest.next();
            } else {
                assert!(matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
            }
        }
        assert!(rest.next().is_none());
    }
});
