//! Where a store lives: a redb file or a PostgreSQL URL.

use std::path::PathBuf;
use std::str::FromStr;

use crate::StoreError;

/// A store's location, as given in a config file or on a command line: a `postgres://` (or
/// `postgresql://`) URL, or a path to a redb file (optionally written `redb:PATH`).
///
/// `Debug` and `Display` never show a URL's password.
///
/// ```
/// use snap_store::StoreLocation;
///
/// let shared: StoreLocation = "postgres://snap:secret@db/snap".parse().unwrap();
/// assert!(matches!(shared, StoreLocation::Postgres(_)));
/// assert_eq!(shared.to_string(), "postgres://snap:***@db/snap");
/// let local: StoreLocation = "data/notifications.redb".parse().unwrap();
/// assert!(matches!(local, StoreLocation::Redb(_)));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreLocation {
    /// An embedded redb file (created when absent).
    Redb(PathBuf),
    /// A PostgreSQL connection URL (needs the `postgres` feature to open).
    Postgres(String),
}

impl FromStr for StoreLocation {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Self::Postgres(s.to_owned()));
        }
        let path = s.strip_prefix("redb:").unwrap_or(s);
        if path.is_empty() || s.contains("://") {
            return Err(StoreError::Location(format!(
                "{:?} is neither a postgres:// URL nor a file path",
                redact(s)
            )));
        }
        Ok(Self::Redb(PathBuf::from(path)))
    }
}

/// The URL with the password (between `user:` and `@`) replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    // A password can also come as a query parameter.
    let path = match path.split_once('?') {
        Some((path, query)) => {
            let params: Vec<&str> = query
                .split('&')
                .map(|p| {
                    if p.starts_with("password=") {
                        "password=***"
                    } else {
                        p
                    }
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => path.to_owned(),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => format!("{scheme}://{authority}{path}"),
    }
}

impl std::fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Redb(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Redb(path) => f.debug_tuple("Redb").field(path).finish(),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(&redact(url)).finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn passwords_never_show() {
        for (url, shown) in [
            ("postgres://u:pw@h:5432/db", "postgres://u:***@h:5432/db"),
            ("postgresql://u@h/db", "postgresql://u@h/db"),
            (
                "postgres://h/db?password=x&a=b",
                "postgres://h/db?password=***&a=b",
            ),
            ("postgres://u:p@ss@h/db", "postgres://u:***@h/db"),
        ] {
            let location: StoreLocation = url.parse().unwrap();
            assert_eq!(location.to_string(), shown);
            assert!(!format!("{location:?}").contains("pw"));
        }
        assert!("mysql://x".parse::<StoreLocation>().is_err());
        assert!("".parse::<StoreLocation>().is_err());
        assert_eq!(
            "redb:a/b.redb".parse::<StoreLocation>().unwrap(),
            StoreLocation::Redb("a/b.redb".into())
        );
    }
}
