//! Turns key text as people paste it (PEM, PEM with literal `\n`, header-less base64, DER) into DER.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::Error;

/// DER bytes plus the PEM label they came with, if any.
pub(crate) struct KeyDer {
    pub(crate) label: Option<String>,
    pub(crate) der: Zeroizing<Vec<u8>>,
}

/// All PEM blocks in the input, or the single DER / base64 document it is.
pub(crate) fn decode(input: &[u8]) -> Result<Vec<KeyDer>, Error> {
    // DER is binary: never trim or rewrite it. (Base64 of a DER SEQUENCE starts with 'M'.)
    if input.first() == Some(&0x30) {
        return Ok(vec![KeyDer {
            label: None,
            der: Zeroizing::new(input.to_vec()),
        }]);
    }
    let mut text = input.trim_ascii();
    // A value copied from a .env file may keep its quotes.
    if let Some(inner) = text.strip_prefix(b"\"").and_then(|t| t.strip_suffix(b"\"")) {
        text = inner.trim_ascii();
    }
    if text.is_empty() {
        return Err(Error::BadKey("empty input".into()));
    }
    // Environment variables often hold `\n` as two characters.
    let text = unescape_newlines(text);
    if text.windows(11).any(|w| w == b"-----BEGIN ") {
        pem_blocks(&text)
    } else {
        Ok(vec![KeyDer {
            label: None,
            der: base64_body(&text)?,
        }])
    }
}

fn unescape_newlines(text: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len()));
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match (b, text.get(i + 1)) {
            (b'\\', Some(b'n' | b'r')) => {
                out.push(b'\n');
                i += 2;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn base64_body(text: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let compact: Zeroizing<Vec<u8>> = Zeroizing::new(
        text.iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect(),
    );
    let mut der = Zeroizing::new(Vec::with_capacity(compact.len() / 4 * 3 + 3));
    STANDARD
        .decode_vec(&*compact, &mut der)
        .map_err(|_| Error::BadKey("not PEM, DER or base64".into()))?;
    Ok(der)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn pem_blocks(mut text: &[u8]) -> Result<Vec<KeyDer>, Error> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let mut blocks = Vec::new();
    while let Some(start) = find(text, BEGIN) {
        let after = text.get(start + BEGIN.len()..).unwrap_or_default();
        let label_end = find(after, b"-----").ok_or_else(|| bad_pem("unterminated BEGIN line"))?;
        let label = after.get(..label_end).unwrap_or_default();
        let body_and_rest = after.get(label_end + 5..).unwrap_or_default();
        let mut end_line = b"-----END ".to_vec();
        end_line.extend_from_slice(label);
        end_line.extend_from_slice(b"-----");
        let body_end = find(body_and_rest, &end_line).ok_or_else(|| bad_pem("missing END line"))?;
        let body = body_and_rest.get(..body_end).unwrap_or_default();
        if body.contains(&b':') {
            return Err(Error::BadKey(
                "encrypted PEM (Proc-Type header) is not supported; decrypt it with openssl first"
                    .into(),
            ));
        }
        blocks.push(KeyDer {
            label: Some(String::from_utf8_lossy(label).into_owned()),
            der: base64_body(body)?,
        });
        text = body_and_rest
            .get(body_end + end_line.len()..)
            .unwrap_or_default();
    }
    Ok(blocks)
}

fn bad_pem(what: &str) -> Error {
    Error::BadKey(format!("malformed PEM: {what}"))
}
