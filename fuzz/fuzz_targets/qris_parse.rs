//! Feeds arbitrary bytes to the QRIS parser: it must never panic, parse → encode must be
//! lossless, and a rewrite of a payload with a valid CRC must carry a valid CRC.
//! crates/snap-qris/tests/it/corpus.rs replays fuzz/corpus/qris_parse with the same checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snap_qris::{DynamicOptions, Profile, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let issues = snap_qris::validate(s, Profile::Qris);
    if let Ok(p) = parse(s) {
        assert_eq!(p.encode(), s, "parse/encode must be lossless");
        let _ = p.validate(Profile::Emv);
        let _ = p.view();
        if p.crc().is_valid() {
            let dy = p.to_dynamic(&DynamicOptions::new(1)).unwrap_or_default();
            if !dy.is_empty() {
                assert!(parse(&dy).map(|d| d.crc().is_valid()).unwrap_or(false));
            }
        }
    } else {
        assert_eq!(issues.len(), 1);
    }
});
