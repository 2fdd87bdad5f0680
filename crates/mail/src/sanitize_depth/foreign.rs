//! SVG and MathML content: entering it from the HTML rules, and the rules for foreign content.

use std::rc::Rc;

use super::Replay;
use super::category::{BREAKOUT, HTML_POINT, MATHML_TEXT_POINT, foreign_categories};
use super::scan::Tag;
use super::tree::{Elem, Next, Ns, Tree};

impl Tree {
    /// Pushes the SVG or MathML element started by `tag` (from the HTML rules).
    pub(super) fn enter_foreign(&mut self, tag: &Tag<'_>) -> Replay<Next> {
        let ns = if tag.name == "svg" {
            Ns::Svg
        } else {
            Ns::MathMl
        };
        self.insert_foreign(ns, tag)
    }

    fn insert_foreign(&mut self, ns: Ns, tag: &Tag<'_>) -> Replay<Next> {
        if !tag.self_closing {
            let flags = foreign_categories(ns, tag)?;
            let id = self.new_id();
            self.push(Elem {
                id,
                ns,
                name: Rc::from(tag.name.as_str()),
                flags,
            });
        }
        Ok(Next::Data)
    }

    pub(super) fn foreign_start(&mut self, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        if is_breakout(tag) {
            self.leave_foreign()?;
            return self.step_start(self.mode, tag, fuel);
        }
        let ns = self.current().ns;
        self.insert_foreign(ns, tag)
    }

    /// Pops until the current node is HTML or an integration point.
    fn leave_foreign(&mut self) -> Replay<()> {
        while !(self.current().ns == Ns::Html || self.current().has(MATHML_TEXT_POINT | HTML_POINT))
        {
            self.pop()?;
        }
        Ok(())
    }

    pub(super) fn foreign_end(&mut self, name: &str, fuel: u8) -> Replay<()> {
        if matches!(name, "br" | "p") {
            self.leave_foreign()?;
            return self.step_end(self.mode, name, fuel);
        }
        let mut index = self.stack.len() - 1;
        let mut first = true;
        while index > 0 {
            let elem = &self.stack[index];
            if !first && elem.ns == Ns::Html {
                return self.step_end(self.mode, name, fuel);
            }
            if elem.name.eq_ignore_ascii_case(name) {
                return self.truncate(index);
            }
            first = false;
            index -= 1;
        }
        Ok(())
    }
}

/// Whether start tag `tag` makes the parser leave SVG or MathML content.
pub(super) fn is_breakout(tag: &Tag<'_>) -> bool {
    tag.kind & BREAKOUT != 0
        || (tag.name == "font"
            && tag
                .attrs
                .iter()
                .any(|a| matches!(a.name.as_str(), "color" | "face" | "size")))
}
