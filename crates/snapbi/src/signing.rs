//! `snapbi minify`, `snapbi string-to-sign`, `snapbi sign`, `snapbi verify`.
//!
//! Secrets are read only from files, never from arguments. Exit codes: 0 success (`valid`),
//! 1 a negative answer (`invalid`, invalid JSON), 2 usage errors and unreadable inputs or keys.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ArgGroup;
use snap_crypto::{
    AuthRequest, ClientSecret, Error, RsaPrivateKey, RsaPublicKey, ServiceRequest,
    SignatureOptions, Signer, StringToSign, Verifier, minify,
};

/// Arguments of `snapbi minify`.
#[derive(Debug, clap::Args)]
pub(crate) struct MinifyArgs {
    /// JSON file to minify; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    file: Option<PathBuf>,
}

/// `snapbi string-to-sign` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum StringToSignCommand {
    /// Auth (access-token request): `clientId|X-TIMESTAMP`.
    Auth(AuthArgs),
    /// Service: `METHOD:path[:token]:lowerhex(sha256(minify(body))):X-TIMESTAMP`.
    Service(ServiceArgs),
}

/// `snapbi sign` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SignCommand {
    /// SHA256withRSA over `clientId|X-TIMESTAMP`.
    Auth(SignAuthArgs),
    /// HMAC-SHA512 with a client secret and token, or SHA256withRSA with a private key.
    Service(SignServiceArgs),
}

/// `snapbi verify` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum VerifyCommand {
    /// Check an auth signature with the consumer's public key.
    Auth(VerifyAuthArgs),
    /// Check a service signature (symmetric with a secret file and token, asymmetric with a public key).
    Service(VerifyServiceArgs),
}

/// Inputs of the auth string-to-sign.
#[derive(Debug, clap::Args)]
pub(crate) struct AuthArgs {
    /// Client id (X-CLIENT-KEY).
    #[arg(long, value_name = "ID")]
    client_id: String,
    /// X-TIMESTAMP, used verbatim.
    #[arg(long, value_name = "TS")]
    timestamp: String,
}

/// Inputs of a service string-to-sign, shared by `string-to-sign`, `sign` and `verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServiceArgs {
    /// HTTP method (upper-cased).
    #[arg(long, value_name = "M")]
    method: String,
    /// Relative URL as sent, query string included (e.g. `/v1.0/transfer-va/payment`).
    #[arg(long, value_name = "P")]
    path: String,
    /// B2B access token without `Bearer ` (symmetric signatures only; sign and verify take it
    /// with --secret-file).
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// X-TIMESTAMP, used verbatim.
    #[arg(long, value_name = "TS")]
    timestamp: String,
    /// Body file as sent (it is minified here); `-` reads standard input; none means an empty body.
    #[arg(long, value_name = "FILE")]
    body: Option<PathBuf>,
}

/// Arguments of `snapbi sign auth`.
#[derive(Debug, clap::Args)]
pub(crate) struct SignAuthArgs {
    /// RSA private key file (PKCS#8 / PKCS#1 PEM or DER, header-less base64, PEM with literal `\n`).
    #[arg(long, value_name = "FILE")]
    private_key: PathBuf,
    #[command(flatten)]
    auth: AuthArgs,
}

/// Arguments of `snapbi sign service`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("key").required(true).args(["secret_file", "private_key"])))]
pub(crate) struct SignServiceArgs {
    /// File holding the client secret (one trailing newline is ignored); needs --token.
    #[arg(long, value_name = "FILE", requires = "token")]
    secret_file: Option<PathBuf>,
    /// RSA private key file, for asymmetric service signatures.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["secret_file", "token"])]
    private_key: Option<PathBuf>,
    #[command(flatten)]
    service: ServiceArgs,
}

/// Arguments of `snapbi verify auth`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyAuthArgs {
    /// RSA public key file (SPKI or PKCS#1 `RSA PUBLIC KEY`, PEM or DER).
    #[arg(long, value_name = "FILE")]
    public_key: PathBuf,
    #[command(flatten)]
    auth: AuthArgs,
    /// The X-SIGNATURE value (standard base64).
    #[arg(long, value_name = "B64")]
    signature: String,
}

/// Arguments of `snapbi verify service`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("key").required(true).args(["secret_file", "public_key"])))]
pub(crate) struct VerifyServiceArgs {
    /// File holding the client secret (one trailing newline is ignored); needs --token.
    #[arg(long, value_name = "FILE", requires = "token")]
    secret_file: Option<PathBuf>,
    /// RSA public key file, for asymmetric service signatures.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["secret_file", "token"])]
    public_key: Option<PathBuf>,
    #[command(flatten)]
    service: ServiceArgs,
    /// The X-SIGNATURE value (standard base64).
    #[arg(long, value_name = "B64")]
    signature: String,
    /// Also print the string-to-sign, the minified body and its SHA-256.
    #[arg(long)]
    explain: bool,
}

/// Why a command stopped: the message and the exit code.
struct Failure(u8, String);

type Outcome = Result<ExitCode, Failure>;

fn usage(msg: impl Into<String>) -> Failure {
    Failure(2, msg.into())
}

fn finish(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(code) => code,
        Err(Failure(code, msg)) => {
            eprintln!("snapbi: {msg}");
            ExitCode::from(code)
        }
    }
}

/// Reads a file, or standard input for `-`.
fn read_input(path: Option<&Path>) -> Result<Vec<u8>, Failure> {
    match path {
        None => Ok(Vec::new()),
        Some(p) if p == Path::new("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| usage(format!("cannot read standard input: {e}")))?;
            Ok(buf)
        }
        Some(p) => std::fs::read(p).map_err(|e| usage(format!("cannot read {}: {e}", p.display()))),
    }
}

fn key_failure(path: &Path, e: Error) -> Failure {
    usage(format!("{}: {e}", path.display()))
}

fn private_key(path: &Path) -> Result<RsaPrivateKey, Failure> {
    RsaPrivateKey::from_file(path).map_err(|e| key_failure(path, e))
}

fn public_key(path: &Path) -> Result<RsaPublicKey, Failure> {
    RsaPublicKey::from_file(path).map_err(|e| key_failure(path, e))
}

fn secret(path: &Path) -> Result<ClientSecret, Failure> {
    ClientSecret::from_file(path).map_err(|e| key_failure(path, e))
}

impl ServiceArgs {
    /// The body as read and the service string-to-sign over it, with the token for the symmetric
    /// kind only; invalid JSON in the body is a negative answer (exit 1).
    fn string_to_sign(&self, symmetric: bool) -> Result<(Vec<u8>, StringToSign), Failure> {
        let body = read_input(self.body.as_deref())?;
        let (method, path, timestamp) = (&self.method, &self.path, &self.timestamp);
        let request = ServiceRequest::new(method, path)
            .with_body(&body)
            .with_timestamp(timestamp);
        let sts = match self.token.as_deref().filter(|_| symmetric) {
            Some(token) => StringToSign::service(&request.with_token(token)),
            None => StringToSign::service(&request),
        };
        let sts = sts.map_err(|e| match e {
            Error::Minify(e) => Failure(1, format!("body is not valid JSON: {e}")),
            other => Failure(1, other.to_string()),
        })?;
        Ok((body, sts))
    }
}

fn print_line(s: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure(2, format!("cannot write output: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

fn sign_with(signer: &dyn Signer, message: &[u8]) -> Outcome {
    let sig = signer
        .sign_base64(message)
        .map_err(|e| Failure(2, e.to_string()))?;
    print_line(&sig)
}

fn verdict(verifier: &dyn Verifier, message: &[u8], signature: &str) -> Outcome {
    match verifier.verify_base64(message, signature) {
        Ok(()) => print_line("valid"),
        Err(e) => {
            if matches!(e, Error::BadBase64) {
                eprintln!("snapbi: {e}");
            }
            print_line("invalid")?;
            Ok(ExitCode::from(1))
        }
    }
}

/// `snapbi minify`: minified bytes to stdout, no trailing newline.
pub(crate) fn run_minify(args: &MinifyArgs) -> ExitCode {
    let file = args.file.as_deref().unwrap_or(Path::new("-"));
    finish((|| {
        let input = read_input(Some(file))?;
        let out = minify(&input).map_err(|e| Failure(1, format!("invalid JSON: {e}")))?;
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(&out)
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure(2, format!("cannot write output: {e}")))?;
        Ok(ExitCode::SUCCESS)
    })())
}

/// `snapbi string-to-sign`.
pub(crate) fn run_string_to_sign(cmd: &StringToSignCommand) -> ExitCode {
    finish(match cmd {
        StringToSignCommand::Auth(a) => print_line(
            StringToSign::auth(&AuthRequest::new(&a.client_id).with_timestamp(&a.timestamp))
                .as_str(),
        ),
        // With a token the symmetric form, without it the asymmetric one.
        StringToSignCommand::Service(s) => s
            .string_to_sign(true)
            .and_then(|(_, sts)| print_line(sts.as_str())),
    })
}

/// `snapbi sign`.
pub(crate) fn run_sign(cmd: &SignCommand) -> ExitCode {
    finish(match cmd {
        SignCommand::Auth(a) => private_key(&a.private_key).and_then(|key| {
            let sts = StringToSign::auth(
                &AuthRequest::new(&a.auth.client_id).with_timestamp(&a.auth.timestamp),
            );
            sign_with(&key, sts.as_bytes())
        }),
        SignCommand::Service(s) => sign_service(s),
    })
}

fn sign_service(s: &SignServiceArgs) -> Outcome {
    let f = &s.service;
    let signer: Box<dyn Signer> = match (&s.secret_file, &s.private_key) {
        (Some(path), None) => Box::new(secret(path)?),
        (None, Some(path)) => Box::new(private_key(path)?),
        _ => {
            return Err(usage(
                "give exactly one of --secret-file (with --token) or --private-key",
            ));
        }
    };
    let (_, sts) = f.string_to_sign(s.secret_file.is_some())?;
    sign_with(signer.as_ref(), sts.as_bytes())
}

/// `snapbi verify`.
pub(crate) fn run_verify(cmd: &VerifyCommand) -> ExitCode {
    finish(match cmd {
        VerifyCommand::Auth(a) => public_key(&a.public_key).and_then(|key| {
            let sts = StringToSign::auth(
                &AuthRequest::new(&a.auth.client_id).with_timestamp(&a.auth.timestamp),
            );
            verdict(&key, sts.as_bytes(), &a.signature)
        }),
        VerifyCommand::Service(s) => verify_service(s),
    })
}

fn verify_service(s: &VerifyServiceArgs) -> Outcome {
    let f = &s.service;
    let verifier: Box<dyn Verifier> = match (&s.secret_file, &s.public_key) {
        (Some(path), None) => Box::new(secret(path)?),
        (None, Some(path)) => Box::new(public_key(path)?),
        _ => {
            return Err(usage(
                "give exactly one of --secret-file (with --token) or --public-key",
            ));
        }
    };
    let (body, sts) = f.string_to_sign(s.secret_file.is_some())?;
    if s.explain {
        // The body already minified once for the string-to-sign, so this cannot fail.
        let minified = minify(&body).unwrap_or_default();
        let hash = snap_crypto::body_hash_hex(&body, &SignatureOptions::default())
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut out = std::io::stdout().lock();
        let written = writeln!(out, "string-to-sign: {sts}")
            .and_then(|()| out.write_all(b"minified body: "))
            .and_then(|()| out.write_all(&minified))
            .and_then(|()| writeln!(out))
            .and_then(|()| writeln!(out, "body sha-256: {hash}"));
        written.map_err(|e| Failure(2, format!("cannot write output: {e}")))?;
    }
    verdict(verifier.as_ref(), sts.as_bytes(), &s.signature)
}
