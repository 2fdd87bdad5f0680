//! The list of active formatting elements: the Noah's Ark clause, reconstruction, the adoption
//! agency algorithm, and the end tags the pass may insert to stop reconstruction.

use std::rc::Rc;

use super::category::{DEFAULT_SCOPE, SPECIAL};
use super::scan::Tag;
use super::text::decode_attr;
use super::tree::{Mode, Ns, Tree};
use super::{Replay, Unsupported};

/// An attribute as the Noah's Ark clause compares it: name, raw value, decoded value (`None`
/// when it holds a reference this pass does not decode).
type KeyAttr = (String, String, Option<String>);

/// The attributes of a formatting element, sorted by name.
type AttrKey = Rc<Vec<KeyAttr>>;

/// Whether two formatting elements have the same attributes; `None` when undecidable.
fn same_attrs(a: &[KeyAttr], b: &[KeyAttr]) -> Option<bool> {
    if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.0 != y.0) {
        return Some(false);
    }
    let mut same = true;
    for ((_, raw_a, value_a), (_, raw_b, value_b)) in a.iter().zip(b) {
        if raw_a == raw_b {
            continue;
        }
        match (value_a, value_b) {
            (Some(x), Some(y)) => same &= x == y,
            _ => return None,
        }
    }
    Some(same)
}

/// An active formatting element.
#[derive(Clone)]
pub(super) struct Formatting {
    pub(super) id: usize,
    name: Rc<str>,
    key: AttrKey,
    weight: usize,
}

/// An entry of the list of active formatting elements.
#[derive(Clone)]
pub(super) enum Entry {
    Marker,
    Element(Formatting),
}

/// Where the adoption agency puts the new formatting element in the list.
enum Bookmark {
    Replace(usize),
    InsertAfter(usize),
}

impl Tree {
    fn marker_or_open(&self, index: usize) -> bool {
        match &self.formatting[index] {
            Entry::Marker => true,
            Entry::Element(f) => self.open[f.id],
        }
    }

    pub(super) fn formatting_position(&self, id: usize) -> Option<usize> {
        self.formatting
            .iter()
            .position(|e| matches!(e, Entry::Element(f) if f.id == id))
    }

    /// The last formatting element named `name` after the last marker.
    pub(super) fn last_formatting(&self, name: &str) -> Option<(usize, Formatting)> {
        for (i, entry) in self.formatting.iter().enumerate().rev() {
            match entry {
                Entry::Marker => return None,
                Entry::Element(f) if &*f.name == name => return Some((i, f.clone())),
                Entry::Element(_) => {}
            }
        }
        None
    }

    fn formatting_insert(&mut self, index: usize, entry: Formatting) {
        self.formatting_count += 1;
        self.formatting_weight += entry.weight;
        self.formatting.insert(index, Entry::Element(entry));
    }

    pub(super) fn formatting_remove(&mut self, index: usize) {
        if let Entry::Element(f) = self.formatting.remove(index) {
            self.formatting_count -= 1;
            self.formatting_weight -= f.weight;
        }
    }

    fn formatting_set_id(&mut self, index: usize, id: usize) {
        if let Some(Entry::Element(f)) = self.formatting.get_mut(index) {
            f.id = id;
        }
    }

    pub(super) fn clear_formatting_to_marker(&mut self) {
        while let Some(entry) = self.formatting.last() {
            let marker = matches!(entry, Entry::Marker);
            self.formatting_remove(self.formatting.len() - 1);
            if marker {
                return;
            }
        }
    }

    /// Formatting elements the next reconstruction would reopen.
    pub(super) fn pending_reconstruction(&self) -> usize {
        (0..self.formatting.len())
            .rev()
            .take_while(|&i| !self.marker_or_open(i))
            .count()
    }

    /// html5ever's "reconstruct the active formatting elements".
    pub(super) fn reconstruct(&mut self) -> Replay<()> {
        let len = self.formatting.len();
        if len == 0 || self.marker_or_open(len - 1) {
            return Ok(());
        }
        let mut index = len - 1;
        while index > 0 {
            index -= 1;
            if self.marker_or_open(index) {
                index += 1;
                break;
            }
        }
        for i in index..len {
            let name = match &self.formatting[i] {
                Entry::Element(f) => Rc::clone(&f.name),
                Entry::Marker => return Err(Unsupported),
            };
            let elem = self.html_elem(name);
            self.formatting_set_id(i, elem.id);
            self.push(elem);
            self.reconstructed += 1;
        }
        Ok(())
    }

    /// Pushes a formatting element for `tag`, applying the Noah's Ark clause.
    pub(super) fn insert_formatting(&mut self, tag: &Tag<'_>) -> Replay<()> {
        let key = attr_key(tag);
        let mut earliest = None;
        let mut matches = 0;
        for (i, entry) in self.formatting.iter().enumerate().rev() {
            let Entry::Element(f) = entry else { break };
            if *f.name != *tag.name {
                continue;
            }
            if same_attrs(&f.key, &key).ok_or(Unsupported)? {
                earliest = Some(i);
                matches += 1;
            }
        }
        if matches >= 3
            && let Some(i) = earliest
        {
            self.formatting_remove(i);
        }
        let id = self.insert(&tag.name);
        let weight = 1 + tag.attrs.len();
        self.formatting_insert(
            self.formatting.len(),
            Formatting {
                id,
                name: Rc::from(tag.name.as_str()),
                key,
                weight,
            },
        );
        Ok(())
    }

    /// html5ever's adoption agency algorithm for end tag `subject`.
    pub(super) fn adoption_agency(&mut self, subject: &str) -> Replay<()> {
        let current = self.current();
        let unlisted = current.is_html(subject) && self.formatting_position(current.id).is_none();
        if unlisted {
            self.pop()?;
            return Ok(());
        }
        for _ in 0..8 {
            let Some((index, element)) = self.last_formatting(subject) else {
                return self.any_other_end_tag(subject);
            };
            let Some(position) = self.stack.iter().rposition(|e| e.id == element.id) else {
                self.formatting_remove(index);
                return Ok(());
            };
            if !self.in_scope(DEFAULT_SCOPE, |e| e.id == element.id) {
                return Ok(());
            }
            let Some(block) = (position..self.stack.len()).find(|&i| self.stack[i].has(SPECIAL))
            else {
                self.truncate(position)?;
                self.formatting_remove(index);
                return Ok(());
            };
            self.adopt(element, block)?;
        }
        Ok(())
    }

    /// Steps 11 to 19 of the adoption agency: `element` moves below the furthest `block`.
    fn adopt(&mut self, element: Formatting, block: usize) -> Replay<()> {
        let block_id = self.stack[block].id;
        let bookmark = self.adopt_between(&element, block)?;
        let adopted = self.html_elem(Rc::clone(&element.name));
        let adopted_id = adopted.id;
        match bookmark {
            Bookmark::Replace(id) => {
                let i = self.formatting_position(id).ok_or(Unsupported)?;
                self.formatting_set_id(i, adopted_id);
            }
            Bookmark::InsertAfter(id) => {
                let i = self.formatting_position(id).ok_or(Unsupported)?;
                let entry = Formatting {
                    id: adopted_id,
                    ..element.clone()
                };
                self.formatting_insert(i + 1, entry);
                let old = self.formatting_position(element.id).ok_or(Unsupported)?;
                self.formatting_remove(old);
            }
        }
        self.remove_id(element.id)?;
        let block = self
            .stack
            .iter()
            .position(|e| e.id == block_id)
            .ok_or(Unsupported)?;
        self.open[adopted_id] = true;
        self.stack.insert(block + 1, adopted);
        Ok(())
    }

    /// The adoption agency's inner loop over the elements between `element` and `block`:
    /// formatting ones are recreated (three at most), others leave the stack.
    fn adopt_between(&mut self, element: &Formatting, block: usize) -> Replay<Bookmark> {
        let block_id = self.stack[block].id;
        let mut bookmark = Bookmark::Replace(element.id);
        let mut node = block;
        let mut last = block_id;
        for inner in 1.. {
            node = node.checked_sub(1).ok_or(Unsupported)?;
            let node_id = self.stack[node].id;
            if node_id == element.id {
                break;
            }
            let entry = self.formatting_position(node_id);
            let Some(i) = entry.filter(|_| inner <= 3) else {
                if let Some(i) = entry {
                    self.formatting_remove(i);
                }
                self.remove_at(node)?;
                continue;
            };
            let replacement = self.html_elem(Rc::clone(&self.stack[node].name));
            let new_id = replacement.id;
            self.open[node_id] = false;
            self.open[new_id] = true;
            self.stack[node] = replacement;
            self.formatting_set_id(i, new_id);
            if last == block_id {
                bookmark = Bookmark::InsertAfter(new_id);
            }
            last = new_id;
        }
        Ok(bookmark)
    }

    /// html5ever's `process_end_tag_in_body` ("any other end tag").
    pub(super) fn any_other_end_tag(&mut self, name: &str) -> Replay<()> {
        let mut found = None;
        for (i, elem) in self.stack.iter().enumerate().rev() {
            if elem.is_html(name) {
                found = Some(i);
                break;
            }
            if elem.has(SPECIAL) && elem.ns == Ns::Html {
                return Ok(());
            }
        }
        let Some(index) = found else {
            return Ok(());
        };
        self.generate_implied_end(Some(name))?;
        self.truncate(index)
    }

    // --- Helpers for the pass ---

    /// The end tag that removes the last formatting element from the list, when it is not
    /// open and such an end tag does nothing else.
    pub(super) fn defusable(&self) -> Option<Rc<str>> {
        if self.mode == Mode::Text || self.current().ns != Ns::Html {
            return None;
        }
        let index = self.formatting.len().checked_sub(1)?;
        let Entry::Element(f) = &self.formatting[index] else {
            return None;
        };
        if self.open[f.id] {
            return None;
        }
        let current = self.current();
        if current.is_html(&f.name) && self.formatting_position(current.id).is_none() {
            return None;
        }
        Some(Rc::clone(&f.name))
    }
}

/// The Noah's Ark comparison key of a formatting element's attributes.
fn attr_key(tag: &Tag<'_>) -> AttrKey {
    let mut key: Vec<KeyAttr> = tag
        .attrs
        .iter()
        .map(|a| (a.name.clone(), a.value.to_owned(), decode_attr(a.value)))
        .collect();
    key.sort_by(|x, y| x.0.cmp(&y.0));
    Rc::new(key)
}
