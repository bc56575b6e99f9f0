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

/// The oracle for [`check_minify`]: serde_json accepts exactly the JSON that minify accepts, and
/// reads the same value from the input and from its minified form. Outside the comparison, as
/// documented differences: input that is not UTF-8 or only whitespace (minify passes both on),
/// and what serde_json's `Value` cannot hold although the grammar allows it (nesting past its
/// recursion limit, numbers beyond f64, lone surrogate escapes).
pub(crate) fn check_minify_against_serde(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
        return;
    }
    let ours = minify(data);
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    if let Err(e) = &theirs {
        let e = e.to_string();
        let limits = [
            "recursion limit exceeded",
            "number out of range",
            "surrogate",
            // A high surrogate escape not followed by `\u`.
            "unexpected end of hex escape",
        ];
        if limits.iter().any(|l| e.contains(l)) {
            return;
        }
    }
    match (&ours, &theirs) {
        (Ok(out), Ok(value)) => {
            let again: serde_json::Value = serde_json::from_slice(out)
                .unwrap_or_else(|e| panic!("serde_json refuses minify's output: {e}"));
            assert_eq!(&again, value, "minify changed the value");
        }
        (Err(_), Err(_)) => {}
        (ours, theirs) => panic!("minify {ours:?} but serde_json {theirs:?} for {text:?}"),
    }
}

/// Loads arbitrary bytes as keys in every form and policy; never panics. A loaded private key
/// is at least 2048 bits and signs what its public half verifies; a loaded public key is at least
/// its policy's size, reloads from its own PKCS#1 DER as the same key, and the legacy policy
/// accepts whatever the standard one does. Returns how many of the three loads succeeded.
pub(crate) fn check_key_loading(data: &[u8]) -> usize {
    let private = RsaPrivateKey::parse(data);
    if let Ok(key) = &private {
        assert!(
            key.bits() >= 2048,
            "a {}-bit private key was accepted",
            key.bits()
        );
        let public = key.public_key();
        assert_eq!(public.bits(), key.bits());
        let ts = "2024-08-23T07:45:00+07:00";
        let signature = snap_crypto::sign_auth(key, "client", ts)
            .unwrap_or_else(|e| panic!("a loaded key cannot sign: {e}"));
        assert!(snap_crypto::verify_auth(&public, "client", ts, &signature).is_ok());
        assert!(snap_crypto::verify_auth(&public, "client2", ts, &signature).is_err());
    }
    let public = RsaPublicKey::parse(data);
    let legacy = RsaPublicKey::parse_with(data, KeyPolicy::AllowLegacySmallKeys);
    for (key, min) in [(&public, 2048), (&legacy, 1024)] {
        if let Ok(key) = key {
            assert!(
                key.bits() >= min,
                "a {}-bit public key was accepted",
                key.bits()
            );
            let again =
                RsaPublicKey::from_der_with(key.pkcs1_der(), KeyPolicy::AllowLegacySmallKeys)
                    .unwrap_or_else(|e| panic!("a key's own PKCS#1 DER does not load: {e}"));
            assert_eq!(again.pkcs1_der(), key.pkcs1_der());
        }
    }
    assert!(
        public.is_err() || legacy.is_ok(),
        "the legacy policy refused a standard key"
    );
    usize::from(private.is_ok()) + usize::from(public.is_ok()) + usize::from(legacy.is_ok())
}
