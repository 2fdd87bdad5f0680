//! The table insertion modes: "in table", "in caption", "in column group", "in table body",
//! "in row" and "in cell".

use super::category::{CELL, TABLE_BODY_CONTEXT, TABLE_PART, TABLE_ROW_CONTEXT, TABLE_SCOPE};
use super::formatting::Entry;
use super::scan::Tag;
use super::text::decode_attr;
use super::tree::{Elem, Mode, Next, Ns, Tree};
use super::{Replay, Unsupported};

impl Tree {
    pub(super) fn table_start(&mut self, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        let name = tag.name.as_str();
        match name {
            "caption" | "colgroup" | "tbody" | "tfoot" | "thead" => {
                self.pop_until_current(TABLE_SCOPE)?;
                if name == "caption" {
                    self.formatting.push(Entry::Marker);
                }
                self.insert(name);
                self.mode = match name {
                    "caption" => Mode::Caption,
                    "colgroup" => Mode::ColumnGroup,
                    _ => Mode::TableBody,
                };
                Ok(Next::Data)
            }
            "col" | "td" | "th" | "tr" => {
                self.pop_until_current(TABLE_SCOPE)?;
                let (implied, mode) = if name == "col" {
                    ("colgroup", Mode::ColumnGroup)
                } else {
                    ("tbody", Mode::TableBody)
                };
                self.insert(implied);
                self.reprocess_start(mode, tag, fuel)
            }
            "table" => {
                if !self.in_scope_named(TABLE_SCOPE, "table") {
                    return Ok(Next::Data);
                }
                self.pop_until_named("table")?;
                let mode = self.reset_mode()?;
                self.reprocess_start(mode, tag, fuel)
            }
            "style" | "script" | "template" => self.in_head_start(tag).unwrap_or(Ok(Next::Data)),
            "input" if is_hidden_input(tag)? => Ok(Next::Data),
            "form" => {
                if self.form.is_none() {
                    self.form = Some(self.new_id());
                }
                Ok(Next::Data)
            }
            _ => self.body_start(tag),
        }
    }

    pub(super) fn table_end(&mut self, name: &str) -> Replay<()> {
        match name {
            "table" => {
                if self.in_scope_named(TABLE_SCOPE, "table") {
                    self.pop_until_named("table")?;
                    self.mode = self.reset_mode()?;
                }
                Ok(())
            }
            "body" | "caption" | "col" | "colgroup" | "html" | "tbody" | "td" | "tfoot" | "th"
            | "thead" | "tr" | "template" => Ok(()),
            _ => self.body_end(name),
        }
    }

    /// Closes the caption when one is in table scope; tells whether it did.
    fn close_caption(&mut self) -> Replay<bool> {
        if !self.in_scope_named(TABLE_SCOPE, "caption") {
            return Ok(false);
        }
        self.generate_implied_end(None)?;
        self.pop_until_named("caption")?;
        self.clear_formatting_to_marker();
        self.mode = Mode::Table;
        Ok(true)
    }

    pub(super) fn caption_start(&mut self, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        if tag.kind & TABLE_PART == 0 {
            return self.body_start(tag);
        }
        if self.close_caption()? {
            return self.reprocess_start(Mode::Table, tag, fuel);
        }
        Ok(Next::Data)
    }

    pub(super) fn caption_end(&mut self, name: &str, fuel: u8) -> Replay<()> {
        match name {
            "caption" => self.close_caption().map(|_| ()),
            "table" => {
                if self.close_caption()? {
                    return self.reprocess_end(Mode::Table, name, fuel);
                }
                Ok(())
            }
            "body" | "col" | "colgroup" | "html" | "tbody" | "td" | "tfoot" | "th" | "thead"
            | "tr" => Ok(()),
            _ => self.body_end(name),
        }
    }

    pub(super) fn column_group_start(&mut self, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        match tag.name.as_str() {
            "html" | "col" => Ok(Next::Data),
            "template" => Err(Unsupported),
            _ if self.current_named("colgroup") => {
                self.pop()?;
                self.reprocess_start(Mode::Table, tag, fuel)
            }
            _ => Ok(Next::Data),
        }
    }

    pub(super) fn column_group_end(&mut self, name: &str, fuel: u8) -> Replay<()> {
        match name {
            "col" | "template" => Ok(()),
            _ if self.current_named("colgroup") => {
                self.pop()?;
                if name == "colgroup" {
                    self.mode = Mode::Table;
                    return Ok(());
                }
                self.reprocess_end(Mode::Table, name, fuel)
            }
            _ => Ok(()),
        }
    }

    pub(super) fn table_body_start(&mut self, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        match tag.name.as_str() {
            "tr" | "th" | "td" => {
                self.pop_until_current(TABLE_BODY_CONTEXT)?;
                self.insert("tr");
                if tag.name == "tr" {
                    self.mode = Mode::Row;
                    return Ok(Next::Data);
                }
                self.reprocess_start(Mode::Row, tag, fuel)
            }
            "caption" | "col" | "colgroup" | "tbody" | "tfoot" | "thead" => {
                if self.close_table_body()? {
                    return self.reprocess_start(Mode::Table, tag, fuel);
                }
                Ok(Next::Data)
            }
            _ => self.table_start(tag, fuel),
        }
    }

    /// Closes the table section when a table, `tbody` or `tfoot` is in table scope (html5ever
    /// leaves `thead` out); tells whether it did.
    fn close_table_body(&mut self) -> Replay<bool> {
        let outer = |e: &Elem| e.is_html("table") || e.is_html("tbody") || e.is_html("tfoot");
        if !self.in_scope(TABLE_SCOPE, outer) {
            return Ok(false);
        }
        self.pop_until_current(TABLE_BODY_CONTEXT)?;
        self.pop()?;
        Ok(true)
    }

    pub(super) fn table_body_end(&mut self, name: &str, fuel: u8) -> Replay<()> {
        match name {
            "tbody" | "tfoot" | "thead" => {
                if self.in_scope_named(TABLE_SCOPE, name) {
                    self.pop_until_current(TABLE_BODY_CONTEXT)?;
                    self.pop()?;
                    self.mode = Mode::Table;
                }
                Ok(())
            }
            "table" => {
                if self.close_table_body()? {
                    return self.reprocess_end(Mode::Table, name, fuel);
                }
                Ok(())
            }
            "body" | "caption" | "col" | "colgroup" | "html" | "td" | "th" | "tr" => Ok(()),
            _ => self.table_end(name),
        }
    }

    /// Closes the row when one is in table scope; tells whether it did.
    fn close_row(&mut self) -> Replay<bool> {
        if !self.in_scope_named(TABLE_SCOPE, "tr") {
            return Ok(false);
        }
        self.pop_until_current(TABLE_ROW_CONTEXT)?;
        self.pop()?;
        self.mode = Mode::TableBody;
        Ok(true)
    }

    pub(super) fn row_start(&mut self, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        match tag.name.as_str() {
            "th" | "td" => {
                self.pop_until_current(TABLE_ROW_CONTEXT)?;
                self.insert(&tag.name);
                self.mode = Mode::Cell;
                self.formatting.push(Entry::Marker);
                Ok(Next::Data)
            }
            "caption" | "col" | "colgroup" | "tbody" | "tfoot" | "thead" | "tr" => {
                if self.close_row()? {
                    return self.reprocess_start(Mode::TableBody, tag, fuel);
                }
                Ok(Next::Data)
            }
            _ => self.table_start(tag, fuel),
        }
    }

    pub(super) fn row_end(&mut self, name: &str, fuel: u8) -> Replay<()> {
        match name {
            "tr" => self.close_row().map(|_| ()),
            "table" => {
                if self.close_row()? {
                    return self.reprocess_end(Mode::TableBody, name, fuel);
                }
                Ok(())
            }
            "tbody" | "tfoot" | "thead" => {
                if self.in_scope_named(TABLE_SCOPE, name) && self.close_row()? {
                    return self.reprocess_end(Mode::TableBody, name, fuel);
                }
                Ok(())
            }
            "body" | "caption" | "col" | "colgroup" | "html" | "td" | "th" => Ok(()),
            _ => self.table_end(name),
        }
    }

    fn close_cell(&mut self) -> Replay<()> {
        self.generate_implied_end(None)?;
        self.pop_until_category(CELL)?;
        self.clear_formatting_to_marker();
        Ok(())
    }

    pub(super) fn cell_start(&mut self, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        if tag.kind & TABLE_PART == 0 {
            return self.body_start(tag);
        }
        if self.in_scope(TABLE_SCOPE, |e| e.ns == Ns::Html && e.has(CELL)) {
            self.close_cell()?;
            return self.reprocess_start(Mode::Row, tag, fuel);
        }
        Ok(Next::Data)
    }

    pub(super) fn cell_end(&mut self, name: &str, fuel: u8) -> Replay<()> {
        match name {
            "td" | "th" => {
                if self.in_scope_named(TABLE_SCOPE, name) {
                    self.generate_implied_end(None)?;
                    self.pop_until_named(name)?;
                    self.clear_formatting_to_marker();
                    self.mode = Mode::Row;
                }
                Ok(())
            }
            "body" | "caption" | "col" | "colgroup" | "html" => Ok(()),
            "table" | "tbody" | "tfoot" | "thead" | "tr" => {
                if self.in_scope_named(TABLE_SCOPE, name) {
                    self.close_cell()?;
                    return self.reprocess_end(Mode::Row, name, fuel);
                }
                Ok(())
            }
            _ => self.body_end(name),
        }
    }
}

/// Whether `tag` is an `<input type=hidden>` (decides foster parenting in tables).
fn is_hidden_input(tag: &Tag<'_>) -> Replay<bool> {
    match tag.attr("type") {
        Some(raw) => Ok(decode_attr(raw)
            .ok_or(Unsupported)?
            .eq_ignore_ascii_case("hidden")),
        None => Ok(false),
    }
}
