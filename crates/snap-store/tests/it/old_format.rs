//! A redb file written in an older file format is refused with a typed error and left untouched.

use snap_store::{NotificationStore, StoreError};

/// fixtures/journal/redb2-journal.redb.gz: a file written with redb 2.6 (file format v2), as
/// snapbi builds before the redb 5 upgrade wrote them (fixtures/README.md says how it was made).
fn old_format_file(dir: &std::path::Path) -> std::path::PathBuf {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/journal/redb2-journal.redb.gz");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(fixture).unwrap()),
        &mut bytes,
    )
    .unwrap();
    let path = dir.join("old.redb");
    std::fs::write(&path, &bytes).unwrap();
    path
}

#[test]
fn an_old_format_file_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = old_format_file(dir.path());
    let before = std::fs::read(&path).unwrap();
    assert!(before.starts_with(b"redb"), "the fixture is a redb file");
    for opened in [
        NotificationStore::open_redb(&path),
        NotificationStore::open_redb_read_only(&path),
    ] {
        let Err(error) = opened else {
            panic!("a redb v2 file opened");
        };
        assert!(matches!(error, StoreError::OldFormat(2)), "{error:?}");
        assert!(error.to_string().contains("file format v2"), "{error}");
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file was changed"
    );
}
