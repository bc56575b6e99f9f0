// The checks of the qris_parse fuzz target: never panic, parse → encode is lossless, and a
// rewrite of a payload with a valid CRC carries a valid CRC. Shared, not copied: this file is a
// test module here and is `include!`d by fuzz/fuzz_targets/qris_parse.rs. Plain comments only,
// since an included file cannot hold inner doc comments.

use snap_qris::{DynamicOptions, Profile, parse};

/// Runs every check on arbitrary bytes.
pub(crate) fn check(data: &[u8]) {
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
}
