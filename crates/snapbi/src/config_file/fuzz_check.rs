//! The config fuzz target's checks (`fuzz/fuzz_targets/config.rs`, through
//! [`crate::fuzz_config`]; the tests below replay its corpus and regressions): any text as the
//! TOML configuration of `snapbi receive`, `snapbi sandbox` (with and without
//! `--allow-demo-keys`) or `snapbi call` (QoinHub or Finpay), the first byte choosing which, with
//! the key files of `demo-keys/` beside it.
//!
//! Never a panic. A refusal names what is at fault: a TOML error its line and column (or the key,
//! in toml's words); any other problem a key path (`merchants[0].callback.base_url`) that is in
//! the text, up to its last key, which is in the text too (or its `_file` / `_env` sibling) unless
//! the problem is that it is missing. An accepted configuration holds what the text says, within
//! the limits the command relies on (ids and channels of their lengths, unique clients, paths
//! that start with `/`, every served profile once).

use std::path::Path;

use snap_store::StoreLocation;
use toml::{Table, Value};

use super::ConfigError;
use crate::receive::{ReceiverConfig, SignatureMode};
use crate::sandbox::{ProfileKind, Profiles, SandboxConfig};

/// Runs the check on one input; returns whether the configuration was accepted.
pub(crate) fn fuzz_check(data: &[u8]) -> bool {
    let Some((&selector, text)) = data.split_first() else {
        return false;
    };
    let text = String::from_utf8_lossy(text);
    // Key files are read where the text says: not from devices, which never end.
    if ["/dev/", "/proc/", "/sys/"]
        .iter()
        .any(|d| text.contains(d))
    {
        return false;
    }
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo-keys");
    let result = match selector % 5 {
        0 => ReceiverConfig::parse(&text, &base).map(|c| check_receiver(&text, &c)),
        1 | 2 => {
            SandboxConfig::parse(&text, &base, selector % 5 == 2).map(|c| check_sandbox(&text, &c))
        }
        profile => {
            let profile = if profile == 3 {
                snap_http::ProviderProfile::qoinhub()
            } else {
                snap_http::ProviderProfile::finpay()
            };
            crate::call::parse_config(&text, &base, profile).map(drop)
        }
    };
    match result {
        Ok(()) => true,
        Err(e) => {
            check_refusal(&text, &e);
            false
        }
    }
}

/// The document, when the text is TOML (every text a command accepted is).
fn document(text: &str) -> Option<Table> {
    text.parse().ok()
}

fn check_refusal(text: &str, e: &ConfigError) {
    let (field, message) = (e.field.as_str(), e.message.as_str());
    assert!(!message.is_empty(), "{e}: no message");
    if field == "config" {
        let lines = text.lines().count() + 1;
        match message.strip_prefix("line ") {
            Some(rest) => {
                let line: usize = rest
                    .split(',')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("{e}: no line number"));
                assert!(
                    (1..=lines).contains(&line),
                    "{e}: the text has {lines} lines"
                );
            }
            None => assert!(message.contains('`'), "{e}: neither a line nor a key"),
        }
        return;
    }
    let doc = document(text).unwrap_or_else(|| panic!("{e}: refused as a value, but not TOML"));
    let missing = ["missing", "at least one", "is not set"]
        .iter()
        .any(|m| message.contains(m));
    assert!(
        names_a_key(&doc, field, missing),
        "{e}: {field} is not a key of the text"
    );
}

/// Whether `path` (`a.b[2].c`) leads through `doc` to a key that is there, or to where a missing
/// key belongs; a secret's key counts with its `_file` / `_env` sibling.
fn names_a_key(doc: &Table, path: &str, missing: bool) -> bool {
    // A key of the table (even one with dots or brackets in it, as `paths` keys may be).
    if has_key(doc, path) || missing && !path.contains(['.', '[']) {
        return true;
    }
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    let (name, index) = match head.split_once('[') {
        Some((name, index)) => (
            name,
            index
                .strip_suffix(']')
                .and_then(|i| i.parse::<usize>().ok()),
        ),
        None => (head, None),
    };
    let value = match (doc.get(name), index) {
        (Some(Value::Array(items)), Some(i)) => items.get(i),
        (value, None) => value,
        _ => None,
    };
    match (value, rest) {
        (Some(Value::Table(table)), Some(rest)) => names_a_key(table, rest, missing),
        (None, Some(rest)) if missing => !rest.contains(['.', '[']),
        (Some(_), None) => true,
        _ => false,
    }
}

fn has_key(doc: &Table, key: &str) -> bool {
    let stem = key
        .strip_suffix("_file")
        .or_else(|| key.strip_suffix("_env"))
        .unwrap_or(key);
    [
        key.to_owned(),
        stem.to_owned(),
        format!("{stem}_file"),
        format!("{stem}_env"),
    ]
    .iter()
    .any(|k| doc.contains_key(k))
}

fn text_of<'a>(table: &'a Table, key: &str) -> Option<&'a str> {
    table.get(key).and_then(Value::as_str)
}

fn tables<'a>(doc: &'a Table, key: &str) -> Vec<&'a Table> {
    doc.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_table).collect())
        .unwrap_or_default()
}

fn is_id(id: &str, max: usize) -> bool {
    (1..=max).contains(&id.len())
}

fn check_receiver(text: &str, config: &ReceiverConfig) {
    let doc = document(text).unwrap_or_else(|| panic!("accepted text that is not TOML"));
    assert_eq!(config.prefix, text_of(&doc, "prefix").unwrap_or(""));
    assert!(
        config.prefix.is_empty() || config.prefix.starts_with('/') && !config.prefix.ends_with('/'),
        "prefix {:?}",
        config.prefix
    );
    if let Some(listen) = text_of(&doc, "listen") {
        assert_eq!(Ok(config.listen), listen.parse());
    }
    if !doc.contains_key("store") {
        let StoreLocation::Redb(path) = &config.store else {
            panic!("no store in the text, yet {:?}", config.store);
        };
        assert!(path.ends_with("notifications.redb"), "{path:?}");
    }
    assert!((1..=3600).contains(&config.claim_lease.as_secs()));
    assert!((1..=1000).contains(&config.store_connections));
    assert!(config.token_key.len() >= 32);
    let partners = tables(&doc, "partners");
    assert_eq!(config.partners.len(), partners.len());
    assert!(!partners.is_empty());
    for (i, (partner, raw)) in config.partners.iter().zip(partners).enumerate() {
        assert_eq!(Some(partner.client_id.as_str()), text_of(raw, "client_id"));
        assert_eq!(
            partner.partner_id,
            text_of(raw, "partner_id").unwrap_or(&partner.client_id)
        );
        assert!(is_id(&partner.client_id, 36) && is_id(&partner.partner_id, 36));
        let signature = match text_of(raw, "signature") {
            Some("asymmetric") => SignatureMode::Asymmetric,
            _ => SignatureMode::Symmetric,
        };
        assert_eq!(partner.signature, signature);
        assert!(partner.channels.iter().all(|c| is_id(c, 5)));
        for other in &config.partners[..i] {
            assert_ne!(other.client_id, partner.client_id, "a client twice");
            assert_ne!(other.partner_id, partner.partner_id, "a partner twice");
        }
    }
}

fn check_sandbox(text: &str, config: &SandboxConfig) {
    let doc = document(text).unwrap_or_else(|| panic!("accepted text that is not TOML"));
    if let Some(listen) = text_of(&doc, "listen") {
        assert_eq!(Ok(config.listen), listen.parse());
    }
    assert!(config.delivery.max_attempts >= 1);
    let kinds: Vec<ProfileKind> = config.profiles.served.iter().map(|(k, _)| *k).collect();
    match doc.get("serve").and_then(Value::as_array) {
        Some(names) => {
            let names: Vec<_> = names.iter().filter_map(Value::as_str).collect();
            let served: Vec<_> = kinds.iter().map(|k| k.name()).collect();
            assert_eq!(served, names, "served profiles");
        }
        None => assert_eq!(config.profiles, Profiles::default()),
    }
    for (i, (kind, paths)) in config.profiles.served.iter().enumerate() {
        assert!(!kinds[..i].contains(kind), "{} served twice", kind.name());
        let token = paths.token_path();
        assert!(
            token.starts_with('/'),
            "{} token path {token:?}",
            kind.name()
        );
        for service in kind.services() {
            if let Some(path) = paths.path(*service) {
                assert!(
                    path.starts_with('/'),
                    "{} {service} path {path:?}",
                    kind.name()
                );
            }
        }
    }
    let merchants = tables(&doc, "merchants");
    assert_eq!(config.merchants.len(), merchants.len());
    assert!(!merchants.is_empty());
    for (i, (merchant, raw)) in config.merchants.iter().zip(merchants).enumerate() {
        assert_eq!(Some(merchant.client_id.as_str()), text_of(raw, "client_id"));
        assert!(is_id(&merchant.client_id, 36));
        assert!(
            config.merchants[..i]
                .iter()
                .all(|m| m.client_id != merchant.client_id)
        );
        assert!((1..=8).contains(&merchant.partner_service_id.chars().count()));
        assert!(merchant.channels.iter().all(|c| is_id(c, 5)));
        let callback = &merchant.callback;
        assert!(
            callback.base_url.starts_with("http://") || callback.base_url.starts_with("https://")
        );
        assert!(is_id(&callback.client_id, 36) && is_id(&callback.channel_id, 5));
        for path in [
            &callback.token_path,
            &callback.va_payment_path,
            &callback.qr_notify_path,
            &callback.debit_notify_path,
            &callback.va_inquiry_path,
        ] {
            assert!(path.starts_with('/'), "callback path {path:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::fuzz_inputs as inputs;

    /// Replays fuzz/corpus/config with the target's checks.
    #[test]
    fn config_corpus_replays() {
        let files = inputs("corpus/config");
        let accepted = files
            .iter()
            .filter(|path| {
                eprintln!("replaying {}", path.display());
                fuzz_check(&std::fs::read(path).unwrap())
            })
            .count();
        assert!(
            accepted >= 3,
            "{accepted} of the {} corpus inputs were accepted",
            files.len()
        );
    }

    /// Replays fuzz/regressions/config, the inputs the target once failed on.
    #[test]
    fn config_findings_replay() {
        for path in inputs("regressions/config") {
            eprintln!("replaying {}", path.display());
            fuzz_check(&std::fs::read(&path).unwrap());
        }
    }
}
