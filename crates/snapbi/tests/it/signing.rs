//! `snapbi minify`, `snapbi string-to-sign`, `snapbi sign`, `snapbi verify` through the real binary, checked
//! against the openssl-computed vectors in fixtures/vectors.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel)
}

fn fx(rel: &str) -> String {
    fixture(rel).display().to_string()
}

fn snap(args: &[&str]) -> Output {
    snap_stdin(args, b"")
}

fn snap_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_snapbi"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading stdin (usage errors).
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A temporary file holding `content`; it and its directory are removed on drop.
struct TempFile {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl TempFile {
    fn new(name: &str, content: &[u8]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        Self { path, _dir: dir }
    }

    fn path(&self) -> String {
        self.path.display().to_string()
    }
}

fn case(file: &str, id: &str) -> serde_json::Value {
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture(&format!("vectors/{file}"))).unwrap())
            .unwrap();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
        .clone()
}

fn s(v: &serde_json::Value) -> &str {
    v.as_str().unwrap()
}

#[test]
fn minify_file_and_stdin() {
    let f = TempFile::new("pretty.json", b"{ \"a\" : [1, 10000.00, \"x y\"] }\n");
    let o = snap(&["minify", &f.path()]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, r#"{"a":[1,10000.00,"x y"]}"#.to_owned())
    );
    let o = snap_stdin(&["minify", "-"], b" [ true ,\n null ] ");
    assert_eq!((code(&o), stdout(&o)), (0, "[true,null]".to_owned()));
    let o = snap_stdin(&["minify"], b"");
    assert_eq!((code(&o), stdout(&o)), (0, String::new()));
}

#[test]
fn minify_invalid_json_exits_1_with_offset() {
    let o = snap_stdin(&["minify"], b"{\"a\": 1,}");
    assert_eq!(code(&o), 1);
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("byte 8"), "{err}");
    let o = snap(&["minify", "/nonexistent/body.json"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn string_to_sign_matches_vectors() {
    let c = case("auth.json", "standard");
    let (client, ts) = (s(&c["inputs"]["client_id"]), s(&c["inputs"]["timestamp"]));
    let o = snap(&[
        "string-to-sign",
        "auth",
        "--client-id",
        client,
        "--timestamp",
        ts,
    ]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("{}\n", s(&c["expected"]["string_to_sign"])))
    );

    let c = case("symmetric.json", "va-payment-pretty");
    let i = &c["inputs"];
    let body = TempFile::new("sts-body.json", s(&i["body"]).as_bytes());
    let o = snap(&[
        "string-to-sign",
        "service",
        "--method",
        s(&i["method"]),
        "--path",
        s(&i["path"]),
        "--token",
        s(&i["access_token"]),
        "--timestamp",
        s(&i["timestamp"]),
        "--body",
        &body.path(),
    ]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("{}\n", s(&c["expected"]["string_to_sign"])))
    );

    // No --body: empty body; no --token: asymmetric form.
    let c = case("asymmetric.json", "get-query-empty-body");
    let i = &c["inputs"];
    let o = snap(&[
        "string-to-sign",
        "service",
        "--method",
        s(&i["method"]),
        "--path",
        s(&i["path"]),
        "--timestamp",
        s(&i["timestamp"]),
    ]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("{}\n", s(&c["expected"]["string_to_sign"])))
    );
}

#[test]
fn sign_matches_openssl_vectors() {
    let c = case("auth.json", "standard");
    let o = snap(&[
        "sign",
        "auth",
        "--private-key",
        &fx("keys/rsa2048-pkcs1.pem"),
        "--client-id",
        s(&c["inputs"]["client_id"]),
        "--timestamp",
        s(&c["inputs"]["timestamp"]),
    ]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("{}\n", s(&c["expected"]["signature"])))
    );

    let c = case("symmetric.json", "va-payment-pretty");
    let i = &c["inputs"];
    let body = TempFile::new("sign-body.json", s(&i["body"]).as_bytes());
    let o = snap(&[
        "sign",
        "service",
        "--secret-file",
        &fx("keys/client-secret.txt"),
        "--token",
        s(&i["access_token"]),
        "--method",
        s(&i["method"]),
        "--path",
        s(&i["path"]),
        "--timestamp",
        s(&i["timestamp"]),
        "--body",
        &body.path(),
    ]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("{}\n", s(&c["expected"]["signature"])))
    );

    let c = case("asymmetric.json", "notify-pretty");
    let i = &c["inputs"];
    let body = TempFile::new("sign-asym-body.json", s(&i["body"]).as_bytes());
    let o = snap(&[
        "sign",
        "service",
        "--private-key",
        &fx("keys/rsa2048-pkcs8-env.txt"),
        "--method",
        s(&i["method"]),
        "--path",
        s(&i["path"]),
        "--timestamp",
        s(&i["timestamp"]),
        "--body",
        &body.path(),
    ]);
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("{}\n", s(&c["expected"]["signature"])))
    );
}

#[test]
fn verify_valid_and_invalid() {
    let c = case("auth.json", "utc-z");
    let (client, ts) = (s(&c["inputs"]["client_id"]), s(&c["inputs"]["timestamp"]));
    let sig = s(&c["expected"]["signature"]);
    let key = fx("keys/rsa2048-public-pkcs1.pem");
    let auth = |client: &str, sig: &str| {
        snap(&[
            "verify",
            "auth",
            "--public-key",
            &key,
            "--client-id",
            client,
            "--timestamp",
            ts,
            "--signature",
            sig,
        ])
    };
    let o = auth(client, sig);
    assert_eq!((code(&o), stdout(&o)), (0, "valid\n".to_owned()));
    let o = auth("other", sig);
    assert_eq!((code(&o), stdout(&o)), (1, "invalid\n".to_owned()));
    let o = auth(client, "not base64!");
    assert_eq!((code(&o), stdout(&o)), (1, "invalid\n".to_owned()));

    let c = case("symmetric.json", "delete-with-body");
    let i = &c["inputs"];
    let body = TempFile::new("verify-body.json", s(&i["body"]).as_bytes());
    let secret = fx("keys/client-secret.txt");
    let service = |token: &str| {
        snap(&[
            "verify",
            "service",
            "--secret-file",
            &secret,
            "--token",
            token,
            "--method",
            s(&i["method"]),
            "--path",
            s(&i["path"]),
            "--timestamp",
            s(&i["timestamp"]),
            "--signature",
            s(&c["expected"]["signature"]),
            "--body",
            &body.path(),
        ])
    };
    let o = service(s(&i["access_token"]));
    assert_eq!((code(&o), stdout(&o)), (0, "valid\n".to_owned()));
    let o = service("another-token");
    assert_eq!((code(&o), stdout(&o)), (1, "invalid\n".to_owned()));

    let c = case("asymmetric.json", "delete-with-body");
    let i = &c["inputs"];
    let body = TempFile::new("verify-asym-body.json", s(&i["body"]).as_bytes());
    let o = snap(&[
        "verify",
        "service",
        "--public-key",
        &fx("keys/rsa2048-public.der"),
        "--method",
        s(&i["method"]),
        "--path",
        s(&i["path"]),
        "--timestamp",
        s(&i["timestamp"]),
        "--signature",
        s(&c["expected"]["signature"]),
        "--body",
        &body.path(),
    ]);
    assert_eq!((code(&o), stdout(&o)), (0, "valid\n".to_owned()));
}

#[test]
fn verify_explain_shows_what_was_signed() {
    let c = case("symmetric.json", "non-ascii-and-slash");
    let i = &c["inputs"];
    let body = TempFile::new("explain-body.json", s(&i["body"]).as_bytes());
    let o = snap(&[
        "verify",
        "service",
        "--secret-file",
        &fx("keys/client-secret.txt"),
        "--token",
        s(&i["access_token"]),
        "--method",
        s(&i["method"]),
        "--path",
        s(&i["path"]),
        "--timestamp",
        s(&i["timestamp"]),
        "--signature",
        "AAAA",
        "--body",
        &body.path(),
        "--explain",
    ]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    let e = &c["expected"];
    assert!(
        out.contains(&format!("string-to-sign: {}\n", s(&e["string_to_sign"]))),
        "{out}"
    );
    assert!(
        out.contains(&format!("minified body: {}\n", s(&e["minified_body"]))),
        "{out}"
    );
    assert!(
        out.contains(&format!("body sha-256: {}\n", s(&e["body_sha256"]))),
        "{out}"
    );
    assert!(out.ends_with("invalid\n"), "{out}");
}

#[test]
fn usage_errors_and_unreadable_keys_exit_2() {
    let secret = fx("keys/client-secret.txt");
    let private = fx("keys/rsa2048-pkcs8.pem");
    let with = |extra: &[&str]| {
        let mut a = vec!["sign", "service"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&[
            "--method",
            "POST",
            "--path",
            "/p",
            "--timestamp",
            "2020-12-17T10:55:00+07:00",
        ]);
        snap(&a)
    };
    // No key, both keys, secret without token, token with an RSA key.
    assert_eq!(code(&with(&[])), 2);
    assert_eq!(
        code(&with(&[
            "--secret-file",
            &secret,
            "--token",
            "t",
            "--private-key",
            &private
        ])),
        2
    );
    assert_eq!(code(&with(&["--secret-file", &secret])), 2);
    assert_eq!(code(&with(&["--private-key", &private, "--token", "t"])), 2);
    // Unreadable, wrong-type and too-small keys.
    assert_eq!(code(&with(&["--private-key", "/nonexistent/key.pem"])), 2);
    assert_eq!(
        code(&with(&["--private-key", &fx("keys/rsa2048-public.pem")])),
        2
    );
    let o = with(&["--private-key", &fx("keys/rsa1024-pkcs8.pem")]);
    assert_eq!(code(&o), 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("too small"));
    assert_eq!(
        code(&with(&[
            "--secret-file",
            "/nonexistent/secret",
            "--token",
            "t"
        ])),
        2
    );
    let ec = fx("keys/ec-p256-pkcs8.pem");
    let o = snap(&[
        "verify",
        "auth",
        "--public-key",
        &ec,
        "--client-id",
        "c",
        "--timestamp",
        "t",
        "--signature",
        "AAAA",
    ]);
    assert_eq!(code(&o), 2);
    // Secrets are never taken from arguments.
    assert_eq!(
        code(&snap(&[
            "sign", "service", "--secret", "s3cr3t", "--token", "t"
        ])),
        2
    );
    // Invalid JSON body: a negative answer, exit 1.
    let bad = TempFile::new("bad.json", b"{\"a\":}");
    assert_eq!(
        code(&with(&[
            "--secret-file",
            &secret,
            "--token",
            "t",
            "--body",
            &bad.path()
        ])),
        1
    );
}
