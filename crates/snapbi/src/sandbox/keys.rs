//! The embedded DEMO / TEST ONLY credentials (`demo-keys/`), and the check that keeps them out of
//! real configurations.

use snap_crypto::{RsaPrivateKey, RsaPublicKey};

/// The demo RSA private key (a copy of `fixtures/keys/rsa2048-pkcs8.pem`). Public test material.
pub(crate) const DEMO_PRIVATE_PEM: &str = include_str!("../../demo-keys/demo-private.pem");
/// Its public key.
pub(crate) const DEMO_PUBLIC_PEM: &str = include_str!("../../demo-keys/demo-public.pem");
/// The demo client secret (HMAC-SHA512 key of service signatures).
const DEMO_CLIENT_SECRET_FILE: &str = include_str!("../../demo-keys/demo-client-secret.txt");
/// The demo access-token key.
const DEMO_TOKEN_KEY_FILE: &str = include_str!("../../demo-keys/demo-token-key.txt");

/// The demo client secret without its line end.
pub(crate) fn demo_client_secret() -> &'static str {
    DEMO_CLIENT_SECRET_FILE.trim_end_matches(['\r', '\n'])
}

/// The demo token key without its line end.
pub(crate) fn demo_token_key() -> &'static str {
    DEMO_TOKEN_KEY_FILE.trim_end_matches(['\r', '\n'])
}

/// The demo private key.
pub(crate) fn demo_private_key() -> Result<RsaPrivateKey, String> {
    RsaPrivateKey::from_pem(DEMO_PRIVATE_PEM).map_err(|e| format!("embedded demo private key: {e}"))
}

/// The demo public key.
pub(crate) fn demo_public_key() -> Result<RsaPublicKey, String> {
    RsaPublicKey::from_pem(DEMO_PUBLIC_PEM).map_err(|e| format!("embedded demo public key: {e}"))
}

/// Whether `key` is the demo key pair's public half.
pub(crate) fn is_demo_public_key(key: &RsaPublicKey) -> bool {
    demo_public_key().is_ok_and(|demo| demo.pkcs1_der() == key.pkcs1_der())
}

/// Whether `secret` is one of the demo secrets.
pub(crate) fn is_demo_secret(secret: &[u8]) -> bool {
    secret == demo_client_secret().as_bytes() || secret == demo_token_key().as_bytes()
}

/// `key` as an SPKI PEM (`BEGIN PUBLIC KEY`), the form merchants' verifiers and the SDKs load.
pub(crate) fn public_pem(key: &RsaPublicKey) -> String {
    use base64::Engine as _;
    // SubjectPublicKeyInfo { AlgorithmIdentifier { rsaEncryption, NULL }, BIT STRING { 0, PKCS#1 } }
    const RSA_ALGORITHM: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let pkcs1 = key.pkcs1_der();
    let mut bits = vec![0x03];
    der_len(&mut bits, pkcs1.len() + 1);
    bits.push(0);
    bits.extend_from_slice(pkcs1);
    let mut der = vec![0x30];
    der_len(&mut der, RSA_ALGORITHM.len() + bits.len());
    der.extend_from_slice(&RSA_ALGORITHM);
    der.extend_from_slice(&bits);
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in text.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END PUBLIC KEY-----\n");
    pem
}

/// Appends a DER length.
fn der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_embedded_material_loads_and_is_recognised() {
        let private = demo_private_key().unwrap();
        assert_eq!(private.bits(), 2048);
        assert!(is_demo_public_key(&private.public_key()));
        assert!(is_demo_secret(demo_client_secret().as_bytes()));
        assert!(demo_token_key().len() >= 32);
        assert!(!is_demo_secret(b"something else"));
    }

    #[test]
    fn public_pem_is_the_demo_public_key() {
        let pem = public_pem(&demo_private_key().unwrap().public_key());
        let parsed = RsaPublicKey::from_pem(&pem).unwrap();
        assert!(is_demo_public_key(&parsed));
        assert_eq!(pem.replace('\r', ""), DEMO_PUBLIC_PEM.replace('\r', ""));
    }
}
