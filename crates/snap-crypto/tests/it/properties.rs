//! proptest: minify invariants, sign↔verify round trips, and "any change breaks the signature".

use std::sync::OnceLock;

use base64::Engine as _;
use proptest::prelude::*;
use serde_json::Value;
use snap_crypto::{ClientSecret, RsaPrivateKey, SignatureOptions, minify};

use crate::positional::{service, sign_asymmetric, sign_symmetric, verify_asymmetric};

use crate::fixture;

/// A JSON document in two renderings: with arbitrary whitespace between tokens, and compact.
#[derive(Debug, Clone)]
struct Doc {
    pretty: String,
    compact: String,
}

fn ws() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![" ", "  ", "\n", "\t", "\r\n", "        "]),
        0..3,
    )
    .prop_map(|v| v.concat())
}

fn string_literal() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        Just("\\/".to_owned()),
        Just("\\u00e9".to_owned()),
        Just("\\\"".to_owned()),
        Just("\\\\".to_owned()),
        Just("\\n".to_owned()),
        Just("é日本 ".to_owned()),
        Just("  {\\\"not\\\": [json]}  ".to_owned()),
    ];
    prop::collection::vec(fragment, 0..4).prop_map(|v| format!("\"{}\"", v.concat()))
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        string_literal(),
        Just("10000.00".to_owned()),
        Just("1e3".to_owned()),
        Just("-0.50E+2".to_owned()),
        Just("0".to_owned()),
        (0u32..100_000).prop_map(|n| n.to_string()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
    ]
}

fn doc() -> impl Strategy<Value = Doc> {
    let leaf = scalar().prop_map(|s| Doc {
        pretty: s.clone(),
        compact: s,
    });
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec((inner.clone(), ws(), ws()), 0..6).prop_map(|items| {
                let mut pretty = String::from("[");
                let mut compact = String::from("[");
                for (k, (d, a, b)) in items.iter().enumerate() {
                    if k > 0 {
                        pretty.push(',');
                        compact.push(',');
                    }
                    pretty.push_str(a);
                    pretty.push_str(&d.pretty);
                    pretty.push_str(b);
                    compact.push_str(&d.compact);
                }
                pretty.push(']');
                compact.push(']');
                Doc { pretty, compact }
            }),
            prop::collection::vec((string_literal(), inner, ws(), ws(), ws()), 0..6).prop_map(
                |members| {
                    let mut pretty = String::from("{");
                    let mut compact = String::from("{");
                    for (k, (key, d, a, b, c)) in members.iter().enumerate() {
                        if k > 0 {
                            pretty.push(',');
                            compact.push(',');
                        }
                        pretty.push_str(&format!("{a}{key}{b}:{c}{}", d.pretty));
                        compact.push_str(&format!("{key}:{}", d.compact));
                    }
                    pretty.push('}');
                    compact.push('}');
                    Doc { pretty, compact }
                }
            ),
        ]
    })
}

/// Token soup: mostly invalid JSON, some valid, for comparing acceptance with serde_json.
fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"a b\"",
            "\"k\"",
            "1",
            "-0.5e3",
            "9e999",
            "01",
            "true",
            "nul",
            "null",
            " ",
            "\n",
            "\"\\x\"",
            "\"\\u12\"",
            "-",
            "1.",
            "x",
        ]),
        0..24,
    )
    .prop_map(|v| v.concat())
}

fn secret() -> &'static ClientSecret {
    static S: OnceLock<ClientSecret> = OnceLock::new();
    S.get_or_init(|| ClientSecret::new("proptest-secret"))
}

fn rsa() -> &'static RsaPrivateKey {
    static K: OnceLock<RsaPrivateKey> = OnceLock::new();
    K.get_or_init(|| RsaPrivateKey::from_file(fixture("keys/rsa2048-pkcs8.pem")).unwrap())
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// A request whose parts can be mutated one byte at a time.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    token: String,
    body: String,
    timestamp: String,
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
        "/[a-z0-9./-]{0,30}(\\?[a-z]=[0-9]{1,4})?",
        "[A-Za-z0-9._-]{1,40}",
        doc(),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|\\+07:00)",
    )
        .prop_map(|(m, path, token, d, timestamp)| Request {
            method: m.to_owned(),
            path,
            token,
            body: d.pretty,
            timestamp,
        })
}

fn flip(s: &str, at: usize, to: u8) -> String {
    let mut b = s.as_bytes().to_vec();
    let i = at % b.len();
    b[i] = if b[i] == to { to ^ 1 } else { to };
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    #[test]
    fn minify_removes_exactly_the_insignificant_whitespace(d in doc()) {
        let out = minify(d.pretty.as_bytes()).unwrap();
        prop_assert_eq!(&out, d.compact.as_bytes());
        // Idempotent.
        prop_assert_eq!(&minify(&out).unwrap(), &out);
        // Only whitespace bytes were removed (the output is a subsequence).
        let mut it = out.iter().peekable();
        for &b in d.pretty.as_bytes() {
            if it.peek() == Some(&&b) { it.next(); } else { prop_assert!(is_ws(b), "removed {b:#x}"); }
        }
        prop_assert!(it.next().is_none());
        // Same value.
        let a: Value = serde_json::from_str(&d.pretty).unwrap();
        let b: Value = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn minify_accepts_what_serde_json_accepts(s in soup()) {
        // The oracle is serde_json's grammar (`IgnoredAny` checks syntax only):
        // a number beyond f64's range such as `-0.5e311` is valid JSON that
        // minify keeps verbatim, while `Value` refuses it as out of range.
        let ours = minify(s.as_bytes());
        let theirs = serde_json::from_str::<serde::de::IgnoredAny>(&s);
        let ws_only = s.bytes().all(is_ws);
        match (ours, theirs) {
            (Ok(out), Ok(_)) => {
                if let Ok(v) = serde_json::from_str::<Value>(&s) {
                    prop_assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), v);
                }
                prop_assert_eq!(minify(&out).unwrap(), out);
            }
            (Ok(out), Err(_)) => prop_assert!(ws_only && out.is_empty(), "accepted {s:?}"),
            (Err(e), Ok(_)) => prop_assert!(false, "rejected valid {s:?}: {e}"),
            (Err(e), Err(_)) => prop_assert!(e.offset() <= s.len()),
        }
    }

    #[test]
    fn minify_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(out) = minify(&bytes) {
            prop_assert!(out.len() <= bytes.len());
            prop_assert_eq!(minify(&out).unwrap(), out);
        }
    }

    #[test]
    fn symmetric_round_trip_and_any_change_fails(r in request(), which in 0usize..6, at in any::<usize>(), to in 0x21u8..0x7f) {
        let opts = SignatureOptions::default();
        let sig = sign_symmetric(secret(), &r.method, &r.path, &r.token, r.body.as_bytes(), &r.timestamp, &opts).unwrap();
        prop_assert!(snap_crypto::verify(&service(&r.method, &r.path, Some(&r.token), r.body.as_bytes(), &r.timestamp, &opts), &sig, secret()).is_ok());
        // Whitespace-only changes to the body do not matter.
        let reminified = String::from_utf8(minify(r.body.as_bytes()).unwrap()).unwrap();
        prop_assert!(snap_crypto::verify(&service(&r.method, &r.path, Some(&r.token), reminified.as_bytes(), &r.timestamp, &opts), &sig, secret()).is_ok());

        let mut m = r.clone();
        let mut sig2 = sig.clone();
        match which {
            0 => m.method = flip(&r.method, at, b'A' + to % 26),
            1 => m.path = flip(&r.path, at, to),
            2 => m.token = flip(&r.token, at, to),
            3 => {
                // A byte that is not insignificant whitespace: any non-whitespace byte.
                let idx: Vec<usize> = r.body.bytes().enumerate().filter(|(_, b)| !is_ws(*b)).map(|(i, _)| i).collect();
                let i = idx[at % idx.len()];
                m.body = flip(&r.body, i, to);
                prop_assume!(m.body != r.body);
            }
            4 => m.timestamp = flip(&r.timestamp, at, to),
            _ => {
                let mut raw = base64::engine::general_purpose::STANDARD.decode(&sig).unwrap();
                let i = at % raw.len();
                raw[i] ^= 1 << (to % 8);
                sig2 = base64::engine::general_purpose::STANDARD.encode(raw);
            }
        }
        prop_assume!(m.method.to_ascii_uppercase() != r.method || which != 0);
        prop_assert!(snap_crypto::verify(&service(&m.method, &m.path, Some(&m.token), m.body.as_bytes(), &m.timestamp, &opts), &sig2, secret()).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn asymmetric_round_trip_and_any_change_fails(r in request(), which in 0usize..5, at in any::<usize>(), to in 0x21u8..0x7f) {
        let opts = SignatureOptions::default();
        let public = rsa().public_key();
        let sig = sign_asymmetric(rsa(), &r.method, &r.path, r.body.as_bytes(), &r.timestamp, &opts).unwrap();
        prop_assert!(verify_asymmetric(&public, &r.method, &r.path, r.body.as_bytes(), &r.timestamp, &sig, &opts).is_ok());
        let mut m = r.clone();
        let mut sig2 = sig.clone();
        match which {
            0 => m.path = flip(&r.path, at, to),
            1 => {
                let idx: Vec<usize> = r.body.bytes().enumerate().filter(|(_, b)| !is_ws(*b)).map(|(i, _)| i).collect();
                m.body = flip(&r.body, idx[at % idx.len()], to);
            }
            2 => m.timestamp = flip(&r.timestamp, at, to),
            3 => m.method = flip(&r.method, at, b'A' + to % 26),
            _ => {
                let mut raw = base64::engine::general_purpose::STANDARD.decode(&sig).unwrap();
                let i = at % raw.len();
                raw[i] ^= 1 << (to % 8);
                sig2 = base64::engine::general_purpose::STANDARD.encode(raw);
            }
        }
        prop_assert!(verify_asymmetric(&public, &m.method, &m.path, m.body.as_bytes(), &m.timestamp, &sig2, &opts).is_err());
    }
}
