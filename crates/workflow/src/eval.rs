//! Runs compiled workflows over facts: the effects to apply and, per workflow, the path taken.
//! Later steps see what earlier ones changed (a branch on the category a previous step set).

use std::collections::BTreeMap;

use regex_automata::{Anchored, Input};
use serde_json::Value;
use switchboard_domain::{ArticleId, CategoryId, QueueId, calendar};

use crate::compile::{
    Action, CCond, CStep, FieldIndex, FieldKey, Notice, Program, RouteTo, TextTest,
};
use crate::facts::{ActivityFacts, Facts, MAX_BODY_SCANNED, Message};
use crate::lang;
use crate::model::{AttachmentOp, CaseState, Compare, ValueOp};
use crate::scanner::{Place, Scanner};

/// What the runs decided.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// New category.
    pub category: Option<CategoryId>,
    /// New priority.
    pub priority: Option<u8>,
    /// Custom attributes set.
    pub attributes: BTreeMap<String, Value>,
    /// Acknowledge, with this article or (inner `None`) the default one.
    pub acknowledge: Option<Option<ArticleId>>,
    /// Answer with an article; complete or not.
    pub auto_reply: Option<(ArticleId, bool)>,
    /// Where to send the activity (the last route taken).
    pub route: Option<RouteTo>,
    /// Notifications.
    pub notify: Vec<Notice>,
    /// Hold the reply for review, in this queue or the linked one.
    pub review: Option<Option<QueueId>>,
}

impl Effects {
    /// Whether nothing is to change.
    pub fn is_empty(&self) -> bool {
        *self == Effects::default()
    }
}

/// One workflow's run, for the activity's event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// The workflow.
    pub workflow: switchboard_domain::WorkflowId,
    /// Its version.
    pub version: i64,
    /// Its name.
    pub name: String,
    /// Step ids in the order they ran; a branch as `id → label` (or `id → otherwise`).
    pub path: Vec<String>,
    /// Whether it ended with `stop`.
    pub stopped: bool,
}

/// The result of running a sequence of workflows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The effects.
    pub effects: Effects,
    /// Each workflow that ran.
    pub runs: Vec<Ran>,
    /// The activity as the last step left it.
    pub activity: Option<ActivityFacts>,
}

/// Per-run caches: each field scanned once per program (once for all with a scanner), the
/// language detected once.
struct Scan<'m, 's> {
    message: Option<&'m Message>,
    language: Option<Option<&'static str>>,
    scanner: Option<&'s Scanner>,
    merged: Vec<Option<Hits>>,
}

/// What one field's scan found.
struct Hits {
    /// Lower-cased entries (one for single-valued fields).
    lower: Vec<String>,
    present: bool,
    literals: Vec<bool>,
    regexes: Vec<bool>,
}

struct Exec<'a, 'm, 's> {
    program: &'a Program,
    facts: &'a Facts<'m>,
    scan: &'a mut Scan<'m, 's>,
    hits: Vec<Option<Hits>>,
    places: Option<&'s [Place]>,
    activity: &'a mut ActivityFacts,
    effects: &'a mut Effects,
    path: Vec<String>,
}

/// Runs `programs` in order over `facts`; a `stop` ends the whole sequence.
pub fn run<'a>(programs: impl IntoIterator<Item = &'a Program>, facts: &Facts<'_>) -> Outcome {
    run_with(programs, None, facts)
}

/// [`run`], reading each field once for all programs that `scanner` merged.
pub fn run_with<'a>(
    programs: impl IntoIterator<Item = &'a Program>,
    scanner: Option<&Scanner>,
    facts: &Facts<'_>,
) -> Outcome {
    let mut activity = facts.activity.clone();
    let mut effects = Effects::default();
    let mut runs = Vec::new();
    let mut scan = Scan {
        message: facts.message,
        language: None,
        scanner,
        merged: (0..scanner.map_or(0, |s| s.fields.len()))
            .map(|_| None)
            .collect(),
    };
    for p in programs {
        let (path, stopped) = {
            let places = scanner.and_then(|s| s.places(p));
            let mut ex = Exec {
                program: p,
                facts,
                scan: &mut scan,
                places,
                hits: if places.is_some() {
                    Vec::new()
                } else {
                    (0..p.fields.len()).map(|_| None).collect()
                },
                activity: &mut activity,
                effects: &mut effects,
                path: Vec::new(),
            };
            let stopped = ex.steps(&p.steps);
            (ex.path, stopped)
        };
        runs.push(Ran {
            workflow: p.id,
            version: p.version,
            name: p.name.clone(),
            path,
            stopped,
        });
        if stopped {
            break;
        }
    }
    Outcome {
        effects,
        runs,
        activity: Some(activity),
    }
}

impl Exec<'_, '_, '_> {
    /// Runs steps; true when a `stop` ran.
    fn steps(&mut self, steps: &[CStep]) -> bool {
        for s in steps {
            match s {
                CStep::Stop { id } => {
                    self.path.push(id.clone());
                    return true;
                }
                CStep::Do { id, action } => {
                    self.path.push(id.clone());
                    self.act(action);
                }
                CStep::Branch {
                    otherwise_entry,
                    cases,
                    otherwise,
                } => {
                    // A branch where no case holds and nothing is to be done otherwise leaves
                    // no entry: a run of hundreds of rules records the ones that fired.
                    let then = match cases.iter().find(|c| self.holds(&c.when)) {
                        Some(c) => {
                            self.path.push(c.entry.clone());
                            &c.then
                        }
                        None if otherwise.is_empty() => continue,
                        None => {
                            self.path.push(otherwise_entry.clone());
                            otherwise
                        }
                    };
                    if self.steps(then) {
                        return true;
                    }
                }
            }
        }
        false
    }

    fn act(&mut self, a: &Action) {
        let e = &mut *self.effects;
        match a {
            Action::SetCategory(c) => {
                e.category = Some(*c);
                self.activity.category = Some(*c);
            }
            Action::SetPriority(p) => {
                e.priority = Some(*p);
                self.activity.priority = *p;
            }
            Action::RaisePriority(by) => {
                let p = self.activity.priority.saturating_add(*by).min(10);
                e.priority = Some(p);
                self.activity.priority = p;
            }
            Action::SetAttribute(k, v) => {
                e.attributes.insert(k.clone(), v.clone());
                self.activity.attributes.insert(k.clone(), v.clone());
            }
            Action::Acknowledge(article) => {
                if e.acknowledge.is_none() {
                    e.acknowledge = Some(*article);
                }
            }
            Action::AutoReply { article, complete } => {
                if e.auto_reply.is_none() {
                    e.auto_reply = Some((*article, *complete));
                }
            }
            Action::Route(to) => {
                e.route = Some(*to);
                if let RouteTo::Queue(q) = to {
                    self.activity.queue = Some(*q);
                }
            }
            Action::Notify(n) => e.notify.push(n.clone()),
            Action::Review(q) => e.review = Some(*q),
        }
    }

    fn holds(&mut self, c: &CCond) -> bool {
        match c {
            CCond::All(of) => of.iter().all(|x| self.holds(x)),
            CCond::Any(of) => of.iter().any(|x| self.holds(x)),
            CCond::Not(x) => !self.holds(x),
            CCond::Text { slot, test } => self.text(*slot, test),
            CCond::Attachment(op, v) => {
                let list = self
                    .scan
                    .message
                    .map(|m| m.attachments.as_slice())
                    .unwrap_or_default();
                match op {
                    AttachmentOp::Any => !list.is_empty(),
                    AttachmentOp::None => list.is_empty(),
                    AttachmentOp::Extension => list.iter().any(|a| {
                        a.name
                            .rsplit_once('.')
                            .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case(v))
                    }),
                    AttachmentOp::ContentType => list
                        .iter()
                        .any(|a| a.content_type.to_ascii_lowercase().starts_with(v.as_str())),
                }
            }
            CCond::Customer(k, op, v) => value_test(self.facts.customer.get(k), *op, v),
            CCond::Attribute(k, op, v) => value_test(self.activity.attributes.get(k), *op, v),
            CCond::Case(s) => match s {
                CaseState::New => self.facts.new_case,
                CaseState::Reply => !self.facts.new_case,
            },
            CCond::Category(list) => match self.activity.category {
                Some(c) => list.contains(&c),
                None => list.is_empty(),
            },
            CCond::Priority(op, v) => {
                compare(u64::from(self.activity.priority), *op, u64::from(*v))
            }
            CCond::Queue(list) => self.activity.queue.is_some_and(|q| list.contains(&q)),
            CCond::Channel(list) => list.contains(&self.activity.channel),
            CCond::Status(list) => list.contains(&self.activity.status),
            CCond::Open(hours, open) => match hours {
                Some(h) => h.is_open(self.facts.now) == *open,
                None => false,
            },
            CCond::Time { tz, days, from, to } => {
                let Some(t) = calendar::local(tz, self.facts.now) else {
                    return false;
                };
                if days & (1 << t.weekday) == 0 {
                    return false;
                }
                if from <= to {
                    (*from..*to).contains(&t.minute)
                } else {
                    t.minute >= *from || t.minute < *to
                }
            }
            CCond::Language(list) => {
                let message = self.scan.message;
                let detected = *self.scan.language.get_or_insert_with(|| {
                    message.and_then(|m| lang::detect(&format!("{}\n{}", m.subject, m.body)))
                });
                detected.is_some_and(|l| list.iter().any(|x| x == l))
            }
            CCond::Waiting(secs) => self.activity.waiting_secs.is_some_and(|w| w > *secs),
            CCond::ServiceLevel(exceeded) => {
                match (self.activity.waiting_secs, self.activity.service_level_secs) {
                    (Some(w), Some(sl)) if sl > 0 => (w > sl) == *exceeded,
                    _ => !*exceeded,
                }
            }
            CCond::Agent(users, groups) => self.facts.agent.is_some_and(|a| {
                a.user.is_some_and(|u| users.contains(&u))
                    || a.groups.iter().any(|g| groups.contains(g))
            }),
        }
    }

    fn text(&mut self, slot: usize, test: &TextTest) -> bool {
        let (h, lit, re) = match self.places.and_then(|p| p.get(slot)).copied() {
            Some(place) => {
                let Some(index) = self.scan.scanner.and_then(|s| s.fields.get(place.field)) else {
                    return false;
                };
                if self
                    .scan
                    .merged
                    .get(place.field)
                    .is_some_and(Option::is_none)
                {
                    let h = scan_field(index, self.scan.message, &self.activity.subject);
                    self.scan.merged[place.field] = Some(h);
                }
                match self.scan.merged.get(place.field) {
                    Some(Some(h)) => (h, place.literal, place.regex),
                    _ => return false,
                }
            }
            None => {
                let Some(index) = self.program.fields.get(slot) else {
                    return false;
                };
                if self.hits[slot].is_none() {
                    let h = scan_field(index, self.scan.message, &self.activity.subject);
                    self.hits[slot] = Some(h);
                }
                match self.hits[slot].as_ref() {
                    Some(h) => (h, 0, 0),
                    None => return false,
                }
            }
        };
        match test {
            TextTest::Exists => h.present,
            TextTest::Contains(i) => h.literals.get(lit + *i).copied().unwrap_or(false),
            TextTest::Matches(i) => h.regexes.get(re + *i).copied().unwrap_or(false),
            TextTest::Equals(v) => h.lower.iter().any(|e| e.trim() == v),
            TextTest::StartsWith(v) => h
                .lower
                .iter()
                .any(|e| e.trim_start().starts_with(v.as_str())),
            TextTest::EndsWith(v) => h.lower.iter().any(|e| e.trim_end().ends_with(v.as_str())),
        }
    }
}

/// Most places a leading literal is tried at, per expression and field; beyond, the expression
/// searches the whole field.
const MAX_ANCHORED_TRIES: usize = 512;

/// Reads one field and runs its automaton and regular expressions over it.
fn scan_field(f: &FieldIndex, message: Option<&Message>, subject: &str) -> Hits {
    let entries: Vec<&str> = match (message, &f.key) {
        (Some(m), FieldKey::Subject) => vec![m.subject.as_str()],
        (None, FieldKey::Subject) => vec![subject],
        (Some(m), FieldKey::From) => m.from.iter().map(String::as_str).collect(),
        (Some(m), FieldKey::To) => m.to.iter().map(String::as_str).collect(),
        (Some(m), FieldKey::Cc) => m.cc.iter().map(String::as_str).collect(),
        (Some(m), FieldKey::Body) => vec![bounded(&m.body)],
        (Some(m), FieldKey::Header(name)) => m
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect(),
        (None, _) => vec![],
    };
    let present = entries.iter().any(|e| !e.trim().is_empty());
    let joined: std::borrow::Cow<'_, str> = match entries.as_slice() {
        [one] => std::borrow::Cow::Borrowed(one),
        many => std::borrow::Cow::Owned(many.join("\n")),
    };
    let mut found = vec![false; f.literal_count + f.guarded.len()];
    // Where the literals of guards that lead their expression's matches start, per guard (in
    // `joined`); `None` once there are too many, or when the text was lower-cased.
    let mut starts: Vec<Option<Vec<usize>>> = Vec::new();
    if let Some(ac) = &f.literals {
        let lowered;
        // ASCII literals match case-insensitively on the text as it is; only a non-ASCII
        // literal needs the text lower-cased first (required literals are ASCII).
        let as_is = f.ascii_literals || joined.is_ascii();
        let hay = if as_is {
            starts = f
                .guarded
                .iter()
                .map(|g| g.lead.map(|_| Vec::new()))
                .collect();
            joined.as_ref()
        } else {
            lowered = joined.to_lowercase();
            lowered.as_str()
        };
        for m in ac.find_overlapping_iter(hay) {
            let i = m.pattern().as_usize();
            if let Some(x) = found.get_mut(i) {
                *x = true;
            }
            if let Some(slot) = i
                .checked_sub(f.literal_count)
                .and_then(|g| starts.get_mut(g))
            {
                match slot {
                    Some(list) if list.len() < MAX_ANCHORED_TRIES => list.push(m.start()),
                    _ => *slot = None,
                }
            }
        }
    }
    let mut regexes = vec![false; f.regex_src.len()];
    for (k, g) in f.guarded.iter().enumerate() {
        if found.get(g.literal).copied().unwrap_or(false)
            && let Some(x) = regexes.get_mut(g.regex)
        {
            *x = match (starts.get(k), g.lead) {
                // Every match starts a few bytes before the literal: try only there.
                (Some(Some(list)), Some((min, max))) => list.iter().any(|&at| {
                    (at.saturating_sub(max)..=at.saturating_sub(min))
                        .filter(|&from| at >= min && joined.is_char_boundary(from))
                        .any(|from| {
                            let input = Input::new(&*joined)
                                .span(from..joined.len())
                                .anchored(Anchored::Yes);
                            g.re.is_match(input)
                        })
                }),
                _ => g.re.is_match(&*joined),
            };
        }
    }
    if let Some((set, places)) = &f.residual {
        for i in set.matches(&joined).iter() {
            if let Some(x) = places.get(i).and_then(|p| regexes.get_mut(*p)) {
                *x = true;
            }
        }
    }
    found.truncate(f.literal_count);
    let literals = found;
    Hits {
        lower: if f.whole {
            entries.iter().map(|e| e.to_lowercase()).collect()
        } else {
            Vec::new()
        },
        present,
        literals,
        regexes,
    }
}

/// At most [`MAX_BODY_SCANNED`] bytes of `s`, cut at a character boundary.
fn bounded(s: &str) -> &str {
    if s.len() <= MAX_BODY_SCANNED {
        return s;
    }
    let mut end = MAX_BODY_SCANNED;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn compare(a: u64, op: Compare, b: u64) -> bool {
    match op {
        Compare::AtLeast => a >= b,
        Compare::AtMost => a <= b,
        Compare::Equals => a == b,
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn value_test(have: Option<&Value>, op: ValueOp, want: &Value) -> bool {
    let Some(have) = have.filter(|v| !v.is_null()) else {
        return false;
    };
    match op {
        ValueOp::Exists => true,
        ValueOp::Equals => match (have.as_f64(), want.as_f64()) {
            (Some(a), Some(b)) => a == b,
            _ => as_text(have).is_some_and(|h| Some(h) == as_text(want)),
        },
        ValueOp::Contains => match (as_text(have), as_text(want)) {
            (Some(h), Some(w)) => h.contains(&w),
            _ => false,
        },
        ValueOp::AtLeast | ValueOp::AtMost => {
            let a = have
                .as_f64()
                .or_else(|| have.as_str().and_then(|s| s.trim().parse().ok()));
            match (a, want.as_f64()) {
                (Some(a), Some(b)) if op == ValueOp::AtLeast => a >= b,
                (Some(a), Some(b)) => a <= b,
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{MAX_ANCHORED_TRIES, scan_field};
    use crate::compile::{FieldIndex, FieldKey};

    const PATTERNS: &[&str] = &[
        r"(?i)\border\s*(no\.?|number|#)\s*\d{4}",
        r"(?i)^(re|fwd?):.*refund",
        r"Invoice-\d+",
        r"(?i)kilo\w*",
        r"\d{3}",
        r"(?i)stra(ß|ss)e",
        r"ab|cd",
        r"(?i)^refund\b",
        r"(?i)\brefund\s*\d{3}$",
        r"ORDER\d",
        r"(?i)\bstock\b",
        r"(?i)discount\s*\d",
        r"é?refund",
    ];

    /// A leading literal seen more often than it is tried at: the expression then searches
    /// the whole text, and still finds a match after the many occurrences.
    #[test]
    fn a_leading_literal_seen_very_often_still_finds_the_match() {
        let text = format!(
            "{}order no. 1234",
            "order x ".repeat(MAX_ANCHORED_TRIES + 10)
        );
        let f = FieldIndex::build(
            FieldKey::Subject,
            vec![],
            vec![r"(?i)\border\s*(no\.?|number|#)\s*\d{4}".to_string()],
            false,
        )
        .unwrap();
        assert_eq!(f.guarded[0].lead, Some((0, 0)));
        assert!(scan_field(&f, None, &text).regexes[0]);
        let few = "order x order no. 1234 order";
        assert!(scan_field(&f, None, few).regexes[0]);
        assert!(!scan_field(&f, None, "order x order no. 12").regexes[0]);
    }

    proptest! {
        /// Guarded expressions (run only where their literal is) say what each expression run
        /// alone says, on text with mixed case, digits and non-ASCII letters.
        #[test]
        fn guarded_expressions_agree_with_each_one_run_alone(
            words in proptest::collection::vec(
                prop_oneof![
                    Just("ORDER"), Just("order"), Just("no."), Just("#"), Just("1234"), Just("Re:"),
                    Just("FWD:"), Just("Refund"), Just("Invoice-77"), Just("invoice-77"),
                    Just("\u{212A}ilo"), Just("Kilogram"), Just("Straße"), Just("STRASSE"),
                    Just("ab"), Just("é"), Just(" "), Just("\n"), Just("123"), Just("ORDER7"),
                    Just("ſtock"), Just("Stock"), Just("diſcount"), Just("DISCOUNT"), Just("érefund"),
                ],
                0..12,
            ),
            literal in prop_oneof![Just("straße"), Just("order")],
        ) {
            let text: String = words.concat();
            let regexes: Vec<String> = PATTERNS.iter().map(|p| p.to_string()).collect();
            let f = FieldIndex::build(FieldKey::Subject, vec![literal.to_string()], regexes, false)
                .unwrap();
            let hits = scan_field(&f, None, &text);
            for (i, p) in PATTERNS.iter().enumerate() {
                let alone = regex::Regex::new(p).unwrap().is_match(&text);
                prop_assert_eq!(hits.regexes[i], alone, "{} on {:?}", p, text);
            }
            prop_assert_eq!(hits.literals.len(), 1);
        }
    }
}
