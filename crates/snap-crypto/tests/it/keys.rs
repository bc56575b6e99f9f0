//! Key loading in every supported form, refusals, and error kinds.

use snap_crypto::{
    ClientSecret, Error, KeyPolicy, RsaPrivateKey, RsaPublicKey, SignatureOptions, Signer, Verifier,
};

use crate::positional::{service, sign_auth, sign_symmetric, verify_auth};

use crate::{fixture, read_fixture};

const MSG: &[u8] = b"QoinSnap|2020-12-17T10:55:00+07:00";

#[test]
fn every_private_form_is_the_same_key() {
    let reference = RsaPrivateKey::parse(&read_fixture("keys/rsa2048-pkcs8.pem")).unwrap();
    let want = reference.sign(MSG).unwrap();
    let pkcs8_pem = String::from_utf8(read_fixture("keys/rsa2048-pkcs8.pem")).unwrap();
    let forms: Vec<(&str, Vec<u8>)> = vec![
        ("pkcs1 pem", read_fixture("keys/rsa2048-pkcs1.pem")),
        ("pkcs8 der", read_fixture("keys/rsa2048-pkcs8.der")),
        ("pkcs1 der", read_fixture("keys/rsa2048-pkcs1.der")),
        ("header-less base64", read_fixture("keys/rsa2048-pkcs8.b64")),
        ("literal \\n", read_fixture("keys/rsa2048-pkcs8-env.txt")),
        ("crlf", pkcs8_pem.replace('\n', "\r\n").into_bytes()),
        (
            "quoted env value",
            format!("\"{}\"", pkcs8_pem.replace('\n', "\\n")).into_bytes(),
        ),
        (
            "indented, text around",
            format!("my key:\n  {}\ntrailer", pkcs8_pem.trim()).into_bytes(),
        ),
        ("base64 with line breaks", {
            let body: String = pkcs8_pem
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<Vec<_>>()
                .join("\n");
            body.into_bytes()
        }),
    ];
    for (name, bytes) in forms {
        let key = RsaPrivateKey::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(key.bits(), 2048, "{name}");
        assert_eq!(key.sign(MSG).unwrap(), want, "{name}");
    }
    assert!(RsaPrivateKey::from_file(fixture("keys/rsa2048-pkcs1.pem")).is_ok());
}

#[test]
fn every_public_form_verifies() {
    let key = RsaPrivateKey::from_file(fixture("keys/rsa2048-pkcs8.pem")).unwrap();
    let sig = key.sign(MSG).unwrap();
    let spki_der = read_fixture("keys/rsa2048-public.der");
    let forms: Vec<(&str, Vec<u8>)> = vec![
        ("spki pem", read_fixture("keys/rsa2048-public.pem")),
        ("spki der", spki_der),
        ("pkcs1 pem", read_fixture("keys/rsa2048-public-pkcs1.pem")),
        ("pkcs1 der", key.public_key().pkcs1_der().to_vec()),
        (
            "literal \\n",
            String::from_utf8(read_fixture("keys/rsa2048-public.pem"))
                .unwrap()
                .replace('\n', "\\n")
                .into_bytes(),
        ),
    ];
    for (name, bytes) in forms {
        let public = RsaPublicKey::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(public.bits(), 2048, "{name}");
        assert_eq!(&public, &key.public_key(), "{name}");
        public
            .verify(MSG, &sig)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn small_keys_are_refused_unless_legacy() {
    let private = read_fixture("keys/rsa1024-pkcs8.pem");
    assert!(matches!(
        RsaPrivateKey::parse(&private),
        Err(Error::KeyTooSmall {
            bits: 1024,
            min: 2048
        })
    ));
    let public = read_fixture("keys/rsa1024-public.pem");
    assert!(matches!(
        RsaPublicKey::parse(&public),
        Err(Error::KeyTooSmall {
            bits: 1024,
            min: 2048
        })
    ));
    let legacy = RsaPublicKey::parse_with(&public, KeyPolicy::AllowLegacySmallKeys).unwrap();
    assert_eq!(legacy.bits(), 1024);
    // A signature made by openssl with the 1024-bit key verifies only under the legacy policy.
    let sig = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(fixture("keys/rsa1024-pkcs8.pem"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(MSG)?;
            child.wait_with_output()
        });
    if let Some(out) = sig.ok().filter(|o| o.status.success()) {
        legacy.verify(MSG, &out.stdout).unwrap();
        assert!(matches!(
            legacy.verify(b"other", &out.stdout),
            Err(Error::InvalidSignature)
        ));
    }
}

#[test]
fn wrong_key_types_are_named() {
    let public = read_fixture("keys/rsa2048-public.pem");
    let private = read_fixture("keys/rsa2048-pkcs8.pem");
    let ec = read_fixture("keys/ec-p256-pkcs8.pem");
    assert!(matches!(
        RsaPrivateKey::parse(&public),
        Err(Error::WrongKeyType { .. })
    ));
    assert!(matches!(
        RsaPrivateKey::parse(&read_fixture("keys/rsa2048-public.der")),
        Err(Error::WrongKeyType { .. })
    ));
    assert!(matches!(
        RsaPublicKey::parse(&private),
        Err(Error::WrongKeyType { .. })
    ));
    assert!(matches!(
        RsaPublicKey::parse(&read_fixture("keys/rsa2048-pkcs1.der")),
        Err(Error::WrongKeyType { .. })
    ));
    let Err(Error::WrongKeyType { found, .. }) = RsaPrivateKey::parse(&ec) else {
        panic!("EC key accepted")
    };
    assert_eq!(found, "EC key");
    // The one-call helpers check the algorithm, too.
    let secret = ClientSecret::new("secret");
    assert!(matches!(
        sign_auth(&secret, "id", "ts"),
        Err(Error::WrongKeyType { .. })
    ));
    let key = RsaPrivateKey::parse(&private).unwrap();
    let sig = sign_auth(&key, "id", "ts").unwrap();
    assert!(matches!(
        snap_crypto::verify(
            &service(
                "POST",
                "/",
                Some("t"),
                b"",
                "ts",
                &SignatureOptions::default()
            ),
            &sig,
            &key.public_key()
        ),
        Err(Error::WrongKeyType { .. })
    ));
}

#[test]
fn bad_keys() {
    for (name, input) in [
        ("empty", &b""[..]),
        ("spaces", b"   \n"),
        ("garbage", b"not a key at all!"),
        ("truncated pem", b"-----BEGIN PRIVATE KEY-----\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASC\n"),
        ("bad der", &[0x30, 0x03, 0x02, 0x01, 0x00][..]),
        ("encrypted", b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"),
        (
            "proc-type",
            b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMIIB\n-----END RSA PRIVATE KEY-----\n",
        ),
    ] {
        assert!(matches!(RsaPrivateKey::parse(input), Err(Error::BadKey(_))), "{name}");
        assert!(matches!(RsaPublicKey::parse(input), Err(Error::BadKey(_))), "{name}");
    }
    assert!(matches!(
        RsaPrivateKey::from_file(fixture("keys/missing.pem")),
        Err(Error::Io(_))
    ));
}

#[test]
fn secrets_are_redacted() {
    let key = RsaPrivateKey::from_file(fixture("keys/rsa2048-pkcs8.pem")).unwrap();
    assert_eq!(format!("{key:?}"), "RsaPrivateKey(2048 bits, <redacted>)");
    let secret = ClientSecret::from_file(fixture("keys/client-secret.txt")).unwrap();
    assert_eq!(format!("{secret:?}"), "ClientSecret(<redacted>)");
}

#[test]
fn secret_file_drops_one_trailing_newline() {
    let from_file = ClientSecret::from_file(fixture("keys/client-secret.txt")).unwrap();
    let text = String::from_utf8(read_fixture("keys/client-secret.txt")).unwrap();
    let direct = ClientSecret::new(text.trim_end_matches('\n'));
    assert_eq!(from_file.sign(MSG).unwrap(), direct.sign(MSG).unwrap());
}

#[test]
fn base64_is_strict_and_distinct_from_a_wrong_signature() {
    let key = RsaPrivateKey::from_file(fixture("keys/rsa2048-pkcs8.pem")).unwrap();
    let public = key.public_key();
    let sig = sign_auth(&key, "QoinSnap", "ts").unwrap();
    verify_auth(&public, "QoinSnap", "ts", &sig).unwrap();
    assert!(matches!(
        verify_auth(&public, "QoinSnap", "tz", &sig),
        Err(Error::InvalidSignature)
    ));
    let url_safe = sig.replace('+', "-").replace('/', "_");
    let unpadded = sig.trim_end_matches('=').to_owned();
    let spaced = format!("{} {}", &sig[..10], &sig[10..]);
    for bad in [format!("{sig}\n"), spaced, "!!!!".to_owned()] {
        assert!(
            matches!(
                verify_auth(&public, "QoinSnap", "ts", &bad),
                Err(Error::BadBase64)
            ),
            "{bad}"
        );
    }
    if url_safe != sig {
        assert!(matches!(
            verify_auth(&public, "QoinSnap", "ts", &url_safe),
            Err(Error::BadBase64)
        ));
    }
    if unpadded != sig {
        assert!(matches!(
            verify_auth(&public, "QoinSnap", "ts", &unpadded),
            Err(Error::BadBase64)
        ));
    }
    // Valid base64 of the wrong length is just a wrong signature.
    assert!(matches!(
        verify_auth(&public, "QoinSnap", "ts", "AAAA"),
        Err(Error::InvalidSignature)
    ));
    assert!(matches!(
        verify_auth(&public, "QoinSnap", "ts", ""),
        Err(Error::InvalidSignature)
    ));
    let long = "A".repeat(2000);
    assert!(matches!(
        verify_auth(&public, "QoinSnap", "ts", &long),
        Err(Error::InvalidSignature)
    ));
}

#[test]
fn wrong_signature_over_invalid_json_reports_the_json_error() {
    let secret = ClientSecret::new("secret");
    let opts = SignatureOptions::default();
    let ts = "2020-12-17T10:55:00+07:00";
    let sig = sign_symmetric(&secret, "POST", "/p", "t", b"{\"a\":1}", ts, &opts).unwrap();
    assert!(matches!(
        snap_crypto::verify(
            &service("POST", "/p", Some("t"), b"{\"a\":}", ts, &opts),
            &sig,
            &secret
        ),
        Err(Error::Minify(_))
    ));
    assert!(matches!(
        snap_crypto::verify(
            &service("POST", "/p", Some("t"), b"{\"a\":2}", ts, &opts),
            &sig,
            &secret
        ),
        Err(Error::InvalidSignature)
    ));
}
