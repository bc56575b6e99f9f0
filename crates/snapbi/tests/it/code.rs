//! `snapbi code`.

use std::process::{Command, Output};

use snap_types::{Case, ServiceCode};

fn snap_code(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snapbi"))
        .arg("code")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_standard_case_with_every_service_explains() {
    let mut codes = Vec::new();
    for known in Case::all() {
        for service in ServiceCode::all() {
            codes.push(format!(
                "{:03}{}{:02}",
                known.http_status, service.code, known.case_code
            ));
        }
    }
    assert_eq!(codes.len(), 63 * 81);
    let args: Vec<&str> = std::iter::once("--json")
        .chain(codes.iter().map(String::as_str))
        .collect();
    let out = snap_code(&args);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), codes.len());
    let mut i = 0;
    for known in Case::all() {
        for service in ServiceCode::all() {
            let v: serde_json::Value = serde_json::from_str(lines[i]).unwrap();
            let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
            assert_eq!(keys.len(), 8, "{v}");
            assert_eq!(v["code"], codes[i].as_str());
            assert_eq!(v["http_status"], known.http_status);
            assert_eq!(v["service_code"], service.code.to_string());
            assert_eq!(v["service_name"], service.name);
            assert_eq!(v["case_code"], format!("{:02}", known.case_code));
            assert_eq!(v["message"], known.message);
            assert_eq!(v["category"], known.category.as_str());
            assert_eq!(v["known"], true);
            i += 1;
        }
    }
}

#[test]
fn unknown_codes_are_explained_not_rejected() {
    let out = snap_code(&["--json", "4002503", "5005100", "2009900"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(v[0]["known"], false);
    assert_eq!(v[0]["message"], serde_json::Value::Null);
    assert_eq!(v[0]["category"], serde_json::Value::Null);
    assert_eq!(v[0]["service_name"], "API Virtual Account - Payment");
    assert_eq!(v[0]["http_status"], 400);
    assert_eq!(v[1]["known"], true);
    assert_eq!(v[1]["service_name"], "API Query Payment");
    assert_eq!(v[1]["message"], "General Error");
    assert_eq!(v[2]["known"], false);
    assert_eq!(v[2]["service_name"], serde_json::Value::Null);
    assert_eq!(v[2]["code"], "2009900");
}

#[test]
fn text_output_names_every_part() {
    let out = snap_code(&["4012501"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "4012501",
        "401",
        "API Virtual Account - Payment",
        "Invalid Token (B2B)",
        "System",
        "yes",
    ] {
        assert!(text.contains(part), "{part} missing from\n{text}");
    }
}

#[test]
fn anything_but_seven_digits_exits_2() {
    for bad in ["12345", "abcdefg", "40125011"] {
        let out = snap_code(&["2002500", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(out.stdout.is_empty(), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(bad), "{bad}");
    }
    assert_eq!(snap_code(&[]).status.code(), Some(2));
}
