//! Queues: where activities wait, and how the router picks agents for them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::{DepartmentId, QueueId, UserGroupId};
use crate::text::{self, MAX_NAME, MAX_TEXT};
use crate::time::Timestamp;

/// Most steps a precision queue may have.
pub const MAX_STEPS: usize = 20;
/// Longest precision step expression, in characters.
pub const MAX_EXPRESSION: usize = 500;

/// What a queue is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueueKind {
    /// Ordinary work.
    Standard,
    /// The department's exception queue: work that could not be routed, waited too long or could
    /// not be parsed. Exactly one per department, created with it.
    Exception,
    /// Replies waiting for a reviewer.
    Review,
}

impl QueueKind {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueKind::Standard => "standard",
            QueueKind::Exception => "exception",
            QueueKind::Review => "review",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<QueueKind> {
        [QueueKind::Standard, QueueKind::Exception, QueueKind::Review]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How the router finds agents for a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum QueueRouting {
    /// Nobody is offered work automatically; agents pull it.
    Manual,
    /// Members of a user group (skill group).
    UserGroup {
        /// The group.
        user_group_id: UserGroupId,
    },
    /// Precision queue: ordered steps that widen over time.
    Precision {
        /// The steps, narrowest first.
        steps: Vec<PrecisionStep>,
    },
}

/// One step of a precision queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrecisionStep {
    /// An expression over agent attributes, e.g. `language_es AND billing >= 7`.
    pub expression: String,
    /// Seconds to wait at this step before the next, wider one applies.
    pub wait_secs: u32,
}

/// In what order eligible agents are considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentOrder {
    /// The agent who has been available longest first.
    LongestAvailable,
    /// The most proficient first.
    MostSkilled,
    /// The least proficient first (keeps experts free).
    LeastSkilled,
}

/// A queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Queue {
    /// Id.
    pub id: QueueId,
    /// Department.
    pub department_id: DepartmentId,
    /// Name, unique in the department.
    pub name: String,
    /// Description.
    pub description: String,
    /// Kind.
    pub kind: QueueKind,
    /// How agents are found.
    pub routing: QueueRouting,
    /// Agent order.
    pub agent_order: AgentOrder,
    /// Service level threshold in seconds.
    pub service_level_secs: u32,
    /// Queue priority, 1 (lowest) to 10 (highest).
    pub priority: u8,
    /// Whether it takes new work.
    pub active: bool,
    /// The review queue where replies of reviewed agents working from this queue wait.
    #[schema(value_type = Option<i64>)]
    pub review_queue_id: Option<QueueId>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

fn default_order() -> AgentOrder {
    AgentOrder::LongestAvailable
}
fn default_sl() -> u32 {
    3600
}
fn default_priority() -> u8 {
    5
}
fn default_true() -> bool {
    true
}
fn default_routing() -> QueueRouting {
    QueueRouting::Manual
}

/// Input to create a queue. Exception queues are created with their department, never by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQueue {
    /// Department.
    pub department_id: DepartmentId,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// `standard` (default) or `review`.
    #[serde(default = "default_kind")]
    pub kind: QueueKind,
    /// Routing; `manual` when absent.
    #[serde(default = "default_routing")]
    pub routing: QueueRouting,
    /// Agent order; longest available when absent.
    #[serde(default = "default_order")]
    pub agent_order: AgentOrder,
    /// Service level threshold in seconds (default 3600).
    #[serde(default = "default_sl")]
    pub service_level_secs: u32,
    /// Priority 1–10 (default 5).
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// Active (default true).
    #[serde(default = "default_true")]
    pub active: bool,
    /// The review queue for replies of reviewed agents working from this queue.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    pub review_queue_id: Option<QueueId>,
}

fn default_kind() -> QueueKind {
    QueueKind::Standard
}

impl NewQueue {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::required("name", &self.name, MAX_NAME)?;
        self.description = text::optional("description", &self.description, MAX_TEXT)?;
        if self.kind == QueueKind::Exception {
            return Err(ValidationError::new(
                "kind",
                "exception queues are created with their department",
            ));
        }
        validate_routing(&self.routing)?;
        validate_priority(self.priority)?;
        if self.kind == QueueKind::Review && self.review_queue_id.is_some() {
            return Err(ValidationError::new(
                "review_queue_id",
                "a review queue has no review queue of its own",
            ));
        }
        Ok(self)
    }
}

/// A partial update of a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueuePatch {
    /// The version the client last read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New routing.
    pub routing: Option<QueueRouting>,
    /// New agent order.
    pub agent_order: Option<AgentOrder>,
    /// New service level threshold.
    pub service_level_secs: Option<u32>,
    /// New priority.
    pub priority: Option<u8>,
    /// Enable or disable.
    pub active: Option<bool>,
    /// New review queue; `null` unlinks it.
    #[serde(default, deserialize_with = "text::nullable")]
    #[schema(value_type = Option<i64>)]
    pub review_queue_id: Option<Option<QueueId>>,
}

impl QueuePatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::required("name", n, MAX_NAME)?);
        }
        if let Some(d) = &self.description {
            self.description = Some(text::optional("description", d, MAX_TEXT)?);
        }
        if let Some(r) = &self.routing {
            validate_routing(r)?;
        }
        if let Some(p) = self.priority {
            validate_priority(p)?;
        }
        Ok(self)
    }

    /// Applies the patch to a queue read from the store.
    pub fn apply(&self, q: &mut Queue) {
        if let Some(n) = &self.name {
            q.name.clone_from(n);
        }
        if let Some(d) = &self.description {
            q.description.clone_from(d);
        }
        if let Some(r) = &self.routing {
            q.routing = r.clone();
        }
        if let Some(o) = self.agent_order {
            q.agent_order = o;
        }
        if let Some(s) = self.service_level_secs {
            q.service_level_secs = s;
        }
        if let Some(p) = self.priority {
            q.priority = p;
        }
        if let Some(a) = self.active {
            q.active = a;
        }
        if let Some(r) = self.review_queue_id {
            q.review_queue_id = r;
        }
    }
}

fn validate_priority(p: u8) -> Result<(), ValidationError> {
    if (1..=10).contains(&p) {
        Ok(())
    } else {
        Err(ValidationError::new("priority", "must be 1 to 10"))
    }
}

fn validate_routing(r: &QueueRouting) -> Result<(), ValidationError> {
    let QueueRouting::Precision { steps } = r else {
        return Ok(());
    };
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err(ValidationError::new(
            "routing.steps",
            format!("a precision queue needs 1 to {MAX_STEPS} steps"),
        ));
    }
    for (i, s) in steps.iter().enumerate() {
        let field = format!("routing.steps[{i}].expression");
        let e = text::required(&field, &s.expression, MAX_EXPRESSION)?;
        if let Err(why) = crate::expression::Expression::parse(&e) {
            return Err(ValidationError::new(
                field,
                format!(
                    "must be an expression over agent attributes like `language_es AND billing >= 7`: {why}"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(routing: QueueRouting) -> NewQueue {
        NewQueue {
            department_id: DepartmentId(1),
            name: "Billing".into(),
            description: String::new(),
            kind: QueueKind::Standard,
            routing,
            agent_order: AgentOrder::LongestAvailable,
            service_level_secs: 60,
            priority: 5,
            active: true,
            review_queue_id: None,
        }
    }

    #[test]
    fn precision_steps_are_checked() {
        let ok = queue(QueueRouting::Precision {
            steps: vec![PrecisionStep {
                expression: "language_es AND billing >= 7".into(),
                wait_secs: 30,
            }],
        });
        assert!(ok.validate().is_ok());
        let bad = queue(QueueRouting::Precision {
            steps: vec![
                PrecisionStep {
                    expression: "billing".into(),
                    wait_secs: 30,
                },
                PrecisionStep {
                    expression: "(billing".into(),
                    wait_secs: 30,
                },
            ],
        });
        assert_eq!(
            bad.validate().map_err(|e| e.field),
            Err("routing.steps[1].expression".to_string())
        );
        assert!(
            queue(QueueRouting::Precision { steps: vec![] })
                .validate()
                .is_err()
        );
    }

    #[test]
    fn exception_queues_are_not_made_by_hand() {
        let mut q = queue(QueueRouting::Manual);
        q.kind = QueueKind::Exception;
        assert_eq!(q.validate().map_err(|e| e.field), Err("kind".to_string()));
    }
}
