//! The organisation's logo: a PNG, or an SVG rasterised to one, so that
//! what is served can only be pixels. An SVG's scripts, links, fonts and
//! embedded images are never run or fetched (resvg renders shapes only).

use resvg::{tiny_skia, usvg};

/// The largest file accepted.
pub const MAX_BYTES: usize = 512 * 1024;
/// The largest PNG, in pixels each way.
pub const MAX_SIDE: u32 = 1024;
/// The smallest, so that it stays sharp in the header.
pub const MIN_SIDE: u32 = 16;
/// An SVG is drawn this tall: four times the header's 2rem, for sharp screens.
pub const SVG_HEIGHT: u32 = 128;

/// The PNG to keep for an uploaded file of `content_type`, or why it is refused.
pub fn accept(content_type: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "The logo is {} KB; it can be at most {} KB.",
            bytes.len().div_ceil(1024),
            MAX_BYTES / 1024
        ));
    }
    let pixmap = match content_type.split(';').next().unwrap_or("").trim() {
        "image/png" => png(bytes)?,
        "image/svg+xml" => svg(bytes)?,
        _ => return Err("Upload the logo as a PNG or an SVG image.".into()),
    };
    pixmap
        .encode_png()
        .map_err(|_| "The logo could not be converted.".to_string())
}

fn png(bytes: &[u8]) -> Result<tiny_skia::Pixmap, String> {
    let pixmap = tiny_skia::Pixmap::decode_png(bytes).map_err(|_| "This file is not a PNG image that can be read.")?;
    let (width, height) = (pixmap.width(), pixmap.height());
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!(
            "The logo is {width}×{height} pixels; it can be at most {MAX_SIDE}×{MAX_SIDE}."
        ));
    }
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(format!(
            "The logo is {width}×{height} pixels; it must be at least {MIN_SIDE}×{MIN_SIDE} to stay sharp."
        ));
    }
    Ok(pixmap)
}

fn svg(bytes: &[u8]) -> Result<tiny_skia::Pixmap, String> {
    let tree = usvg::Tree::from_data(bytes, &usvg::Options::default())
        .map_err(|_| "This file is not an SVG image that can be read.")?;
    let size = tree.size();
    // As tall as the header needs, no wider than a PNG may be.
    let scale = (SVG_HEIGHT as f32 / size.height()).min(MAX_SIDE as f32 / size.width());
    let width = (size.width() * scale).ceil() as u32;
    let height = (size.height() * scale).ceil() as u32;
    if width < MIN_SIDE.min(height) || height == 0 {
        return Err("The SVG logo is too thin to show.".into());
    }
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or("The SVG logo is too large to draw.")?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        tiny_skia::Pixmap::new(width, height).unwrap().encode_png().unwrap()
    }

    #[test]
    fn an_svg_becomes_pixels_and_its_script_is_gone() {
        let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32" onload="alert(1)">
            <script>alert(2)</script><rect width="64" height="32" fill="#0b5cad"/>
            <image href="https://tracker.example/p.png" width="10" height="10"/></svg>"##;
        let png = accept("image/svg+xml", svg).unwrap();
        assert!(png.starts_with(PNG_SIGNATURE));
        let drawn = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((drawn.width(), drawn.height()), (256, 128));
        assert!(!String::from_utf8_lossy(&png).contains("script"));
        // The rectangle is drawn.
        let pixel = drawn.pixel(100, 64).unwrap();
        assert_eq!(
            (pixel.red(), pixel.green(), pixel.blue(), pixel.alpha()),
            (0x0b, 0x5c, 0xad, 255)
        );
    }

    #[test]
    fn a_png_is_kept_within_its_limits() {
        assert!(
            accept("image/png", &png_of(200, 60))
                .unwrap()
                .starts_with(PNG_SIGNATURE)
        );
        assert!(
            accept("image/png", &png_of(2000, 60))
                .unwrap_err()
                .contains("at most 1024×1024")
        );
        assert!(
            accept("image/png", &png_of(8, 8))
                .unwrap_err()
                .contains("at least 16×16")
        );
    }

    #[test]
    fn anything_else_is_refused_saying_why() {
        assert!(
            accept("image/png", b"<html><script>alert(1)</script>")
                .unwrap_err()
                .contains("not a PNG")
        );
        assert!(accept("image/svg+xml", b"<html>").unwrap_err().contains("not an SVG"));
        assert!(
            accept("text/html", &png_of(32, 32))
                .unwrap_err()
                .contains("PNG or an SVG")
        );
        let big = vec![0u8; MAX_BYTES + 1];
        assert!(accept("image/png", &big).unwrap_err().contains("at most 512 KB"));
    }
}
