//! Element categories, as html5ever's tag sets (`tree_builder/tag_sets.rs`), and the tables
//! that give tag names (HTML) and SVG or MathML elements their categories.

use std::sync::OnceLock;

use super::scan::Tag;
use super::text::decode_attr;
use super::tree::Ns;
use super::{Replay, Unsupported};

pub(super) const SPECIAL: u32 = 1;
pub(super) const DEFAULT_SCOPE: u32 = 1 << 1;
pub(super) const LIST_SCOPE: u32 = 1 << 2;
pub(super) const BUTTON_SCOPE: u32 = 1 << 3;
pub(super) const TABLE_SCOPE: u32 = 1 << 4;
pub(super) const IMPLIED_END: u32 = 1 << 5;
pub(super) const HEADING: u32 = 1 << 6;
pub(super) const TABLE_OUTER: u32 = 1 << 7;
pub(super) const CELL: u32 = 1 << 8;
pub(super) const TABLE_BODY_CONTEXT: u32 = 1 << 9;
pub(super) const TABLE_ROW_CONTEXT: u32 = 1 << 10;
pub(super) const MATHML_TEXT_POINT: u32 = 1 << 11;
pub(super) const HTML_POINT: u32 = 1 << 12;
pub(super) const ANNOTATION_XML: u32 = 1 << 13;
pub(super) const ANNOTATION_POINT: u32 = 1 << 14;
/// The categories above; the ones below are about tag names, not elements.
pub(super) const TREE: u32 = (1 << 15) - 1;
pub(super) const VOID: u32 = 1 << 15;
pub(super) const RAW_TEXT: u32 = 1 << 16;
pub(super) const FORMATTING: u32 = 1 << 17;
pub(super) const BLOCK: u32 = 1 << 18;
pub(super) const BLOCK_END: u32 = 1 << 19;
pub(super) const BREAKOUT: u32 = 1 << 20;
pub(super) const TABLE_PART: u32 = 1 << 21;
pub(super) const OWN_RULE: u32 = 1 << 22;
pub(super) const NEVER_OPENS: u32 = 1 << 23;

/// Tag names in each category (HTML namespace), as html5ever's tag sets
/// (`tree_builder/tag_sets.rs`) and the tag lists of its rules (`tree_builder/rules.rs`).
const CATEGORY_NAMES: &[(u32, &str)] = &[
    (
        SPECIAL,
        "address applet area article aside base basefont bgsound blockquote body br button \
         caption center col colgroup dd details dir div dl dt embed fieldset figcaption figure \
         footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr html iframe img \
         input isindex li link listing main marquee menu meta nav noembed noframes noscript \
         object ol p param plaintext pre script section select source style summary table \
         tbody td template textarea tfoot th thead title tr track ul wbr xmp",
    ),
    (
        DEFAULT_SCOPE,
        "applet caption html table td th marquee object select template",
    ),
    (LIST_SCOPE, "ol ul"),
    (BUTTON_SCOPE, "button"),
    (TABLE_SCOPE, "html table template"),
    (IMPLIED_END, "dd dt li option optgroup p rb rp rt rtc"),
    (HEADING, "h1 h2 h3 h4 h5 h6"),
    (TABLE_OUTER, "table tbody tfoot thead tr"),
    (CELL, "td th"),
    (TABLE_BODY_CONTEXT, "tbody tfoot thead template html"),
    (TABLE_ROW_CONTEXT, "tr template html"),
    // Elements that never stay open.
    (
        VOID,
        "area base basefont bgsound br col embed frame hr image img input keygen link meta \
         param source track wbr",
    ),
    // Elements whose content the tokenizer reads as text.
    (
        RAW_TEXT,
        "iframe noembed noframes noscript plaintext script style textarea title xmp",
    ),
    // Elements that go to the list of active formatting elements.
    (
        FORMATTING,
        "a b big code em font i nobr s small strike strong tt u",
    ),
    // Start tags that close an open `<p>` and open a block.
    (
        BLOCK,
        "address article aside blockquote center details dialog dir div dl fieldset figcaption \
         figure footer header hgroup main menu nav ol p search section summary ul",
    ),
    // End tags that close an element in scope after generating implied end tags.
    (
        BLOCK_END,
        "address article aside blockquote button center details dialog dir div dl fieldset \
         figcaption figure footer header hgroup listing main menu nav ol pre search section \
         select summary ul",
    ),
    // Start tags that make the parser leave SVG or MathML content.
    (
        BREAKOUT,
        "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr \
         i img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table \
         tt u ul var",
    ),
    // Table structure: ignored outside tables, closes cells and rows inside.
    (
        TABLE_PART,
        "caption col colgroup tbody td tfoot th thead tr",
    ),
    // Start tags with a rule of their own in the "in body" insertion mode.
    (
        OWN_RULE,
        "applet area base basefont bgsound body br button dd dt embed form frame frameset h1 h2 \
         h3 h4 h5 h6 head hr html iframe image img input keygen li link listing marquee math \
         meta noembed noframes noscript object optgroup option param plaintext pre rb rp rt rtc \
         script select source style svg table template textarea title track wbr xmp",
    ),
    // Start tags that never open an element the pass could drop.
    (NEVER_OPENS, "body frameset head html template"),
];

/// Categories of HTML tag names, sorted by name, built on first use.
fn name_table() -> &'static [(&'static str, u32)] {
    static TABLE: OnceLock<Vec<(&'static str, u32)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: Vec<(&'static str, u32)> = Vec::new();
        for &(flag, names) in CATEGORY_NAMES {
            for name in names.split_ascii_whitespace() {
                match table.iter_mut().find(|(known, _)| *known == name) {
                    Some(entry) => entry.1 |= flag,
                    None => table.push((name, flag)),
                }
            }
        }
        table.sort_unstable_by_key(|&(name, _)| name);
        table
    })
}

/// Categories of the HTML tag name `name` (0 for unknown names).
pub(super) fn name_flags(name: &str) -> u32 {
    let table = name_table();
    table
        .binary_search_by(|(known, _)| (*known).cmp(name))
        .map_or(0, |i| table[i].1)
}

/// Categories of an HTML element.
pub(super) fn html_categories(name: &str) -> u32 {
    name_flags(name) & TREE
}

/// Categories of an SVG or MathML element created by start tag `tag`.
pub(super) fn foreign_categories(ns: Ns, tag: &Tag<'_>) -> Replay<u32> {
    Ok(match (ns, tag.name.as_str()) {
        (Ns::MathMl, "mi" | "mo" | "mn" | "ms" | "mtext") => MATHML_TEXT_POINT | DEFAULT_SCOPE,
        (Ns::MathMl, "annotation-xml") => {
            let point = match tag.attr("encoding") {
                Some(raw) => {
                    let value = decode_attr(raw).ok_or(Unsupported)?;
                    value.eq_ignore_ascii_case("text/html")
                        || value.eq_ignore_ascii_case("application/xhtml+xml")
                }
                None => false,
            };
            ANNOTATION_XML | if point { ANNOTATION_POINT } else { 0 }
        }
        (Ns::Svg, "foreignobject" | "desc" | "title") => HTML_POINT | DEFAULT_SCOPE,
        _ => 0,
    })
}
