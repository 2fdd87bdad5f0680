//! Character data and character references: what a run of text holds for the tree builder,
//! the line feed dropped after `<pre>` and the like, and attribute values decoded where the
//! tree builder compares them.

use super::scan::is_ws;

/// What a run of character data holds, as the tree builder sees it.
#[derive(Clone, Copy, Default)]
pub(super) struct TextInfo {
    /// Any character other than NUL.
    pub(super) chars: bool,
    /// A NUL character.
    pub(super) nul: bool,
    /// A character other than NUL and ASCII whitespace.
    pub(super) non_ws: bool,
}

/// Value of the numeric character reference at `at` (`&#…`) and its length, when it has digits.
fn numeric_ref(bytes: &[u8], at: usize) -> Option<(u32, usize)> {
    let hex = matches!(bytes.get(at + 2), Some(b'x' | b'X'));
    let digits_start = at + 2 + usize::from(hex);
    let radix = if hex { 16 } else { 10 };
    let digits = bytes
        .get(digits_start..)?
        .iter()
        .take_while(|b| (**b as char).is_digit(radix))
        .count();
    if digits == 0 {
        return None;
    }
    let value = bytes[digits_start..digits_start + digits]
        .iter()
        .fold(0u32, |acc, &b| {
            let digit = (b as char).to_digit(radix).unwrap_or(0);
            acc.saturating_mul(radix)
                .saturating_add(digit)
                .min(0x11_0000)
        });
    let semicolon = usize::from(bytes.get(digits_start + digits) == Some(&b';'));
    Some((value, digits_start + digits + semicolon - at))
}

/// Length of the character reference at `at` when it decodes to ASCII whitespace.
fn whitespace_ref(bytes: &[u8], at: usize) -> Option<usize> {
    let rest = bytes.get(at..)?;
    if rest.starts_with(b"&Tab;") {
        return Some(5);
    }
    if rest.starts_with(b"&NewLine;") {
        return Some(9);
    }
    if rest.get(1) != Some(&b'#') {
        return None;
    }
    let (value, len) = numeric_ref(bytes, at)?;
    matches!(value, 9 | 10 | 12 | 13 | 32).then_some(len)
}

/// Length of a leading line feed the tree builder drops after `<pre>`, `<listing>` and
/// `<textarea>` (a reference ending in `;` counts; one without `;` comes after a parse error,
/// which cancels the drop).
pub(super) fn leading_line_feed(bytes: &[u8]) -> usize {
    match bytes {
        [b'\r', b'\n', ..] => 2,
        [b'\n' | b'\r', ..] => 1,
        [b'&', b'N', ..] if bytes.starts_with(b"&NewLine;") => 9,
        [b'&', b'#', ..] => match numeric_ref(bytes, 0) {
            Some((10, len)) if bytes.get(len - 1) == Some(&b';') => len,
            _ => 0,
        },
        _ => 0,
    }
}

/// Classifies character data; references are decoded when `references` (data state).
pub(super) fn text_info(bytes: &[u8], references: bool) -> TextInfo {
    let mut info = TextInfo::default();
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            0 => info.nul = true,
            b if is_ws(b) => info.chars = true,
            b'&' if references => {
                info.chars = true;
                if let Some(len) = whitespace_ref(bytes, i) {
                    i += len;
                    continue;
                }
                info.non_ws = true;
            }
            _ => {
                info.chars = true;
                info.non_ws = true;
            }
        }
        i += 1;
    }
    info
}

/// Decodes an attribute value where the tree builder compares it; `None` when it holds a
/// reference this pass does not decode.
pub(super) fn decode_attr(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(offset) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'&'))
    {
        let amp = i + offset;
        let (decoded, len) = decode_reference(bytes, amp)?;
        out.push_str(&preprocess(&raw[copied..amp]));
        out.push_str(&decoded);
        copied = amp + len;
        i = amp + len.max(1);
    }
    out.push_str(&preprocess(&raw[copied..]));
    Some(out)
}

/// Input as the tokenizer sees it: newlines normalized, NUL replaced (in attribute values).
fn preprocess(raw: &str) -> String {
    raw.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\0', "\u{FFFD}")
}

/// The reference at `amp` in an attribute value and its length; `None` for named references
/// other than the usual few.
fn decode_reference(bytes: &[u8], amp: usize) -> Option<(String, usize)> {
    const NAMED: &[(&[u8], &str)] = &[
        (b"&amp;", "&"),
        (b"&lt;", "<"),
        (b"&gt;", ">"),
        (b"&quot;", "\""),
        (b"&apos;", "'"),
        (b"&nbsp;", "\u{A0}"),
    ];
    let rest = &bytes[amp..];
    if let Some((name, text)) = NAMED.iter().find(|(name, _)| rest.starts_with(name)) {
        return Some(((*text).to_owned(), name.len()));
    }
    match rest.get(1) {
        Some(b'#') => match numeric_ref(bytes, amp) {
            Some((value, len)) => numeric_char(value).map(|c| (c.to_string(), len)),
            None => Some(("&".to_owned(), 1)),
        },
        Some(b) if b.is_ascii_alphanumeric() => None,
        _ => Some(("&".to_owned(), 1)),
    }
}

/// The character a numeric reference stands for; `None` for the windows-1252 remapped range.
fn numeric_char(value: u32) -> Option<char> {
    match value {
        0x80..=0x9F => None,
        0 | 0xD800..=0xDFFF => Some('\u{FFFD}'),
        v => Some(char::from_u32(v).unwrap_or('\u{FFFD}')),
    }
}
