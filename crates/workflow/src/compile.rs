//! A workflow made ready to run. Literal text tests of one field are gathered into one
//! Aho-Corasick automaton, so each field of a message is scanned once however many rules look
//! at it. The same automaton looks for each regular expression's required literal (see
//! `prefilter`): such an expression runs only on a field that holds its literal; the others
//! run together as one `RegexSet`.

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use jiff::tz::TimeZone;
use regex::{RegexSet, RegexSetBuilder};
use regex_automata::meta;
use serde_json::Value;
use switchboard_domain::{
    ActivityStatus, AliasId, ArticleId, CalendarId, CategoryId, ChannelKind, DepartmentId,
    OpenHours, QueueId, UserGroupId, UserId, ValidationError, WorkflowId, calendar,
};

use crate::model::{
    AttachmentOp, CaseState, Compare, Condition, Step, TextField, TextOp, ValueOp, Workflow,
    WorkflowKind,
};
use crate::validate::REGEX_SIZE_LIMIT;

/// Where a route action sends the activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteTo {
    /// A queue.
    Queue(QueueId),
    /// A user.
    User(UserId),
    /// A user group.
    Group(UserGroupId),
    /// Another department.
    Department(DepartmentId),
}

/// A notification email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Addresses.
    pub to: Vec<String>,
    /// Subject template (empty: the activity's subject).
    pub subject: String,
    /// Body template.
    pub text: String,
    /// Or an article for the body.
    pub article: Option<ArticleId>,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Set the category.
    SetCategory(CategoryId),
    /// Set the priority.
    SetPriority(u8),
    /// Raise the priority.
    RaisePriority(u8),
    /// Set a custom attribute.
    SetAttribute(String, Value),
    /// Acknowledge (with this article, or the default one).
    Acknowledge(Option<ArticleId>),
    /// Answer with an article, completing the activity or not.
    AutoReply {
        /// The article.
        article: ArticleId,
        /// Complete the activity.
        complete: bool,
    },
    /// Route.
    Route(RouteTo),
    /// Notify.
    Notify(Notice),
    /// Hold the reply for review.
    Review(Option<QueueId>),
}

#[derive(Debug, Clone)]
pub(crate) enum CStep {
    Branch {
        /// The path entry when no case holds (`id → otherwise`).
        otherwise_entry: String,
        cases: Vec<CCase>,
        otherwise: Vec<CStep>,
    },
    Do {
        id: String,
        action: Action,
    },
    Stop {
        id: String,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct CCase {
    /// The path entry when this case runs (`id → label`).
    pub entry: String,
    pub when: CCond,
    pub then: Vec<CStep>,
}

#[derive(Debug, Clone)]
pub(crate) enum TextTest {
    Contains(usize),
    Equals(String),
    StartsWith(String),
    EndsWith(String),
    Matches(usize),
    Exists,
}

#[derive(Debug, Clone)]
pub(crate) enum CCond {
    All(Vec<CCond>),
    Any(Vec<CCond>),
    Not(Box<CCond>),
    Text {
        slot: usize,
        test: TextTest,
    },
    Attachment(AttachmentOp, String),
    Customer(String, ValueOp, Value),
    Attribute(String, ValueOp, Value),
    Case(CaseState),
    Category(Vec<CategoryId>),
    Priority(Compare, u8),
    Queue(Vec<QueueId>),
    Channel(Vec<ChannelKind>),
    Status(Vec<ActivityStatus>),
    /// `None`: the calendar is gone; the condition never holds.
    Open(Option<Arc<OpenHours>>, bool),
    Time {
        tz: TimeZone,
        days: u8,
        from: u16,
        to: u16,
    },
    Language(Vec<String>),
    Waiting(u64),
    ServiceLevel(bool),
    Agent(Vec<UserId>, Vec<UserGroupId>),
}

/// Which part of a message a text test reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum FieldKey {
    Subject,
    From,
    To,
    Cc,
    Body,
    /// Lower-case header name.
    Header(String),
}

/// The literal and regular-expression tests of one field.
#[derive(Debug, Clone)]
pub(crate) struct FieldIndex {
    pub key: FieldKey,
    /// The literal tests, then the guards' required literals.
    pub literals: Option<AhoCorasick>,
    /// How many of the automaton's patterns are literal tests.
    pub literal_count: usize,
    /// Regular expressions with a required literal: each runs alone, and only when the
    /// automaton found its literal.
    pub guarded: Vec<Guarded>,
    /// The other regular expressions, run together, and their places in `regex_src`.
    pub residual: Option<(RegexSet, Vec<usize>)>,
    /// Whether a test compares whole entries (equals, starts or ends with).
    pub whole: bool,
    /// The lower-cased literals, in automaton order.
    pub literal_src: Vec<String>,
    /// Whether every literal is ASCII.
    pub ascii_literals: bool,
    /// The regular expressions, in test order.
    pub regex_src: Vec<String>,
}

/// A regular expression that runs only where its required literal is.
#[derive(Debug, Clone)]
pub(crate) struct Guarded {
    /// Its place in `regex_src`.
    pub regex: usize,
    /// Its required literal's pattern in the automaton.
    pub literal: usize,
    /// When every match starts a bounded number of bytes before that literal (the least and
    /// the most): the expression is then tried only there, anchored.
    pub lead: Option<(usize, usize)>,
    /// The expression.
    pub re: meta::Regex,
}

impl FieldIndex {
    /// Builds one field's automaton and regular expressions.
    pub(crate) fn build(
        key: FieldKey,
        literals: Vec<String>,
        regexes: Vec<String>,
        whole: bool,
    ) -> Result<FieldIndex, ValidationError> {
        let bad = |e: String| ValidationError::new("definition", e);
        let mut patterns = literals.clone();
        let mut guarded = Vec::new();
        let mut rest = Vec::new();
        for (i, src) in regexes.iter().enumerate() {
            match crate::prefilter::required(src) {
                Some(lit) => {
                    let config = meta::Config::new()
                        .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                        .onepass_size_limit(Some(REGEX_SIZE_LIMIT))
                        .hybrid_cache_capacity(REGEX_SIZE_LIMIT)
                        .dfa_size_limit(Some(REGEX_SIZE_LIMIT));
                    let re = meta::Builder::new()
                        .configure(config)
                        .build(src)
                        .map_err(|e| bad(e.to_string()))?;
                    guarded.push(Guarded {
                        regex: i,
                        literal: patterns.len(),
                        lead: lit.lead,
                        re,
                    });
                    patterns.push(lit.text);
                }
                None => rest.push(i),
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .prefilter(false)
                    .build(&patterns)
                    .map_err(|e| bad(e.to_string()))?,
            )
        };
        let residual = if rest.is_empty() {
            None
        } else {
            let limit = REGEX_SIZE_LIMIT.saturating_mul(rest.len().min(64));
            let set = RegexSetBuilder::new(rest.iter().filter_map(|i| regexes.get(*i)))
                .size_limit(limit)
                .dfa_size_limit(limit)
                .build()
                .map_err(|e| bad(e.to_string()))?;
            Some((set, rest))
        };
        Ok(FieldIndex {
            key,
            literal_count: literals.len(),
            literals: automaton,
            guarded,
            residual,
            whole,
            ascii_literals: literals.iter().all(|l| l.is_ascii()),
            literal_src: literals,
            regex_src: regexes,
        })
    }
}

/// A compiled workflow.
#[derive(Debug, Clone)]
pub struct Program {
    /// Workflow id.
    pub id: WorkflowId,
    /// Version compiled.
    pub version: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: WorkflowKind,
    /// Department.
    pub department_id: DepartmentId,
    /// Inbound: aliases (empty: all).
    pub alias_ids: Vec<AliasId>,
    /// Alarm: seconds between runs.
    pub interval_secs: u32,
    pub(crate) steps: Vec<CStep>,
    pub(crate) fields: Vec<FieldIndex>,
}

impl Program {
    /// Whether an inbound workflow runs for mail to `alias`.
    pub fn serves(&self, alias: AliasId) -> bool {
        self.alias_ids.is_empty() || self.alias_ids.contains(&alias)
    }
}

#[derive(Default)]
struct FieldBuild {
    literals: Vec<String>,
    regexes: Vec<String>,
    whole: bool,
}

struct Compiler<'a> {
    calendars: &'a HashMap<CalendarId, Arc<OpenHours>>,
    slots: Vec<(FieldKey, FieldBuild)>,
}

/// Compiles a stored workflow. `calendars` holds the department's business calendars; one that
/// is gone makes its condition false (the store refuses to delete a calendar in use).
pub fn compile(
    w: &Workflow,
    calendars: &HashMap<CalendarId, Arc<OpenHours>>,
) -> Result<Program, ValidationError> {
    let mut c = Compiler {
        calendars,
        slots: Vec::new(),
    };
    let steps = c.steps(&w.definition.steps)?;
    let mut fields = Vec::with_capacity(c.slots.len());
    for (key, b) in c.slots {
        fields.push(FieldIndex::build(key, b.literals, b.regexes, b.whole)?);
    }
    Ok(Program {
        id: w.id,
        version: w.version,
        name: w.name.clone(),
        kind: w.kind,
        department_id: w.department_id,
        alias_ids: w.alias_ids.clone(),
        interval_secs: w.interval_secs,
        steps,
        fields,
    })
}

impl Compiler<'_> {
    fn slot(&mut self, key: FieldKey) -> usize {
        if let Some(i) = self.slots.iter().position(|(k, _)| *k == key) {
            return i;
        }
        self.slots.push((key, FieldBuild::default()));
        self.slots.len() - 1
    }

    fn steps(&mut self, steps: &[Step]) -> Result<Vec<CStep>, ValidationError> {
        steps.iter().map(|s| self.step(s)).collect()
    }

    fn step(&mut self, s: &Step) -> Result<CStep, ValidationError> {
        let id = s.id().to_string();
        let action = match s {
            Step::Branch {
                cases, otherwise, ..
            } => {
                let mut out = Vec::with_capacity(cases.len());
                for (i, c) in cases.iter().enumerate() {
                    let label = if c.label.is_empty() {
                        format!("case {}", i + 1)
                    } else {
                        c.label.clone()
                    };
                    out.push(CCase {
                        entry: format!("{id} → {label}"),
                        when: self.condition(&c.when)?,
                        then: self.steps(&c.then)?,
                    });
                }
                return Ok(CStep::Branch {
                    otherwise_entry: format!("{id} → otherwise"),
                    cases: out,
                    otherwise: self.steps(otherwise)?,
                });
            }
            Step::Stop { .. } => return Ok(CStep::Stop { id }),
            Step::SetCategory { category_id, .. } => Action::SetCategory(*category_id),
            Step::SetPriority { priority, .. } => Action::SetPriority(*priority),
            Step::RaisePriority { by, .. } => Action::RaisePriority(*by),
            Step::SetAttribute { name, value, .. } => {
                Action::SetAttribute(name.clone(), value.clone())
            }
            Step::Acknowledge { article_id, .. } => Action::Acknowledge(*article_id),
            Step::AutoReply {
                article_id,
                complete,
                ..
            } => Action::AutoReply {
                article: *article_id,
                complete: *complete,
            },
            Step::Route {
                queue_id,
                user_id,
                group_id,
                department_id,
                ..
            } => Action::Route(match (queue_id, user_id, group_id, department_id) {
                (Some(q), ..) => RouteTo::Queue(*q),
                (_, Some(u), ..) => RouteTo::User(*u),
                (_, _, Some(g), _) => RouteTo::Group(*g),
                (_, _, _, Some(d)) => RouteTo::Department(*d),
                _ => {
                    return Err(ValidationError::new(
                        "definition",
                        format!("step \"{id}\": a route needs a target"),
                    ));
                }
            }),
            Step::Notify {
                to,
                subject,
                text,
                article_id,
                ..
            } => Action::Notify(Notice {
                to: to.clone(),
                subject: subject.clone(),
                text: text.clone(),
                article: *article_id,
            }),
            Step::Review { queue_id, .. } => Action::Review(*queue_id),
        };
        Ok(CStep::Do { id, action })
    }

    fn condition(&mut self, c: &Condition) -> Result<CCond, ValidationError> {
        Ok(match c {
            Condition::All { of } => CCond::All(
                of.iter()
                    .map(|x| self.condition(x))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Any { of } => CCond::Any(
                of.iter()
                    .map(|x| self.condition(x))
                    .collect::<Result<_, _>>()?,
            ),
            Condition::Not { condition } => CCond::Not(Box::new(self.condition(condition)?)),
            Condition::Text {
                field,
                header,
                op,
                value,
            } => {
                let key = match field {
                    TextField::Subject => FieldKey::Subject,
                    TextField::From => FieldKey::From,
                    TextField::To => FieldKey::To,
                    TextField::Cc => FieldKey::Cc,
                    TextField::Body => FieldKey::Body,
                    TextField::Header => FieldKey::Header(header.to_ascii_lowercase()),
                };
                let slot = self.slot(key);
                let b = &mut self.slots[slot].1;
                let test = match op {
                    TextOp::Contains => {
                        b.literals.push(value.to_lowercase());
                        TextTest::Contains(b.literals.len() - 1)
                    }
                    TextOp::Matches => {
                        b.regexes.push(value.clone());
                        TextTest::Matches(b.regexes.len() - 1)
                    }
                    TextOp::Equals => {
                        b.whole = true;
                        TextTest::Equals(value.to_lowercase())
                    }
                    TextOp::StartsWith => {
                        b.whole = true;
                        TextTest::StartsWith(value.to_lowercase())
                    }
                    TextOp::EndsWith => {
                        b.whole = true;
                        TextTest::EndsWith(value.to_lowercase())
                    }
                    TextOp::Exists => TextTest::Exists,
                };
                CCond::Text { slot, test }
            }
            Condition::Attachment { op, value } => {
                CCond::Attachment(*op, value.trim().trim_start_matches('.').to_lowercase())
            }
            Condition::Customer {
                attribute,
                op,
                value,
            } => CCond::Customer(attribute.clone(), *op, value.clone()),
            Condition::Attribute { name, op, value } => {
                CCond::Attribute(name.clone(), *op, value.clone())
            }
            Condition::Case { is } => CCond::Case(*is),
            Condition::Category { category_ids } => CCond::Category(category_ids.clone()),
            Condition::Priority { op, value } => CCond::Priority(*op, *value),
            Condition::Queue { queue_ids } => CCond::Queue(queue_ids.clone()),
            Condition::Channel { channels } => CCond::Channel(channels.clone()),
            Condition::Status { statuses } => CCond::Status(statuses.clone()),
            Condition::BusinessHours { calendar_id, open } => {
                CCond::Open(self.calendars.get(calendar_id).cloned(), *open)
            }
            Condition::Time {
                time_zone,
                days,
                from,
                to,
            } => {
                let tz = calendar::zone("time_zone", time_zone)?;
                let mask = if days.is_empty() {
                    0x7f
                } else {
                    days.iter().fold(0u8, |m, d| m | (1 << d.index()))
                };
                let clock = |v: &Option<String>, default: u16| {
                    v.as_deref()
                        .map(calendar::clock)
                        .transpose()
                        .map(|x| x.unwrap_or(default))
                        .map_err(|m| ValidationError::new("definition", m))
                };
                CCond::Time {
                    tz,
                    days: mask,
                    from: clock(from, 0)?,
                    to: clock(to, 24 * 60)?,
                }
            }
            Condition::Language { languages } => CCond::Language(languages.clone()),
            Condition::Waiting { more_than_secs } => CCond::Waiting(*more_than_secs),
            Condition::ServiceLevel { exceeded } => CCond::ServiceLevel(*exceeded),
            Condition::Agent {
                user_ids,
                group_ids,
            } => CCond::Agent(user_ids.clone(), group_ids.clone()),
        })
    }
}
