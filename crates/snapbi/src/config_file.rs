//! What every `snapbi` TOML config shares: problems that name their field, and secrets that come
//! from files or environment variables named by the config, never from the config text itself.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

#[cfg(any(test, fuzzing))]
pub(crate) mod fuzz_check;

/// A configuration problem, naming the field.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {message}")]
pub(crate) struct ConfigError {
    field: String,
    message: String,
}

/// A problem with `field`.
pub(crate) fn problem(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        field: field.into(),
        message: message.into(),
    }
}

/// A TOML syntax or type error of `text` as a problem of `config`, with the line and column it
/// is at (toml's message names the key when the key is the fault: unknown, missing, duplicate).
pub(crate) fn toml_problem(text: &str, e: &toml::de::Error) -> ConfigError {
    let at = e.span().map_or_else(String::new, |span| {
        let before = text.get(..span.start).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {column}: ")
    });
    problem("config", format!("{at}{}", e.message().trim_end()))
}

/// A key file named by `field` (relative to `base`), read by `load`: its absence or a load error
/// is a problem of `field`.
pub(crate) fn key_file<K, E: std::fmt::Display>(
    base: &Path,
    field: &str,
    file: Option<PathBuf>,
    load: impl FnOnce(&Path) -> Result<K, E>,
) -> Result<K, ConfigError> {
    let path = base.join(file.ok_or_else(|| problem(field, "missing"))?);
    load(&path).map_err(|e| problem(field, format!("{}: {e}", path.display())))
}

/// A secret named by `<name>_file` (relative to `base`) or `<name>_env`; an inline `<name>` is
/// refused. A file's trailing line break is not part of the secret; an empty secret is an error.
pub(crate) fn secret(
    base: &Path,
    name: &str,
    file: Option<PathBuf>,
    env: Option<String>,
    inline: bool,
) -> Result<Option<Zeroizing<Vec<u8>>>, ConfigError> {
    if inline {
        return Err(problem(
            name,
            format!("secrets are never read from the config text; use {name}_file or {name}_env"),
        ));
    }
    match (file, env) {
        (Some(_), Some(_)) => Err(problem(
            name,
            format!("give {name}_file or {name}_env, not both"),
        )),
        (Some(file), None) => {
            let path = base.join(file);
            let bytes = Zeroizing::new(std::fs::read(&path).map_err(|e| {
                problem(
                    format!("{name}_file"),
                    format!("cannot read {}: {e}", path.display()),
                )
            })?);
            let end = bytes
                .iter()
                .rposition(|b| !matches!(b, b'\n' | b'\r'))
                .map_or(0, |i| i + 1);
            match bytes.get(..end) {
                Some(trimmed) if !trimmed.is_empty() => Ok(Some(Zeroizing::new(trimmed.to_vec()))),
                _ => Err(problem(
                    format!("{name}_file"),
                    format!("{} is empty", path.display()),
                )),
            }
        }
        (None, Some(var)) => match std::env::var(&var) {
            Ok(value) if !value.is_empty() => Ok(Some(Zeroizing::new(value.into_bytes()))),
            _ => Err(problem(
                format!("{name}_env"),
                format!("environment variable {var} is not set"),
            )),
        },
        (None, None) => Ok(None),
    }
}
