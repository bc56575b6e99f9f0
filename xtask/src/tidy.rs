//! `cargo xtask tidy`: the project rules a compiler does not check.
//!
//! - Dependency direction: snap-types <- snap-crypto <- snap-http <- snap-store <- snapbi, and
//!   snap-qris depends on none of our crates (so each publishes and builds on its own).
//! - No wall-clock reads in library code outside a `Clock` implementation (clippy.toml has the
//!   same rule as `disallowed-methods`; this check also catches a blanket `#[allow]`).
//! - Every publishable crate has a README, a description and docs.rs metadata; a library's crate
//!   docs are its README, mark feature-gated items on docs.rs, and reach no file outside the crate.

use std::path::Path;
use std::process::Command;

use crate::workspace_root;

/// Which of our crates each crate may depend on (normal, build and dev dependencies; a crate may
/// always name itself, as snap-http does for its test helpers).
const ALLOWED: &[(&str, &[&str])] = &[
    ("snap-types", &[]),
    ("snap-qris", &[]),
    ("snap-crypto", &["snap-types"]),
    ("snap-http", &["snap-types", "snap-crypto", "snap-qris"]),
    (
        "snap-store",
        &["snap-types", "snap-crypto", "snap-http", "snap-qris"],
    ),
    (
        "snapbi",
        &[
            "snap-types",
            "snap-crypto",
            "snap-http",
            "snap-qris",
            "snap-store",
        ],
    ),
    ("xtask", &[]),
];

/// Calls that read the wall clock.
const WALL_CLOCK: &[&str] = &["now_utc(", "SystemTime::now(", "UtcDateTime::now("];

/// Runs every check and reports all problems at once.
pub(crate) fn run() -> Result<(), String> {
    let metadata = metadata()?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    let mut problems = Vec::new();
    for package in packages {
        let name = package["name"].as_str().unwrap_or("?");
        check_dependencies(name, package, &mut problems);
        let manifest = Path::new(package["manifest_path"].as_str().unwrap_or(""));
        let dir = manifest.parent().unwrap_or(Path::new("."));
        let is_lib = package["targets"].as_array().is_some_and(|targets| {
            targets.iter().any(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.contains(&"lib".into()))
            })
        });
        if is_lib {
            check_wall_clock(name, &dir.join("src"), &mut problems);
        }
        let publishable = package["publish"]
            .as_array()
            .is_none_or(|registries| !registries.is_empty());
        if publishable {
            check_metadata(name, package, dir, is_lib, &mut problems);
        }
    }
    if problems.is_empty() {
        println!("tidy: {} crates checked, no problems", packages.len());
        Ok(())
    } else {
        Err(format!("tidy:\n  {}", problems.join("\n  ")))
    }
}

fn metadata() -> Result<serde_json::Value, String> {
    let output = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .current_dir(workspace_root())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))
}

fn check_dependencies(name: &str, package: &serde_json::Value, problems: &mut Vec<String>) {
    let Some((_, allowed)) = ALLOWED.iter().find(|(crate_name, _)| *crate_name == name) else {
        problems.push(format!(
            "{name}: not in tidy's dependency table (xtask/src/tidy.rs ALLOWED): add it"
        ));
        return;
    };
    let ours = |dep: &str| ALLOWED.iter().any(|(crate_name, _)| *crate_name == dep);
    for dep in package["dependencies"].as_array().into_iter().flatten() {
        let dep_name = dep["name"].as_str().unwrap_or("?");
        if ours(dep_name) && dep_name != name && !allowed.contains(&dep_name) {
            problems.push(format!(
                "{name} depends on {dep_name}: the direction is snap-types <- snap-crypto <- \
                 snap-http <- snap-store <- snapbi, and snap-qris depends on none of ours"
            ));
        }
    }
}

fn check_wall_clock(name: &str, src: &Path, problems: &mut Vec<String>) {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            problems.push(format!("{}: unreadable", file.display()));
            continue;
        };
        for (at, _) in WALL_CLOCK.iter().flat_map(|call| text.match_indices(call)) {
            // Allowed inside `impl Clock for ...`: the nearest impl before the call, not closed
            // (at column 0) before it.
            let before = &text[..at];
            let in_clock_impl = before.rfind("\nimpl").is_some_and(|start| {
                let block = &before[start..];
                block
                    .lines()
                    .nth(1)
                    .is_some_and(|h| h.contains("Clock for "))
                    && !block.contains("\n}")
            });
            let line = before.lines().count();
            let comment = text[..at]
                .rsplit('\n')
                .next()
                .is_some_and(|prefix| prefix.trim_start().starts_with("//"));
            if !in_clock_impl && !comment {
                problems.push(format!(
                    "{name}: {}:{line} reads the wall clock; take now from a snap_crypto::Clock",
                    file.display()
                ));
            }
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn check_metadata(
    name: &str,
    package: &serde_json::Value,
    dir: &Path,
    is_lib: bool,
    problems: &mut Vec<String>,
) {
    for field in ["description", "license", "repository", "readme"] {
        if package[field].is_null() {
            problems.push(format!("{name}: Cargo.toml has no {field}"));
        }
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    if readme.is_empty() {
        problems.push(format!("{name}: no README.md"));
    }
    if !is_lib {
        return;
    }
    if package["metadata"]["docs"]["rs"]["all-features"] != serde_json::Value::Bool(true) {
        problems.push(format!(
            "{name}: Cargo.toml needs [package.metadata.docs.rs] all-features = true"
        ));
    }
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap_or_default();
    for attribute in [
        "#![doc = include_str!(\"../README.md\")]",
        "#![cfg_attr(docsrs, feature(doc_cfg))]",
    ] {
        if !lib.contains(attribute) {
            problems.push(format!("{name}: src/lib.rs needs {attribute}"));
        }
    }
    // README examples are doc tests a user copies: they use files shipped inside the crate.
    if readme.contains("../../") {
        problems.push(format!(
            "{name}: README.md reaches outside the crate (../../); ship the file in the crate"
        ));
    }
}
