//! Customer HTML made safe to display in the agent's browser.
//!
//! An explicitly configured [`ammonia::Builder`] (never `ammonia::clean`, which keeps remote
//! images). The policy:
//!
//! - **Kept**: text formatting (`b`, `i`, `u`, `em`, `strong`, `span`, `font`, headings,
//!   lists, `blockquote`, `pre`, `code`…), `div`/`p`/`br`/`hr`, tables, links and images.
//! - **Removed with their content**: `script`, `style`, `title`, `iframe`, `object`, `embed`,
//!   `applet`, `noscript`, `noembed`, `noframes`, `template`, `svg`, `math`.
//! - **Removed, content kept**: every other element (`form`, `input`, `button`, `meta`,
//!   `link`, `base`, unknown tags…). Comments are stripped.
//! - **Attributes**: an allowlist of presentational ones (`align`, `width`, `bgcolor`,
//!   `colspan`…); no event handlers (`on*`), no `id`/`class`, no `srcset`/`background`.
//! - **`style`**: kept but filtered to layout and typography properties (colors, fonts,
//!   spacing, borders, sizes, `display`); dropped entirely when it contains `url(`,
//!   `image-set`, `expression`, `@import`, `javascript:` or a CSS escape, so CSS cannot load
//!   anything or position content over the page.
//! - **URLs**: links keep only `http`, `https`, `mailto` and `tel` and get
//!   `rel="noopener noreferrer nofollow"` and `target="_blank"`. Relative URLs are dropped
//!   (they would point into our own application). `data:` and `javascript:` URLs are dropped
//!   everywhere, inline `data:` images included.
//! - **Images**: `cid:` sources are rewritten through [`SanitizeOptions::cid_url`] (no URL: the
//!   source is dropped); remote `http(s)` sources are dropped unless
//!   [`SanitizeOptions::allow_remote_images`], and counted in
//!   [`Sanitized::blocked_remote_images`] so the UI can offer to load them.
//! - **Nesting**: bounded before parsing, so that sanitizing stays linear in the input: at most
//!   256 open elements and 32 active formatting elements (`b`, `font`, `a`…); start tags beyond
//!   that are dropped with their end tags, their text is kept (see `sanitize_depth/`).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ammonia::{Builder, Url, UrlRelative};

use crate::sanitize_depth::bound_nesting;
use crate::thread::normalize_message_id;

/// Maps a Content-ID (without `<>`) to the URL an attachment is served from.
pub type CidUrl = Box<dyn Fn(&str) -> Option<String>>;

/// How to sanitize one message's HTML.
pub struct SanitizeOptions {
    /// Keep `http(s)` images (the agent asked to load them). Off by default: remote images
    /// tell the sender when and where the mail was read.
    pub allow_remote_images: bool,
    /// Maps a Content-ID (without `<>`) to the URL we serve that attachment from; `None`
    /// drops the image.
    pub cid_url: CidUrl,
}

impl Default for SanitizeOptions {
    /// Remote images blocked, `cid:` images dropped.
    fn default() -> Self {
        SanitizeOptions {
            allow_remote_images: false,
            cid_url: Box::new(|_| None),
        }
    }
}

/// Sanitized HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitized {
    /// The safe HTML fragment.
    pub html: String,
    /// How many remote images were removed (0 when they were allowed).
    pub blocked_remote_images: usize,
}

/// Elements kept.
const TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Elements removed together with everything inside them.
const CLEAN_CONTENT_TAGS: &[&str] = &[
    "script", "style", "title", "iframe", "object", "embed", "applet", "noscript", "noembed",
    "noframes", "template", "svg", "math",
];

/// Attributes allowed on every kept element.
const GENERIC_ATTRIBUTES: &[&str] = &[
    "title", "lang", "dir", "align", "valign", "width", "height", "bgcolor", "style",
];

/// Attributes allowed on specific elements.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href"]),
    ("img", &["src", "alt", "border"]),
    (
        "table",
        &["border", "cellpadding", "cellspacing", "summary"],
    ),
    ("td", &["colspan", "rowspan", "nowrap"]),
    ("th", &["colspan", "rowspan", "nowrap", "scope"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("font", &["color", "face", "size"]),
    ("ol", &["start", "type", "reversed"]),
    ("ul", &["type"]),
    ("li", &["value"]),
    ("hr", &["size", "noshade"]),
];

/// CSS properties kept in `style` attributes: none of them can load a resource or position
/// content outside its box.
const STYLE_PROPERTIES: &[&str] = &[
    "color",
    "background-color",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "vertical-align",
    "white-space",
    "word-break",
    "word-wrap",
    "overflow-wrap",
    "direction",
    "display",
    "width",
    "height",
    "min-width",
    "max-width",
    "min-height",
    "max-height",
    "margin",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "padding",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "border",
    "border-top",
    "border-right",
    "border-bottom",
    "border-left",
    "border-color",
    "border-style",
    "border-width",
    "border-collapse",
    "border-spacing",
    "border-radius",
    "list-style-type",
    "table-layout",
];

/// Substrings that make a whole `style` attribute suspicious, lowercase.
const STYLE_BLOCKLIST: &[&str] = &[
    "url(",
    "image-set",
    "image(",
    "expression",
    "@import",
    "javascript:",
    "\\",
    "behavior",
    "-moz-binding",
];

/// URL schemes that survive (cid only on images, and only through `cid_url`).
const URL_SCHEMES: &[&str] = &["http", "https", "mailto", "tel", "cid"];

/// Link schemes kept on `<a href>`.
const LINK_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

/// Sanitizes an HTML body for display. See the module documentation for the policy.
pub fn sanitize_html(html: &str, opts: &SanitizeOptions) -> Sanitized {
    let html = bound_nesting(html);
    let cid_urls = if html.to_ascii_lowercase().contains("cid:") {
        resolve_cids(&html, opts)
    } else {
        HashMap::new()
    };
    let blocked = Arc::new(AtomicUsize::new(0));
    let policy = Policy {
        allow_remote_images: opts.allow_remote_images,
        cid_urls,
        blocked: Arc::clone(&blocked),
    };
    let mut builder = base_builder();
    builder.attribute_filter(move |element, attribute, value| {
        policy.filter(element, attribute, value)
    });
    let html = builder.clean(&html).to_string();
    Sanitized {
        html,
        blocked_remote_images: blocked.load(Ordering::Relaxed),
    }
}

/// The builder with the whole policy except the attribute filter.
fn base_builder() -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(TAGS.iter().copied().collect())
        .clean_content_tags(CLEAN_CONTENT_TAGS.iter().copied().collect())
        .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
        .tag_attributes(
            TAG_ATTRIBUTES
                .iter()
                .map(|(tag, attrs)| (*tag, attrs.iter().copied().collect::<HashSet<_>>()))
                .collect(),
        )
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        // Relative URLs reach the attribute filter, which drops them; the filter's own `cid:`
        // rewrites may be relative and must survive.
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer nofollow"))
        .set_tag_attribute_value("a", "target", "_blank")
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect())
        .strip_comments(true);
    builder
}

/// Finds the Content-IDs the HTML's images use and asks `cid_url` for each. (The attribute
/// filter must be `Send + Sync + 'static`, which `cid_url` is not, so this is a first pass.)
fn resolve_cids(html: &str, opts: &SanitizeOptions) -> HashMap<String, String> {
    let found: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&found);
    let mut builder = base_builder();
    builder.attribute_filter(move |element, attribute, value| {
        if element == "img"
            && attribute == "src"
            && let Some(cid) = cid_of(value)
            && let Ok(mut list) = sink.lock()
        {
            list.push(cid);
        }
        Some(Cow::Borrowed(value))
    });
    let _ = builder.clean(html);
    let cids = found.lock().map(|list| list.clone()).unwrap_or_default();
    cids.into_iter()
        .filter_map(|cid| (opts.cid_url)(&cid).map(|url| (cid, url)))
        .collect()
}

/// The attribute decisions that need per-call state.
struct Policy {
    allow_remote_images: bool,
    cid_urls: HashMap<String, String>,
    blocked: Arc<AtomicUsize>,
}

impl Policy {
    fn filter<'u>(&self, element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
        match (element, attribute) {
            ("img", "src") => self.image_source(value),
            (_, "href") => link_target(value),
            (_, "style") => safe_style(value),
            _ => Some(Cow::Borrowed(value)),
        }
    }

    /// `cid:` → our URL; remote → kept or blocked and counted; anything else dropped.
    fn image_source<'u>(&self, value: &'u str) -> Option<Cow<'u, str>> {
        if let Some(cid) = cid_of(value) {
            return self.cid_urls.get(&cid).map(|url| Cow::Owned(url.clone()));
        }
        let remote = remote_url(value.trim())?;
        if self.allow_remote_images {
            Some(remote)
        } else {
            self.blocked.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

/// An `http(s)` URL (protocol-relative `//host/…` becomes `https:`); `None` for anything else.
fn remote_url(value: &str) -> Option<Cow<'_, str>> {
    if value.starts_with("//") {
        return Some(Cow::Owned(format!("https:{value}")));
    }
    let url = Url::parse(value).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(Cow::Borrowed(value))
}

/// Keeps absolute links with a [`LINK_SCHEMES`] scheme.
fn link_target(value: &str) -> Option<Cow<'_, str>> {
    let url = Url::parse(value.trim()).ok()?;
    LINK_SCHEMES
        .contains(&url.scheme())
        .then_some(Cow::Borrowed(value))
}

/// Drops a `style` attribute that could load something; ammonia then keeps only
/// [`STYLE_PROPERTIES`].
fn safe_style(value: &str) -> Option<Cow<'_, str>> {
    let lower = value.to_ascii_lowercase();
    (!STYLE_BLOCKLIST.iter().any(|bad| lower.contains(bad))).then_some(Cow::Borrowed(value))
}

/// The Content-ID a `cid:` URL names (RFC 2392: percent-decoded, without `<>`).
fn cid_of(value: &str) -> Option<String> {
    let value = value.trim();
    let scheme = value.get(..4)?;
    if !scheme.eq_ignore_ascii_case("cid:") {
        return None;
    }
    normalize_message_id(&percent_decode(&value[4..]))
}

/// Decodes `%XX` escapes (invalid ones are kept as written).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::sanitize_depth::{MAX_DEPTH, MAX_FORMATTING};

    fn clean(html: &str) -> Sanitized {
        sanitize_html(html, &SanitizeOptions::default())
    }

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let out = clean(
            "<p onclick=\"steal()\">hi</p><script>alert(1)</script>\
<img src=x onerror=\"alert(2)\"><a href=\"javascript:alert(3)\">x</a>\
<a href=\"JaVaScRiPt:alert(4)\">y</a><iframe src=\"https://evil.example\">f</iframe>\
<style>body{display:none}</style><form action=\"https://evil.example\"><input name=q>z</form>",
        )
        .html;
        for bad in [
            "script",
            "onclick",
            "onerror",
            "alert",
            "javascript",
            "iframe",
            "<style",
            "form",
            "input",
        ] {
            assert!(!out.to_lowercase().contains(bad), "{bad} survived in {out}");
        }
        assert!(out.contains("<p>hi</p>"), "{out}");
        assert!(out.contains('z'));
    }

    #[test]
    fn data_and_relative_urls_are_dropped() {
        let out = clean(
            "<img src=\"data:image/png;base64,iVBORw0KGgo=\"><a href=\"/admin\">rel</a>\
<a href=\"data:text/html,<script>x</script>\">d</a><a href=\"#top\">frag</a>",
        )
        .html;
        assert!(!out.contains("data:"), "{out}");
        assert!(!out.contains("href"), "{out}");
    }

    #[test]
    fn links_open_safely() {
        let out = clean(
            "<a href=\"https://example.com/x?a=1&amp;b=2\" target=\"_self\" rel=\"opener\">go</a>",
        )
        .html;
        assert!(
            out.contains("href=\"https://example.com/x?a=1&amp;b=2\""),
            "{out}"
        );
        assert!(
            out.contains("rel=\"noopener noreferrer nofollow\""),
            "{out}"
        );
        assert!(out.contains("target=\"_blank\""), "{out}");
        assert!(
            !out.contains("_self") && !out.contains("\"opener\""),
            "{out}"
        );
        let mail = clean("<a href=\"mailto:a@b.example\">m</a>").html;
        assert!(mail.contains("mailto:a@b.example"), "{mail}");
    }

    #[test]
    fn remote_images_are_blocked_and_counted() {
        let html = "<img src=\"https://t.example/pixel.gif\" alt=\"p\">\
<img src=\"http://t.example/a.png\"><img src=\"//t.example/b.png\"><p>text</p>";
        let out = clean(html);
        assert_eq!(out.blocked_remote_images, 3);
        assert!(!out.html.contains("t.example"), "{}", out.html);
        assert!(out.html.contains("alt=\"p\""));
        assert!(out.html.contains("<p>text</p>"));
    }

    #[test]
    fn remote_images_are_kept_when_allowed() {
        let opts = SanitizeOptions {
            allow_remote_images: true,
            ..SanitizeOptions::default()
        };
        let out = sanitize_html(
            "<img src=\"https://t.example/a.png\"><img src=\"//t.example/b.png\">",
            &opts,
        );
        assert_eq!(out.blocked_remote_images, 0);
        assert!(
            out.html.contains("src=\"https://t.example/a.png\""),
            "{}",
            out.html
        );
        assert!(
            out.html.contains("src=\"https://t.example/b.png\""),
            "{}",
            out.html
        );
    }

    #[test]
    fn cid_images_are_rewritten() {
        let opts = SanitizeOptions {
            allow_remote_images: false,
            cid_url: Box::new(|cid| {
                (cid == "logo@x" || cid == "a b@x")
                    .then(|| format!("/api/attachments/by-cid/{cid}"))
            }),
        };
        let out = sanitize_html(
            "<img src=\"cid:logo@x\"><img src=\"CID:unknown@x\"><img src=\"cid:a%20b@x\">",
            &opts,
        );
        assert!(
            out.html.contains("src=\"/api/attachments/by-cid/logo@x\""),
            "{}",
            out.html
        );
        assert!(!out.html.contains("unknown"), "{}", out.html);
        assert_eq!(out.blocked_remote_images, 0);
        // The cid: scheme is only for images.
        let link = sanitize_html("<a href=\"cid:logo@x\">l</a>", &opts).html;
        assert!(!link.contains("cid:"), "{link}");
    }

    #[test]
    fn styles_are_filtered() {
        let out = clean(
            "<p style=\"color: red; position: fixed; top: 0\">a</p>\
<div style=\"background-image: url(https://t.example/x.png); color: blue\">b</div>\
<span style=\"width: expression(alert(1))\">c</span>",
        )
        .html;
        assert!(out.contains("color:red"), "{out}");
        assert!(
            !out.contains("position") && !out.contains("url(") && !out.contains("expression"),
            "{out}"
        );
        assert!(!out.contains("blue"), "{out}");
    }

    #[test]
    fn tables_and_formatting_are_kept() {
        let out = clean(
            "<table border=\"1\" class=\"x\" id=\"y\"><tr><td colspan=\"2\" bgcolor=\"#fff\"><b>bold</b> <i>it</i></td></tr></table>",
        )
        .html;
        assert!(out.contains("<table border=\"1\">"), "{out}");
        assert!(
            out.contains("<td colspan=\"2\" bgcolor=\"#fff\"><b>bold</b> <i>it</i></td>"),
            "{out}"
        );
    }

    /// `open` repeated `depth` times around a text, then `close` repeated (empty: unclosed).
    fn nested(open: &str, close: &str, depth: usize) -> String {
        format!("{}deep text{}", open.repeat(depth), close.repeat(depth))
    }

    /// Sanitizes `html`, asserting it takes well under a second (debug build included).
    fn clean_quickly(html: &str, what: &str) -> String {
        let started = Instant::now();
        let out = clean(html).html;
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(1), "{what}: {elapsed:?}");
        out
    }

    #[test]
    fn deep_nesting_sanitizes_in_linear_time() {
        for (open, close) in [
            ("<div>", "</div>"),
            ("<b>", "</b>"),
            ("<font color=\"red\">", "</font>"),
            ("<table><tr><td>", "</td></tr></table>"),
            ("<p>", ""),
            ("<li>", ""),
        ] {
            let out = clean_quickly(&nested(open, close, 50_000), open);
            assert!(out.contains("deep text"), "{open}: text lost");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let out = clean(&nested("<div>", "</div>", 50_000)).html;
        assert_eq!(out.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(out.matches("</div>").count(), MAX_DEPTH);
        // Identical formatting elements stay open but only three stay active (Noah's Ark).
        let out = clean(&nested("<b>", "</b>", 50_000)).html;
        assert_eq!(out.matches("<b>").count(), MAX_DEPTH);
        let distinct: String = (0..50_000).map(|i| format!("<b title=\"{i}\">")).collect();
        let out = clean(&distinct).html;
        assert_eq!(out.matches("<b ").count(), MAX_FORMATTING);
    }

    #[test]
    fn reopened_formatting_stays_linear() {
        let distinct: String = (0..10_000)
            .map(|i| format!("<p><b title=\"{i}\">@"))
            .collect();
        let orphans = "<div><b></div>@".repeat(10_000);
        let adopted = "<b><div></b>@".repeat(10_000);
        for (html, what) in [
            (distinct, "distinct"),
            (orphans, "orphans"),
            (adopted, "adopted"),
        ] {
            let out = clean_quickly(&html, what);
            assert_eq!(out.matches('@').count(), 10_000, "{what}: text lost");
            assert!(out.len() < 4 * html.len(), "{what}: {} bytes", out.len());
        }
    }

    #[test]
    fn text_inside_deep_nesting_is_kept() {
        let html: String = (0..5_000).map(|i| format!("<div><span>[{i}]")).collect();
        let out = clean(&html).html;
        for i in 0..5_000 {
            assert!(out.contains(&format!("[{i}]")), "[{i}] lost");
        }
        assert!(out.matches("<div>").count() <= MAX_DEPTH);
    }

    #[test]
    fn ordinary_html_is_left_as_is() {
        let gmail_thread = "<div dir=\"ltr\">Reply<br><div class=\"gmail_quote\">\
<div dir=\"ltr\" class=\"gmail_attr\">On Mon, A wrote:<br></div>\
<blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex\">"
            .repeat(40);
        let newsletter = "<table width=\"600\" cellpadding=\"0\"><tr><td align=\"center\">\
<font face=\"Arial\" size=\"2\">cell<td><a href=\"https://e.example/?a=1&amp;b=2\">link</a>"
            .repeat(30);
        let outlook = "<html><head><meta charset=\"utf-8\"><style><!-- p.MsoNormal {margin:0} \
--></style><!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" />\
</xml><![endif]--></head><body lang=EN-US><div class=WordSection1><p class=MsoNormal>Hi,\
<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><ul><li>one<li>two</ul></div>\
</body></html>";
        let sloppy = "<p><font face=Arial>paragraph <b>bold".repeat(500);
        let deepest_allowed = nested("<div>", "</div>", MAX_DEPTH);
        for html in [
            gmail_thread.as_str(),
            &newsletter,
            outlook,
            &sloppy,
            &deepest_allowed,
        ] {
            assert!(matches!(bound_nesting(html), Cow::Borrowed(_)), "{html}");
        }
        let kept = clean(&deepest_allowed).html;
        assert_eq!(kept.matches("<div>").count(), MAX_DEPTH, "{kept}");
    }
}
