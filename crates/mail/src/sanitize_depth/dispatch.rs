//! Routing tokens: HTML or foreign rules, the current insertion mode, reprocessing, and
//! character data.

use super::category::{
    ANNOTATION_POINT, ANNOTATION_XML, HTML_POINT, MATHML_TEXT_POINT, TABLE_OUTER,
};
use super::scan::Tag;
use super::text::TextInfo;
use super::tree::{Mode, Next, Ns, Tree};
use super::{Replay, Unsupported};

/// Kinds of token for deciding between HTML and foreign rules.
pub(super) enum Kind<'n> {
    Start(&'n str),
    End,
    Text,
}

/// How many times one token may be reprocessed (html5ever needs at most a few).
const FUEL: u8 = 8;

impl Tree {
    /// Whether the token goes to the rules for foreign content.
    pub(super) fn is_foreign(&self, kind: &Kind<'_>) -> bool {
        if self.stack.len() < 2 {
            return false;
        }
        let current = self.current();
        if current.ns == Ns::Html {
            return false;
        }
        if current.has(MATHML_TEXT_POINT) {
            match kind {
                Kind::Text => return false,
                Kind::Start(name) if !matches!(*name, "mglyph" | "malignmark") => return false,
                _ => {}
            }
        }
        if current.has(HTML_POINT) && matches!(kind, Kind::Text | Kind::Start(_)) {
            return false;
        }
        if current.has(ANNOTATION_XML) {
            match kind {
                Kind::Start("svg") => return false,
                Kind::Text | Kind::Start(_) => return !current.has(ANNOTATION_POINT),
                Kind::End => {}
            }
        }
        true
    }

    /// Replays a start tag; tells how the tokenizer goes on.
    pub(super) fn start_tag(&mut self, tag: &Tag<'_>) -> Replay<Next> {
        self.dispatch_start(tag, FUEL)
    }

    fn dispatch_start(&mut self, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        let fuel = fuel.checked_sub(1).ok_or(Unsupported)?;
        if self.is_foreign(&Kind::Start(&tag.name)) {
            self.foreign_start(tag, fuel)
        } else {
            self.step_start(self.mode, tag, fuel)
        }
    }

    /// Replays an end tag.
    pub(super) fn end_tag(&mut self, name: &str) -> Replay<()> {
        self.dispatch_end(name, FUEL)
    }

    fn dispatch_end(&mut self, name: &str, fuel: u8) -> Replay<()> {
        let fuel = fuel.checked_sub(1).ok_or(Unsupported)?;
        if self.is_foreign(&Kind::End) {
            self.foreign_end(name, fuel)
        } else {
            self.step_end(self.mode, name, fuel)
        }
    }

    /// Replays character data.
    pub(super) fn text(&mut self, info: TextInfo) -> Replay<()> {
        if !(info.chars || info.nul) || self.is_foreign(&Kind::Text) {
            return Ok(());
        }
        match self.mode {
            Mode::Body | Mode::Caption | Mode::Cell if info.chars => self.reconstruct(),
            Mode::Table | Mode::TableBody | Mode::Row => self.text_in_table(info),
            Mode::ColumnGroup => self.text_in_column_group(info),
            _ => Ok(()),
        }
    }

    fn text_in_table(&mut self, info: TextInfo) -> Replay<()> {
        let in_table_text = self.current().ns == Ns::Html && self.current().has(TABLE_OUTER);
        if (in_table_text && info.non_ws) || (!in_table_text && info.chars) {
            self.reconstruct()?;
        }
        Ok(())
    }

    fn text_in_column_group(&mut self, info: TextInfo) -> Replay<()> {
        if info.nul {
            return Err(Unsupported);
        }
        if info.non_ws && self.current_named("colgroup") {
            self.pop()?;
            self.mode = Mode::Table;
            return self.text_in_table(info);
        }
        Ok(())
    }

    pub(super) fn step_start(&mut self, mode: Mode, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        match mode {
            Mode::Body => self.body_start(tag),
            Mode::Table => self.table_start(tag, fuel),
            Mode::Caption => self.caption_start(tag, fuel),
            Mode::ColumnGroup => self.column_group_start(tag, fuel),
            Mode::TableBody => self.table_body_start(tag, fuel),
            Mode::Row => self.row_start(tag, fuel),
            Mode::Cell => self.cell_start(tag, fuel),
            Mode::Text => Err(Unsupported),
        }
    }

    pub(super) fn step_end(&mut self, mode: Mode, name: &str, fuel: u8) -> Replay<()> {
        match mode {
            Mode::Body => self.body_end(name),
            Mode::Table => self.table_end(name),
            Mode::Caption => self.caption_end(name, fuel),
            Mode::ColumnGroup => self.column_group_end(name, fuel),
            Mode::TableBody => self.table_body_end(name, fuel),
            Mode::Row => self.row_end(name, fuel),
            Mode::Cell => self.cell_end(name, fuel),
            Mode::Text => {
                self.pop()?;
                self.mode = self.original_mode;
                Ok(())
            }
        }
    }

    /// Reprocesses a start tag in `mode`.
    pub(super) fn reprocess_start(&mut self, mode: Mode, tag: &Tag<'_>, fuel: u8) -> Replay<Next> {
        self.mode = mode;
        self.dispatch_start(tag, fuel)
    }

    /// Reprocesses an end tag in `mode`.
    pub(super) fn reprocess_end(&mut self, mode: Mode, name: &str, fuel: u8) -> Replay<()> {
        self.mode = mode;
        self.dispatch_end(name, fuel)
    }
}
