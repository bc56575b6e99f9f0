//! A rendered PNG decodes back to the payload with a real QR decoder (zbarimg).

use std::process::Command;

fn zbarimg(png: &[u8], name: &str) -> String {
    let path = std::env::temp_dir().join(format!("snap-qris-{}-{name}.png", std::process::id()));
    std::fs::write(&path, png).unwrap();
    let out = Command::new("zbarimg")
        .args(["--raw", "-q", "-Sbinary"])
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let out = match out {
        Ok(out) => out,
        Err(e) => panic!(
            "zbarimg is required for the PNG round-trip test ({e}); install it with \
             `apt-get install -y zbar-tools` (Debian/Ubuntu) or `brew install zbar` (macOS)"
        ),
    };
    assert!(
        out.status.success(),
        "zbarimg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn png_decodes_back() {
    let payloads = [
        "00020101021226580011id.qoin.www01189360084202020002110210Q2023002110303UME51370014ID.CO.QRIS.WWW0215ID0000202300211520458125303360540410005802ID5914Qoin Hub Store6007Jakarta61051321062200112QD00000005810700630459B2",
        "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A",
    ];
    for (i, p) in payloads.iter().enumerate() {
        let png = snap_qris::render_png(p, 4).unwrap();
        let decoded = zbarimg(&png, &i.to_string());
        assert_eq!(decoded.strip_suffix('\n').unwrap_or(&decoded), *p);
    }
}

#[test]
fn svg_and_terminal() {
    let svg = snap_qris::render_svg("000201").unwrap();
    assert!(svg.contains("<svg"));
    let t = snap_qris::render_terminal("000201").unwrap();
    assert!(t.contains('█') || t.contains('▀') || t.contains('▄'));
    assert!(snap_qris::render_png(&"9".repeat(8000), 1).is_err());
}
