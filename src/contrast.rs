//! WCAG 2.2 contrast between colours, to hold an operator's brand colours to the same AA bar as
//! our own palette: links and button labels need 4.5:1 against what they sit on.

/// WCAG's minimum for normal text (success criterion 1.4.3, level AA).
pub const MIN_TEXT_CONTRAST: f64 = 4.5;

/// A colour written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn parse(text: &str) -> Option<Rgb> {
        let hex = text.strip_prefix('#')?;
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
    }

    /// Relative luminance (WCAG 2.2, "relative luminance").
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The contrast ratio of two colours, from 1 (the same) to 21 (black on white).
pub fn ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    (light + 0.05) / (dark + 0.05)
}

/// Of white and near-black, the label colour that reads best on `background`.
pub fn label_on(background: Rgb) -> Rgb {
    let (white, black) = (Rgb(0xff, 0xff, 0xff), Rgb(0x0d, 0x11, 0x17));
    if ratio(white, background) >= ratio(black, background) {
        white
    } else {
        black
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_match_wcag() {
        let white = Rgb::parse("#ffffff").unwrap();
        let black = Rgb::parse("#000000").unwrap();
        assert!((ratio(white, black) - 21.0).abs() < 1e-9);
        assert!((ratio(white, white) - 1.0).abs() < 1e-9);
        // Our light palette's primary on white: 6.39:1 by the WCAG formula.
        let primary = Rgb::parse("#0b57d0").unwrap();
        assert!((ratio(primary, white) - 6.39).abs() < 0.01);
        assert_eq!(label_on(primary), white);
        assert_eq!(
            label_on(Rgb::parse("#8ab4f8").unwrap()),
            Rgb(0x0d, 0x11, 0x17)
        );
    }

    #[test]
    fn only_six_digit_hex_colours_parse() {
        for bad in ["", "0b57d0", "#0b57d", "#0b57d0ff", "#zzzzzz", "red"] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
        assert_eq!(Rgb::parse("#0B57D0").unwrap().hex(), "#0b57d0");
    }
}
