//! What becomes of an inbound email: the rules of ingest as pure decisions over facts the ingest
//! use case gathers. Three steps, each asked only when the one before let the message on:
//!
//! 1. [`screen`] — a bounce, a message without a usable sender, or a blocked sender stops here;
//! 2. [`thread_probes`] — the ordered, capped lookups that find the case a message continues;
//! 3. [`place`] — with the case known: automatic mail attaches to its thread or goes to the
//!    exception queue; other mail becomes work in the alias's queue when that queue takes work,
//!    else in the exception queue.

use crate::email::{EmailKind, EmailSettings, InboundContent, ThreadRule, case_tokens};
use crate::ids::{CaseId, QueueId};
use crate::text::EmailAddress;

/// In-Reply-To ids asked, at most.
pub const MAX_IN_REPLY_TO: usize = 20;
/// References asked (newest first), at most.
pub const MAX_REFERENCES: usize = 50;
/// Case tokens of the subject asked, at most.
pub const MAX_CASE_TOKENS: usize = 5;

/// The first look at a parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// A delivery report about mail we sent: linked to that mail, never new work.
    Bounce,
    /// No usable sender address: to the exception queue.
    NoSender,
    /// The department blocks the sender: stored, nothing else (the reason says which rule).
    Blocked(String),
    /// Goes on, from this sender.
    Proceed(EmailAddress),
}

/// Screens a parsed message with its department's hygiene settings. A bounce is about mail we
/// sent, whoever (or nothing) signs it, so it is recognised before the sender is looked at.
pub fn screen(content: &InboundContent, settings: &EmailSettings) -> Screen {
    if content.kind == EmailKind::Bounce {
        return Screen::Bounce;
    }
    let sender = content
        .from
        .as_ref()
        .and_then(|f| EmailAddress::parse(&f.address).ok());
    let Some(sender) = sender else {
        return Screen::NoSender;
    };
    match settings.blocked_sender(sender.as_str()) {
        Some(why) => Screen::Blocked(why),
        None => Screen::Proceed(sender),
    }
}

/// One lookup that may find the case a message continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe<'a> {
    /// A message of ours (stored or sent) with this Message-ID, named by In-Reply-To.
    InReplyTo(&'a str),
    /// A message of ours with this Message-ID, named by References.
    References(&'a str),
    /// The case whose token the subject carries, if the sender takes part in it.
    CaseToken(CaseId),
}

impl Probe<'_> {
    /// The rule a hit of this probe records.
    pub fn rule(self) -> ThreadRule {
        match self {
            Probe::InReplyTo(_) => ThreadRule::InReplyTo,
            Probe::References(_) => ThreadRule::References,
            Probe::CaseToken(_) => ThreadRule::CaseToken,
        }
    }
}

/// The threading lookups in the order they are asked: In-Reply-To, then References newest
/// first, then the subject's case tokens; each list capped, so a hostile message costs little.
/// The first hit decides; none is a new case ([`ThreadRule::NewCase`]).
pub fn thread_probes(content: &InboundContent) -> Vec<Probe<'_>> {
    let tokens = case_tokens(&content.subject);
    content
        .in_reply_to
        .iter()
        .take(MAX_IN_REPLY_TO)
        .map(|id| Probe::InReplyTo(id))
        .chain(
            content
                .references
                .iter()
                .rev()
                .take(MAX_REFERENCES)
                .map(|id| Probe::References(id)),
        )
        .chain(
            tokens
                .into_iter()
                .take(MAX_CASE_TOKENS)
                .map(Probe::CaseToken),
        )
        .collect()
}

/// Where a screened, threaded message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Automatic mail in a known thread: stored in the case, no work.
    Attach {
        /// The case.
        case: CaseId,
        /// Why, for the email's outcome.
        reason: String,
    },
    /// Automatic mail outside any known thread: a new case in the exception queue, its
    /// activity's sub-status the kind.
    Exception {
        /// The activity's sub-status (and the subject when the message has none).
        sub_status: &'static str,
        /// Why, for the email's outcome.
        reason: String,
    },
    /// Work in the exception queue because the alias's queue does not take it; no workflow runs.
    Unrouted {
        /// Why, for the email's outcome.
        reason: &'static str,
    },
    /// Work in the alias's queue; the department's workflows plan it.
    Work {
        /// The alias's queue.
        queue: QueueId,
    },
}

/// Places a message of `kind` that threading found in `case` (none: a new case), arriving on
/// an alias whose queue is `alias_queue`; `queue_takes_work` says whether that queue takes work
/// of the alias's department now. Automatic mail never becomes new work, so it never reaches an
/// agent as a case of its own.
pub fn place(
    kind: EmailKind,
    case: Option<CaseId>,
    alias_queue: Option<QueueId>,
    queue_takes_work: bool,
) -> Placement {
    if kind.is_automatic() {
        return match case {
            Some(case) => Placement::Attach {
                case,
                reason: format!("{} in a known thread", kind.as_str()),
            },
            None => Placement::Exception {
                sub_status: kind.as_str(),
                reason: format!("{} outside any known thread", kind.as_str()),
            },
        };
    }
    match alias_queue {
        Some(queue) if queue_takes_work => Placement::Work { queue },
        Some(_) => Placement::Unrouted {
            reason: "the alias's queue is inactive or gone",
        },
        None => Placement::Unrouted {
            reason: "the alias has no queue",
        },
    }
}

#[cfg(test)]
mod tests;
