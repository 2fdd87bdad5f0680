//! HTML to plain text, once for the whole product: an inbound message's HTML-only body, and the
//! text alternative of what the center sends (acknowledgements, automatic answers,
//! notifications). Block elements become line breaks and blank lines, scripts, styles and the
//! head are dropped, entities are decoded (`&amp;` becomes `&`), and nothing is interpreted.

/// Elements whose content is never text.
const SKIPPED_ELEMENTS: &[&str] = &["script", "style", "head", "title", "template", "xml"];
/// Elements that start and end a paragraph (blank line around them).
const PARAGRAPH_ELEMENTS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "pre",
];
/// Elements that start and end a line.
const LINE_ELEMENTS: &[&str] = &[
    "div", "tr", "li", "dt", "dd", "hr", "section", "article", "header", "footer", "address",
    "center", "form", "fieldset", "figure", "main", "nav", "aside", "caption", "tbody", "thead",
    "tfoot",
];

/// A plain-text rendering of HTML: tags stripped, entities decoded, `<script>`/`<style>`/
/// `<head>` dropped, block elements and `<br>` turned into line breaks, list items prefixed
/// with `- `, whitespace collapsed outside `<pre>`.
pub fn html_to_text(html: &str) -> String {
    let mut out = TextWriter::default();
    let mut rest = html;
    let mut skipping: Option<String> = None;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            if skipping.is_none() {
                out.text(&decode_entities(rest));
            }
            break;
        };
        if skipping.is_none() && lt > 0 {
            out.text(&decode_entities(&rest[..lt]));
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if !rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'))
        {
            // Not a tag: a literal '<' (as in "1 < 2").
            if skipping.is_none() {
                out.text("<");
            }
            rest = &rest[1..];
            continue;
        }
        let (inner_end, next) = tag_end(rest);
        let tag = Tag::parse(&rest[1..inner_end]);
        rest = &rest[next..];
        match &skipping {
            Some(name) => {
                let closes = tag.closing && tag.name == *name;
                if closes || (name == "head" && tag.name == "body") {
                    skipping = None;
                }
            }
            None => {
                if !tag.closing
                    && !tag.self_closing
                    && SKIPPED_ELEMENTS.contains(&tag.name.as_str())
                {
                    skipping = Some(tag.name.clone());
                } else {
                    out.tag(&tag);
                }
            }
        }
    }
    out.finish()
}

/// Where the tag `s` starts with ends: `(end of its inside, start of what follows)`. Quotes
/// are respected; a stray `<` ends an unclosed tag; a tag that never closes runs to the end.
fn tag_end(s: &str) -> (usize, usize) {
    let mut quote: Option<char> = None;
    let mut after_equals = false;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if after_equals => quote = Some(c),
            (None, '>') => return (i, i + 1),
            (None, '<') => return (i, i),
            _ => {}
        }
        if !c.is_whitespace() {
            after_equals = c == '=';
        }
    }
    (s.len(), s.len())
}

/// The parts of a tag the text renderer cares about.
struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
}

impl Tag {
    /// Parses the inside of `<…>`.
    fn parse(inner: &str) -> Tag {
        let trimmed = inner.trim();
        let (closing, body) = match trimmed.strip_prefix('/') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, trimmed),
        };
        let name: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        Tag {
            name,
            closing,
            self_closing: trimmed.ends_with('/'),
        }
    }
}

/// Accumulates rendered text, collapsing whitespace and blank lines.
#[derive(Default)]
struct TextWriter {
    out: String,
    pre_depth: usize,
    pending_space: bool,
}

impl TextWriter {
    fn text(&mut self, text: &str) {
        if self.pre_depth > 0 {
            self.out.push_str(text);
            return;
        }
        for c in text.chars() {
            if c.is_whitespace() {
                self.pending_space = true;
            } else {
                if self.pending_space && !self.out.is_empty() && !self.out.ends_with(['\n', ' ']) {
                    self.out.push(' ');
                }
                self.pending_space = false;
                self.out.push(c);
            }
        }
    }

    fn tag(&mut self, tag: &Tag) {
        let name = tag.name.as_str();
        if name == "pre" {
            if tag.closing {
                self.pre_depth = self.pre_depth.saturating_sub(1);
            } else {
                self.pre_depth += 1;
            }
        }
        if name == "br" {
            self.out.push('\n');
            self.pending_space = false;
        } else if PARAGRAPH_ELEMENTS.contains(&name) {
            self.break_lines(2);
        } else if LINE_ELEMENTS.contains(&name) {
            self.break_lines(1);
            if name == "li" && !tag.closing {
                self.out.push_str("- ");
            }
        } else if matches!(name, "td" | "th") && !tag.closing {
            self.pending_space = true;
        }
    }

    /// Ends the current line so that at least `n` line breaks separate it from what follows.
    fn break_lines(&mut self, n: usize) {
        self.pending_space = false;
        if self.out.is_empty() {
            return;
        }
        let trailing = self.out.len() - self.out.trim_end_matches('\n').len();
        for _ in trailing..n {
            self.out.push('\n');
        }
    }

    fn finish(self) -> String {
        let mut result = String::with_capacity(self.out.len());
        let mut blank_run = 0;
        for line in self.out.lines() {
            let line = line.trim_end();
            if line.is_empty() {
                blank_run += 1;
                if blank_run > 1 {
                    continue;
                }
            } else {
                blank_run = 0;
            }
            result.push_str(line);
            result.push('\n');
        }
        result.trim().to_string()
    }
}

/// Decodes HTML character references (named ones from a common subset, all numeric ones).
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match decode_entity(rest) {
            Some((decoded, len)) => {
                out.push_str(&decoded);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The entity at the start of `s` (which starts with `&`) and its length in bytes.
fn decode_entity(s: &str) -> Option<(String, usize)> {
    let semi = s[1..].find(';').filter(|i| *i <= 32)? + 1;
    let name = &s[1..semi];
    let decoded = if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        char::from_u32(code)
            .filter(|c| *c != '\0')
            .unwrap_or(char::REPLACEMENT_CHARACTER)
            .to_string()
    } else {
        named_entity(name)?.to_string()
    };
    Some((decoded, semi + 1))
}

/// Common named entities.
fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" | "AMP" => "&",
        "lt" | "LT" => "<",
        "gt" | "GT" => ">",
        "quot" | "QUOT" => "\"",
        "apos" => "'",
        "nbsp" | "ensp" | "emsp" | "thinsp" => " ",
        "shy" | "zwnj" | "zwj" | "lrm" | "rlm" => "",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        "hellip" => "…",
        "mdash" => "—",
        "ndash" => "–",
        "lsquo" => "‘",
        "rsquo" => "’",
        "sbquo" => "‚",
        "ldquo" => "“",
        "rdquo" => "”",
        "bdquo" => "„",
        "laquo" => "«",
        "raquo" => "»",
        "bull" => "•",
        "middot" => "·",
        "euro" => "€",
        "pound" => "£",
        "yen" => "¥",
        "cent" => "¢",
        "sect" => "§",
        "para" => "¶",
        "deg" => "°",
        "plusmn" => "±",
        "times" => "×",
        "divide" => "÷",
        "frac12" => "½",
        "auml" => "ä",
        "ouml" => "ö",
        "uuml" => "ü",
        "Auml" => "Ä",
        "Ouml" => "Ö",
        "Uuml" => "Ü",
        "szlig" => "ß",
        "eacute" => "é",
        "egrave" => "è",
        "ecirc" => "ê",
        "euml" => "ë",
        "Eacute" => "É",
        "aacute" => "á",
        "agrave" => "à",
        "acirc" => "â",
        "atilde" => "ã",
        "oacute" => "ó",
        "ograve" => "ò",
        "ocirc" => "ô",
        "otilde" => "õ",
        "iacute" => "í",
        "igrave" => "ì",
        "icirc" => "î",
        "iuml" => "ï",
        "uacute" => "ú",
        "ugrave" => "ù",
        "ucirc" => "û",
        "ntilde" => "ñ",
        "Ntilde" => "Ñ",
        "ccedil" => "ç",
        "Ccedil" => "Ç",
        "aring" => "å",
        "Aring" => "Å",
        "aelig" => "æ",
        "AElig" => "Æ",
        "oslash" => "ø",
        "Oslash" => "Ø",
        "iexcl" => "¡",
        "iquest" => "¿",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities() {
        assert_eq!(
            decode_entities("a &amp; b &lt;&#65;&#x42;&gt; &unknown; & c"),
            "a & b <AB> &unknown; & c"
        );
        assert_eq!(decode_entities("&#0; &#xD800;"), "\u{fffd} \u{fffd}");
    }

    #[test]
    fn html_to_text_edge_cases() {
        assert_eq!(html_to_text("<pre>a\n  b</pre>c"), "a\n  b\n\nc");
        assert_eq!(html_to_text("<a title=\"x>y\" href=#>link</a>"), "link");
        assert_eq!(html_to_text("a<!-- <p>hidden</p> -->b"), "ab");
        assert_eq!(
            html_to_text("<table><tr><td>1</td><td>2</td></tr></table>"),
            "1 2"
        );
        assert_eq!(html_to_text("<head><title>x</title><body>text"), "text");
        assert_eq!(html_to_text("unclosed <b"), "unclosed");
        assert_eq!(html_to_text("1 < 2 &lt; 3"), "1 < 2 < 3");
    }
}
