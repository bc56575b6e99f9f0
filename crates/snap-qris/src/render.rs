//! QR symbols for a payload (feature `render`): SVG, PNG, terminal. Byte mode, ECC level M.

use qrcode::bits::Bits;
use qrcode::render::{svg, unicode};
use qrcode::{Color, EcLevel, QrCode, Version};

use crate::error::Error;

/// Encodes the payload's UTF-8 bytes in a single byte-mode segment, smallest version that fits.
///
/// Byte mode keeps the symbol readable by every wallet (no mixed numeric/alphanumeric segments).
pub fn qr_code(payload: &str) -> Result<QrCode, Error> {
    let ec = EcLevel::M;
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        if bits.push_byte_data(payload.as_bytes()).is_ok() && bits.push_terminator(ec).is_ok() {
            return QrCode::with_bits(bits, ec).map_err(|e| Error::Render(e.to_string()));
        }
    }
    Err(Error::Render("payload too long for a QR code".into()))
}

/// An SVG document of the symbol (quiet zone included).
pub fn render_svg(payload: &str) -> Result<String, Error> {
    let code = qr_code(payload)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .build())
}

/// A PNG of the symbol, `module_px` pixels per module (at least 1), 4-module quiet zone.
pub fn render_png(payload: &str, module_px: u32) -> Result<Vec<u8>, Error> {
    let code = qr_code(payload)?;
    let width = code.width();
    let colors = code.to_colors();
    let scale = module_px.max(1);
    let quiet = 4u32;
    let w = u32::try_from(width).map_err(|e| Error::Render(e.to_string()))?;
    let side = (w + 2 * quiet) * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx - quiet < w
            && my - quiet < w
            && colors.get((my - quiet) as usize * width + (mx - quiet) as usize)
                == Some(&Color::Dark);
        image::Luma([if dark { 0 } else { 255 }])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::Render(e.to_string()))?;
    Ok(out.into_inner())
}

/// The symbol drawn with Unicode half blocks (two modules per character row), quiet zone included.
pub fn render_terminal(payload: &str) -> Result<String, Error> {
    let code = qr_code(payload)?;
    Ok(code
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .build())
}
