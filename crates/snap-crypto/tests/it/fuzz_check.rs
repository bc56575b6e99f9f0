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
        let request = snap_crypto::AuthRequest::new("client").with_timestamp(ts);
        let signature = snap_crypto::sign_auth(&request, key)
            .unwrap_or_else(|e| panic!("a loaded key cannot sign: {e}"));
        assert!(snap_crypto::verify_auth(&request, &signature, &public).is_ok());
        let other = snap_crypto::AuthRequest::new("client2").with_timestamp(ts);
        assert!(snap_crypto::verify_auth(&other, &signature, &public).is_err());
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

// ---- The signature target: sign -> verify of the symmetric, asymmetric and auth signatures. ----

use snap_crypto::{
    AuthRequest, ClientSecret, EmptyBodyHash, QueryInPath, ServiceRequest, SignatureAlgorithm,
    SignatureOptions, Signer, Verifier,
};

// Fuzz input read as a script: bytes and texts taken from the front, zeros and empty texts once
// it runs out (so every input is a complete script). The same reader as in snap-qris' checks:
// each crate's checks are self-contained, as the fuzz targets include them whole.
pub(crate) struct Script<'a>(&'a [u8]);

impl Script<'_> {
    pub(crate) fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        first
    }

    // Up to `max` bytes as text; invalid UTF-8 becomes U+FFFD, so texts include non-ASCII.
    pub(crate) fn text(&mut self, max: usize) -> String {
        let n = usize::from(self.byte()).min(max).min(self.0.len());
        let (text, rest) = self.0.split_at(n);
        self.0 = rest;
        String::from_utf8_lossy(text).into_owned()
    }
}

// Which signature: the symmetric (HMAC-SHA512, with token) or asymmetric (SHA256withRSA) service
// signature, or the auth signature of a token request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    Symmetric,
    Asymmetric,
    Auth,
}

// Everything a signature covers, as a sender would give it.
#[derive(Clone, Debug)]
pub(crate) struct Fields {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) token: String,
    pub(crate) body: Vec<u8>,
    pub(crate) timestamp: String,
    pub(crate) client_id: String,
    pub(crate) options: SignatureOptions,
}

// The library calls, in one place: the typed requests of the service and auth signatures.
fn service_request(kind: Kind, f: &Fields) -> ServiceRequest<'_> {
    let request = ServiceRequest::new(&f.method, &f.path)
        .with_body(&f.body)
        .with_timestamp(&f.timestamp)
        .with_options(f.options);
    if kind == Kind::Symmetric {
        request.with_token(&f.token)
    } else {
        request
    }
}

fn auth_request(f: &Fields) -> AuthRequest<'_> {
    AuthRequest::new(&f.client_id).with_timestamp(&f.timestamp)
}

pub(crate) fn sign_fields(
    kind: Kind,
    f: &Fields,
    signer: &dyn Signer,
) -> Result<String, snap_crypto::Error> {
    match kind {
        Kind::Auth => snap_crypto::sign_auth(&auth_request(f), signer),
        _ => snap_crypto::sign(&service_request(kind, f), signer),
    }
}

// Verifies; for the service kinds, returns the body digest the signature covered.
pub(crate) fn verify_fields(
    kind: Kind,
    f: &Fields,
    verifier: &dyn Verifier,
    signature: &str,
) -> Result<Option<[u8; 32]>, snap_crypto::Error> {
    match kind {
        Kind::Auth => {
            snap_crypto::verify_auth(&auth_request(f), signature, verifier).map(|()| None)
        }
        _ => snap_crypto::verify(&service_request(kind, f), signature, verifier)
            .map(|d| Some(*d.as_bytes())),
    }
}

// The string-to-sign written from the standard's text, independently of the library: method
// upper-cased, path without the query under `QueryInPath::Exclude`, lowercase hex of the SHA-256
// of the minified body (or the configured stand-in for an empty one). `None` when the body is
// not JSON.
fn oracle_string(kind: Kind, f: &Fields) -> Option<Vec<u8>> {
    if kind == Kind::Auth {
        return Some(format!("{}|{}", f.client_id, f.timestamp).into_bytes());
    }
    let minified = minify(&f.body).ok()?;
    let hashed: Option<&[u8]> = match (minified.is_empty(), f.options.empty_body()) {
        (false, _) | (true, EmptyBodyHash::Sha256OfEmpty) => Some(&minified),
        (true, EmptyBodyHash::EmptyComponent) => None,
        (true, EmptyBodyHash::Sha256OfNull) => Some(b"null"),
        (true, _) => Some(b"[]"),
    };
    let hash: String = hashed.map_or_else(String::new, |h| {
        ring::digest::digest(&ring::digest::SHA256, h)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    });
    let path = match f.options.query() {
        QueryInPath::Exclude => f.path.split('?').next().unwrap_or_default(),
        _ => &f.path,
    };
    let mut s = format!("{}:{path}:", f.method.to_ascii_uppercase()).into_bytes();
    if kind == Kind::Symmetric {
        s.extend_from_slice(f.token.as_bytes());
        s.push(b':');
    }
    s.extend_from_slice(format!("{hash}:{}", f.timestamp).as_bytes());
    Some(s)
}

// Stands in for the RSA key in most runs (an RSA signature costs milliseconds, which would slow
// the fuzzer a hundredfold): declares SHA256withRSA and signs with HMAC-SHA256, so the library
// treats it as an RSA key while the string-to-sign is what is tested. Selectors 1 and 2 (the
// asymmetric and auth kinds) use the real key.
struct FastRsa(ring::hmac::Key);

impl Signer for FastRsa {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RsaPkcs1Sha256
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, snap_crypto::Error> {
        Ok(ring::hmac::sign(&self.0, message).as_ref().to_vec())
    }
}

impl Verifier for FastRsa {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RsaPkcs1Sha256
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), snap_crypto::Error> {
        ring::hmac::verify(&self.0, message, signature)
            .map_err(|_| snap_crypto::Error::InvalidSignature)
    }
}

struct Keys {
    secret: ClientSecret,
    fast: FastRsa,
    private: RsaPrivateKey,
    public: RsaPublicKey,
}

fn keys() -> &'static Keys {
    static KEYS: std::sync::OnceLock<Keys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        // The repository root: the first ancestor of this crate (or of fuzz/) with fixtures/keys.
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = here
            .ancestors()
            .find(|d| d.join("fixtures/keys").is_dir())
            .unwrap_or_else(|| panic!("no fixtures/keys above {}", here.display()));
        let pem = std::fs::read(root.join("fixtures/keys/rsa2048-pkcs8.pem"))
            .unwrap_or_else(|e| panic!("{e}"));
        let private = RsaPrivateKey::parse(&pem).unwrap_or_else(|e| panic!("{e}"));
        Keys {
            secret: ClientSecret::new("qoinhub-client-secret"),
            fast: FastRsa(ring::hmac::Key::new(
                ring::hmac::HMAC_SHA256,
                b"fast rsa stand-in",
            )),
            public: private.public_key(),
            private,
        }
    })
}

// Whitespace inserted next to the structural characters of a JSON body (`{}[],:` outside
// strings, where JSON allows it), at positions and of kinds taken from the script.
fn add_whitespace(body: &[u8], s: &mut Script<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 16);
    let (mut in_string, mut escaped) = (false, false);
    let space = |out: &mut Vec<u8>, s: &mut Script<'_>| {
        if s.byte().is_multiple_of(3) {
            out.push([b' ', b'\t', b'\n', b'\r'][usize::from(s.byte() % 4)]);
        }
    };
    for &b in body {
        let structural = !in_string && matches!(b, b'{' | b'}' | b'[' | b']' | b',' | b':');
        if structural {
            space(&mut out, s);
        }
        out.push(b);
        if structural {
            space(&mut out, s);
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        }
    }
    space(&mut out, s);
    out
}

// A JSON body from the script: a SNAP-like object with fuzzer-chosen values, or raw text.
fn body_of(s: &mut Script<'_>) -> Vec<u8> {
    match s.byte() % 4 {
        0 => Vec::new(),
        1 => s.text(200).into_bytes(),
        _ => serde_json::json!({
            "partnerServiceId": s.text(10),
            "paidAmount": {"value": s.text(16), "currency": "IDR"},
            "trxId": s.text(40),
            "n": s.byte(),
            "additionalInfo": {},
        })
        .to_string()
        .into_bytes(),
    }
}

/// The signature target: sign -> verify always passes; the same fields with whitespace added
/// between the body's tokens pass too with the same body digest; the digest is the SHA-256 of
/// the minified body; one changed field (or a changed signature) passes exactly when the
/// standard's string-to-sign is unchanged (method case, the query under `QueryInPath::Exclude`
/// and an empty body's stand-in are the only such changes); the library's `StringToSign`
/// equals the oracle's. Returns whether a signature was made and checked.
pub(crate) fn check_signature(data: &[u8]) -> bool {
    let mut s = Script(data);
    let selector = s.byte();
    let kind = match selector % 3 {
        0 => Kind::Symmetric,
        1 => Kind::Asymmetric,
        _ => Kind::Auth,
    };
    let keys = keys();
    let real_rsa = selector < 3;
    let (signer, verifier): (&dyn Signer, &dyn Verifier) = match (kind, real_rsa) {
        (Kind::Symmetric, _) => (&keys.secret, &keys.secret),
        (_, true) => (&keys.private, &keys.public),
        (_, false) => (&keys.fast, &keys.fast),
    };
    let methods = ["POST", "GET", "post", "PUT", "DELETE"];
    let options = SignatureOptions::standard()
        .with_empty_body(match s.byte() % 4 {
            0 => EmptyBodyHash::Sha256OfEmpty,
            1 => EmptyBodyHash::EmptyComponent,
            2 => EmptyBodyHash::Sha256OfNull,
            _ => EmptyBodyHash::Sha256OfEmptyArray,
        })
        .with_query(if s.byte().is_multiple_of(2) {
            QueryInPath::Include
        } else {
            QueryInPath::Exclude
        });
    let method = match s.byte() {
        m if usize::from(m) < methods.len() * 40 => {
            methods[usize::from(m) % methods.len()].to_owned()
        }
        _ => s.text(10),
    };
    let f = Fields {
        method,
        path: s.text(60),
        token: s.text(60),
        body: body_of(&mut s),
        timestamp: s.text(40),
        client_id: s.text(40),
        options,
    };
    let Some(oracle) = oracle_string(kind, &f) else {
        assert!(
            sign_fields(kind, &f, signer).is_err(),
            "signed a body that is not JSON"
        );
        return false;
    };
    let built = match kind {
        Kind::Auth => snap_crypto::StringToSign::auth(&auth_request(&f)),
        _ => snap_crypto::StringToSign::service(&service_request(kind, &f))
            .unwrap_or_else(|e| panic!("StringToSign refused JSON: {e}")),
    };
    assert_eq!(
        built.as_bytes(),
        &oracle[..],
        "StringToSign differs from the standard's text"
    );
    if kind != Kind::Auth {
        let digest = snap_crypto::BodyDigest::of(&f.body).unwrap_or_else(|e| panic!("{e}"));
        let minified = minify(&f.body).unwrap_or_default();
        let expected = ring::digest::digest(&ring::digest::SHA256, &minified);
        assert_eq!(&digest.as_bytes()[..], expected.as_ref(), "BodyDigest::of");
    }
    let signature = sign_fields(kind, &f, signer).unwrap_or_else(|e| panic!("signing failed: {e}"));
    let digest = verify_fields(kind, &f, verifier, &signature)
        .unwrap_or_else(|e| panic!("{kind:?} sign -> verify failed: {e} for {f:?}"));
    if let Some(digest) = digest {
        let minified = minify(&f.body).unwrap_or_default();
        let expected = ring::digest::digest(&ring::digest::SHA256, &minified);
        assert_eq!(
            &digest[..],
            expected.as_ref(),
            "body digest is not SHA-256 of the minified body"
        );
    }
    // Body whitespace never changes the result.
    if kind != Kind::Auth {
        let spaced = Fields {
            body: add_whitespace(&f.body, &mut s),
            ..f.clone()
        };
        let again = verify_fields(kind, &spaced, verifier, &signature)
            .unwrap_or_else(|e| panic!("whitespace in the body broke verification: {e}"));
        assert_eq!(again, digest, "whitespace changed the body digest");
    }
    // One changed field passes exactly when the string-to-sign is unchanged.
    let mut changed = f.clone();
    let mut sig = signature.clone();
    let edit = |text: &mut String, s: &mut Script<'_>| {
        let mut bytes = std::mem::take(text).into_bytes();
        let at = usize::from(s.byte());
        match s.byte() % 3 {
            0 if !bytes.is_empty() => {
                let i = at % bytes.len();
                bytes[i] = s.byte();
            }
            1 => bytes.insert(at % (bytes.len() + 1), s.byte()),
            _ if !bytes.is_empty() => {
                bytes.remove(at % bytes.len());
            }
            _ => bytes.push(s.byte()),
        }
        *text = String::from_utf8_lossy(&bytes).into_owned();
    };
    match s.byte() % 7 {
        0 => edit(&mut changed.method, &mut s),
        1 => edit(&mut changed.path, &mut s),
        2 => edit(&mut changed.token, &mut s),
        3 => edit(&mut changed.timestamp, &mut s),
        4 => edit(&mut changed.client_id, &mut s),
        5 => {
            let mut body = String::from_utf8_lossy(&changed.body).into_owned();
            edit(&mut body, &mut s);
            changed.body = body.into_bytes();
        }
        _ => edit(&mut sig, &mut s),
    }
    let result = verify_fields(kind, &changed, verifier, &sig);
    let same = sig == signature && oracle_string(kind, &changed).as_deref() == Some(&oracle[..]);
    assert_eq!(
        result.is_ok(),
        same,
        "{kind:?}: a change {} the string-to-sign {} verification: {changed:?}",
        if same { "that keeps" } else { "of" },
        if result.is_ok() { "passed" } else { "failed" },
    );
    true
}
