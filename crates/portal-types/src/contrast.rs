//! WCAG 2 contrast between colours written `#rrggbb`: an app icon's white
//! initials must stay readable on the colour an administrator picks.

/// The contrast WCAG AA asks of normal text.
pub const AA_TEXT: f64 = 4.5;

/// `#1a73e8` → its red, green and blue.
pub fn parse_hex(colour: &str) -> Option<[u8; 3]> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// WCAG's relative luminance: 0 for black, 1 for white.
pub fn relative_luminance(rgb: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// From 1 (no contrast) to 21 (black on white), whichever is lighter.
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (a, b) = (relative_luminance(a), relative_luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

pub const WHITE: [u8; 3] = [255, 255, 255];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_match_wcag_figures() {
        assert!((contrast_ratio([0, 0, 0], WHITE) - 21.0).abs() < 1e-9);
        assert!((contrast_ratio(WHITE, WHITE) - 1.0).abs() < 1e-9);
        // The ratios WebAIM's checker gives for these.
        let ratio = |hex| (contrast_ratio(parse_hex(hex).unwrap(), WHITE) * 100.0).round() / 100.0;
        assert_eq!(ratio("#e37400"), 3.1);
        assert_eq!(ratio("#1a73e8"), 4.51);
        assert_eq!(ratio("#767676"), 4.54);
    }

    #[test]
    fn only_six_hex_digits_after_a_hash_are_a_colour() {
        assert_eq!(parse_hex("#0B5cad"), Some([0x0b, 0x5c, 0xad]));
        for bad in ["0b5cad", "#0b5ca", "#0b5cadd", "#0b5caz", "blue", "#ééé"] {
            assert_eq!(parse_hex(bad), None, "{bad}");
        }
    }
}
