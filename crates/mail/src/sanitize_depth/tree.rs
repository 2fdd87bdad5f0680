//! The replayed tree builder: namespaces, open elements, insertion modes, the [`Tree`] state
//! and its stack of open elements (scope checks, popping, resetting the insertion mode).

use std::rc::Rc;

use super::category::{BUTTON_SCOPE, DEFAULT_SCOPE, IMPLIED_END, html_categories};
use super::formatting::Entry;
use super::{Replay, Unsupported};

/// Element namespaces.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Ns {
    Html,
    Svg,
    MathMl,
}

/// An open element.
#[derive(Clone, Debug)]
pub(super) struct Elem {
    pub(super) id: usize,
    pub(super) ns: Ns,
    pub(super) name: Rc<str>,
    pub(super) flags: u32,
}

impl Elem {
    /// An HTML element named `name`.
    pub(super) fn is_html(&self, name: &str) -> bool {
        self.ns == Ns::Html && &*self.name == name
    }

    pub(super) fn has(&self, flags: u32) -> bool {
        self.flags & flags != 0
    }
}

/// Insertion modes reachable when parsing a fragment in a `<div>`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Mode {
    Body,
    Table,
    Caption,
    ColumnGroup,
    TableBody,
    Row,
    Cell,
    Text,
}

/// What the tokenizer does after a start tag.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Next {
    Data,
    RawText,
    Script,
    Plaintext,
}

/// html5ever's tree builder for a fragment parsed in a `<div>`, reduced to its stack of open
/// elements and its list of active formatting elements.
pub(super) struct Tree {
    pub(super) stack: Vec<Elem>,
    pub(super) formatting: Vec<Entry>,
    /// Whether the element with that id is on the stack.
    pub(super) open: Vec<bool>,
    pub(super) mode: Mode,
    pub(super) original_mode: Mode,
    pub(super) form: Option<usize>,
    pub(super) formatting_count: usize,
    pub(super) formatting_weight: usize,
    pub(super) reconstructed: usize,
    pub(super) ignore_lf: bool,
}

impl Tree {
    pub(super) fn new() -> Self {
        let mut tree = Tree {
            stack: Vec::new(),
            formatting: Vec::new(),
            open: Vec::new(),
            mode: Mode::Body,
            original_mode: Mode::Body,
            form: None,
            formatting_count: 0,
            formatting_weight: 0,
            reconstructed: 0,
            ignore_lf: false,
        };
        let id = tree.new_id();
        tree.push(Elem {
            id,
            ns: Ns::Html,
            name: Rc::from("html"),
            flags: html_categories("html"),
        });
        tree
    }

    /// Open elements besides the root.
    pub(super) fn depth(&self) -> usize {
        self.stack.len() - 1
    }

    // --- Stack of open elements ---

    pub(super) fn new_id(&mut self) -> usize {
        self.open.push(false);
        self.open.len() - 1
    }

    pub(super) fn current(&self) -> &Elem {
        &self.stack[self.stack.len() - 1]
    }

    pub(super) fn push(&mut self, elem: Elem) {
        self.open[elem.id] = true;
        self.stack.push(elem);
    }

    pub(super) fn html_elem(&mut self, name: Rc<str>) -> Elem {
        let flags = html_categories(&name);
        Elem {
            id: self.new_id(),
            ns: Ns::Html,
            name,
            flags,
        }
    }

    /// Pushes a new HTML element.
    pub(super) fn insert(&mut self, name: &str) -> usize {
        let elem = self.html_elem(Rc::from(name));
        let id = elem.id;
        self.push(elem);
        id
    }

    /// Pops the current node (never the root).
    pub(super) fn pop(&mut self) -> Replay<Elem> {
        if self.stack.len() < 2 {
            return Err(Unsupported);
        }
        let elem = self.stack.pop().ok_or(Unsupported)?;
        self.open[elem.id] = false;
        Ok(elem)
    }

    /// Pops elements above index `len`.
    pub(super) fn truncate(&mut self, len: usize) -> Replay<()> {
        while self.stack.len() > len {
            self.pop()?;
        }
        Ok(())
    }

    pub(super) fn remove_at(&mut self, index: usize) -> Replay<()> {
        if index == 0 || index >= self.stack.len() {
            return Err(Unsupported);
        }
        let elem = self.stack.remove(index);
        self.open[elem.id] = false;
        Ok(())
    }

    pub(super) fn remove_id(&mut self, id: usize) -> Replay<()> {
        match self.stack.iter().rposition(|e| e.id == id) {
            Some(index) => self.remove_at(index),
            None => Ok(()),
        }
    }

    pub(super) fn current_named(&self, name: &str) -> bool {
        self.current().is_html(name)
    }

    /// Whether an element matching `found` is reachable from the current node before an
    /// element of `scope`.
    pub(super) fn in_scope(&self, scope: u32, found: impl Fn(&Elem) -> bool) -> bool {
        for elem in self.stack.iter().rev() {
            if found(elem) {
                return true;
            }
            if elem.has(scope) {
                return false;
            }
        }
        false
    }

    pub(super) fn in_scope_named(&self, scope: u32, name: &str) -> bool {
        self.in_scope(scope, |e| e.is_html(name))
    }

    /// Pops while the current node has an implied end tag (except HTML elements named `except`).
    pub(super) fn generate_implied_end(&mut self, except: Option<&str>) -> Replay<()> {
        loop {
            let current = self.current();
            let excepted = except.is_some_and(|name| current.is_html(name));
            if !current.has(IMPLIED_END) || current.ns != Ns::Html || excepted {
                return Ok(());
            }
            self.pop()?;
        }
    }

    /// Pops until an HTML element named `name` has been popped.
    pub(super) fn pop_until_named(&mut self, name: &str) -> Replay<()> {
        while !self.pop()?.is_html(name) {}
        Ok(())
    }

    /// Pops until an HTML element with one of `flags` has been popped.
    pub(super) fn pop_until_category(&mut self, flags: u32) -> Replay<()> {
        loop {
            let elem = self.pop()?;
            if elem.ns == Ns::Html && elem.has(flags) {
                return Ok(());
            }
        }
    }

    /// Pops until the current node is an HTML element with one of `flags`.
    pub(super) fn pop_until_current(&mut self, flags: u32) -> Replay<()> {
        while !(self.current().ns == Ns::Html && self.current().has(flags)) {
            self.pop()?;
        }
        Ok(())
    }

    pub(super) fn close_p(&mut self) -> Replay<()> {
        self.generate_implied_end(Some("p"))?;
        self.pop_until_named("p")
    }

    pub(super) fn close_p_in_button_scope(&mut self) -> Replay<()> {
        if self.in_scope_named(DEFAULT_SCOPE | BUTTON_SCOPE, "p") {
            self.close_p()?;
        }
        Ok(())
    }

    /// html5ever's "reset the insertion mode appropriately".
    pub(super) fn reset_mode(&self) -> Replay<Mode> {
        for (i, elem) in self.stack.iter().enumerate().rev() {
            if i == 0 || elem.ns != Ns::Html {
                continue;
            }
            let mode = match &*elem.name {
                "td" | "th" => Mode::Cell,
                "tr" => Mode::Row,
                "tbody" | "thead" | "tfoot" => Mode::TableBody,
                "caption" => Mode::Caption,
                "colgroup" => Mode::ColumnGroup,
                "table" => Mode::Table,
                "template" | "head" | "frameset" => return Err(Unsupported),
                "body" => Mode::Body,
                _ => continue,
            };
            return Ok(mode);
        }
        Ok(Mode::Body)
    }
}
