//! One failing case per validation rule: the kind (Format / Mandatory) and the JSON path.

use serde_json::{Value, json};
use snap_types::*;

use crate::example;

/// Removes (`None`) or sets the value at a JSON pointer of `value`.
fn edit(value: &mut Value, pointer: &str, new: Option<Value>) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let target = value
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    match (target, new) {
        (Value::Object(map), None) => {
            map.remove(last).unwrap_or_else(|| panic!("no {pointer}"));
        }
        (Value::Object(map), Some(v)) => {
            map.insert(last.to_owned(), v);
        }
        (Value::Array(items), None) => {
            items.remove(last.parse().unwrap());
        }
        (Value::Array(items), Some(v)) => items[last.parse::<usize>().unwrap()] = v,
        _ => panic!("{parent} is not a container"),
    }
}

use FieldErrorKind::{Format, Mandatory};

/// `(pointer to edit, new value or None to remove, expected kind, expected path)`.
type Rule = (&'static str, Option<Value>, FieldErrorKind, &'static str);

fn check<T: SnapRequest>(file: &str, rules: Vec<Rule>) {
    let base: Value = serde_json::from_slice(&example(file)).unwrap();
    let mut failures = Vec::new();
    for (pointer, new, kind, path) in rules {
        let mut value = base.clone();
        edit(&mut value, pointer, new.clone());
        let body = serde_json::to_vec(&value).unwrap();
        match parse_request::<T>(&body) {
            Err(RequestError::Field(e)) if e.kind() == kind && e.path() == path => {}
            other => failures.push(format!(
                "{file} {pointer} = {new:?}: expected {kind:?} {path}, got {}",
                match other {
                    Ok(_) => "Ok".to_owned(),
                    Err(e) => format!("{e:?}"),
                }
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn long(n: usize) -> Option<Value> {
    Some(Value::from("1".repeat(n)))
}

#[test]
fn access_token_rules() {
    check::<AccessTokenRequest>(
        "000-qoinhub-access-token-b2b-request.json",
        vec![
            ("/grantType", None, Mandatory, "grantType"),
            ("/grantType", Some(json!("")), Mandatory, "grantType"),
            ("/grantType", Some(json!(null)), Mandatory, "grantType"),
            ("/grantType", Some(json!("password")), Format, "grantType"),
            ("/grantType", Some(json!(1)), Format, "grantType"),
            ("/additionalInfo", Some(json!([])), Format, "additionalInfo"),
        ],
    );
}

#[test]
fn va_payment_rules() {
    let mandatory = [
        "paidAmount",
        "partnerServiceId",
        "referenceNo",
        "trxDateTime",
        "trxId",
        "virtualAccountEmail",
        "virtualAccountName",
        "virtualAccountNo",
        "virtualAccountPhone",
    ];
    let mut rules: Vec<Rule> = mandatory
        .iter()
        .map(|f| (format!("/{f}").leak() as &str, None, Mandatory, *f))
        .collect();
    rules.extend(
        mandatory
            .iter()
            .map(|f| {
                (
                    format!("/{f}").leak() as &str,
                    Some(json!("")),
                    Mandatory,
                    *f,
                )
            })
            .filter(|r| r.3 != "paidAmount"),
    );
    rules.extend([
        ("/paidAmount/value", None, Mandatory, "paidAmount.value"),
        (
            "/paidAmount/currency",
            None,
            Mandatory,
            "paidAmount.currency",
        ),
        (
            "/paidAmount/value",
            Some(json!("12.5")),
            Format,
            "paidAmount.value",
        ),
        (
            "/paidAmount/value",
            Some(json!(12.50)),
            Format,
            "paidAmount.value",
        ),
        (
            "/paidAmount/value",
            Some(json!("-1.00")),
            Format,
            "paidAmount.value",
        ),
        (
            "/paidAmount/value",
            Some(json!("12345678901234.00")),
            Format,
            "paidAmount.value",
        ),
        (
            "/paidAmount/currency",
            Some(json!("idr")),
            Format,
            "paidAmount.currency",
        ),
        ("/paidAmount", Some(json!("12.00")), Format, "paidAmount"),
        ("/referenceNo", Some(json!(null)), Mandatory, "referenceNo"),
        ("/trxId", Some(json!(17)), Format, "trxId"),
        (
            "/trxDateTime",
            Some(json!("2024-08-23 07:44:11")),
            Format,
            "trxDateTime",
        ),
        ("/customerNo", long(21), Format, "customerNo"),
        ("/customerNo", Some(json!("12a")), Format, "customerNo"),
        ("/partnerServiceId", long(9), Format, "partnerServiceId"),
        (
            "/partnerServiceId",
            Some(json!("08 8899")),
            Format,
            "partnerServiceId",
        ),
        ("/virtualAccountNo", long(29), Format, "virtualAccountNo"),
        (
            "/virtualAccountNo",
            Some(json!("7509x")),
            Format,
            "virtualAccountNo",
        ),
        (
            "/virtualAccountEmail",
            long(256),
            Format,
            "virtualAccountEmail",
        ),
        (
            "/virtualAccountName",
            long(256),
            Format,
            "virtualAccountName",
        ),
        (
            "/virtualAccountPhone",
            long(31),
            Format,
            "virtualAccountPhone",
        ),
        (
            "/customerNo",
            Some(json!("12345")),
            Format,
            "virtualAccountNo",
        ),
        (
            "/additionalInfo/paymentFlagStatus",
            None,
            Mandatory,
            "additionalInfo.paymentFlagStatus",
        ),
        (
            "/additionalInfo/paymentFlagStatus",
            Some(json!("")),
            Mandatory,
            "additionalInfo.paymentFlagStatus",
        ),
        (
            "/additionalInfo/paymentFlagStatus",
            Some(json!("000")),
            Format,
            "additionalInfo.paymentFlagStatus",
        ),
        (
            "/additionalInfo/paymentFlagStatus",
            Some(json!("0")),
            Format,
            "additionalInfo.paymentFlagStatus",
        ),
        (
            "/additionalInfo/paymentFlagStatus",
            Some(json!(0)),
            Format,
            "additionalInfo.paymentFlagStatus",
        ),
        (
            "/additionalInfo",
            Some(json!("00")),
            Format,
            "additionalInfo",
        ),
    ]);
    check::<VaPaymentNotification>("000-qoinhub-va-payment-request.json", rules);
}

#[test]
fn va_payment_consistent_customer_no_passes() {
    let mut value: Value =
        serde_json::from_slice(&example("000-qoinhub-va-payment-request.json")).unwrap();
    value["customerNo"] = json!("12345");
    value["virtualAccountNo"] = json!("  08889912345");
    let body = serde_json::to_vec(&value).unwrap();
    parse_request::<VaPaymentNotification>(&body).unwrap();
}

#[test]
fn debit_notify_rules() {
    let mandatory = [
        "createdTime",
        "latestTransactionStatus",
        "originalPartnerReferenceNo",
        "originalReferenceNo",
        "transactionStatusDesc",
    ];
    let mut rules: Vec<Rule> = Vec::new();
    for f in mandatory {
        let pointer: &str = format!("/{f}").leak();
        rules.push((pointer, None, Mandatory, f));
        rules.push((pointer, Some(json!("")), Mandatory, f));
    }
    rules.push(("/additionalInfo", Some(json!(1)), Format, "additionalInfo"));
    check::<DebitNotification>("001-qoinhub-debit-notify-request.json", rules);
}

#[test]
fn create_va_rules() {
    let mut rules: Vec<Rule> = Vec::new();
    for f in [
        "virtualAccountName",
        "virtualAccountEmail",
        "virtualAccountPhone",
        "trxId",
        "totalAmount",
        "billDetails",
        "expiredDate",
        "additionalInfo",
    ] {
        rules.push((format!("/{f}").leak(), None, Mandatory, f));
    }
    rules.extend([
        (
            "/virtualAccountName",
            Some(json!(" ")),
            Mandatory,
            "virtualAccountName",
        ),
        (
            "/virtualAccountName",
            long(256),
            Format,
            "virtualAccountName",
        ),
        (
            "/virtualAccountEmail",
            long(256),
            Format,
            "virtualAccountEmail",
        ),
        (
            "/virtualAccountPhone",
            long(31),
            Format,
            "virtualAccountPhone",
        ),
        ("/trxId", long(37), Format, "trxId"),
        (
            "/totalAmount/value",
            Some(json!("1,00")),
            Format,
            "totalAmount.value",
        ),
        (
            "/totalAmount/currency",
            None,
            Mandatory,
            "totalAmount.currency",
        ),
        ("/billDetails", Some(json!([])), Mandatory, "billDetails"),
        (
            "/billDetails/0/billName",
            None,
            Mandatory,
            "billDetails[0].billName",
        ),
        (
            "/billDetails/0/billName",
            Some(json!("")),
            Mandatory,
            "billDetails[0].billName",
        ),
        (
            "/billDetails/0/additionalInfo",
            None,
            Mandatory,
            "billDetails[0].additionalInfo",
        ),
        (
            "/billDetails/0/additionalInfo",
            Some(json!("x")),
            Format,
            "billDetails[0].additionalInfo",
        ),
        (
            "/billDetails/0/billAmount/value",
            Some(json!("1.5")),
            Format,
            "billDetails[0].billAmount.value",
        ),
        (
            "/billDetails/0/billAmount/currency",
            None,
            Mandatory,
            "billDetails[0].billAmount.currency",
        ),
        (
            "/billDetails/0/billDescription/english",
            Some(json!(1)),
            Format,
            "billDetails[0].billDescription.english",
        ),
        (
            "/expiredDate",
            Some(json!("2024-08-23")),
            Format,
            "expiredDate",
        ),
        (
            "/additionalInfo/enabledh2hpayments",
            None,
            Mandatory,
            "additionalInfo.enabledh2hpayments",
        ),
        (
            "/additionalInfo/enabledh2hpayments",
            Some(json!("4")),
            Format,
            "additionalInfo.enabledh2hpayments",
        ),
        ("/additionalInfo", Some(json!([])), Format, "additionalInfo"),
    ]);
    check::<CreateVaRequest>("002-qoinhub-create-va-request.json", rules);
}

#[test]
fn qr_generate_rules() {
    let info = "/additionalInfo";
    check::<QrMpmGenerateRequest>(
        "004-qoinhub-qr-mpm-generate-request.json",
        vec![
            (
                "/partnerReferenceNo",
                long(37),
                Format,
                "partnerReferenceNo",
            ),
            ("/merchantId", long(65), Format, "merchantId"),
            ("/subMerchantId", long(33), Format, "subMerchantId"),
            ("/storeId", long(65), Format, "storeId"),
            ("/terminalId", long(17), Format, "terminalId"),
            (
                "/validityPeriod",
                Some(json!("2025-07-03T12:08:56.123456-07:00")),
                Format,
                "validityPeriod",
            ),
            (
                "/validityPeriod",
                Some(json!("2025-07-03 12:08:56")),
                Format,
                "validityPeriod",
            ),
            (
                "/amount/value",
                Some(json!("1000.0")),
                Format,
                "amount.value",
            ),
            ("/amount/value", None, Mandatory, "amount.value"),
            (
                "/amount/currency",
                Some(json!("RUPIAH")),
                Format,
                "amount.currency",
            ),
            (
                "/additionalInfo/acquirer",
                None,
                Mandatory,
                "additionalInfo.acquirer",
            ),
            (
                "/additionalInfo/acquirer",
                Some(json!("36")),
                Format,
                "additionalInfo.acquirer",
            ),
            (
                "/additionalInfo/items",
                None,
                Mandatory,
                "additionalInfo.items",
            ),
            (
                "/additionalInfo/items",
                Some(json!([])),
                Mandatory,
                "additionalInfo.items",
            ),
            (
                "/additionalInfo/items/0/id",
                None,
                Mandatory,
                "additionalInfo.items[0].id",
            ),
            (
                "/additionalInfo/items/0/name",
                Some(json!("")),
                Mandatory,
                "additionalInfo.items[0].name",
            ),
            (
                "/additionalInfo/items/0/quantity",
                Some(json!(1)),
                Format,
                "additionalInfo.items[0].quantity",
            ),
            (
                "/additionalInfo/items/0/price/value",
                Some(json!("1000.5")),
                Format,
                "additionalInfo.items[0].price.value",
            ),
            (
                "/additionalInfo/items/0/price/currency",
                None,
                Mandatory,
                "additionalInfo.items[0].price.currency",
            ),
            (
                "/additionalInfo/customerDetails",
                None,
                Mandatory,
                "additionalInfo.customerDetails",
            ),
            (
                "/additionalInfo/customerDetails/email",
                None,
                Mandatory,
                "additionalInfo.customerDetails.email",
            ),
            (
                "/additionalInfo/customerDetails/firstName",
                Some(json!("")),
                Mandatory,
                "additionalInfo.customerDetails.firstName",
            ),
            (
                "/additionalInfo/customerDetails/lastName",
                None,
                Mandatory,
                "additionalInfo.customerDetails.lastName",
            ),
            (
                "/additionalInfo/customerDetails/phone",
                None,
                Mandatory,
                "additionalInfo.customerDetails.phone",
            ),
            (
                "/additionalInfo/metadata",
                Some(json!([])),
                Format,
                "additionalInfo.metadata",
            ),
            (info, Some(json!(7)), Format, "additionalInfo"),
        ],
    );
}

#[test]
fn qr_generate_accepts_table_spelling_items() {
    let mut value: Value =
        serde_json::from_slice(&example("004-qoinhub-qr-mpm-generate-request.json")).unwrap();
    let items = value["additionalInfo"]["items"].take();
    edit(&mut value, "/additionalInfo/items", None);
    value["additionalInfo"]["Items"] = items;
    parse_request::<QrMpmGenerateRequest>(&serde_json::to_vec(&value).unwrap()).unwrap();
}

#[test]
fn qr_notify_query_refund_rules() {
    check::<QrMpmNotification>(
        "003-finpay-qr-mpm-notify-request.json",
        vec![
            (
                "/transactionDate",
                Some(json!("17-04-2024")),
                Format,
                "transactionDate",
            ),
            (
                "/originalReferenceNo",
                Some(json!(5)),
                Format,
                "originalReferenceNo",
            ),
        ],
    );
    check::<QrMpmQueryRequest>(
        "003-finpay-qr-mpm-query-request.json",
        vec![("/merchantId", Some(json!(["x"])), Format, "merchantId")],
    );
    check::<QrMpmRefundRequest>(
        "003-finpay-qr-mpm-refund-request.json",
        vec![("/reason", Some(json!({})), Format, "reason")],
    );
}

#[test]
fn malformed_bodies_are_bad_requests() {
    for body in [
        &b""[..],
        b"{",
        b"not json",
        b"{\"grantType\": \"client_credentials\",}",
        b"[]",
        b"\"x\"",
        b"null",
        b"{\"grantType\": 1, ]",
    ] {
        assert!(
            matches!(
                parse_request::<AccessTokenRequest>(body),
                Err(RequestError::Malformed(_))
            ),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    // An empty object is JSON; its problem is the first mandatory field.
    let e = parse_request::<AccessTokenRequest>(b"{}").unwrap_err();
    let e = e.field_error().unwrap();
    assert_eq!((e.kind(), e.path()), (Mandatory, "grantType"));
}

#[test]
fn field_error_display_names_the_field_not_serde_prose() {
    let e = parse_request::<VaPaymentNotification>(
        br#"{"paidAmount": {"value": "1.5", "currency": "IDR"}}"#,
    )
    .unwrap_err();
    let e = e.field_error().unwrap();
    assert_eq!((e.kind(), e.path()), (Format, "paidAmount.value"));
    assert!(
        e.to_string()
            .starts_with("Invalid Field Format paidAmount.value")
    );
    assert!(!e.reason().contains("line"), "{}", e.reason());
}
