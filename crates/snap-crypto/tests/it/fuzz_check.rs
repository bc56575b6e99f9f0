// The checks of the minify and key_loading fuzz targets. Shared, not copied: this file is a test
// module here and is `include!`d by fuzz/fuzz_targets/minify.rs and key_loading.rs. Plain comments
// only, since an included file cannot hold inner doc comments.

use snap_crypto::{KeyPolicy, RsaPrivateKey, RsaPublicKey, minify};

/// Minifies arbitrary bytes: never panics; accepted input minifies to a result that is no
/// longer, minifies to itself, and differs from the input only by removed whitespace. Returns
/// whether the input was accepted.
pub(crate) fn check_minify(data: &[u8]) -> bool {
    let Ok(out) = minify(data) else {
        return false;
    };
    assert!(out.len() <= data.len(), "minify grew the input");
    assert_eq!(
        minify(&out).as_deref(),
        Ok(&out[..]),
        "minify is not idempotent"
    );
    let mut rest = out.iter().peekable();
    for b in data {
        if rest.peek() == Some(&b) {
            rest.next();
        } else {
            assert!(
                matches!(b, b' ' | b'\t' | b'\n' | b'\r'),
                "minify removed {b:#04x}, which is not whitespace"
            );
        }
    }
    assert!(rest.next().is_none(), "minify added bytes");
    true
}

/// Loads arbitrary bytes as keys in every form and policy; never panics. Returns how many of the
/// three loads succeeded.
pub(crate) fn check_key_loading(data: &[u8]) -> usize {
    usize::from(RsaPrivateKey::parse(data).is_ok())
        + usize::from(RsaPublicKey::parse(data).is_ok())
        + usize::from(RsaPublicKey::parse_with(data, KeyPolicy::AllowLegacySmallKeys).is_ok())
}
