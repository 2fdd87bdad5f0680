//! The pass itself: tokenizes the input, replays it on the [`Tree`], drops the tags that would
//! take the parser past a bound, and falls back when the replay cannot follow.

use std::borrow::Cow;
use std::collections::HashMap;

use super::category::{FORMATTING, NEVER_OPENS, RAW_TEXT, VOID};
use super::dispatch::Kind;
use super::foreign::is_breakout;
use super::scan::{
    Tag, bogus_end, comment_end, find, find_markup, raw_text_end, scan_tag, script_end,
};
use super::text::{leading_line_feed, text_info};
use super::tree::{Next, Ns, Tree};
use super::{MAX_DEPTH, MAX_FORMATTING, MAX_FORMATTING_WEIGHT, RECONSTRUCT_ALLOWANCE, Replay};

/// Whether an HTML start tag may be dropped: it would open an element and dropping it does not
/// turn raw text into markup.
fn droppable(kind: u32) -> bool {
    kind & (VOID | RAW_TEXT | NEVER_OPENS) == 0
}

/// One run of [`bound_nesting`](super::bound_nesting).
pub(super) struct Pass<'a> {
    src: &'a str,
    /// Next byte to tokenize.
    pos: usize,
    /// Start of the token being replayed (the fallback restarts there).
    token: usize,
    /// `src[..copied]` is accounted for in `out`.
    copied: usize,
    /// The rewritten HTML, once something changed.
    out: Option<String>,
    tree: Tree,
    /// Tokenizer state.
    next: Next,
    /// Name of the raw text element whose content is being scanned.
    raw_name: String,
    /// A line feed right after `<pre>` and the like is dropped by the tree builder.
    ignore_lf: bool,
    /// Dropped start tags, by name, whose end tags are dropped too.
    dropped: HashMap<String, usize>,
    /// Reconstructed formatting elements allowed before [`Pass::defuse`] steps in.
    reconstruct_budget: usize,
}

impl<'a> Pass<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Pass {
            src,
            pos: 0,
            token: 0,
            copied: 0,
            out: None,
            tree: Tree::new(),
            next: Next::Data,
            raw_name: String::new(),
            ignore_lf: false,
            dropped: HashMap::new(),
            reconstruct_budget: RECONSTRUCT_ALLOWANCE + src.len() / 16,
        }
    }

    /// Tokenizes and replays the whole input, falling back when the replay cannot follow.
    pub(super) fn run(&mut self) {
        while self.pos < self.src.len() {
            self.token = self.pos;
            let step = match self.next {
                Next::Data => self.data(),
                Next::RawText | Next::Script => self.raw_text(),
                Next::Plaintext => self.rest_is_text(),
            };
            if step.is_err() {
                self.fall_back();
            }
        }
    }

    /// The bounded HTML.
    pub(super) fn finish(mut self) -> Cow<'a, str> {
        match self.out.take() {
            Some(mut out) => {
                out.push_str(&self.src[self.copied..]);
                Cow::Owned(out)
            }
            None => Cow::Borrowed(self.src),
        }
    }

    // --- Output ---

    /// Writes the unchanged input up to `at`.
    fn flush(&mut self, at: usize) -> &mut String {
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.src.len() + 16));
        out.push_str(&self.src[self.copied..at]);
        self.copied = at;
        out
    }

    /// Leaves `start..end` out of the output.
    fn drop_range(&mut self, start: usize, end: usize) {
        let out = self.flush(start);
        // A `<` of text followed by what came after the dropped tag could start a new tag.
        if out.ends_with('<') {
            out.pop();
            out.push_str("&lt;");
        }
        self.copied = end;
    }

    fn insert(&mut self, at: usize, text: &str) {
        self.flush(at).push_str(text);
    }

    // --- Tokens ---

    fn data(&mut self) -> Replay<()> {
        let bytes = self.src.as_bytes();
        let markup = find_markup(bytes, self.pos);
        if markup > self.pos {
            let start = self.pos;
            self.text(start, markup, true)?;
        }
        self.pos = markup;
        let Some(&after) = bytes.get(markup + 1) else {
            return Ok(());
        };
        self.token = markup;
        match after {
            b'!' => self.declaration(markup),
            b'?' => {
                self.other_token(bogus_end(bytes, markup));
                Ok(())
            }
            b'/' => match bytes.get(markup + 2) {
                Some(b) if b.is_ascii_alphabetic() => self.end_tag(markup),
                Some(b'>') => {
                    // `</>` is dropped with a parse error, which cancels the line feed drop.
                    self.other_token(markup + 3);
                    Ok(())
                }
                _ => {
                    self.other_token(bogus_end(bytes, markup));
                    Ok(())
                }
            },
            _ => self.start_tag(markup),
        }
    }

    /// A comment, CDATA section, DOCTYPE or bogus comment at `lt` (`<!`).
    fn declaration(&mut self, lt: usize) -> Replay<()> {
        let bytes = self.src.as_bytes();
        if bytes[lt..].starts_with(b"<!--") {
            self.other_token(comment_end(bytes, lt));
            return Ok(());
        }
        let foreign = self.tree.stack.len() > 1 && self.tree.current().ns != Ns::Html;
        if foreign && bytes[lt..].starts_with(b"<![CDATA[") {
            let content = lt + 9;
            let close = find(bytes, content, b"]]>");
            let end = close.map_or(bytes.len(), |c| c + 3);
            self.ignore_lf = false;
            let info = text_info(&bytes[content..close.unwrap_or(bytes.len())], false);
            self.defuse(lt, info.chars)?;
            self.tree.text(info)?;
            self.pos = end;
            return Ok(());
        }
        self.other_token(bogus_end(bytes, lt));
        Ok(())
    }

    /// A token without effect on the tree (comment, DOCTYPE) ending at `end`.
    fn other_token(&mut self, end: usize) {
        self.ignore_lf = false;
        self.pos = end;
    }

    /// Character data `start..end`.
    fn text(&mut self, start: usize, end: usize, references: bool) -> Replay<()> {
        let mut bytes = &self.src.as_bytes()[start..end];
        if std::mem::take(&mut self.ignore_lf) {
            bytes = &bytes[leading_line_feed(bytes)..];
        }
        let info = text_info(bytes, references);
        self.defuse(start, info.chars)?;
        self.tree.text(info)
    }

    fn start_tag(&mut self, lt: usize) -> Replay<()> {
        let Some(tag) = scan_tag(self.src, lt, false) else {
            self.pos = self.src.len();
            return Ok(());
        };
        if self.should_drop(&tag) {
            *self.dropped.entry(tag.name).or_insert(0) += 1;
            self.drop_range(lt, tag.end);
            self.pos = tag.end;
            return Ok(());
        }
        // Only tokens the parser sees cancel the line feed drop.
        self.ignore_lf = false;
        self.defuse(lt, true)?;
        let next = self.tree.start_tag(&tag)?;
        self.ignore_lf = std::mem::take(&mut self.tree.ignore_lf);
        self.next = next;
        if matches!(next, Next::RawText | Next::Script) {
            self.raw_name = tag.name;
        }
        self.pos = tag.end;
        Ok(())
    }

    fn end_tag(&mut self, lt: usize) -> Replay<()> {
        let Some(tag) = scan_tag(self.src, lt, true) else {
            self.pos = self.src.len();
            return Ok(());
        };
        self.pos = tag.end;
        if !self.dropped.is_empty()
            && let Some(count) = self.dropped.get_mut(&tag.name)
            && *count > 0
        {
            *count -= 1;
            self.drop_range(lt, tag.end);
            return Ok(());
        }
        self.ignore_lf = false;
        self.tree.end_tag(&tag.name)
    }

    /// Content of a raw text element, then its end tag.
    fn raw_text(&mut self) -> Replay<()> {
        self.ignore_lf = false;
        let bytes = self.src.as_bytes();
        let end = if self.next == Next::Script {
            script_end(bytes, self.pos)
        } else {
            raw_text_end(bytes, self.pos, &self.raw_name)
        };
        let Some(lt) = end else {
            self.pos = bytes.len();
            return Ok(());
        };
        self.token = lt;
        self.pos = scan_tag(self.src, lt, true).map_or(bytes.len(), |tag| tag.end);
        self.next = Next::Data;
        let name = std::mem::take(&mut self.raw_name);
        self.tree.end_tag(&name)
    }

    fn rest_is_text(&mut self) -> Replay<()> {
        let (start, end) = (self.pos, self.src.len());
        self.pos = end;
        self.text(start, end, false)
    }

    // --- Bounds ---

    /// Whether `tag` would take the parser past a bound.
    fn should_drop(&self, tag: &Tag<'_>) -> bool {
        // In SVG and MathML every start tag opens an element, unless self-closing.
        let foreign = self.tree.is_foreign(&Kind::Start(&tag.name)) && !is_breakout(tag);
        let opens = if foreign {
            !tag.self_closing
        } else {
            droppable(tag.kind)
        };
        if !opens {
            return false;
        }
        if self.tree.depth() >= MAX_DEPTH {
            return true;
        }
        !foreign
            && tag.kind & FORMATTING != 0
            && (self.tree.formatting_count >= MAX_FORMATTING
                || self.tree.formatting_weight + 1 + tag.attrs.len() > MAX_FORMATTING_WEIGHT)
    }

    /// Past the reconstruction budget, inserts end tags at `at` that take the formatting
    /// elements the next token would reopen off the list.
    fn defuse(&mut self, at: usize, reconstructs: bool) -> Replay<()> {
        if !reconstructs
            || self.tree.reconstructed + self.tree.pending_reconstruction()
                <= self.reconstruct_budget
        {
            return Ok(());
        }
        while let Some(name) = self.tree.defusable() {
            self.insert(at, &format!("</{name}>"));
            self.tree.end_tag(&name)?;
        }
        Ok(())
    }

    /// For the rest of the input, keeps as many more `<` followed by a letter as there is room
    /// for below [`MAX_DEPTH`] and escapes the others, whatever their context: each can open at
    /// most a few elements (implied table sections, reopened formatting elements).
    fn fall_back(&mut self) {
        let bytes = self.src.as_bytes();
        let mut allowed = MAX_DEPTH.saturating_sub(self.tree.depth());
        let start = self.token.max(self.copied);
        for i in start..bytes.len() {
            let tag_like =
                bytes[i] == b'<' && bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic);
            if !tag_like {
                continue;
            }
            if allowed > 0 {
                allowed -= 1;
            } else {
                self.flush(i).push_str("&lt;");
                self.copied = i + 1;
            }
        }
        self.pos = bytes.len();
    }
}
