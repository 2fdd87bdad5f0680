//! Required literals of regular expressions: a run of ASCII characters that every match must
//! contain (compared without ASCII case). A field's literal automaton looks for them in the
//! same pass as the literal tests, and a regular expression runs only on fields that hold its
//! literal — most rules' expressions then never run on most messages.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth a look-up: shorter ones are in almost every text.
const MIN_LEN: usize = 3;

/// A run of ASCII characters (lower-cased) that every match of a pattern contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Required {
    /// The run.
    pub text: String,
    /// When every match starts a bounded number of bytes before the run: the least and the
    /// most. The expression then needs to be tried only there, anchored.
    pub lead: Option<(usize, usize)>,
}

/// The most bytes before a leading run that are tried one by one.
const MAX_LEAD: usize = 16;

/// The first run of at least [`MIN_LEN`] characters of every match, when every match starts
/// at most [`MAX_LEAD`] bytes before it; otherwise the longest run of at least that length
/// every match contains.
pub(crate) fn required(pattern: &str) -> Option<Required> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut first = Lead::default();
    leading(&hir, &mut first);
    if first.run.len() >= MIN_LEN && first.max <= MAX_LEAD {
        return Some(Required {
            text: first.run,
            lead: Some((first.min, first.max)),
        });
    }
    let mut found = Vec::new();
    runs(&hir, &mut found);
    found
        .into_iter()
        .filter(|s| s.len() >= MIN_LEN)
        .max_by_key(String::len)
        .map(|text| Required { text, lead: None })
}

/// The start of every match: a part of bounded width (`min` to `max` bytes), then `run`.
#[derive(Debug, Default)]
struct Lead {
    min: usize,
    max: usize,
    run: String,
}

impl Lead {
    /// Puts a part of `min` to `max` bytes after the run: a run long enough is kept and the
    /// lead ends (false); a shorter one becomes part of the bounded part.
    fn bounded(&mut self, min: usize, max: usize) -> bool {
        if self.run.len() >= MIN_LEN {
            return false;
        }
        self.min += self.run.len() + min;
        self.max += self.run.len() + max;
        self.run.clear();
        self.max <= MAX_LEAD
    }
}

/// Extends `lead` with what every match of `h` starts with. Returns whether `h` ended within
/// the lead (so what follows it may extend the lead).
fn leading(h: &Hir, lead: &mut Lead) -> bool {
    match h.kind() {
        HirKind::Literal(l) => l.0.iter().all(|&b| {
            if b.is_ascii() {
                lead.run.push(char::from(b.to_ascii_lowercase()));
                true
            } else {
                lead.bounded(1, 1)
            }
        }),
        HirKind::Class(_) => match unit(h) {
            Some(s) => {
                lead.run.push_str(&s);
                true
            }
            None => width(h).is_some_and(|(min, max)| lead.bounded(min, max)),
        },
        // Zero-width: the characters around it are still next to each other.
        HirKind::Look(_) => true,
        HirKind::Capture(c) => leading(&c.sub, lead),
        HirKind::Concat(children) => children.iter().all(|c| leading(c, lead)),
        // One copy starts every match; what follows it is not known.
        HirKind::Repetition(r) if r.min >= 1 && lead.run.len() < MIN_LEN => {
            leading(&r.sub, lead);
            false
        }
        _ => width(h).is_some_and(|(min, max)| lead.bounded(min, max)),
    }
}

/// The least and most bytes a match of `h` spans, when bounded.
fn width(h: &Hir) -> Option<(usize, usize)> {
    let p = h.properties();
    Some((p.minimum_len()?, p.maximum_len()?))
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
    use super::{Required, required};

    fn required_literal(pattern: &str) -> Option<String> {
        required(pattern).map(|r| r.text)
    }

    #[test]
    fn prefers_the_run_every_match_starts_with() {
        /// A pattern, then the run and where matches start before it, when one is found.
        type Case<'a> = (&'a str, Option<(&'a str, Option<(usize, usize)>)>);
        let cases: &[Case] = &[
            (
                r"(?i)\border\s*(no\.?|number|#)\s*\d{4}",
                Some(("order", Some((0, 0)))),
            ),
            (r"^refund\d", Some(("refund", Some((0, 0))))),
            (r"Order-(\d+)-Refund", Some(("order-", Some((0, 0))))),
            (r"(refund)+x", Some(("refund", Some((0, 0))))),
            // ſ folds to s: one or two bytes before the run; the Kelvin sign ends it.
            (r"(?i)\bstock\b", Some(("toc", Some((1, 2))))),
            (r"(?i)subscription", Some(("cription", Some((4, 6))))),
            (r"(?i)discount\s*\d", Some(("count", Some((3, 4))))),
            (r"a-(\d+)-Refund", Some(("-refund", None))), // the lead is unbounded
            (r"(?i)^(re|fwd?):.*invoice", Some(("invoice", None))),
            (r"café au lait", Some(("caf", Some((0, 0))))),
            (r"é?refund", Some(("refund", Some((0, 2))))),
            (r"(x|yz)refund", Some(("refund", Some((1, 2))))),
            (r"\d{5}", None),
        ];
        for (pattern, want) in cases {
            let want = want.map(|(text, lead)| Required {
                text: text.to_string(),
                lead,
            });
            assert_eq!(required(pattern), want, "pattern {pattern}");
        }
    }

    #[test]
    fn every_match_starts_with_a_leading_run() {
        let hay = [
            "xx ORDER no. 12345",
            "order#9999 and more",
            "a Café au lait",
        ];
        for pattern in [r"(?i)\border\s*(no\.?|number|#)\s*\d{4}", r"(?i)café au"] {
            let re = regex::Regex::new(pattern).unwrap();
            let lead = required(pattern).unwrap();
            assert_eq!(lead.lead, Some((0, 0)), "{pattern}");
            for h in hay {
                for m in re.find_iter(h) {
                    assert!(
                        m.as_str().to_ascii_lowercase().starts_with(&lead.text),
                        "{pattern} on {h}"
                    );
                }
            }
        }
    }

    #[test]
    fn finds_the_longest_run_every_match_holds() {
        let cases: &[(&str, Option<&str>)] = &[
            (r"(?i)\border\s*(no\.?|number|#)\s*\d{4}", Some("order")),
            (r"(?i)^(re|fwd?):.*invoice", Some("invoice")),
            (r"Order-(\d+)-Refund", Some("order-")),
            (r"(?i)subscription", Some("cription")), // ſ folds to s: the run stops there
            (r"(?i)kilo", Some("ilo")),              // the Kelvin sign folds to k
            (r"invoice|refund", None),
            (r"(refund)?ab", None),
            (r"(refund)+", Some("refund")),
            (r"\d{5}", None),
            (r"café au lait", Some("caf")),
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
