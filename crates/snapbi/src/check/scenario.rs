//! The conformance scenarios: what each sends, what SNAP expects back, and the verdict.
//!
//! | id | sends | SNAP expects | required |
//! |---|---|---|---|
//! | `token.valid` | a token request signed `clientId\|X-TIMESTAMP` | `2007300` with an `accessToken` | yes |
//! | `token.bad-signature` | the signature of another timestamp | `4017300` | yes |
//! | `token.stale-timestamp` | signed correctly an hour ago | `4017300` | yes |
//! | `token.unknown-client` | an X-CLIENT-KEY the merchant does not know | `4017300` | yes |
//! | `{n}.valid` | a valid notification (each the profile sends) | `200xx00` | yes |
//! | `{n}.bad-signature` | the signature of another timestamp | `401xx00` | yes |
//! | `{n}.body-changed` | the amount changed after signing | `401xx00` | yes |
//! | `{n}.stale-timestamp` | signed correctly an hour ago | `401xx00` | yes |
//! | `{n}.no-token` | no `Authorization` | `401xx03` | yes (symmetric) |
//! | `{n}.expired-token` | a JWT that expired an hour ago, never issued | `401xx01` | yes (symmetric) |
//! | `{n}.missing-header` | no `X-EXTERNAL-ID` | `400xx02` | yes |
//! | `{n}.invalid-field` | one malformed or missing field | `400xx01` / `400xx02` | yes |
//! | `{n}.conflict` | a used X-EXTERNAL-ID with another body | `409xx00` | yes |
//! | `{n}.retry` | the same X-EXTERNAL-ID and body again (new timestamp and signature) | the first answer | yes |
//! | `{n}.concurrent` | five identical requests at once | one answer, five times | yes |
//! | `{n}.wrong-amount` | the bill paid with 1.00 more | the merchant's rules | no |
//! | `{n}.unknown-bill` | a VA / reference the merchant never issued | the merchant's rules | no |
//!
//! `{n}` is the profile's main notification; its other notifications get the `valid` scenario.

use bytes::Bytes;
use serde::Serialize;
use snap_types::{Amount, Case, CustomerNo, ResponseCode};

use super::config::SignatureMode;
use super::notification::{Kind, Payment};
use super::provider::{Answer, Provider, Tamper};

/// How many identical requests the concurrency scenario sends at once.
const CONCURRENT: usize = 5;

/// The verdict of one scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Verdict {
    /// The merchant answered what SNAP expects.
    Pass,
    /// It did not.
    Fail,
    /// Reported only: the merchant's own rules decide.
    Info,
    /// Not run (a step it needs failed, or the signature mode has no such case).
    Skip,
}

/// One scenario's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Outcome {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) required: bool,
    /// What SNAP expects, in words and code.
    pub(crate) expected: String,
    /// What the merchant answered (each answer, for scenarios that send several).
    pub(crate) got: String,
    pub(crate) verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) response_code: Option<String>,
    pub(crate) elapsed_ms: u128,
}

fn code_text(code: ResponseCode) -> String {
    // The standard message without its placeholder (`Unauthorized. [{reason}]` -> `Unauthorized`):
    // the merchant fills that part in as it likes.
    match code.message() {
        Some(message) => {
            let plain = message
                .split(['[', '{'])
                .next()
                .unwrap_or(message)
                .trim_end_matches([' ', '.']);
            format!("{code} {plain}")
        }
        None => code.to_string(),
    }
}

/// `answer` judged against one expected code: the code and its HTTP status must both match.
fn judge(
    id: String,
    title: &str,
    expected: ResponseCode,
    answer: Result<Answer, String>,
) -> Outcome {
    let expected_text = code_text(expected);
    match answer {
        Ok(answer) => {
            let pass = answer.response_code == Some(expected)
                && answer.http_status == expected.http_status();
            Outcome {
                id,
                title: title.to_owned(),
                required: true,
                expected: expected_text,
                got: answer.describe(),
                verdict: if pass { Verdict::Pass } else { Verdict::Fail },
                http_status: Some(answer.http_status),
                response_code: answer.response_code.map(|c| c.to_string()),
                elapsed_ms: answer.elapsed.as_millis(),
            }
        }
        Err(e) => failed(id, title, expected_text, e),
    }
}

fn failed(id: String, title: &str, expected: String, error: String) -> Outcome {
    Outcome {
        id,
        title: title.to_owned(),
        required: true,
        expected,
        got: error,
        verdict: Verdict::Fail,
        http_status: None,
        response_code: None,
        elapsed_ms: 0,
    }
}

fn skipped(id: String, title: &str, why: &str) -> Outcome {
    Outcome {
        id,
        title: title.to_owned(),
        required: false,
        expected: String::new(),
        got: why.to_owned(),
        verdict: Verdict::Skip,
        http_status: None,
        response_code: None,
        elapsed_ms: 0,
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The notification every scenario is played on.
    pub(crate) main: Kind,
    /// The profile's other notifications (their `valid` scenario only).
    pub(crate) others: Vec<Kind>,
    /// Wait for the real token to expire (its `expiresIn`) instead of sending an unissued one.
    pub(crate) wait_for_expiry: bool,
}

/// Runs every scenario in order and returns the outcomes.
pub(crate) async fn run(provider: &Provider, plan: &Plan) -> Vec<Outcome> {
    let mut out = Vec::new();
    let symmetric = provider.config().signature == SignatureMode::Symmetric;
    let token_ok = ResponseCode::of(Case::Successful, snap_types::ServiceCode::ACCESS_TOKEN_B2B);
    let token_no = ResponseCode::of(
        Case::Unauthorized,
        snap_types::ServiceCode::ACCESS_TOKEN_B2B,
    );

    // Token B2B (service 73).
    let mut token: Option<(String, Option<u64>)> = None;
    if symmetric {
        let answer = provider.token(Tamper::None).await;
        if let Ok(a) = &answer {
            token = a.access_token.clone().map(|t| (t, a.expires_in));
        }
        let mut outcome = judge(
            "token.valid".into(),
            "token request, valid signature",
            token_ok,
            answer,
        );
        if outcome.verdict == Verdict::Pass && token.is_none() {
            outcome.verdict = Verdict::Fail;
            outcome.got.push_str(" (no accessToken)");
        }
        outcome.expected.push_str(" with an accessToken");
        out.push(outcome);
        for (id, title, tamper) in [
            (
                "token.bad-signature",
                "token request, bad signature",
                Tamper::BadSignature,
            ),
            (
                "token.stale-timestamp",
                "token request, X-TIMESTAMP an hour old",
                Tamper::StaleTimestamp,
            ),
            (
                "token.unknown-client",
                "token request, unknown X-CLIENT-KEY",
                Tamper::UnknownClient,
            ),
        ] {
            out.push(judge(
                id.into(),
                title,
                token_no,
                provider.token(tamper).await,
            ));
        }
    } else {
        out.push(skipped(
            "token".into(),
            "token requests",
            "asymmetric notifications: the provider requests no token",
        ));
    }
    let token_text = token.as_ref().map(|(t, _)| t.as_str());

    let bill = &provider.config().bill;
    let payment = |amount: Amount, unknown: Option<CustomerNo>| Payment {
        bill,
        amount,
        unknown_customer: unknown,
        at: snap_crypto::format_timestamp(Provider::now(), snap_crypto::TimestampStyle::Wib),
        trx_id: provider.external_id(),
    };
    let main = plan.main;
    let n = main.name();

    // Notifications: valid, then each broken one.
    for kind in std::iter::once(main).chain(plan.others.iter().copied()) {
        let p = payment(bill.amount, None);
        let answer = provider
            .notify(
                kind,
                token_text,
                &p.body(kind),
                &provider.external_id(),
                Tamper::None,
            )
            .await;
        out.push(judge(
            format!("{}.valid", kind.name()),
            "notification, valid",
            ResponseCode::of(Case::Successful, kind.service()),
            answer,
        ));
    }
    let p = payment(bill.amount, None);
    let body = p.body(main);
    let changed = Payment {
        at: p.at.clone(),
        trx_id: p.trx_id.clone(),
        ..payment(skew(bill.amount), None)
    }
    .body(main);
    let broken = |id: &str, title: &str, tamper, case| Single {
        id: format!("{n}.{id}"),
        title: title.to_owned(),
        token: token_text.map(str::to_owned),
        body: body.clone(),
        tamper,
        expected: Some(case),
    };
    let singles = [
        broken(
            "bad-signature",
            "notification, bad signature",
            Tamper::BadSignature,
            Case::Unauthorized,
        ),
        broken(
            "body-changed",
            "notification, body changed after signing",
            Tamper::BodyChanged(Bytes::from(changed)),
            Case::Unauthorized,
        ),
        broken(
            "stale-timestamp",
            "notification, X-TIMESTAMP an hour old",
            Tamper::StaleTimestamp,
            Case::Unauthorized,
        ),
    ];
    for single in singles {
        out.push(single.run(provider, main).await);
    }
    if symmetric {
        let no_token = broken(
            "no-token",
            "notification, no Authorization",
            Tamper::NoToken,
            Case::TokenNotFoundB2b,
        );
        out.push(no_token.run(provider, main).await);
        let (expired, title) = match (&token, plan.wait_for_expiry) {
            (Some((real, expires_in)), true) => {
                let wait = expires_in.unwrap_or(900) + 5;
                eprintln!("snapbi check: waiting {wait} s for the access token to expire");
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                (
                    real.clone(),
                    "notification, access token past its expiresIn",
                )
            }
            _ => (
                provider.expired_token(),
                "notification, token expired an hour ago (never issued)",
            ),
        };
        let expired = Single {
            token: Some(expired),
            body: payment(bill.amount, None).body(main),
            ..broken("expired-token", title, Tamper::None, Case::InvalidTokenB2b)
        };
        out.push(expired.run(provider, main).await);
    } else {
        out.push(skipped(
            format!("{n}.no-token"),
            "notification, no Authorization",
            "asymmetric: no token",
        ));
    }
    let missing_header = broken(
        "missing-header",
        "notification without X-EXTERNAL-ID",
        Tamper::NoExternalId,
        Case::InvalidMandatoryField,
    );
    let (field, format) = main.invalid_field();
    let invalid_field = Single {
        body: p.invalid_body(main),
        ..broken(
            "invalid-field",
            &format!("notification, invalid {field}"),
            Tamper::None,
            if format {
                Case::InvalidFieldFormat
            } else {
                Case::InvalidMandatoryField
            },
        )
    };
    for single in [missing_header, invalid_field] {
        out.push(single.run(provider, main).await);
    }

    // Idempotency: one X-EXTERNAL-ID, two bodies; then an identical retry; then concurrent copies.
    out.push(conflict(provider, main, token_text, &payment).await);
    out.push(retry(provider, main, token_text, &payment).await);
    out.push(concurrent(provider, main, token_text, &payment).await);

    // The merchant's own rules: reported, not judged.
    let unknown: Option<CustomerNo> = provider
        .external_id()
        .get(..11)
        .and_then(|d| format!("9{d}").parse().ok());
    let rules = [
        (
            "wrong-amount",
            "notification, amount 1.00 above the bill",
            payment(skew(bill.amount), None),
        ),
        (
            "unknown-bill",
            "notification for a VA / reference never issued",
            payment(bill.amount, unknown),
        ),
    ];
    for (id, title, p) in rules {
        let single = Single {
            body: p.body(main),
            expected: None,
            ..broken(id, title, Tamper::None, Case::Successful)
        };
        out.push(single.run(provider, main).await);
    }
    out
}

/// One notification under a fresh X-EXTERNAL-ID and the answer it must get (`None`: the
/// merchant's own rules decide, reported as information).
struct Single {
    id: String,
    title: String,
    token: Option<String>,
    body: Vec<u8>,
    tamper: Tamper,
    expected: Option<Case>,
}

impl Single {
    async fn run(self, provider: &Provider, kind: Kind) -> Outcome {
        let answer = provider
            .notify(
                kind,
                self.token.as_deref(),
                &self.body,
                &provider.external_id(),
                self.tamper,
            )
            .await;
        match self.expected {
            Some(case) => judge(
                self.id,
                &self.title,
                ResponseCode::of(case, kind.service()),
                answer,
            ),
            None => informational(self.id, &self.title, answer),
        }
    }
}

/// 1.00 more than `amount`.
fn skew(amount: Amount) -> Amount {
    Amount::new(amount.minor_units().saturating_add(100)).unwrap_or(amount)
}

fn informational(id: String, title: &str, answer: Result<Answer, String>) -> Outcome {
    let (got, http_status, response_code, elapsed) = match answer {
        Ok(a) => (
            a.describe(),
            Some(a.http_status),
            a.response_code.map(|c| c.to_string()),
            a.elapsed.as_millis(),
        ),
        Err(e) => (e, None, None, 0),
    };
    Outcome {
        id,
        title: title.to_owned(),
        required: false,
        expected: "the merchant's rules decide (reported, not required)".into(),
        got,
        verdict: Verdict::Info,
        http_status,
        response_code,
        elapsed_ms: elapsed,
    }
}

async fn conflict<'a>(
    provider: &Provider,
    kind: Kind,
    token: Option<&str>,
    payment: &impl Fn(Amount, Option<CustomerNo>) -> Payment<'a>,
) -> Outcome {
    let id = format!("{}.conflict", kind.name());
    let title = "same X-EXTERNAL-ID, another body";
    let expected = ResponseCode::of(Case::Conflict, kind.service());
    let external_id = provider.external_id();
    let first = payment(provider.config().bill.amount, None);
    let ok = ResponseCode::of(Case::Successful, kind.service());
    match provider
        .notify(kind, token, &first.body(kind), &external_id, Tamper::None)
        .await
    {
        Ok(a) if a.response_code == Some(ok) => {}
        Ok(a) => {
            return failed(
                id,
                title,
                code_text(expected),
                format!("the first notification was refused: {}", a.describe()),
            );
        }
        Err(e) => return failed(id, title, code_text(expected), e),
    }
    // Another payment (its own trxId, a second later) under the same X-EXTERNAL-ID.
    let mut second = payment(provider.config().bill.amount, None);
    second.at = snap_crypto::format_timestamp(
        Provider::now() + time::Duration::seconds(1),
        snap_crypto::TimestampStyle::Wib,
    );
    let answer = provider
        .notify(kind, token, &second.body(kind), &external_id, Tamper::None)
        .await;
    judge(id, title, expected, answer)
}

async fn retry<'a>(
    provider: &Provider,
    kind: Kind,
    token: Option<&str>,
    payment: &impl Fn(Amount, Option<CustomerNo>) -> Payment<'a>,
) -> Outcome {
    let id = format!("{}.retry", kind.name());
    let title = "identical retry (same X-EXTERNAL-ID and body, new signature)";
    let ok = ResponseCode::of(Case::Successful, kind.service());
    let expected = format!("the first answer again ({})", code_text(ok));
    let external_id = provider.external_id();
    let body = payment(provider.config().bill.amount, None).body(kind);
    let first = match provider
        .notify(kind, token, &body, &external_id, Tamper::None)
        .await
    {
        Ok(a) => a,
        Err(e) => return failed(id, title, expected, e),
    };
    // A second apart, so the retry's X-TIMESTAMP and signature differ from the first's.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = match provider
        .notify(kind, token, &body, &external_id, Tamper::None)
        .await
    {
        Ok(a) => a,
        Err(e) => return failed(id, title, expected, e),
    };
    let pass = first.response_code == Some(ok)
        && first.http_status == 200
        && second.response_code == first.response_code
        && second.http_status == first.http_status;
    Outcome {
        id,
        title: title.to_owned(),
        required: true,
        expected,
        got: format!("{}, then {}", first.describe(), second.describe()),
        verdict: if pass { Verdict::Pass } else { Verdict::Fail },
        http_status: Some(second.http_status),
        response_code: second.response_code.map(|c| c.to_string()),
        elapsed_ms: first.elapsed.as_millis() + second.elapsed.as_millis(),
    }
}

async fn concurrent<'a>(
    provider: &Provider,
    kind: Kind,
    token: Option<&str>,
    payment: &impl Fn(Amount, Option<CustomerNo>) -> Payment<'a>,
) -> Outcome {
    let id = format!("{}.concurrent", kind.name());
    let title = "five identical notifications at once (one effect)";
    let ok = ResponseCode::of(Case::Successful, kind.service());
    let expected = format!("{CONCURRENT} identical answers, {}", code_text(ok));
    let external_id = provider.external_id();
    let body = payment(provider.config().bill.amount, None).body(kind);
    let sends =
        (0..CONCURRENT).map(|_| provider.notify(kind, token, &body, &external_id, Tamper::None));
    let answers = futures_util::future::join_all(sends).await;
    let mut got = Vec::with_capacity(CONCURRENT);
    let mut pass = true;
    let mut elapsed = 0;
    for answer in &answers {
        match answer {
            Ok(a) => {
                pass &= a.response_code == Some(ok) && a.http_status == 200;
                elapsed = elapsed.max(a.elapsed.as_millis());
                got.push(a.describe());
            }
            Err(e) => {
                pass = false;
                got.push(e.clone());
            }
        }
    }
    got.dedup();
    Outcome {
        id,
        title: title.to_owned(),
        required: true,
        expected,
        got: got.join("; "),
        verdict: if pass { Verdict::Pass } else { Verdict::Fail },
        http_status: answers
            .first()
            .and_then(|a| a.as_ref().ok())
            .map(|a| a.http_status),
        response_code: answers
            .first()
            .and_then(|a| a.as_ref().ok())
            .and_then(|a| a.response_code)
            .map(|c| c.to_string()),
        elapsed_ms: elapsed,
    }
}
