//! The tokenizer's side: scanning tags and their attributes, finding markup in data, the ends
//! of comments and bogus comments, and the ends of raw text and script content.

use super::category::name_flags;

/// Whitespace for the tokenizer (`\r` counts: the parser turns it into `\n`).
pub(super) fn is_ws(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// A start or end tag as the tokenizer emits it.
pub(super) struct Tag<'a> {
    /// Lowercased name.
    pub(super) name: String,
    /// Categories of the name as an HTML element ([`name_flags`]).
    pub(super) kind: u32,
    pub(super) self_closing: bool,
    /// Attributes in source order, duplicates dropped (the first one wins).
    pub(super) attrs: Vec<Attr<'a>>,
    /// Byte just after the tag's `>`.
    pub(super) end: usize,
}

/// One attribute: lowercased name and the raw value (quotes removed, references not decoded).
pub(super) struct Attr<'a> {
    pub(super) name: String,
    pub(super) value: &'a str,
}

impl Tag<'_> {
    /// The raw value of attribute `name`.
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.name == name).map(|a| a.value)
    }
}

/// Tag name as the tokenizer stores it: ASCII lowercased, NUL replaced.
fn tag_name(raw: &str) -> String {
    let name = raw.to_ascii_lowercase();
    if name.contains('\0') {
        name.replace('\0', "\u{FFFD}")
    } else {
        name
    }
}

/// States of the tokenizer inside a tag, after its name.
#[derive(Clone, Copy)]
enum InTag {
    BeforeAttrName,
    AttrName,
    AfterAttrName,
    BeforeValue,
    Quoted(u8),
    Unquoted,
    AfterQuoted,
    SelfClosing,
}

/// Builds a tag while its bytes are scanned.
struct TagScan<'a> {
    src: &'a str,
    tag: Tag<'a>,
    /// An attribute is being scanned.
    pending: bool,
    attr_start: usize,
    name_end: usize,
    /// Start of the current attribute's value (`usize::MAX`: no value).
    value_start: usize,
}

impl<'a> TagScan<'a> {
    /// Records the pending attribute, its value ending at `at`; the first of duplicates wins.
    fn finish_attr(&mut self, at: usize) {
        if !std::mem::take(&mut self.pending) {
            return;
        }
        let name = tag_name(&self.src[self.attr_start..self.name_end]);
        if !self.tag.attrs.iter().any(|a| a.name == name) {
            let value = &self.src[self.value_start.min(at)..at];
            self.tag.attrs.push(Attr { name, value });
        }
    }

    /// Starts an attribute whose name begins at `at`.
    fn start_attr(&mut self, at: usize) {
        self.finish_attr(at);
        self.pending = true;
        self.attr_start = at;
        self.name_end = at + 1;
        self.value_start = usize::MAX;
    }
}

/// Scans the tag opened by the `<` at `lt` like the tokenizer does (attribute values may hold
/// `>`); `None` when the input ends inside it (the tokenizer then drops the tag).
pub(super) fn scan_tag(src: &str, lt: usize, end_tag: bool) -> Option<Tag<'_>> {
    let bytes = src.as_bytes();
    let name_start = lt + if end_tag { 2 } else { 1 };
    let name_len = bytes
        .get(name_start..)?
        .iter()
        .position(|&b| is_ws(b) || b == b'/' || b == b'>')?;
    let name = tag_name(&src[name_start..name_start + name_len]);
    let mut scan = TagScan {
        src,
        tag: Tag {
            kind: name_flags(&name),
            name,
            self_closing: false,
            attrs: Vec::new(),
            end: 0,
        },
        pending: false,
        attr_start: 0,
        name_end: 0,
        value_start: usize::MAX,
    };
    // After the name, the tokenizer acts as in the "before attribute name" state.
    let mut state = InTag::BeforeAttrName;
    let mut i = name_start + name_len;
    loop {
        let byte = *bytes.get(i)?;
        let (next, consumed, done) = step_in_tag(&mut scan, state, byte, i);
        if done {
            scan.tag.end = i + 1;
            return Some(scan.tag);
        }
        state = next;
        if consumed {
            i += 1;
        }
    }
}

/// One step of the in-tag state machine: the next state, whether `byte` was consumed and
/// whether the tag ended on it.
fn step_in_tag(scan: &mut TagScan<'_>, state: InTag, byte: u8, i: usize) -> (InTag, bool, bool) {
    use InTag::*;
    match state {
        BeforeAttrName | AttrName | AfterAttrName => step_in_name(scan, state, byte, i),
        BeforeValue if is_ws(byte) => (BeforeValue, true, false),
        BeforeValue if byte == b'"' || byte == b'\'' => {
            scan.value_start = i + 1;
            (Quoted(byte), true, false)
        }
        BeforeValue if byte == b'>' => {
            scan.finish_attr(i);
            (BeforeValue, true, true)
        }
        BeforeValue => {
            scan.value_start = i;
            (Unquoted, false, false)
        }
        Quoted(quote) if byte == quote => {
            scan.finish_attr(i);
            (AfterQuoted, true, false)
        }
        Quoted(_) => (state, true, false),
        Unquoted if is_ws(byte) || byte == b'>' => {
            scan.finish_attr(i);
            (BeforeAttrName, true, byte == b'>')
        }
        Unquoted => (Unquoted, true, false),
        AfterQuoted if is_ws(byte) => (BeforeAttrName, true, false),
        AfterQuoted if byte == b'/' => (SelfClosing, true, false),
        AfterQuoted if byte == b'>' => (AfterQuoted, true, true),
        AfterQuoted => (BeforeAttrName, false, false),
        SelfClosing if byte == b'>' => {
            scan.tag.self_closing = true;
            (SelfClosing, true, true)
        }
        SelfClosing => (BeforeAttrName, false, false),
    }
}

/// The "before attribute name", "attribute name" and "after attribute name" states.
fn step_in_name(scan: &mut TagScan<'_>, state: InTag, byte: u8, i: usize) -> (InTag, bool, bool) {
    let in_name = matches!(state, InTag::AttrName);
    let delimiter = is_ws(byte) || matches!(byte, b'/' | b'>' | b'=');
    if in_name && delimiter {
        scan.name_end = i;
    }
    match byte {
        b if is_ws(b) => {
            let next = if in_name { InTag::AfterAttrName } else { state };
            (next, true, false)
        }
        b'/' => {
            scan.finish_attr(i);
            (InTag::SelfClosing, true, false)
        }
        b'>' => {
            scan.finish_attr(i);
            (state, true, true)
        }
        b'=' if !matches!(state, InTag::BeforeAttrName) => (InTag::BeforeValue, true, false),
        _ if in_name => (InTag::AttrName, true, false),
        _ => {
            scan.start_attr(i);
            (InTag::AttrName, true, false)
        }
    }
}

/// Where the next markup starts at or after `from` in the data state (`len` when none): a `<`
/// followed by a letter, `!`, `?`, or by `/` and anything.
pub(super) fn find_markup(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(offset) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'<'))
    {
        let lt = i + offset;
        match bytes.get(lt + 1) {
            Some(b) if b.is_ascii_alphabetic() || *b == b'!' || *b == b'?' => return lt,
            Some(b'/') if lt + 2 < bytes.len() => return lt,
            _ => i = lt + 1,
        }
    }
    bytes.len()
}

/// End of the comment opened by `<!--` at `lt`: the first `-->` (which may reuse the opening
/// dashes, as in `<!-->`) or `--!>` after the opening.
pub(super) fn comment_end(bytes: &[u8], lt: usize) -> usize {
    let mut i = lt + 2;
    while let Some(offset) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == b'-'))
    {
        let dash = i + offset;
        let rest = &bytes[dash..];
        if rest.starts_with(b"-->") {
            return dash + 3;
        }
        if dash >= lt + 4 && rest.starts_with(b"--!>") {
            return dash + 4;
        }
        i = dash + 1;
    }
    bytes.len()
}

/// End of a bogus comment or DOCTYPE opened at `lt`: just after the first `>`.
pub(super) fn bogus_end(bytes: &[u8], lt: usize) -> usize {
    bytes
        .get(lt + 2..)
        .and_then(|rest| rest.iter().position(|&b| b == b'>'))
        .map_or(bytes.len(), |offset| lt + 2 + offset + 1)
}

/// Where `needle` first occurs at or after `from`.
pub(super) fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|offset| from + offset)
}

/// The `<` of the end tag that closes RAWTEXT or RCDATA content named `name`.
pub(super) fn raw_text_end(bytes: &[u8], from: usize, name: &str) -> Option<usize> {
    let mut i = from;
    while let Some(lt) = find(bytes, i, b"</") {
        let name_end = lt + 2 + name.len();
        let named = bytes
            .get(lt + 2..name_end)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()));
        if named
            && bytes
                .get(name_end)
                .is_some_and(|&b| is_ws(b) || b == b'/' || b == b'>')
        {
            return Some(lt);
        }
        i = lt + 1;
    }
    None
}

/// Letters seen after `<` or `</` inside a script, compared with `script` as they come.
#[derive(Clone, Copy)]
struct Word {
    len: usize,
    is_prefix: bool,
}

impl Word {
    fn new() -> Self {
        Word {
            len: 0,
            is_prefix: true,
        }
    }

    fn push(self, byte: u8) -> Self {
        Word {
            len: self.len + 1,
            is_prefix: self.is_prefix
                && b"script".get(self.len) == Some(&byte.to_ascii_lowercase()),
        }
    }

    fn is_script(self) -> bool {
        self.is_prefix && self.len == 6
    }
}

/// States of the tokenizer inside `<script>` content (escapes included).
#[derive(Clone, Copy)]
enum Script {
    Data,
    Lt,
    EndOpen(bool),
    EndName(bool, Word),
    EscapeStart,
    EscapeStartDash,
    Escaped(bool),
    Dash(bool),
    DashDash(bool),
    EscapedLt,
    DoubleStart(Word),
    DoubleLt,
    DoubleEnd(Word),
}

/// The `<` of the `</script>` that ends script content starting at `from`, following the
/// tokenizer's escaped and double-escaped states.
pub(super) fn script_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut state = Script::Data;
    let mut tag_start = from;
    let mut i = from;
    while let Some(&byte) = bytes.get(i) {
        let (next, consumed) = step_script(state, byte);
        if let Script::EndName(_, word) = state
            && word.is_script()
            && (is_ws(byte) || byte == b'/' || byte == b'>')
        {
            return Some(tag_start);
        }
        if matches!(next, Script::EndOpen(_)) && !matches!(state, Script::EndOpen(_)) {
            tag_start = i - 1;
        }
        state = next;
        if consumed {
            i += 1;
        }
    }
    None
}

/// One step inside script content (`escaped` tells the escaped states from the double-escaped
/// ones, or the escaped end tag from the plain one): next state and whether `byte` was consumed.
fn step_script(state: Script, byte: u8) -> (Script, bool) {
    use Script::*;
    let delimiter = is_ws(byte) || byte == b'/' || byte == b'>';
    match state {
        Data => (if byte == b'<' { Lt } else { Data }, true),
        Lt => match byte {
            b'/' => (EndOpen(false), true),
            b'!' => (EscapeStart, true),
            _ => (Data, false),
        },
        EndOpen(escaped) | EndName(escaped, _) if !byte.is_ascii_alphabetic() => {
            (if escaped { Escaped(true) } else { Data }, false)
        }
        EndOpen(escaped) => (EndName(escaped, Word::new().push(byte)), true),
        EndName(escaped, word) => (EndName(escaped, word.push(byte)), true),
        EscapeStart if byte == b'-' => (EscapeStartDash, true),
        EscapeStartDash if byte == b'-' => (DashDash(true), true),
        EscapeStart | EscapeStartDash => (Data, false),
        Escaped(single) => match byte {
            b'-' => (Dash(single), true),
            b'<' => (if single { EscapedLt } else { DoubleLt }, true),
            _ => (state, true),
        },
        Dash(single) | DashDash(single) => match byte {
            b'-' => (DashDash(single), true),
            b'<' => (if single { EscapedLt } else { DoubleLt }, true),
            b'>' if matches!(state, DashDash(_)) => (Data, true),
            _ => (Escaped(single), true),
        },
        EscapedLt if byte == b'/' => (EndOpen(true), true),
        EscapedLt if byte.is_ascii_alphabetic() => (DoubleStart(Word::new().push(byte)), true),
        EscapedLt => (Escaped(true), false),
        DoubleStart(word) if delimiter => (Escaped(!word.is_script()), true),
        DoubleStart(word) if byte.is_ascii_alphabetic() => (DoubleStart(word.push(byte)), true),
        DoubleStart(_) => (Escaped(true), false),
        DoubleLt if byte == b'/' => (DoubleEnd(Word::new()), true),
        DoubleLt => (Escaped(false), false),
        DoubleEnd(word) if delimiter => (Escaped(word.is_script()), true),
        DoubleEnd(word) if byte.is_ascii_alphabetic() => (DoubleEnd(word.push(byte)), true),
        DoubleEnd(_) => (Escaped(false), false),
    }
}
