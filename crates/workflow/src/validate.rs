//! Checks a workflow when it is saved. An error names the node: the JSON path (for example
//! `definition.steps[1].cases[0].when.of[2].value`) and, in the message, the step's id.
//! References to other objects (queues, articles…) are checked by the store, which can see them.

use std::collections::HashSet;

use switchboard_domain::calendar;
use switchboard_domain::{EmailAddress, ValidationError, template, text};

use crate::model::{
    AttachmentOp, Condition, Definition, NewWorkflow, Step, TextField, TextOp, ValueOp,
    WorkflowKind, WorkflowPatch,
};

/// Most nodes (steps and conditions) in one workflow.
pub const MAX_NODES: usize = 20_000;
/// Deepest nesting of branches and combinators.
pub const MAX_DEPTH: usize = 32;
/// Longest pattern or compared text, in characters.
pub const MAX_PATTERN: usize = 1000;
/// Compiled size limit of one regular expression, in bytes.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Shortest alarm interval.
pub const MIN_INTERVAL: u32 = 5;
/// Default alarm interval.
pub const DEFAULT_INTERVAL: u32 = 60;
/// Most notification recipients.
pub const MAX_RECIPIENTS: usize = 20;
/// Languages the detector knows.
pub const LANGUAGES: [&str; 7] = ["en", "de", "fr", "es", "it", "nl", "pt"];

/// Checks and normalises what an administrator sends, before anything is stored.
pub trait Validate: Sized {
    /// Validates and normalises the input.
    fn validate(self) -> Result<Self, ValidationError>;
}

impl Validate for NewWorkflow {
    fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, text::MAX_NAME)?;
        self.description = text::optional("description", &self.description, text::MAX_TEXT)?;
        self.interval_secs = Some(interval(self.kind, self.interval_secs)?);
        aliases(self.kind, &mut self.alias_ids)?;
        check(self.kind, &self.definition).map_err(|e| e.within("definition"))?;
        Ok(self)
    }
}

/// A patch: validates what can be checked without the stored workflow; [`check_whole`] checks
/// the patched workflow.
impl Validate for WorkflowPatch {
    fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::required("name", n, text::MAX_NAME)?);
        }
        if let Some(d) = &self.description {
            self.description = Some(text::optional("description", d, text::MAX_TEXT)?);
        }
        Ok(self)
    }
}

/// Checks a whole workflow after a patch was applied (the kind decides what is allowed).
pub fn check_whole(w: &mut crate::model::Workflow) -> Result<(), ValidationError> {
    w.interval_secs = interval(w.kind, Some(w.interval_secs).filter(|s| *s > 0))?;
    aliases(w.kind, &mut w.alias_ids)?;
    check(w.kind, &w.definition).map_err(|e| e.within("definition"))
}

fn interval(kind: WorkflowKind, secs: Option<u32>) -> Result<u32, ValidationError> {
    match (kind, secs) {
        (WorkflowKind::Alarm, None) => Ok(DEFAULT_INTERVAL),
        (WorkflowKind::Alarm, Some(s)) if s < MIN_INTERVAL => Err(ValidationError::new(
            "interval_secs",
            format!("must be at least {MIN_INTERVAL} seconds"),
        )),
        (WorkflowKind::Alarm, Some(s)) => Ok(s),
        (_, None | Some(0)) => Ok(0),
        (_, Some(_)) => Err(ValidationError::new(
            "interval_secs",
            "only alarm workflows run on a schedule",
        )),
    }
}

fn aliases(
    kind: WorkflowKind,
    ids: &mut Vec<switchboard_domain::AliasId>,
) -> Result<(), ValidationError> {
    if kind != WorkflowKind::Inbound && !ids.is_empty() {
        return Err(ValidationError::new(
            "alias_ids",
            "only inbound workflows are bound to aliases",
        ));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(())
}

/// Checks a definition for a workflow of `kind`.
pub fn check(kind: WorkflowKind, d: &Definition) -> Result<(), ValidationError> {
    let mut c = Checker {
        kind,
        ids: HashSet::new(),
        nodes: 0,
    };
    c.steps("steps", &d.steps, 0)
}

struct Checker {
    kind: WorkflowKind,
    ids: HashSet<String>,
    nodes: usize,
}

fn at(path: &str, step: &str, msg: impl std::fmt::Display) -> ValidationError {
    ValidationError::new(path, format!("step \"{step}\": {msg}"))
}

impl Checker {
    fn count(&mut self, path: &str, depth: usize) -> Result<(), ValidationError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(ValidationError::new(
                path,
                format!("a workflow has at most {MAX_NODES} steps and conditions"),
            ));
        }
        if depth > MAX_DEPTH {
            return Err(ValidationError::new(
                path,
                format!("nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn steps(&mut self, path: &str, steps: &[Step], depth: usize) -> Result<(), ValidationError> {
        for (i, s) in steps.iter().enumerate() {
            self.step(&format!("{path}[{i}]"), s, depth)?;
        }
        Ok(())
    }

    fn step(&mut self, path: &str, s: &Step, depth: usize) -> Result<(), ValidationError> {
        self.count(path, depth)?;
        let id = s.id().trim();
        if id.is_empty() || id.chars().count() > 64 || id.chars().any(char::is_control) {
            return Err(ValidationError::new(
                format!("{path}.id"),
                "a step needs an id of 1-64 characters",
            ));
        }
        if !self.ids.insert(id.to_string()) {
            return Err(ValidationError::new(
                format!("{path}.id"),
                format!("the id \"{id}\" is used by another step"),
            ));
        }
        if !self.allowed(s) {
            return Err(at(
                &format!("{path}.type"),
                id,
                format!(
                    "a {} step cannot be used in a {} workflow",
                    s.type_name(),
                    self.kind.as_str()
                ),
            ));
        }
        match s {
            Step::Branch {
                cases, otherwise, ..
            } => {
                if cases.is_empty() {
                    return Err(at(
                        &format!("{path}.cases"),
                        id,
                        "a branch needs at least one case",
                    ));
                }
                for (i, c) in cases.iter().enumerate() {
                    let p = format!("{path}.cases[{i}]");
                    if c.label.chars().count() > 200 {
                        return Err(at(&format!("{p}.label"), id, "at most 200 characters"));
                    }
                    self.condition(&format!("{p}.when"), id, &c.when, depth + 1)?;
                    self.steps(&format!("{p}.then"), &c.then, depth + 1)?;
                }
                self.steps(&format!("{path}.otherwise"), otherwise, depth + 1)
            }
            Step::SetPriority { priority, .. } if !(1..=10).contains(priority) => {
                Err(at(&format!("{path}.priority"), id, "a priority is 1 to 10"))
            }
            Step::RaisePriority { by, .. } if !(1..=9).contains(by) => {
                Err(at(&format!("{path}.by"), id, "raise by 1 to 9"))
            }
            Step::SetAttribute { name, value, .. } => {
                text::key(&format!("{path}.name"), name)?;
                scalar(&format!("{path}.value"), id, value)
            }
            Step::Route {
                queue_id,
                user_id,
                group_id,
                department_id,
                ..
            } => {
                let n = usize::from(queue_id.is_some())
                    + usize::from(user_id.is_some())
                    + usize::from(group_id.is_some())
                    + usize::from(department_id.is_some());
                if n != 1 {
                    return Err(at(
                        path,
                        id,
                        "route to exactly one of queue_id, user_id, group_id, department_id",
                    ));
                }
                if department_id.is_some() && self.kind == WorkflowKind::Alarm {
                    return Err(at(
                        &format!("{path}.department_id"),
                        id,
                        "an alarm cannot move work to another department",
                    ));
                }
                Ok(())
            }
            Step::Notify {
                to,
                subject,
                text: body,
                article_id,
                ..
            } => {
                if to.is_empty() || to.len() > MAX_RECIPIENTS {
                    return Err(at(
                        &format!("{path}.to"),
                        id,
                        format!("1 to {MAX_RECIPIENTS} addresses"),
                    ));
                }
                for (i, a) in to.iter().enumerate() {
                    EmailAddress::parse(a).map_err(|m| at(&format!("{path}.to[{i}]"), id, m))?;
                }
                if body.trim().is_empty() && article_id.is_none() {
                    return Err(at(
                        &format!("{path}.text"),
                        id,
                        "give the notification a text or an article",
                    ));
                }
                let p = format!("{path}.subject");
                text::optional(&p, subject, text::MAX_TEXT).map_err(|e| at(&p, id, e.message))?;
                template::check(&p, subject).map_err(|e| at(&p, id, e.message))?;
                let p = format!("{path}.text");
                text::optional(&p, body, 64 * 1024).map_err(|e| at(&p, id, e.message))?;
                template::check(&p, body).map_err(|e| at(&p, id, e.message))
            }
            _ => Ok(()),
        }
    }

    fn allowed(&self, s: &Step) -> bool {
        use WorkflowKind::*;
        match s {
            Step::Branch { .. } | Step::Stop { .. } | Step::Notify { .. } => true,
            Step::SetCategory { .. } | Step::SetAttribute { .. } => true,
            Step::SetPriority { .. } | Step::RaisePriority { .. } => self.kind != Outbound,
            Step::Acknowledge { .. } | Step::AutoReply { .. } => {
                matches!(self.kind, Start | Inbound)
            }
            Step::Route { .. } => self.kind != Outbound,
            Step::Review { .. } => self.kind == Outbound,
        }
    }

    fn condition_allowed(&self, c: &Condition) -> bool {
        use WorkflowKind::*;
        match c {
            Condition::All { .. }
            | Condition::Any { .. }
            | Condition::Not { .. }
            | Condition::Text { .. }
            | Condition::Customer { .. }
            | Condition::Attribute { .. }
            | Condition::Category { .. }
            | Condition::Priority { .. }
            | Condition::Queue { .. }
            | Condition::Channel { .. }
            | Condition::BusinessHours { .. }
            | Condition::Time { .. } => true,
            Condition::Attachment { .. } | Condition::Case { .. } | Condition::Language { .. } => {
                self.kind != Alarm
            }
            Condition::Status { .. }
            | Condition::Waiting { .. }
            | Condition::ServiceLevel { .. } => self.kind == Alarm,
            Condition::Agent { .. } => self.kind == Outbound,
        }
    }

    fn condition(
        &mut self,
        path: &str,
        step: &str,
        c: &Condition,
        depth: usize,
    ) -> Result<(), ValidationError> {
        self.count(path, depth)?;
        if !self.condition_allowed(c) {
            return Err(at(
                &format!("{path}.type"),
                step,
                format!(
                    "a {} condition cannot be used in a {} workflow",
                    c.type_name(),
                    self.kind.as_str()
                ),
            ));
        }
        match c {
            Condition::All { of } | Condition::Any { of } => {
                if of.is_empty() {
                    return Err(at(
                        &format!("{path}.of"),
                        step,
                        "list at least one condition",
                    ));
                }
                for (i, x) in of.iter().enumerate() {
                    self.condition(&format!("{path}.of[{i}]"), step, x, depth + 1)?;
                }
                Ok(())
            }
            Condition::Not { condition } => {
                self.condition(&format!("{path}.condition"), step, condition, depth + 1)
            }
            Condition::Text {
                field,
                header,
                op,
                value,
            } => {
                if *field == TextField::Header {
                    let ok = !header.is_empty()
                        && header.len() <= 100
                        && header.bytes().all(|b| b.is_ascii_graphic() && b != b':');
                    if !ok {
                        return Err(at(
                            &format!("{path}.header"),
                            step,
                            "name the header (printable characters, no colon)",
                        ));
                    }
                } else if !header.is_empty() {
                    return Err(at(
                        &format!("{path}.header"),
                        step,
                        "a header name is only used with field \"header\"",
                    ));
                }
                if self.kind == WorkflowKind::Alarm && *field != TextField::Subject {
                    return Err(at(
                        &format!("{path}.field"),
                        step,
                        "an alarm sees the activity's subject only",
                    ));
                }
                pattern(path, step, *op, value)
            }
            Condition::Attachment { op, value } => match op {
                AttachmentOp::Any | AttachmentOp::None => Ok(()),
                AttachmentOp::Extension | AttachmentOp::ContentType => {
                    if value.trim().is_empty() || value.len() > 200 {
                        Err(at(
                            &format!("{path}.value"),
                            step,
                            "give an extension or a type",
                        ))
                    } else {
                        Ok(())
                    }
                }
            },
            Condition::Customer {
                attribute: name,
                op,
                value,
            }
            | Condition::Attribute { name, op, value } => {
                let field = if matches!(c, Condition::Customer { .. }) {
                    "attribute"
                } else {
                    "name"
                };
                text::key(&format!("{path}.{field}"), name)?;
                match op {
                    ValueOp::Exists => Ok(()),
                    ValueOp::AtLeast | ValueOp::AtMost if !value.is_number() => {
                        Err(at(&format!("{path}.value"), step, "compare with a number"))
                    }
                    _ => scalar(&format!("{path}.value"), step, value),
                }
            }
            Condition::Priority { value, .. } if !(1..=10).contains(value) => {
                Err(at(&format!("{path}.value"), step, "a priority is 1 to 10"))
            }
            Condition::Queue { queue_ids } if queue_ids.is_empty() => Err(at(
                &format!("{path}.queue_ids"),
                step,
                "list at least one queue",
            )),
            Condition::Channel { channels } if channels.is_empty() => Err(at(
                &format!("{path}.channels"),
                step,
                "list at least one channel",
            )),
            Condition::Status { statuses } if statuses.is_empty() => Err(at(
                &format!("{path}.statuses"),
                step,
                "list at least one status",
            )),
            Condition::Time {
                time_zone,
                from,
                to,
                ..
            } => {
                calendar::zone(&format!("{path}.time_zone"), time_zone)
                    .map_err(|e| at(&e.field, step, e.message))?;
                for (f, v) in [("from", from), ("to", to)] {
                    if let Some(v) = v {
                        calendar::clock(v).map_err(|m| at(&format!("{path}.{f}"), step, m))?;
                    }
                }
                Ok(())
            }
            Condition::Language { languages } => {
                if languages.is_empty() {
                    return Err(at(
                        &format!("{path}.languages"),
                        step,
                        "list at least one language",
                    ));
                }
                for (i, l) in languages.iter().enumerate() {
                    if !LANGUAGES.contains(&l.as_str()) {
                        return Err(at(
                            &format!("{path}.languages[{i}]"),
                            step,
                            format!("unknown language {l:?}; known: {}", LANGUAGES.join(", ")),
                        ));
                    }
                }
                Ok(())
            }
            Condition::Waiting { more_than_secs } if *more_than_secs == 0 => Err(at(
                &format!("{path}.more_than_secs"),
                step,
                "must be more than 0",
            )),
            Condition::Agent {
                user_ids,
                group_ids,
            } if user_ids.is_empty() && group_ids.is_empty() => {
                Err(at(path, step, "list users or groups"))
            }
            _ => Ok(()),
        }
    }
}

fn pattern(path: &str, step: &str, op: TextOp, value: &str) -> Result<(), ValidationError> {
    let p = format!("{path}.value");
    if op == TextOp::Exists {
        return if value.is_empty() {
            Ok(())
        } else {
            Err(at(&p, step, "\"exists\" takes no value"))
        };
    }
    if value.is_empty() {
        return Err(at(&p, step, "give a value to look for"));
    }
    if value.chars().count() > MAX_PATTERN {
        return Err(at(&p, step, format!("at most {MAX_PATTERN} characters")));
    }
    if op == TextOp::Matches {
        regex::RegexBuilder::new(value)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                at(
                    &p,
                    step,
                    format!(
                        "the regular expression does not compile: {}",
                        first_line(&e.to_string())
                    ),
                )
            })?;
    }
    Ok(())
}

fn first_line(s: &str) -> String {
    s.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

fn scalar(path: &str, step: &str, v: &serde_json::Value) -> Result<(), ValidationError> {
    match v {
        serde_json::Value::String(s) if s.chars().count() <= MAX_PATTERN => Ok(()),
        serde_json::Value::Bool(_) | serde_json::Value::Number(_) => Ok(()),
        serde_json::Value::String(_) => {
            Err(at(path, step, format!("at most {MAX_PATTERN} characters")))
        }
        _ => Err(at(path, step, "a value is text, a number or true/false")),
    }
}
