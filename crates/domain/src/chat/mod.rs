//! Web chat as data: the entry points a department publishes on its web sites — which queue routes
//! their chats, when they are open, the pre-chat form, the widget's texts and colour, the web
//! origins allowed to embed them, the survey after a chat and the time-outs; and what a
//! customer's answers to the pre-chat form become (`start`); the conversation's messages
//! (`message`) and its record beside the activity, with what ending it does (`session`); its
//! time-outs (`watch`); the email a customer leaves instead when no chat can start (`offline`).

pub mod availability;
pub mod entry_point;
pub mod file;
pub mod form;
pub mod limit;
pub mod message;
pub mod offline;
pub mod origin;
pub mod session;
pub mod start;
pub mod survey;
pub mod transcript;
pub mod watch;
pub mod widget;

#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;

pub use availability::{Availability, ChatCapacity, availability, delayed_availability};
pub use entry_point::{ChatTimeouts, EntryPoint, EntryPointKind, EntryPointPatch, NewEntryPoint};
pub use file::{ChatFile, MAX_CHAT_FILE_BYTES, NewChatFile, check_file};
pub use form::{FieldKind, FieldTarget, PreChatField, QuestionKind, SurveyQuestion};
pub use message::{
    Audience, ChatMessage, ChatParty, MAX_MESSAGE_CHARS, NewChatMessage, check_text,
};
pub use offline::{LeftEmail, check_left_email};
pub use session::{AfterChat, Chat, ChatClosed, ChatState, EndPlan, EndReason, Ended, staff_voice};
pub use start::{ChatStart, check_answers};
pub use survey::{SurveyAnswer, check_survey_answers};
pub use transcript::transcript;
pub use widget::WidgetTemplate;
