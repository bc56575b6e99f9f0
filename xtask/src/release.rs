//! `cargo xtask release --dry-run`: everything a release checks, without publishing.

use std::process::Command;

use crate::{run_command, workspace_root};

/// Checks a clean tree (unless `allow_dirty`: packaging then takes the files as they are on disk)
/// and consistent versions, then packages and verifies every publishable crate in dependency
/// order with `cargo publish --workspace --dry-run --locked` (crates not yet on crates.io resolve
/// to the ones packaged before them).
pub(crate) fn dry_run(allow_dirty: bool) -> Result<(), String> {
    if !allow_dirty {
        check_clean_tree()?;
    }
    check_versions()?;
    let mut args = vec!["publish", "--workspace", "--dry-run", "--locked"];
    if allow_dirty {
        args.push("--allow-dirty");
    }
    run_command("cargo", &args)
}

fn check_clean_tree() -> Result<(), String> {
    let output = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(workspace_root())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err("git status failed".into());
    }
    if output.stdout.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the work tree is not clean; commit or stash first (or --allow-dirty):\n{}",
            String::from_utf8_lossy(&output.stdout)
        ))
    }
}

/// Every publishable crate has the same version, and every dependency on a workspace crate
/// asks for exactly that version.
fn check_versions() -> Result<(), String> {
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
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata: no packages")?;
    let publishable: Vec<&serde_json::Value> = packages
        .iter()
        .filter(|p| {
            p["publish"]
                .as_array()
                .is_none_or(|registries| !registries.is_empty())
        })
        .collect();
    let mut version = None;
    let mut problems = Vec::new();
    for package in &publishable {
        let name = package["name"].as_str().unwrap_or("?");
        let this = package["version"].as_str().unwrap_or("?");
        match version {
            None => version = Some(this),
            Some(v) if v != this => problems.push(format!("{name} is {this}, others are {v}")),
            Some(_) => {}
        }
        for field in ["description", "license", "repository", "readme"] {
            if package[field].is_null() {
                problems.push(format!("{name} has no {field}"));
            }
        }
    }
    let names: Vec<&str> = publishable
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for package in &publishable {
        let deps = package["dependencies"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        // Dev-dependencies (a crate's own `testing` feature, say) are not part of what is published.
        for dep in deps.iter().filter(|d| {
            names.contains(&d["name"].as_str().unwrap_or("")) && d["kind"].as_str() != Some("dev")
        }) {
            let req = dep["req"].as_str().unwrap_or("*");
            let wanted = version.unwrap_or("?");
            if req.trim_start_matches(['^', '=']) != wanted {
                problems.push(format!(
                    "{} depends on {} {req}, the workspace is at {wanted}",
                    package["name"].as_str().unwrap_or("?"),
                    dep["name"].as_str().unwrap_or("?")
                ));
            }
        }
    }
    if problems.is_empty() {
        println!(
            "versions consistent: {} crates at {}",
            publishable.len(),
            version.unwrap_or("?")
        );
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
