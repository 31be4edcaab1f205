//! The organisation's logo: a PNG, or an SVG rasterised to one, so that
//! what is served can only be pixels. An SVG's scripts and links are never
//! run, and its images (files on the server, data URLs) never read: resvg
//! draws its shapes only, without text.

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

/// The width and height a PNG's header gives, read before decoding, which
/// sets aside memory for that many pixels.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    let header = bytes.strip_prefix(SIGNATURE)?.get(4..16)?;
    let number = |at: usize| u32::from_be_bytes(header[at..at + 4].try_into().expect("four bytes"));
    (&header[..4] == b"IHDR").then(|| (number(4), number(8)))
}

fn png(bytes: &[u8]) -> Result<tiny_skia::Pixmap, String> {
    let not_png = "This file is not a PNG image that can be read.";
    let (width, height) = png_size(bytes).ok_or(not_png)?;
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
    tiny_skia::Pixmap::decode_png(bytes).map_err(|_| not_png.into())
}

fn svg(bytes: &[u8]) -> Result<tiny_skia::Pixmap, String> {
    let options = usvg::Options {
        // usvg would read any path an <image> names, /dev/zero included.
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_data(bytes, &options).map_err(|_| "This file is not an SVG image that can be read.")?;
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
    fn an_svg_reads_no_file_on_the_server() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret.svg");
        std::fs::write(&secret, br##"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#ff0000"/></svg>"##).unwrap();
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><image href="{}" width="32" height="32"/><image href="/dev/zero" width="1" height="1"/></svg>"#,
            secret.display()
        );
        let drawn = tiny_skia::Pixmap::decode_png(&accept("image/svg+xml", svg.as_bytes()).unwrap()).unwrap();
        assert!(
            drawn.pixels().iter().all(|p| p.alpha() == 0),
            "nothing drawn from the file"
        );
    }

    #[test]
    fn a_png_claiming_huge_sides_is_refused_before_it_is_decoded() {
        let mut png = png_of(32, 32);
        png[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        assert!(accept("image/png", &png).unwrap_err().contains("60000×60000"));
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
