//! The portal's colours derived from the organisation's theme colour, as
//! CSS custom properties over the defaults in `style/tokens.css`, each text
//! colour kept at WCAG AA contrast (4.5:1) on what it is shown on, in the
//! light scheme and in the dark one.

use portal_types::contrast::{AA_TEXT, WHITE, contrast_ratio, parse_hex};

/// The backgrounds accented text sits on: the page's and the cards', light
/// and dark (`--cp-bg`, `--cp-surface`; the info boxes' too).
const LIGHT_BACKGROUNDS: [[u8; 3]; 3] = [[0xf6, 0xf7, 0xf9], [0xff, 0xff, 0xff], [0xdd, 0xf4, 0xff]];
const DARK_BACKGROUNDS: [[u8; 3]; 3] = [[0x0d, 0x11, 0x17], [0x16, 0x1b, 0x22], [0x0c, 0x2d, 0x4b]];

/// Why `colour` cannot be the theme colour, in words an administrator can
/// act on; none when it can.
pub fn refusal(colour: &str) -> Option<String> {
    let Some(rgb) = parse_hex(colour) else {
        return Some("Write the colour as # and six hexadecimal digits, for example #0b5cad.".into());
    };
    let ratio = contrast_ratio(rgb, WHITE);
    (ratio < AA_TEXT).then(|| {
        format!(
            "White text on {colour} has a contrast of {:.2}:1, under the 4.5:1 WCAG AA asks for buttons and the header. Choose a darker colour.",
            (ratio * 100.0).floor() / 100.0
        )
    })
}

/// `rgb` moved towards `target` by `share` (0 to 1).
fn mix(rgb: [u8; 3], target: [u8; 3], share: f64) -> [u8; 3] {
    let channel = |i: usize| (f64::from(rgb[i]) + (f64::from(target[i]) - f64::from(rgb[i])) * share).round() as u8;
    [channel(0), channel(1), channel(2)]
}

/// `rgb`, moved towards `target` in small steps until it reads at AA on
/// every one of `backgrounds`.
fn readable_on(rgb: [u8; 3], target: [u8; 3], backgrounds: &[[u8; 3]]) -> [u8; 3] {
    (0..=20)
        .map(|step| mix(rgb, target, f64::from(step) / 20.0))
        .find(|c| backgrounds.iter().all(|b| contrast_ratio(*c, *b) >= AA_TEXT))
        .unwrap_or(target)
}

fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

/// The custom properties for a theme colour `refusal` accepts.
pub fn css(colour: &str) -> String {
    let Some(fill) = parse_hex(colour).filter(|_| refusal(colour).is_none()) else {
        return String::new();
    };
    let strong = mix(fill, [0, 0, 0], 0.2);
    let light_accent = readable_on(fill, [0, 0, 0], &LIGHT_BACKGROUNDS);
    let dark_accent = readable_on(fill, WHITE, &DARK_BACKGROUNDS);
    format!(
        ":root{{--cp-fill:{fill};--cp-fill-strong:{strong};--cp-header-bg:{strong};--cp-accent:{light};--cp-focus:{light}}}\n\
         @media (prefers-color-scheme: dark){{:root{{--cp-fill:{fill};--cp-fill-strong:{strong};--cp-accent:{dark};--cp-focus:{dark}}}}}\n",
        fill = hex(fill),
        strong = hex(strong),
        light = hex(light_accent),
        dark = hex(dark_accent),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn property(css: &str, scheme: usize, name: &str) -> [u8; 3] {
        let block = css.lines().nth(scheme).unwrap();
        let start = block.find(&format!("{name}:")).unwrap() + name.len() + 1;
        parse_hex(&block[start..start + 7]).unwrap()
    }

    #[test]
    fn a_colour_white_text_cannot_be_read_on_is_refused_saying_why() {
        let why = refusal("#e37400").unwrap();
        assert!(
            why.contains("3.1") && why.contains("4.5:1") && why.contains("darker"),
            "{why}"
        );
        assert!(refusal("orange").unwrap().contains("six hexadecimal digits"));
        assert_eq!(refusal("#0b5cad"), None);
        assert_eq!(css("#e37400"), "");
    }

    #[test]
    fn every_derived_text_colour_reads_at_aa_in_both_schemes() {
        for colour in [
            "#0b5cad", "#6b2fa0", "#1a7f37", "#b42318", "#000000", "#595959", "#0e6e6e",
        ] {
            let css = css(colour);
            for background in LIGHT_BACKGROUNDS {
                assert!(
                    contrast_ratio(property(&css, 0, "--cp-accent"), background) >= AA_TEXT,
                    "{colour} light"
                );
            }
            for background in DARK_BACKGROUNDS {
                assert!(
                    contrast_ratio(property(&css, 1, "--cp-accent"), background) >= AA_TEXT,
                    "{colour} dark"
                );
            }
            for scheme in [0, 1] {
                assert!(
                    contrast_ratio(property(&css, scheme, "--cp-fill"), WHITE) >= AA_TEXT,
                    "{colour}"
                );
                assert!(
                    contrast_ratio(property(&css, scheme, "--cp-fill-strong"), WHITE) >= AA_TEXT,
                    "{colour}"
                );
            }
        }
    }
}
