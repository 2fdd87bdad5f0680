//! Text in the PDF's standard fonts (Helvetica and Helvetica-Bold, which every reader has, so
//! nothing is embedded): encoding in WinAnsi, and widths from the fonts' published metrics to
//! right-align numbers and shorten long names. A character WinAnsi lacks is shown as `?`.

/// Helvetica's advance widths (thousandths of the size) of the characters 32 to 126.
const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // space … /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0 … 9
    278, 278, 584, 584, 584, 556, 1015, // : … @
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A … M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N … Z
    278, 278, 278, 469, 556, 333, // [ … `
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a … m
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n … z
    334, 260, 334, 584, // { … ~
];

/// Helvetica-Bold is about this much wider than Helvetica, character for character.
const BOLD: f32 = 1.07;

/// The WinAnsi byte of `c`, if it has one.
fn win_ansi(c: char) -> Option<u8> {
    let b = match c {
        ' '..='~' | '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).ok()?,
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '™' => 0x99,
        _ => return None,
    };
    Some(b)
}

/// `s` in WinAnsi; control characters become spaces, characters it lacks `?`.
pub fn encode(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| {
            if c.is_control() {
                b' '
            } else {
                win_ansi(c).unwrap_or(b'?')
            }
        })
        .collect()
}

/// The width in points of encoded text `b` at `size`.
pub fn width(b: &[u8], size: f32, bold: bool) -> f32 {
    let units: u32 = b
        .iter()
        .map(|&c| match c {
            32..=126 => u32::from(WIDTHS[usize::from(c - 32)]),
            0x85 | 0x97 => 1000,
            0x95 => 350,
            0x91 | 0x92 | 0x82 => 222,
            _ => 556,
        })
        .sum();
    let w = units as f32 * size / 1000.0;
    if bold { w * BOLD } else { w }
}

/// Encoded `s`, shortened with an ellipsis to fit in `max` points.
pub fn fit(s: &str, size: f32, bold: bool, max: f32) -> Vec<u8> {
    let mut b = encode(s);
    if width(&b, size, bold) <= max {
        return b;
    }
    while !b.is_empty() && width(&b, size, bold) + width(&[0x85], size, bold) > max {
        b.pop();
    }
    b.push(0x85);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_share_one_width_and_foreign_text_is_marked() {
        assert_eq!(width(b"0123456789", 10.0, false), 55.6);
        assert_eq!(encode("Zoë – 5 €"), b"Zo\xeb \x96 5 \x80".to_vec());
        assert_eq!(encode("東京\n"), b"?? ".to_vec());
        let long = fit("A very long queue name indeed", 10.0, false, 50.0);
        assert!(width(&long, 10.0, false) <= 50.0);
        assert_eq!(long.last(), Some(&0x85));
        assert_eq!(fit("Short", 10.0, false, 50.0), b"Short".to_vec());
    }
}
