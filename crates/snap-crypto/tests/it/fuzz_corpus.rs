//! Replays the committed fuzz corpora through the same calls as the fuzz targets (no panics).

use std::path::Path;

use snap_crypto::{RsaPrivateKey, RsaPublicKey, minify};

use crate::fixture;

fn corpus(name: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fixture("..").join("fuzz/corpus").join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (name_of(&p), std::fs::read(&p).unwrap()))
        .collect()
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn minify_corpus() {
    let files = corpus("minify");
    assert!(!files.is_empty());
    for (name, data) in files {
        if let Ok(out) = minify(&data) {
            assert!(out.len() <= data.len(), "{name}");
            assert_eq!(
                minify(&out).as_deref(),
                Ok(&out[..]),
                "{name}: not idempotent"
            );
        }
    }
}

#[test]
fn key_loading_corpus() {
    let files = corpus("key_loading");
    assert!(!files.is_empty());
    let mut loaded = 0;
    for (_, data) in files {
        loaded += usize::from(RsaPrivateKey::parse(&data).is_ok());
        loaded += usize::from(RsaPublicKey::parse(&data).is_ok());
    }
    // The seeds include the valid fixture keys.
    assert!(loaded > 0);
}
