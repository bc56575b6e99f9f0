//! Key loading from arbitrary bytes (PEM, DER, base64, literal `\n`): never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snap_crypto::{KeyPolicy, RsaPrivateKey, RsaPublicKey};

fuzz_target!(|data: &[u8]| {
    let _ = RsaPrivateKey::parse(data);
    let _ = RsaPublicKey::parse(data);
    let _ = RsaPublicKey::parse_with(data, KeyPolicy::AllowLegacySmallKeys);
});
