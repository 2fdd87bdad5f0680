//! Full-text search over knowledge-base articles: the tokenizer that builds the index and the
//! query, and BM25 ranking. The index itself is two plain tables in the store (terms per
//! article), so search works the same on SQLite and PostgreSQL and commits with the article.

use std::collections::{BTreeMap, HashMap};

/// Longest term kept, in characters.
pub const MAX_TERM: usize = 40;
/// Most query terms used.
pub const MAX_QUERY_TERMS: usize = 12;
/// Shortest query term matched as a prefix.
pub const MIN_PREFIX: usize = 3;

/// Words of `s`: runs of letters and digits, lower-cased, accents kept, over-long runs dropped.
pub fn tokens(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_TERM)
        .map(str::to_lowercase)
}

/// Text of an HTML fragment for indexing: tags removed, entities left as they are (they only
/// add a few odd terms).
pub fn html_words(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// One article's entry in the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Indexed {
    /// Term → (occurrences in the body, occurrences in the title).
    pub terms: BTreeMap<String, (u32, u32)>,
    /// Length in terms (title counted twice: it weighs more).
    pub length: u32,
}

/// Indexes an article's title and body.
pub fn index(title: &str, body: &str) -> Indexed {
    let mut ix = Indexed::default();
    for t in tokens(title) {
        ix.terms.entry(t).or_default().1 += 1;
        ix.length += 2;
    }
    for t in tokens(body) {
        ix.terms.entry(t).or_default().0 += 1;
        ix.length += 1;
    }
    ix
}

/// The distinct terms of a query, at most [`MAX_QUERY_TERMS`].
pub fn query_terms(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tokens(q) {
        if !out.contains(&t) {
            out.push(t);
        }
        if out.len() == MAX_QUERY_TERMS {
            break;
        }
    }
    out
}

/// One posting read back from the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// The article (raw id).
    pub article: i64,
    /// The indexed term.
    pub term: String,
    /// Occurrences in the body.
    pub body_tf: u32,
    /// Occurrences in the title.
    pub title_tf: u32,
}

/// Collection figures for ranking.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Collection {
    /// Articles searched.
    pub articles: u64,
    /// Their average length in terms.
    pub average_length: f64,
}

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A query term that only matches as a prefix ("refund" for "refunds") counts this much.
const PREFIX_WEIGHT: f64 = 0.5;

/// Ranks articles by BM25 over `postings` (every posting whose term equals a query term or, for
/// terms of [`MIN_PREFIX`] or more characters, starts with one). `lengths` gives each article's
/// length. Returns (article, score), best first, ties by id.
pub fn rank(
    query: &[String],
    postings: &[Posting],
    lengths: &HashMap<i64, u32>,
    c: Collection,
) -> Vec<(i64, f64)> {
    // Document frequency per query term, counting an article once whether it matched exactly or
    // by prefix.
    let mut per_term: Vec<HashMap<i64, (f64, bool)>> = vec![HashMap::new(); query.len()];
    for p in postings {
        for (i, q) in query.iter().enumerate() {
            let exact = p.term == *q;
            let prefix =
                !exact && q.chars().count() >= MIN_PREFIX && p.term.starts_with(q.as_str());
            if !(exact || prefix) {
                continue;
            }
            let tf = f64::from(p.body_tf) + 2.0 * f64::from(p.title_tf);
            let e = per_term[i].entry(p.article).or_insert((0.0, false));
            let w = if exact { 1.0 } else { PREFIX_WEIGHT };
            e.0 = e.0.max(tf * w);
            e.1 |= exact;
        }
    }
    let n = c.articles.max(1) as f64;
    let avg = if c.average_length > 0.0 {
        c.average_length
    } else {
        1.0
    };
    let mut scores: HashMap<i64, f64> = HashMap::new();
    for hits in &per_term {
        let df = hits.len() as f64;
        let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
        for (article, (tf, _)) in hits {
            let len = f64::from(lengths.get(article).copied().unwrap_or(1));
            let s = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg));
            *scores.entry(*article).or_default() += s;
        }
    }
    let mut out: Vec<(i64, f64)> = scores.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// A short extract of `text` around the first query term, at most `max` characters.
pub fn snippet(text: &str, query: &[String], max: usize) -> String {
    let lower = text.to_lowercase();
    let at = query
        .iter()
        .filter_map(|q| lower.find(q.as_str()))
        .min()
        .unwrap_or(0);
    // `lower` can differ in length from `text` for a few characters; map by characters.
    let char_at = lower[..at.min(lower.len())].chars().count();
    let start = char_at.saturating_sub(max / 3);
    let s: String = text.chars().skip(start).take(max).collect();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if start > 0 { format!("…{s}") } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn postings(docs: &[(i64, &str, &str)]) -> (Vec<Posting>, HashMap<i64, u32>, Collection) {
        let mut ps = Vec::new();
        let mut lengths = HashMap::new();
        let mut total = 0u64;
        for (id, title, body) in docs {
            let ix = index(title, body);
            total += u64::from(ix.length);
            lengths.insert(*id, ix.length);
            for (term, (b, t)) in ix.terms {
                ps.push(Posting {
                    article: *id,
                    term,
                    body_tf: b,
                    title_tf: t,
                });
            }
        }
        let c = Collection {
            articles: docs.len() as u64,
            average_length: total as f64 / docs.len() as f64,
        };
        (ps, lengths, c)
    }

    #[test]
    fn title_matches_rank_above_body_mentions_and_prefixes_match() {
        let docs = [
            (
                1,
                "Shipping times",
                "Parcels leave within two days. Refund questions go to billing.",
            ),
            (
                2,
                "Refunds",
                "How to get a refund: reply with your order number.",
            ),
            (
                3,
                "Password reset",
                "Click the link to reset your password.",
            ),
        ];
        let (ps, lengths, c) = postings(&docs);
        let q = query_terms("refund");
        let r = rank(&q, &ps, &lengths, c);
        assert_eq!(r.first().map(|x| x.0), Some(2));
        assert!(r.iter().any(|x| x.0 == 1));
        assert!(!r.iter().any(|x| x.0 == 3));
        // "pass" finds "password" by prefix.
        let r = rank(&query_terms("PASS"), &ps, &lengths, c);
        assert_eq!(r.first().map(|x| x.0), Some(3));
        // Two-letter terms only match whole words.
        assert!(rank(&query_terms("pa"), &ps, &lengths, c).is_empty());
    }

    #[test]
    fn tokens_are_lower_case_words_in_any_script() {
        let t: Vec<String> = tokens("Grüße, DANKE-schön! 42x ĳ").collect();
        assert_eq!(t, vec!["grüße", "danke", "schön", "42x", "ĳ"]);
        assert_eq!(
            html_words("<p>Hi<b>there</b></p>")
                .split_whitespace()
                .count(),
            2
        );
    }

    #[test]
    fn snippets_start_near_the_match() {
        let text = "a ".repeat(100) + "the refund policy";
        let s = snippet(&text, &["refund".into()], 30);
        assert!(s.starts_with('…') && s.contains("refund"), "{s}");
    }
}
