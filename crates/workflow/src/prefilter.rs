//! Required literals of regular expressions: a run of ASCII characters that every match must
//! contain (compared without ASCII case). A field's literal automaton looks for them in the
//! same pass as the literal tests, and a regular expression runs only on fields that hold its
//! literal — most rules' expressions then never run on most messages.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth a look-up: shorter ones are in almost every text.
const MIN_LEN: usize = 3;

/// The longest run of ASCII characters (lower-cased) that every match of `pattern` contains,
/// when one of at least [`MIN_LEN`] characters exists.
pub(crate) fn required_literal(pattern: &str) -> Option<String> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut found = Vec::new();
    runs(&hir, &mut found);
    found
        .into_iter()
        .filter(|s| s.len() >= MIN_LEN)
        .max_by_key(String::len)
}

/// Adds to `out` the runs every match of `h` contains.
fn runs(h: &Hir, out: &mut Vec<String>) {
    match h.kind() {
        HirKind::Literal(l) => {
            let mut run = String::new();
            literal(&l.0, &mut run, out);
            out.push(run);
        }
        HirKind::Class(_) => {
            if let Some(s) = unit(h) {
                out.push(s);
            }
        }
        HirKind::Capture(c) => runs(&c.sub, out),
        HirKind::Repetition(r) if r.min >= 1 => runs(&r.sub, out),
        HirKind::Concat(children) => {
            let mut run = String::new();
            for child in children {
                if let HirKind::Literal(l) = child.kind() {
                    literal(&l.0, &mut run, out);
                } else if let Some(s) = unit(child) {
                    run.push_str(&s);
                } else if matches!(child.kind(), HirKind::Look(_)) {
                    // Zero-width: the characters around it are still next to each other.
                } else {
                    out.push(std::mem::take(&mut run));
                    runs(child, out);
                }
            }
            out.push(run);
        }
        // Alternatives, optional parts, assertions and the empty match require nothing.
        _ => {}
    }
}

/// Extends `run` with the ASCII characters of a literal; each other character ends the run.
fn literal(bytes: &[u8], run: &mut String, out: &mut Vec<String>) {
    for &b in bytes {
        if b.is_ascii() {
            run.push(char::from(b.to_ascii_lowercase()));
        } else {
            out.push(std::mem::take(run));
        }
    }
}

/// The character a class matches when it is one ASCII character up to ASCII case.
fn unit(h: &Hir) -> Option<String> {
    match h.kind() {
        HirKind::Class(c) => {
            let chars: Vec<char> = match c {
                Class::Unicode(u) => {
                    let mut v = Vec::new();
                    for r in u.ranges() {
                        for ch in r.start()..=r.end() {
                            v.push(ch);
                            if v.len() > 2 {
                                return None;
                            }
                        }
                    }
                    v
                }
                Class::Bytes(b) => {
                    let mut v = Vec::new();
                    for r in b.ranges() {
                        for byte in r.start()..=r.end() {
                            v.push(char::from(byte));
                            if v.len() > 2 {
                                return None;
                            }
                        }
                    }
                    v
                }
            };
            match chars.as_slice() {
                [a] if a.is_ascii() => Some(a.to_ascii_lowercase().to_string()),
                [a, b] if a.is_ascii() && b.is_ascii() && a.eq_ignore_ascii_case(b) => {
                    Some(a.to_ascii_lowercase().to_string())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::required_literal;

    #[test]
    fn finds_the_longest_run_every_match_holds() {
        let cases: &[(&str, Option<&str>)] = &[
            (r"(?i)\border\s*(no\.?|number|#)\s*\d{4}", Some("order")),
            (r"(?i)^(re|fwd?):.*invoice", Some("invoice")),
            (r"Order-(\d+)-Refund", Some("-refund")),
            (r"(?i)subscription", Some("cription")), // ſ folds to s: the run stops there
            (r"(?i)kilo", Some("ilo")),              // the Kelvin sign folds to k
            (r"invoice|refund", None),
            (r"(refund)?ab", None),
            (r"(refund)+", Some("refund")),
            (r"\d{5}", None),
            (r"café au lait", Some(" au lait")),
            (r"[", None),
        ];
        for (pattern, want) in cases {
            assert_eq!(
                required_literal(pattern).as_deref(),
                *want,
                "pattern {pattern}"
            );
        }
    }

    #[test]
    fn every_match_contains_the_literal() {
        let hay = [
            "ORDER no. 12345",
            "Fwd: about the Invoice",
            "order#9999 and more",
            "x-REFUND-y",
        ];
        for pattern in [
            r"(?i)\border\s*(no\.?|number|#)\s*\d{4}",
            r"(?i)^(re|fwd?):.*invoice",
            r"(?i)-refund-",
        ] {
            let re = regex::Regex::new(pattern).unwrap();
            let lit = required_literal(pattern).unwrap();
            for h in hay {
                if re.is_match(h) {
                    assert!(h.to_ascii_lowercase().contains(&lit), "{pattern} on {h}");
                }
            }
        }
    }
}
