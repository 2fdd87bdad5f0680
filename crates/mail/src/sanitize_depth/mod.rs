//! Keeps customer HTML from making the HTML parser quadratic.
//!
//! ammonia parses with html5ever, whose tree builder does work proportional to the number of
//! open elements for most tokens (scope checks walk the stack of open elements) and to the list
//! of active formatting elements (reconstruction, the Noah's Ark clause, the adoption agency).
//! Deep nesting therefore costs quadratic time (50,000 nested `<div>`s, 550 KB: a minute of CPU
//! in a debug build), and formatting elements that are reopened in every paragraph
//! (`<p><b x=1>…<p><b x=2>…`) cost quadratic time *and* quadratic output.
//!
//! [`bound_nesting`] is one linear pass that runs before ammonia. It tokenizes the HTML exactly
//! as html5ever does and replays what html5ever's tree builder does to its stack of open
//! elements and its list of active formatting elements (names and attributes only, no DOM),
//! then drops the start tags that would take the parser past [`MAX_DEPTH`] open elements or
//! [`MAX_FORMATTING`] active formatting elements, and the end tags that belong to dropped start
//! tags. Text is never dropped. Reconstructed formatting elements are budgeted too (about one per
//! 16 input bytes); past the budget, end tags are inserted for the formatting elements that
//! would be reopened.
//!
//! Input within the bounds is returned unchanged (borrowed). A document the replay does not
//! model (`<template>`, attribute values with named character references where the parser
//! compares them) falls back to a blunt rule for the rest of the input: only as many more `<`
//! followed by a letter as there is room for below [`MAX_DEPTH`] are kept, later ones are
//! escaped as `&lt;`.
//!
//! The pass never makes the result less safe: it only removes tags, escapes `<` or adds end tags
//! of formatting elements, and ammonia sanitizes its output as before.

use std::borrow::Cow;

use pass::Pass;

mod body;
mod category;
mod dispatch;
mod foreign;
mod formatting;
mod pass;
mod scan;
mod table;
mod text;
mod tree;

#[cfg(test)]
mod tests;

/// Open elements (besides the fragment's root) past which start tags are dropped with their end
/// tags, their text kept. Implied table sections and reopened formatting elements can still add
/// a few more.
pub(crate) const MAX_DEPTH: usize = 256;

/// Active formatting elements (`b`, `i`, `font`, `a`…) past which formatting start tags are
/// dropped the same way.
pub(crate) const MAX_FORMATTING: usize = 32;

/// Most attributes, plus one per element, over all active formatting elements (the parser
/// compares their attributes on every new formatting element).
const MAX_FORMATTING_WEIGHT: usize = 256;

/// Reconstructed formatting elements allowed before end tags are inserted to stop the parser
/// from reopening them (plus one per 16 input bytes).
const RECONSTRUCT_ALLOWANCE: usize = 4096;

/// Returns `html` with its nesting bounded (see the module documentation); borrowed when
/// nothing had to change.
pub(crate) fn bound_nesting(html: &str) -> Cow<'_, str> {
    let mut pass = Pass::new(html);
    pass.run();
    pass.finish()
}

/// The replay met something it does not model; the pass falls back for the rest of the input.
#[derive(Debug)]
struct Unsupported;

/// Result of replaying one token.
type Replay<T> = Result<T, Unsupported>;
