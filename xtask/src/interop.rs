//! `cargo xtask interop`: the providers' official SDKs against `snapbi sandbox`, as a merchant
//! would use them.
//!
//! 1. Installs pinned SDK versions from PyPI and npm into a cache (`$SNAP_INTEROP_CACHE`, default
//!    `<target dir>/interop-cache`; reused when the pins match): a Python venv with DOKU's
//!    `doku-python-library` (plus `flask`, `xmltodict` and `pycryptodome`, which it imports
//!    without declaring them) and DANA's `dana-python`; Midtrans's `midtrans-client` for Node.
//! 2. Builds `snapbi` and, per SDK, starts `snapbi sandbox --demo --profile <provider>` with a
//!    free loopback port for the merchant's callbacks.
//! 3. Runs the SDK's script from `xtask/interop/` (token, create, status, refund or delete, and
//!    the SDK's own webhook/notification verifier on what the sandbox sends) and prints each of
//!    its `PASS`/`FAIL` lines, then the total. Exits non-zero when any check failed.
//!
//! Needs `python3` (with `venv`), `node` (18 or later) and `npm` on the PATH.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Instant;

use crate::workspace_root;

/// The SDK versions the checks were written against.
const PYTHON_PACKAGES: &[&str] = &[
    "doku-python-library==1.1.72",
    "dana-python==2.2.2",
    // Imported by doku-python-library 1.1.72 but missing from its declared dependencies.
    "flask==3.1.3",
    "xmltodict==1.0.4",
    "pycryptodome==4.5.0",
];
const NPM_PACKAGES: &[&str] = &["midtrans-client@1.4.3"];

/// One SDK run: its script, the sandbox profile and notification mode it runs against.
struct Suite {
    name: &'static str,
    profile: &'static str,
    notifications: &'static str,
    runtime: Runtime,
    script: &'static str,
}

#[derive(Clone, Copy)]
enum Runtime {
    Python,
    Node,
}

const SUITES: &[Suite] = &[
    Suite {
        name: "DOKU doku-python-library 1.1.72",
        profile: "doku",
        notifications: "symmetric",
        runtime: Runtime::Python,
        script: "doku.py",
    },
    Suite {
        name: "Midtrans midtrans-client 1.4.3 (SnapBi)",
        profile: "midtrans",
        notifications: "asymmetric",
        runtime: Runtime::Node,
        script: "midtrans.js",
    },
    Suite {
        name: "DANA dana-python 2.2.2 (payment gateway)",
        profile: "dana",
        notifications: "asymmetric",
        runtime: Runtime::Python,
        script: "dana_gateway.py",
    },
];

/// Runs `cargo xtask interop`.
pub(crate) fn run() -> Result<(), String> {
    let started = Instant::now();
    let root = workspace_root();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let cache = std::env::var_os("SNAP_INTEROP_CACHE")
        .map_or_else(|| target.join("interop-cache"), PathBuf::from);
    install(&cache)?;
    println!(
        "interop: SDKs ready in {} ({} s)",
        cache.display(),
        started.elapsed().as_secs()
    );
    crate::run_command("cargo", &["build", "--quiet", "-p", "snapbi"])?;
    let snapbi = target.join("debug").join("snapbi");
    let sandbox_key = output(Command::new(&snapbi).args(["sandbox", "key", "--demo"]))?;
    let mut passed = 0;
    let mut failed = 0;
    for suite in SUITES {
        println!(
            "\n{}: snapbi sandbox --profile {} --notifications {}",
            suite.name, suite.profile, suite.notifications
        );
        let (lines, ok) = run_suite(suite, &root, &cache, &snapbi, &sandbox_key)?;
        for line in &lines {
            println!("  {line}");
        }
        passed += lines.iter().filter(|l| l.starts_with("PASS ")).count();
        failed += lines.iter().filter(|l| l.starts_with("FAIL ")).count();
        if !ok && !lines.iter().any(|l| l.starts_with("FAIL ")) {
            failed += 1;
            println!(
                "  FAIL {}: the script failed without naming a check",
                suite.name
            );
        }
    }
    println!(
        "\ninterop: {passed} passed, {failed} failed, {} checks in {} s",
        passed + failed,
        started.elapsed().as_secs()
    );
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} interop checks failed"))
    }
}

/// Installs the pinned SDKs unless the cache already holds exactly these pins.
fn install(cache: &Path) -> Result<(), String> {
    let pins = format!(
        "{}\n{}\n",
        PYTHON_PACKAGES.join("\n"),
        NPM_PACKAGES.join("\n")
    );
    let marker = cache.join("installed.txt");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == pins) {
        return Ok(());
    }
    std::fs::create_dir_all(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let venv = cache.join("py");
    status(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    status(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(PYTHON_PACKAGES),
    )?;
    let node = cache.join("node");
    std::fs::create_dir_all(&node).map_err(|e| format!("{}: {e}", node.display()))?;
    status(
        Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&node)
            .args(NPM_PACKAGES),
    )?;
    std::fs::write(&marker, pins).map_err(|e| format!("{}: {e}", marker.display()))
}

/// A free loopback port (bound and released; the merchant script binds it next).
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("bind: {e}"))
}

/// A sandbox process, killed on drop.
struct Sandbox {
    child: Child,
    base: String,
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sandbox(snapbi: &Path, suite: &Suite, webhook_port: u16) -> Result<Sandbox, String> {
    let mut child = Command::new(snapbi)
        .args(["sandbox", "--demo", "--listen", "127.0.0.1:0"])
        .args([
            "--profile",
            suite.profile,
            "--notifications",
            suite.notifications,
        ])
        .arg("--callback")
        .arg(format!("http://127.0.0.1:{webhook_port}/api"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", snapbi.display()))?;
    let stdout = child.stdout.take().ok_or("sandbox without stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|e| format!("sandbox output: {e}"))?;
    let base = line
        .trim()
        .strip_prefix("snapbi sandbox listening on ")
        .ok_or_else(|| format!("unexpected sandbox output {line:?}"))?
        .to_owned();
    Ok(Sandbox {
        child,
        base,
        _stdout: reader,
    })
}

fn run_suite(
    suite: &Suite,
    root: &Path,
    cache: &Path,
    snapbi: &Path,
    sandbox_key: &str,
) -> Result<(Vec<String>, bool), String> {
    let webhook_port = free_port()?;
    let sandbox = sandbox(snapbi, suite, webhook_port)?;
    let script = root.join("xtask").join("interop").join(suite.script);
    let mut command = match suite.runtime {
        Runtime::Python => Command::new(cache.join("py").join("bin").join("python")),
        Runtime::Node => {
            let mut c = Command::new("node");
            c.env("NODE_PATH", cache.join("node").join("node_modules"));
            c
        }
    };
    let out = command
        .arg(&script)
        .env("SANDBOX", &sandbox.base)
        .env("WEBHOOK_PORT", webhook_port.to_string())
        .env("KEY_DIR", root.join("crates/snapbi/demo-keys"))
        .env("SANDBOX_PUBLIC_KEY", sandbox_key)
        // DANA's parser ignores the key it is given unless DANA_ENV names another environment.
        .env("DANA_ENV", "production")
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    drop(sandbox);
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("PASS ") || l.starts_with("FAIL "))
        .map(str::to_owned)
        .collect();
    if !out.status.success() && lines.is_empty() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Ok((
            vec![format!("FAIL {}: {}", suite.name, tail.join(" | "))],
            false,
        ));
    }
    Ok((lines, out.status.success()))
}

fn status(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn output(command: &mut Command) -> Result<String, String> {
    let out = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{command:?} failed ({})", out.status))
    }
}
