//! Unit tests of the nesting bounds, the tokenizer's scanning and the name tables.

use super::category::{
    BLOCK, CELL, DEFAULT_SCOPE, FORMATTING, IMPLIED_END, SPECIAL, TABLE_PART, name_flags,
};
use super::scan::{comment_end, scan_tag, script_end};
use super::*;

fn nested(open: &str, close: &str, depth: usize) -> String {
    format!("{}deep{}", open.repeat(depth), close.repeat(depth))
}

#[test]
fn names_have_their_categories() {
    assert_ne!(name_flags("div") & BLOCK, 0);
    assert_ne!(name_flags("div") & SPECIAL, 0);
    assert_ne!(name_flags("b") & FORMATTING, 0);
    assert_ne!(name_flags("option") & IMPLIED_END, 0);
    assert_ne!(name_flags("td") & (TABLE_PART | CELL | DEFAULT_SCOPE), 0);
    assert_eq!(name_flags("abbr"), 0);
    assert_eq!(name_flags("x-unknown"), 0);
}

#[test]
fn shallow_html_is_borrowed_unchanged() {
    for html in [
        "",
        "plain text",
        "<p>a<p>b<ul><li>x<li>y</ul><table><tr><td>1<td>2<tr><td>3</table>",
        "<div><b>bold <i>both</b> italic</i></div>",
        "<!-- a <div> in a comment --><script>if (a<b) x = '<div>';</script>",
        "<a title='>'>x</a><img src=x><br/><hr><meta charset=utf-8>",
        "<svg><g><path d='M0'/></g><style>.a{}</style></svg><math><mi>x</mi></math>",
        "< not a tag &lt; </> <!doctype html> <?xml?>",
    ] {
        assert!(
            matches!(bound_nesting(html), Cow::Borrowed(_)),
            "{html} changed to {}",
            bound_nesting(html)
        );
    }
    let deep_but_allowed = nested("<div>", "</div>", MAX_DEPTH);
    assert!(matches!(bound_nesting(&deep_but_allowed), Cow::Borrowed(_)));
}

#[test]
fn deep_nesting_is_flattened_text_kept() {
    let html = nested("<div class=x>", "</div>", MAX_DEPTH + 10);
    let out = bound_nesting(&html);
    assert_eq!(out.matches("<div").count(), MAX_DEPTH);
    assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
    assert!(out.contains("deep"));
}

#[test]
fn tags_hidden_from_the_parser_are_not_counted() {
    let body = "<div>".repeat(MAX_DEPTH + 10);
    for html in [
        format!("<!--{body}-->x"),
        format!("<script>{body}</script>x"),
        format!("<style>{body}</style>x"),
        format!("<textarea>{body}</textarea>x"),
        format!("<a title=\"{body}\">x</a>"),
    ] {
        assert!(matches!(bound_nesting(&html), Cow::Borrowed(_)), "{html}");
    }
}

#[test]
fn comment_and_script_ends_follow_the_tokenizer() {
    let bytes = b"<!-->x";
    assert_eq!(comment_end(bytes, 0), 5);
    assert_eq!(comment_end(b"<!--->x", 0), 6);
    assert_eq!(comment_end(b"<!--!>-->", 0), 9);
    assert_eq!(comment_end(b"<!-- a --!>", 0), 11);
    let script = b"a<!--<script></script>b</script>c";
    assert_eq!(script_end(script, 0), Some(23));
    assert_eq!(script_end(b"a</scripty></script >", 0), Some(11));
}

#[test]
fn tags_scan_like_the_tokenizer() {
    let src = "<div a=\">\" b='>' c d =e f/g/>x";
    let Some(tag) = scan_tag(src, 0, false) else {
        panic!("no tag");
    };
    let names: Vec<_> = tag
        .attrs
        .iter()
        .map(|a| (a.name.as_str(), a.value))
        .collect();
    assert_eq!(
        names,
        [
            ("a", ">"),
            ("b", ">"),
            ("c", ""),
            ("d", "e"),
            ("f", ""),
            ("g", "")
        ]
    );
    assert!(tag.self_closing);
    assert_eq!(&src[tag.end..], "x");
    let Some(odd) = scan_tag("<p =\"x>\"y>", 0, false) else {
        panic!("no tag");
    };
    assert_eq!(odd.attrs[0].name, "=\"x");
    assert!(scan_tag("<div a='>", 0, false).is_none());
}

#[test]
fn formatting_elements_are_bounded() {
    let html: String = (0..100).map(|i| format!("<p><b x={i}>t")).collect();
    let out = bound_nesting(&html);
    assert_eq!(out.matches("<b ").count(), MAX_FORMATTING, "{out}");
    assert_eq!(out.matches('t').count(), 100);
}

#[test]
fn reopened_formatting_is_budgeted() {
    let prefix: String = (0..MAX_FORMATTING).map(|i| format!("<b x={i}>")).collect();
    let html = format!("<p>{prefix}{}", "<p>t".repeat(20_000));
    let out = bound_nesting(&html);
    assert!(out.contains("</b>"), "no end tag inserted");
}

#[test]
fn unsupported_input_falls_back_to_escaping() {
    let html = format!("<template>{}", "<div>".repeat(1000));
    let out = bound_nesting(&html);
    assert_eq!(out.matches("<div>").count(), MAX_DEPTH - 1);
    assert!(out.contains("&lt;div>"));
}
