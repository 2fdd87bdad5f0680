//! Web chat as data: the entry points a department publishes on its web sites — which queue routes
//! their chats, when they are open, the pre-chat form, the widget's texts and colour, the web
//! origins allowed to embed them, the survey after a chat and the time-outs; and what a
//! customer's answers to the pre-chat form become (`start`).

pub mod entry_point;
pub mod form;
pub mod origin;
pub mod start;
pub mod widget;

#[cfg(test)]
mod tests;

pub use entry_point::{ChatTimeouts, EntryPoint, EntryPointPatch, NewEntryPoint};
pub use form::{FieldKind, FieldTarget, PreChatField, QuestionKind, SurveyQuestion};
pub use start::{ChatStart, check_answers};
pub use widget::WidgetTemplate;
