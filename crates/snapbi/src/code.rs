//! `snapbi code`: explain SNAP response codes.

use std::io::Write as _;
use std::process::ExitCode;

use snap_types::ResponseCode;

/// Arguments of `snapbi code`.
#[derive(Debug, clap::Args)]
pub(crate) struct CodeArgs {
    /// 7-digit response codes (HTTP status + service code + case code), e.g. 4012501.
    #[arg(required = true, value_name = "CODE")]
    codes: Vec<String>,
    /// One JSON object per code, one per line.
    #[arg(long)]
    json: bool,
}

/// Explains every code, or exits 2 naming the first argument that is not a 7-digit code
/// (nothing is printed then, so a script never sees half an answer).
pub(crate) fn run(args: &CodeArgs) -> ExitCode {
    let mut codes = Vec::with_capacity(args.codes.len());
    for text in &args.codes {
        match text.parse::<ResponseCode>() {
            Ok(code) => codes.push(code),
            Err(e) => {
                eprintln!("snapbi code: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    for (i, code) in codes.into_iter().enumerate() {
        let first = i == 0;
        let written = if args.json {
            writeln!(out, "{}", json(code))
        } else {
            write!(out, "{}{}", if first { "" } else { "\n" }, text(code))
        };
        if written.is_err() {
            // stdout closed (e.g. piped into `head`): nothing left to report to.
            return ExitCode::SUCCESS;
        }
    }
    ExitCode::SUCCESS
}

/// One line of `--json` output; the field order is the documented key order.
#[derive(serde::Serialize)]
struct Explained {
    code: String,
    http_status: u16,
    service_code: String,
    service_name: Option<&'static str>,
    case_code: String,
    message: Option<&'static str>,
    category: Option<&'static str>,
    known: bool,
}

fn json(code: ResponseCode) -> String {
    let known = code.known();
    let explained = Explained {
        code: code.to_string(),
        http_status: code.http_status(),
        service_code: code.service().to_string(),
        service_name: code.service().info().map(|s| s.name),
        case_code: format!("{:02}", code.case_code()),
        message: known.map(|k| k.message),
        category: known.map(|k| k.category.as_str()),
        known: known.is_some(),
    };
    // Serialising plain strings, numbers and bools cannot fail.
    serde_json::to_string(&explained).unwrap_or_default()
}

fn text(code: ResponseCode) -> String {
    let service = code.service();
    let service_name = service
        .info()
        .map_or("(not a standard service)", |s| s.name);
    let (message, category, standard) = match code.known() {
        Some(k) => (k.message.to_owned(), k.category.as_str(), "yes"),
        None => {
            let hint = match code.case() {
                Some(case) => format!(
                    "(not standard for this service; the case means: {})",
                    case.known().message
                ),
                None => "(not in the standard table)".to_owned(),
            };
            (hint, "-", "no")
        }
    };
    format!(
        "{code}\n  http status  {}\n  service      {service}  {service_name}\n  case         {:02}\n  message      {message}\n  category     {category}\n  standard     {standard}\n",
        code.http_status(),
        code.case_code(),
    )
}
