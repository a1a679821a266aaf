//! QR codes (SVG and PNG) for a statement link, so a printed or on-screen code opens the
//! check page, which then verifies the signed statement with the public key.

use qrcode::render::svg;
use qrcode::{Color, EcLevel, QrCode};

use super::CredentialError;

fn code(text: &str) -> Result<QrCode, CredentialError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| CredentialError::Qr(e.to_string()))
}

pub fn svg(text: &str) -> Result<String, CredentialError> {
    Ok(code(text)?
        .render::<svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .build())
}

/// A greyscale PNG with `scale` pixels per module and the 4-module quiet zone.
pub fn png(text: &str, scale: usize) -> Result<Vec<u8>, CredentialError> {
    let code = code(text)?;
    let modules = code.width();
    let quiet = 4;
    let side = (modules + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (mx, my) = (i % modules + quiet, i / modules + quiet);
            for y in my * scale..(my + 1) * scale {
                pixels[y * side + mx * scale..y * side + (mx + 1) * scale].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let side32 = u32::try_from(side).map_err(|_| CredentialError::Qr("too large".into()))?;
    let mut encoder = png::Encoder::new(&mut out, side32, side32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let qr_err = |e: png::EncodingError| CredentialError::Qr(e.to_string());
    let mut writer = encoder.write_header().map_err(qr_err)?;
    writer.write_image_data(&pixels).map_err(qr_err)?;
    writer.finish().map_err(qr_err)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_renderings_are_well_formed() {
        let s = svg("https://example.vn/verify.html#statement=abc").unwrap();
        assert!(s.contains("<svg"));
        let p = png("https://example.vn/verify.html#statement=abc", 4).unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
    }
}
