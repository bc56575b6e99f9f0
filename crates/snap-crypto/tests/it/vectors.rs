//! Replays fixtures/vectors/*.json (expected values computed with openssl), reporting every failing id.

use serde_json::Value;
use snap_crypto::{
    ClientSecret, EmptyBodyHash, QueryInPath, RsaPrivateKey, RsaPublicKey, SignatureOptions,
    Signer, body_hash_hex, minify,
};

use crate::positional::{
    service, sign_asymmetric, sign_auth, sign_symmetric, sts_asymmetric, sts_auth, sts_symmetric,
    verify_asymmetric, verify_auth,
};

use crate::{fixture, read_fixture};

fn load(name: &str) -> Vec<Value> {
    let doc: Value = serde_json::from_slice(&read_fixture(&format!("vectors/{name}"))).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("missing {key}"))
}

fn options(inputs: &Value) -> SignatureOptions {
    let empty = match s(&inputs["options"], "empty_body") {
        "sha256_of_empty" => EmptyBodyHash::Sha256OfEmpty,
        "empty_component" => EmptyBodyHash::EmptyComponent,
        "sha256_of_null" => EmptyBodyHash::Sha256OfNull,
        "sha256_of_empty_array" => EmptyBodyHash::Sha256OfEmptyArray,
        other => panic!("unknown empty_body {other}"),
    };
    let query = match s(&inputs["options"], "query") {
        "include" => QueryInPath::Include,
        "exclude" => QueryInPath::Exclude,
        other => panic!("unknown query {other}"),
    };
    SignatureOptions::standard()
        .with_empty_body(empty)
        .with_query(query)
}

fn private_key() -> RsaPrivateKey {
    RsaPrivateKey::from_file(fixture("keys/rsa2048-pkcs8.pem")).unwrap()
}

fn public_key() -> RsaPublicKey {
    RsaPublicKey::from_file(fixture("keys/rsa2048-public.pem")).unwrap()
}

/// Runs `check` on every case and fails once, listing every failing id.
fn run_all(file: &str, check: impl Fn(&Value) -> Result<(), String>) {
    let cases = load(file);
    assert!(!cases.is_empty());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(c).err().map(|e| format!("{}: {e}", s(c, "id"))))
        .collect();
    assert!(
        failures.is_empty(),
        "{file}: {} failing case(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn eq(what: &str, got: &str, want: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

fn check_service(case: &Value, symmetric: bool) -> Result<(), String> {
    let (i, e) = (&case["inputs"], &case["expected"]);
    let opts = options(i);
    let body = s(i, "body").as_bytes();
    let (method, path, ts) = (s(i, "method"), s(i, "path"), s(i, "timestamp"));
    let minified = minify(body).map_err(|e| e.to_string())?;
    eq(
        "minified body",
        &String::from_utf8_lossy(&minified),
        s(e, "minified_body"),
    )?;
    let hash = body_hash_hex(body, &opts)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    eq("body hash", &hash, s(e, "body_sha256"))?;
    let want_sig = s(e, "signature");
    if symmetric {
        let secret = ClientSecret::from_file(fixture("keys/client-secret.txt")).unwrap();
        let token = s(i, "access_token");
        let sts = sts_symmetric(method, path, token, body, ts, &opts).map_err(|e| e.to_string())?;
        eq("string to sign", sts.as_str(), s(e, "string_to_sign"))?;
        let sig = sign_symmetric(&secret, method, path, token, body, ts, &opts)
            .map_err(|e| e.to_string())?;
        eq("signature", &sig, want_sig)?;
        eq(
            "signature of string",
            &secret.sign_base64(sts.as_bytes()).unwrap(),
            want_sig,
        )?;
        let digest = snap_crypto::verify(
            &service(method, path, Some(token), body, ts, &opts),
            want_sig,
            &secret,
        )
        .map_err(|e| e.to_string())?;
        check_digest(&digest, e)
    } else {
        let sts = sts_asymmetric(method, path, body, ts, &opts).map_err(|e| e.to_string())?;
        eq("string to sign", sts.as_str(), s(e, "string_to_sign"))?;
        // PKCS#1 v1.5 is deterministic, so our signature must equal openssl's.
        let sig = sign_asymmetric(&private_key(), method, path, body, ts, &opts)
            .map_err(|e| e.to_string())?;
        eq("signature", &sig, want_sig)?;
        let digest = verify_asymmetric(&public_key(), method, path, body, ts, want_sig, &opts)
            .map_err(|e| e.to_string())?;
        check_digest(&digest, e)
    }
}

/// The digest a verification returns is the SHA-256 of the minified body: the body hash the
/// string-to-sign covered, except for an empty body, whose digest is the SHA-256 of the empty
/// string whatever stand-in (none, `null`, `[]`) a provider option signs.
fn check_digest(digest: &snap_crypto::BodyDigest, e: &Value) -> Result<(), String> {
    let hex: String = digest
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let want_hex = s(e, "body_sha256");
    let want = if want_hex.is_empty() || s(e, "minified_body").is_empty() {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    } else {
        want_hex
    };
    eq("verified body digest", &hex, want)
}

#[test]
fn symmetric_vectors() {
    run_all("symmetric.json", |c| check_service(c, true));
}

#[test]
fn asymmetric_vectors() {
    run_all("asymmetric.json", |c| check_service(c, false));
}

#[test]
fn auth_vectors() {
    let key = private_key();
    let public = public_key();
    run_all("auth.json", |case| {
        let (i, e) = (&case["inputs"], &case["expected"]);
        let (client, ts) = (s(i, "client_id"), s(i, "timestamp"));
        eq(
            "string to sign",
            sts_auth(client, ts).as_str(),
            s(e, "string_to_sign"),
        )?;
        eq(
            "signature",
            &sign_auth(&key, client, ts).map_err(|e| e.to_string())?,
            s(e, "signature"),
        )?;
        verify_auth(&public, client, ts, s(e, "signature")).map_err(|e| e.to_string())
    });
}

#[test]
fn pretty_and_minified_bodies_share_a_signature() {
    let cases = load("symmetric.json");
    let sig = |id: &str| {
        cases
            .iter()
            .find(|c| s(c, "id") == id)
            .map(|c| s(&c["expected"], "signature").to_owned())
            .unwrap()
    };
    assert_eq!(sig("va-payment-pretty"), sig("va-payment-minified"));
}
