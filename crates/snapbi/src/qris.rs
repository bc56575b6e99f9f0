//! `snapbi qris`: decode, encode, static ↔ dynamic and render QRIS / EMV MPM payloads.
//!
//! Exit codes: 0 success; 1 a negative answer (invalid payload, bad CRC, invalid JSON);
//! 2 usage errors and unreadable inputs.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Value, json};
use snap_qris::{DataObject, DynamicOptions, OwnedObject, Payload, Profile, Severity, Tip};

/// `snapbi qris` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum QrisCommand {
    /// Decode and validate a payload (read exactly as given, no trimming); exit 0 only when it
    /// parses, its CRC is right and no error remains under the profile.
    Decode(DecodeArgs),
    /// Encode the `objects` list of `decode --json` (or its whole output); prints the payload
    /// with its CRC recomputed.
    Encode(EncodeArgs),
    /// Rewrite a payload as dynamic with an amount (a local rewrite, not an acquirer-issued code).
    Dynamic(DynamicArgs),
    /// Rewrite a payload as static (drops 54-57, sets 01 = 11).
    Static(StaticArgs),
    /// Draw the QR code: a PNG or SVG file with --out, else in the terminal.
    Render(RenderArgs),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum ProfileArg {
    /// Generic EMV MPM rules only.
    Emv,
    /// EMV plus the QRIS rules.
    Qris,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DecodeArgs {
    /// The payload, or `-` (default) to read standard input.
    payload: Option<String>,
    /// Validation profile.
    #[arg(long, value_enum, default_value = "qris")]
    profile: ProfileArg,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct EncodeArgs {
    /// A JSON file, or `-` (default) to read standard input.
    file: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum TipArg {
    /// 55 = 01: the payer's app asks for a tip.
    Prompt,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DynamicArgs {
    /// The source payload (its CRC must be right).
    payload: String,
    /// Amount, e.g. `15000` or `15000.50`.
    #[arg(long)]
    amount: String,
    /// Ask the payer for a tip.
    #[arg(long, value_enum, group = "fee")]
    tip: Option<TipArg>,
    /// Fixed convenience fee, e.g. `2500`.
    #[arg(long, group = "fee")]
    fee_fixed: Option<String>,
    /// Convenience fee percentage, 0.01-99.99.
    #[arg(long, group = "fee")]
    fee_percent: Option<String>,
    /// 62.05 reference label.
    #[arg(long)]
    reference: Option<String>,
    /// 62.07 terminal label.
    #[arg(long)]
    terminal: Option<String>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct StaticArgs {
    /// The source payload (its CRC must be right).
    payload: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RenderArgs {
    /// The payload to draw.
    payload: String,
    /// Output file; the format follows the extension (`.png` or `.svg`).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub(crate) fn run(c: &QrisCommand) -> ExitCode {
    match c {
        QrisCommand::Decode(a) => decode(a),
        QrisCommand::Encode(a) => encode(a),
        QrisCommand::Dynamic(a) => dynamic(a),
        QrisCommand::Static(a) => rewrite_static(a),
        QrisCommand::Render(a) => render(a),
    }
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("snapbi qris: {msg}");
    ExitCode::from(2)
}

fn negative(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("snapbi qris: {msg}");
    ExitCode::from(1)
}

/// Reads an argument, a file or standard input, without trimming.
fn read_input(arg: Option<&str>, is_file: bool) -> Result<String, ExitCode> {
    match arg {
        None | Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
            Ok(s)
        }
        Some(path) if is_file => {
            std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {path}: {e}")))
        }
        Some(text) => Ok(text.to_owned()),
    }
}

fn object_json(o: &DataObject<'_>) -> Value {
    let mut v = json!({ "id": o.id_str(), "length": o.length(), "value": o.value() });
    if o.is_template() && o.template_error().is_none() {
        v["children"] = Value::Array(o.children().iter().map(object_json).collect());
    }
    v
}

fn print_objects(objects: &[DataObject<'_>], indent: usize) {
    for o in objects {
        let path = o.path().to_string();
        let shown = if o.is_template() && o.template_error().is_none() {
            ""
        } else {
            o.value()
        };
        println!(
            "{:indent$}{path:<width$} {:>3}  {shown}",
            "",
            o.length(),
            width = 10 - indent
        );
        print_objects(o.children(), indent + 2);
    }
}

fn decode(a: &DecodeArgs) -> ExitCode {
    let input = match read_input(a.payload.as_deref(), false) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let profile = match a.profile {
        ProfileArg::Emv => Profile::Emv,
        ProfileArg::Qris => Profile::Qris,
    };
    let parsed = snap_qris::parse(&input);
    let issues = match &parsed {
        Ok(p) => p.validate(profile),
        Err(e) => vec![e.to_issue()],
    };
    let crc_ok = parsed.as_ref().map(|p| p.crc().is_valid()).unwrap_or(false);
    let valid = parsed.is_ok() && crc_ok && !issues.iter().any(|i| i.severity == Severity::Error);
    if a.json {
        let p = parsed.as_ref().ok();
        let crc = p.map(Payload::crc);
        let out = json!({
            "valid": valid,
            "profile": match profile { Profile::Emv => "emv", _ => "qris" },
            "crc": {
                "found": crc.and_then(|c| c.found()),
                "computed": crc.and_then(|c| c.computed_hex()),
                "ok": crc_ok,
            },
            "objects": p.map_or_else(Vec::new, |p| p.objects().iter().map(object_json).collect()),
            "issues": issues.iter().map(|i| json!({
                "severity": i.severity.as_str(),
                "code": i.code.as_str(),
                "path": i.path.to_string(),
                "position": i.position,
                "message": i.message,
            })).collect::<Vec<_>>(),
            "qris": p.map_or(Ok(Value::Null), |p| serde_json::to_value(p.view())).unwrap_or(Value::Null),
        });
        match serde_json::to_string_pretty(&out) {
            Ok(s) => println!("{s}"),
            Err(e) => return negative(e),
        }
    } else {
        if let Ok(p) = &parsed {
            println!("{:<10} {:>3}  VALUE", "ID", "LEN");
            print_objects(p.objects(), 0);
            let crc = p.crc();
            println!();
            println!(
                "CRC: found {}, computed {} ({})",
                crc.found().unwrap_or("-"),
                crc.computed_hex().as_deref().unwrap_or("-"),
                if crc_ok { "ok" } else { "WRONG" }
            );
        }
        if issues.is_empty() {
            println!("no issues");
        } else {
            println!("issues:");
            for i in &issues {
                let path = if i.path.ids().is_empty() {
                    "-".to_owned()
                } else {
                    i.path.to_string()
                };
                println!(
                    "  {:<7} {:<22} {path:<9} @{:<4} {}",
                    i.severity.as_str(),
                    i.code.as_str(),
                    i.position,
                    i.message
                );
            }
        }
        println!("{}", if valid { "valid" } else { "invalid" });
    }
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn owned_from_json(v: &Value) -> Result<OwnedObject, String> {
    let id = match &v["id"] {
        Value::String(s) if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<u8>().ok()
        }
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| *n <= 99),
        _ => None,
    }
    .ok_or_else(|| format!("object without a valid \"id\" (two digits): {v}"))?;
    match (&v["children"], &v["value"]) {
        (Value::Array(children), _) => Ok(OwnedObject::template(
            id,
            children
                .iter()
                .map(owned_from_json)
                .collect::<Result<_, _>>()?,
        )),
        (Value::Null, Value::String(s)) => Ok(OwnedObject::primitive(id, s.as_str())),
        _ => Err(format!(
            "object {id:02} needs a string \"value\" or a \"children\" list"
        )),
    }
}

fn encode(a: &EncodeArgs) -> ExitCode {
    let text = match read_input(a.file.as_deref(), true) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let doc: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return negative(format!("invalid JSON: {e}")),
    };
    let list = match &doc {
        Value::Array(list) => list,
        Value::Object(o) => match o.get("objects") {
            Some(Value::Array(list)) => list,
            _ => {
                return negative(
                    "expected a list of objects or an object with an \"objects\" list",
                );
            }
        },
        _ => return negative("expected a list of objects or an object with an \"objects\" list"),
    };
    let objects = match list
        .iter()
        .map(owned_from_json)
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(o) => o,
        Err(e) => return negative(e),
    };
    match snap_qris::encode(&objects) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => negative(e),
    }
}

fn parse_source(payload: &str) -> Result<Payload<'_>, ExitCode> {
    snap_qris::parse(payload).map_err(|e| negative(format!("not a payload: {e}")))
}

fn dynamic(a: &DynamicArgs) -> ExitCode {
    let Some(amount) = snap_qris::amount_to_minor(&a.amount, 2) else {
        return usage(format!(
            "--amount {:?} is not an amount (digits, optional '.', at most 2 decimals)",
            a.amount
        ));
    };
    let tip = match (&a.tip, &a.fee_fixed, &a.fee_percent) {
        (Some(TipArg::Prompt), _, _) => Some(Tip::Prompt),
        (_, Some(f), _) => match snap_qris::amount_to_minor(f, 2) {
            Some(v) => Some(Tip::Fixed(v)),
            None => return usage(format!("--fee-fixed {f:?} is not an amount")),
        },
        (_, _, Some(p)) => match snap_qris::percent_to_hundredths(p) {
            Some(v) => Some(Tip::Percent(v)),
            None => {
                return usage(format!(
                    "--fee-percent {p:?} is not a percentage 0.01-99.99"
                ));
            }
        },
        _ => None,
    };
    let p = match parse_source(&a.payload) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let opts = DynamicOptions {
        amount,
        tip,
        reference: a.reference.as_deref(),
        terminal: a.terminal.as_deref(),
    };
    match p.to_dynamic(&opts) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => negative(e),
    }
}

fn rewrite_static(a: &StaticArgs) -> ExitCode {
    let p = match parse_source(&a.payload) {
        Ok(p) => p,
        Err(code) => return code,
    };
    match p.to_static() {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => negative(e),
    }
}

fn render(a: &RenderArgs) -> ExitCode {
    let Some(out) = &a.out else {
        return match snap_qris::render_terminal(&a.payload) {
            Ok(s) => {
                println!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => negative(e),
        };
    };
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match ext.as_deref() {
        Some("png") => snap_qris::render_png(&a.payload, 8),
        Some("svg") => snap_qris::render_svg(&a.payload).map(String::into_bytes),
        _ => {
            return usage(format!(
                "--out {}: the file name must end in .png or .svg",
                out.display()
            ));
        }
    };
    match bytes {
        Ok(b) => match std::fs::write(out, b) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => usage(format!("cannot write {}: {e}", out.display())),
        },
        Err(e) => negative(e),
    }
}
