//! The "in body" insertion mode.

use std::rc::Rc;

use super::category::{
    BLOCK, BLOCK_END, BUTTON_SCOPE, DEFAULT_SCOPE, FORMATTING, HEADING, LIST_SCOPE, OWN_RULE,
    SPECIAL, TABLE_PART, name_flags,
};
use super::formatting::Entry;
use super::scan::Tag;
use super::tree::{Mode, Next, Ns, Tree};
use super::{Replay, Unsupported};

impl Tree {
    pub(super) fn body_start(&mut self, tag: &Tag<'_>) -> Replay<Next> {
        let name = tag.name.as_str();
        if tag.kind & BLOCK != 0 {
            self.close_p_in_button_scope()?;
            self.insert(name);
            return Ok(Next::Data);
        }
        if tag.kind & FORMATTING != 0 {
            return self.formatting_start(tag);
        }
        if tag.kind & TABLE_PART != 0 {
            return Ok(Next::Data);
        }
        if tag.kind & OWN_RULE == 0 {
            self.reconstruct()?;
            self.insert(name);
            return Ok(Next::Data);
        }
        match name {
            "frame" | "head" => Ok(Next::Data),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => self.heading_start(name),
            "li" | "dd" | "dt" => self.list_item_start(name),
            "pre" | "listing" | "form" | "plaintext" | "table" | "hr" | "xmp" => {
                self.p_closing_start(name)
            }
            "button" | "select" | "option" | "optgroup" | "input" => self.form_control_start(name),
            "applet" | "marquee" | "object" => {
                self.reconstruct()?;
                self.insert(name);
                self.formatting.push(Entry::Marker);
                Ok(Next::Data)
            }
            "area" | "br" | "embed" | "img" | "keygen" | "wbr" | "image" => {
                self.reconstruct()?;
                Ok(Next::Data)
            }
            "rb" | "rtc" | "rp" | "rt" => self.ruby_start(name),
            "math" | "svg" => {
                self.reconstruct()?;
                self.enter_foreign(tag)
            }
            "textarea" => {
                self.ignore_lf = true;
                self.raw_text(name, Next::RawText)
            }
            "iframe" | "noembed" | "noscript" => self.raw_text(name, Next::RawText),
            _ => match self.in_head_start(tag) {
                Some(next) => next,
                None => {
                    self.reconstruct()?;
                    self.insert(name);
                    Ok(Next::Data)
                }
            },
        }
    }

    /// The "in head" start tags reachable from the body; `None` for other tags.
    pub(super) fn in_head_start(&mut self, tag: &Tag<'_>) -> Option<Replay<Next>> {
        Some(match tag.name.as_str() {
            "html" | "body" | "frameset" | "base" | "basefont" | "bgsound" | "link" | "meta"
            | "param" | "source" | "track" => Ok(Next::Data),
            "title" | "noframes" | "style" => self.raw_text(&tag.name, Next::RawText),
            "script" => self.raw_text("script", Next::Script),
            "template" => Err(Unsupported),
            _ => return None,
        })
    }

    /// Pushes a raw text element (popped by its end tag in the "text" mode).
    fn raw_text(&mut self, name: &str, next: Next) -> Replay<Next> {
        self.insert(name);
        self.original_mode = self.mode;
        self.mode = Mode::Text;
        Ok(next)
    }

    fn heading_start(&mut self, name: &str) -> Replay<Next> {
        self.close_p_in_button_scope()?;
        if self.current().ns == Ns::Html && self.current().has(HEADING) {
            self.pop()?;
        }
        self.insert(name);
        Ok(Next::Data)
    }

    fn list_item_start(&mut self, name: &str) -> Replay<Next> {
        let mut to_close = None;
        for elem in self.stack.iter().rev() {
            let closes = if name == "li" {
                elem.is_html("li")
            } else {
                elem.is_html("dd") || elem.is_html("dt")
            };
            if closes {
                to_close = Some(Rc::clone(&elem.name));
                break;
            }
            let extra_special = elem.ns == Ns::Html
                && elem.has(SPECIAL)
                && !matches!(&*elem.name, "address" | "div" | "p");
            if extra_special {
                break;
            }
        }
        if let Some(close) = to_close {
            self.generate_implied_end(Some(&close))?;
            self.pop_until_named(&close)?;
        }
        self.close_p_in_button_scope()?;
        self.insert(name);
        Ok(Next::Data)
    }

    /// Start tags that close an open `<p>` before doing something else.
    fn p_closing_start(&mut self, name: &str) -> Replay<Next> {
        if name == "form" && self.form.is_some() {
            return Ok(Next::Data);
        }
        self.close_p_in_button_scope()?;
        match name {
            "form" => self.form = Some(self.insert(name)),
            "table" => {
                self.insert(name);
                self.mode = Mode::Table;
            }
            "hr" => {
                if self.in_scope_named(DEFAULT_SCOPE, "select") {
                    self.generate_implied_end(None)?;
                }
            }
            "xmp" => {
                self.reconstruct()?;
                return self.raw_text(name, Next::RawText);
            }
            "plaintext" => {
                self.insert(name);
                return Ok(Next::Plaintext);
            }
            _ => {
                self.insert(name);
                self.ignore_lf = true;
            }
        }
        Ok(Next::Data)
    }

    fn form_control_start(&mut self, name: &str) -> Replay<Next> {
        let select_in_scope = self.in_scope_named(DEFAULT_SCOPE, "select");
        match name {
            "button" if self.in_scope_named(DEFAULT_SCOPE, "button") => {
                self.generate_implied_end(None)?;
                self.pop_until_named("button")?;
            }
            "select" | "input" if select_in_scope => {
                self.pop_until_named("select")?;
                if name == "select" {
                    return Ok(Next::Data);
                }
            }
            "option" if select_in_scope => self.generate_implied_end(Some("optgroup"))?,
            "optgroup" if select_in_scope => self.generate_implied_end(None)?,
            "option" | "optgroup" if self.current_named("option") => {
                self.pop()?;
            }
            _ => {}
        }
        self.reconstruct()?;
        if name != "input" {
            self.insert(name);
        }
        Ok(Next::Data)
    }

    fn ruby_start(&mut self, name: &str) -> Replay<Next> {
        if self.in_scope_named(DEFAULT_SCOPE, "ruby") {
            let except = matches!(name, "rp" | "rt").then_some("rtc");
            self.generate_implied_end(except)?;
        }
        self.insert(name);
        Ok(Next::Data)
    }

    fn formatting_start(&mut self, tag: &Tag<'_>) -> Replay<Next> {
        match tag.name.as_str() {
            "a" => {
                if let Some((_, a)) = self.last_formatting("a") {
                    self.adoption_agency("a")?;
                    if let Some(i) = self.formatting_position(a.id) {
                        self.formatting_remove(i);
                    }
                    self.remove_id(a.id)?;
                }
                self.reconstruct()?;
            }
            "nobr" => {
                self.reconstruct()?;
                if self.in_scope_named(DEFAULT_SCOPE, "nobr") {
                    self.adoption_agency("nobr")?;
                    self.reconstruct()?;
                }
            }
            _ => self.reconstruct()?,
        }
        self.insert_formatting(tag)?;
        Ok(Next::Data)
    }

    pub(super) fn body_end(&mut self, name: &str) -> Replay<()> {
        let kind = name_flags(name);
        if kind & BLOCK_END != 0 {
            if self.in_scope_named(DEFAULT_SCOPE, name) {
                self.generate_implied_end(None)?;
                self.pop_until_named(name)?;
            }
            return Ok(());
        }
        if kind & FORMATTING != 0 {
            return self.adoption_agency(name);
        }
        match name {
            "template" | "body" | "html" => Ok(()),
            "form" => self.form_end(),
            "p" => {
                if !self.in_scope_named(DEFAULT_SCOPE | BUTTON_SCOPE, "p") {
                    self.insert("p");
                }
                self.close_p()
            }
            "li" | "dd" | "dt" => {
                let scope = if name == "li" {
                    DEFAULT_SCOPE | LIST_SCOPE
                } else {
                    DEFAULT_SCOPE
                };
                if self.in_scope_named(scope, name) {
                    self.generate_implied_end(Some(name))?;
                    self.pop_until_named(name)?;
                }
                Ok(())
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                if self.in_scope(DEFAULT_SCOPE, |e| e.ns == Ns::Html && e.has(HEADING)) {
                    self.generate_implied_end(None)?;
                    self.pop_until_category(HEADING)?;
                }
                Ok(())
            }
            "applet" | "marquee" | "object" => {
                if self.in_scope_named(DEFAULT_SCOPE, name) {
                    self.generate_implied_end(None)?;
                    self.pop_until_named(name)?;
                    self.clear_formatting_to_marker();
                }
                Ok(())
            }
            "br" => self.reconstruct(),
            _ => self.any_other_end_tag(name),
        }
    }

    fn form_end(&mut self) -> Replay<()> {
        let Some(form) = self.form.take() else {
            return Ok(());
        };
        if !self.in_scope(DEFAULT_SCOPE, |e| e.id == form) {
            return Ok(());
        }
        self.generate_implied_end(None)?;
        self.remove_id(form)
    }
}
