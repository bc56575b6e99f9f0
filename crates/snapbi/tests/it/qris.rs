//! `snapbi qris` through the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const QOIN: &str = "00020101021226580011id.qoin.www01189360084202020002110210Q2023002110303UME51370014ID.CO.QRIS.WWW0215ID0000202300211520458125303360540410005802ID5914Qoin Hub Store6007Jakarta61051321062200112QD00000005810700630459B2";
const ANNEX_B: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";

fn snap(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_snapbi"))
        .arg("qris")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn decode_table_and_exit_codes() {
    let o = snap(&["decode", QOIN], None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = stdout(&o);
    assert!(out.contains("E_ZERO_LENGTH") && out.contains("62.07") && out.contains("59B2"));
    // Annex B is a valid EMV payload but not a QRIS one.
    assert_eq!(
        snap(&["decode", ANNEX_B, "--profile", "emv"], None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(snap(&["decode", ANNEX_B], None).status.code(), Some(1));
    // Wrong CRC.
    let bad = format!("{}0000", &QOIN[..QOIN.len() - 4]);
    assert_eq!(snap(&["decode", &bad], None).status.code(), Some(1));
    // Usage error.
    assert_eq!(
        snap(&["decode", QOIN, "--profile", "nope"], None)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn decode_reads_stdin_exactly() {
    assert_eq!(snap(&["decode"], Some(QOIN)).status.code(), Some(0));
    assert_eq!(snap(&["decode", "-"], Some(QOIN)).status.code(), Some(0));
    let o = snap(&["decode", "-", "--json"], Some(&format!("{QOIN}\n")));
    assert_eq!(o.status.code(), Some(1));
    let j = json(&o);
    assert_eq!(j["issues"][0]["code"], "E_TRAILING_DATA");
    assert_eq!(j["objects"], serde_json::json!([]));
    assert_eq!(j["qris"], serde_json::Value::Null);
    assert_eq!(j["crc"]["found"], serde_json::Value::Null);
}

#[test]
fn decode_json_shape() {
    let o = snap(&["decode", ANNEX_B, "--json", "--profile", "emv"], None);
    assert_eq!(o.status.code(), Some(0));
    let j = json(&o);
    assert_eq!(
        j["crc"],
        serde_json::json!({"found": "A13A", "computed": "A13A", "ok": true})
    );
    let objects = j["objects"].as_array().unwrap();
    assert_eq!(
        objects[0],
        serde_json::json!({"id": "00", "length": 2, "value": "01"})
    );
    let t64 = objects.iter().find(|o| o["id"] == "64").unwrap();
    assert_eq!(t64["length"], 20);
    assert_eq!(
        t64["children"][1],
        serde_json::json!({"id": "01", "length": 4, "value": "最佳运输"})
    );
    assert!(
        objects
            .iter()
            .find(|o| o["id"] == "52")
            .unwrap()
            .get("children")
            .is_none()
    );
    assert_eq!(j["issues"], serde_json::json!([]));
    assert_eq!(j["qris"]["merchant_name"], "BEST TRANSPORT");
    assert_eq!(j["qris"]["amount"], 2372);
    let o = snap(&["decode", QOIN, "--json"], None);
    let issue = &json(&o)["issues"][0];
    assert_eq!(issue["severity"], "warning");
    assert_eq!(issue["path"], "62.07");
    assert_eq!(issue["position"], 202);
}

#[test]
fn encode_round_trips_decode_output() {
    for qr in [QOIN, ANNEX_B] {
        let decoded = stdout(&snap(&["decode", qr, "--json", "--profile", "emv"], None));
        let whole = snap(&["encode"], Some(&decoded));
        assert_eq!(whole.status.code(), Some(0));
        assert_eq!(stdout(&whole).trim_end_matches('\n'), qr);
        let objects = serde_json::to_string(
            &serde_json::from_str::<serde_json::Value>(&decoded).unwrap()["objects"],
        )
        .unwrap();
        assert_eq!(
            stdout(&snap(&["encode", "-"], Some(&objects))).trim_end_matches('\n'),
            qr
        );
    }
    // The CRC is recomputed, whatever 63 says.
    let objs = r#"[{"id":"00","value":"01"},{"id":"62","children":[{"id":"07","value":"K1"}]},{"id":"63","value":"XXXX"}]"#;
    let out = stdout(&snap(&["encode"], Some(objs)));
    let p = snap_qris::parse(out.trim_end_matches('\n')).unwrap();
    assert!(p.crc().is_valid());
    assert_eq!(snap(&["encode"], Some("{not json")).status.code(), Some(1));
    assert_eq!(
        snap(&["encode", "/nonexistent/file.json"], None)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn dynamic_and_static() {
    let st = stdout(&snap(&["static", QOIN], None));
    let st = st.trim_end_matches('\n');
    let p = snap_qris::parse(st).unwrap();
    assert_eq!(p.value(1), Some("11"));
    assert!(p.get(54).is_none() && p.crc().is_valid());
    let o = snap(
        &[
            "dynamic",
            st,
            "--amount",
            "15000.50",
            "--fee-fixed",
            "2500",
            "--reference",
            "INV1",
            "--terminal",
            "K9",
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dy = stdout(&o);
    let d = snap_qris::parse(dy.trim_end_matches('\n')).unwrap();
    assert_eq!(d.value(54), Some("15000.50"));
    assert_eq!(d.value(55), Some("02"));
    assert_eq!(d.value(56), Some("2500"));
    assert_eq!(d.find(&[62, 5]).unwrap().value(), "INV1");
    assert_eq!(d.find(&[62, 7]).unwrap().value(), "K9");
    let o = snap(&["dynamic", st, "--amount", "10", "--tip", "prompt"], None);
    assert_eq!(
        snap_qris::parse(stdout(&o).trim_end_matches('\n'))
            .unwrap()
            .value(55),
        Some("01")
    );
    let o = snap(
        &["dynamic", st, "--amount", "10", "--fee-percent", "2.5"],
        None,
    );
    assert_eq!(
        snap_qris::parse(stdout(&o).trim_end_matches('\n'))
            .unwrap()
            .value(57),
        Some("2.50")
    );
    // Usage errors: bad amount, two fee options.
    assert_eq!(
        snap(&["dynamic", st, "--amount", "1.000,00"], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        snap(
            &[
                "dynamic",
                st,
                "--amount",
                "1",
                "--tip",
                "prompt",
                "--fee-fixed",
                "1"
            ],
            None
        )
        .status
        .code(),
        Some(2)
    );
    // A source with a bad CRC is refused.
    let bad = format!("{}0000", &QOIN[..QOIN.len() - 4]);
    assert_eq!(
        snap(&["dynamic", &bad, "--amount", "1"], None)
            .status
            .code(),
        Some(1)
    );
    assert_eq!(snap(&["static", &bad], None).status.code(), Some(1));
}

#[test]
fn render_files_and_terminal() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let png = dir.join("q.png");
    let svg = dir.join("q.svg");
    assert_eq!(
        snap(&["render", QOIN, "--out", png.to_str().unwrap()], None)
            .status
            .code(),
        Some(0)
    );
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    assert_eq!(
        snap(&["render", QOIN, "--out", svg.to_str().unwrap()], None)
            .status
            .code(),
        Some(0)
    );
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    assert_eq!(
        snap(
            &["render", QOIN, "--out", dir.join("q.gif").to_str().unwrap()],
            None
        )
        .status
        .code(),
        Some(2)
    );
    let o = snap(&["render", QOIN], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).lines().count() > 20);
}
