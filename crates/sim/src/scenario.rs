//! A simulation scenario (TOML): queues with their arrivals and handling times, agent pools
//! with skills, capacities and shifts. It becomes the router's configuration.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use serde::Deserialize;
use switchboard_domain::user::{AgentAttribute, default_capacity};
use switchboard_domain::{
    AgentOrder, ChannelKind, ChannelSettings, DepartmentId, Expression, PrecisionStep, QueueId,
    QueueKind, QueueRouting, UserGroupId, UserId,
};
use switchboard_routing::{AgentRules, Config, DepartmentRules, QueueRules};

/// The department every simulated queue and agent belongs to.
pub const DEPT: DepartmentId = DepartmentId(1);
/// The simulated exception queue.
pub const EXCEPTION: QueueId = QueueId(1_000_000);

/// A whole scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Hours of arrivals (work in hand is finished after).
    #[serde(default = "default_hours")]
    pub hours: f64,
    /// Seed of the random arrivals and handling times: the same seed gives the same run.
    #[serde(default)]
    pub seed: u64,
    /// Channels whose work is assigned without an offer.
    #[serde(default)]
    pub auto_accept: Vec<ChannelKind>,
    /// Channel settings (start time-out, max time in queue, …); others keep the defaults.
    #[serde(default)]
    pub channels: BTreeMap<ChannelKind, ChannelSettings>,
    /// Queues.
    pub queues: Vec<QueueSpec>,
    /// Agent pools.
    pub agents: Vec<AgentSpec>,
}

fn default_hours() -> f64 {
    8.0
}

/// A queue and the work arriving to it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Name (shown in the report).
    pub name: String,
    /// The channel of its work.
    pub channel: ChannelKind,
    /// Skill group: the agent pools naming this group serve it.
    #[serde(default)]
    pub group: Option<String>,
    /// Precision steps instead of a group.
    #[serde(default)]
    pub steps: Vec<PrecisionStep>,
    /// Which eligible agent first.
    #[serde(default = "default_order")]
    pub order: AgentOrder,
    /// 1 (lowest) to 10.
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// Mean arrivals per hour (a Poisson process).
    pub arrivals_per_hour: f64,
    /// Handling time.
    pub handle: Dist,
    /// Seconds a customer waits before giving up (0: never).
    #[serde(default)]
    pub patience_secs: u32,
    /// Service level threshold in seconds.
    #[serde(default = "default_sl")]
    pub service_level_secs: u32,
}

fn default_order() -> AgentOrder {
    AgentOrder::LongestAvailable
}

fn default_priority() -> u8 {
    5
}

fn default_sl() -> u32 {
    60
}

/// A distribution of seconds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    /// Always the same.
    Fixed {
        /// Seconds.
        secs: f64,
    },
    /// Exponential with this mean.
    Exponential {
        /// Mean seconds.
        mean_secs: f64,
    },
    /// Log-normal with this mean and standard deviation (long right tail, like real handling
    /// times).
    Lognormal {
        /// Mean seconds.
        mean_secs: f64,
        /// Standard deviation in seconds.
        sd_secs: f64,
    },
    /// Uniform between two bounds.
    Uniform {
        /// Least seconds.
        min_secs: f64,
        /// Most seconds.
        max_secs: f64,
    },
}

/// A pool of identical agents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    /// Name (shown in the report).
    pub name: String,
    /// How many.
    pub count: u32,
    /// Skill groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Attributes for precision queues.
    #[serde(default)]
    pub attributes: BTreeMap<String, AgentAttribute>,
    /// Activities per channel at once.
    #[serde(default = "default_capacity")]
    pub capacity: BTreeMap<ChannelKind, u8>,
    /// Hour the shift starts (from the start of the run).
    #[serde(default)]
    pub shift_start_hour: f64,
    /// Hour the shift ends; absent: the end of the arrivals.
    #[serde(default)]
    pub shift_end_hour: Option<f64>,
    /// Seconds an agent takes to accept an offer.
    #[serde(default = "default_accept")]
    pub accept_secs: f64,
    /// Breaks during the shift (none when absent).
    #[serde(default)]
    pub breaks: Option<Breaks>,
}

/// Regular breaks: every `every_hours` from the shift's start, not ready ("Break") for
/// `minutes` (work in hand goes on; no new work is offered).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Breaks {
    /// Hours from the shift's start to the first break, and between breaks.
    pub every_hours: f64,
    /// Minutes each break lasts.
    pub minutes: f64,
}

fn default_accept() -> f64 {
    2.0
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &std::path::Path) -> anyhow::Result<Scenario> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read scenario {}", path.display()))?;
        let s: Scenario =
            toml::from_str(&text).with_context(|| format!("scenario {}", path.display()))?;
        s.check()?;
        Ok(s)
    }

    /// Checks the values make sense.
    pub fn check(&self) -> anyhow::Result<()> {
        if !(self.hours > 0.0 && self.hours <= 24.0 * 31.0) {
            bail!("hours: must be more than 0 and at most 744");
        }
        if self.queues.is_empty() || self.agents.is_empty() {
            bail!("a scenario needs at least one queue and one agent pool");
        }
        for (c, s) in &self.channels {
            s.validate(*c)
                .map_err(|e| anyhow::anyhow!("channels.{}: {e}", c.as_str()))?;
        }
        let groups: BTreeSet<&str> = self
            .agents
            .iter()
            .flat_map(|a| a.groups.iter().map(String::as_str))
            .collect();
        for q in &self.queues {
            let at = format!("queue {:?}", q.name);
            match (&q.group, q.steps.is_empty()) {
                (Some(g), true) if !groups.contains(g.as_str()) => {
                    bail!("{at}: no agent pool is in group {g:?}")
                }
                (Some(_), true) | (None, false) => {}
                _ => bail!("{at}: give either a group or precision steps"),
            }
            for s in &q.steps {
                Expression::parse(&s.expression).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
            }
            if !(1..=10).contains(&q.priority) {
                bail!("{at}: priority must be 1 to 10");
            }
            if !(q.arrivals_per_hour >= 0.0 && q.arrivals_per_hour.is_finite()) {
                bail!("{at}: arrivals_per_hour must be 0 or more");
            }
            q.handle.check().map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        }
        for a in &self.agents {
            let at = format!("agent pool {:?}", a.name);
            let end = a.shift_end_hour.unwrap_or(self.hours);
            if a.shift_start_hour < 0.0 || end <= a.shift_start_hour {
                bail!("{at}: the shift must start at 0 or later and end after it starts");
            }
            if a.accept_secs.is_nan() || a.accept_secs < 0.0 {
                bail!("{at}: accept_secs must be 0 or more");
            }
            if let Some(b) = a.breaks
                && !(b.every_hours > 0.0 && b.minutes > 0.0 && b.minutes < b.every_hours * 60.0)
            {
                bail!(
                    "{at}: breaks need every_hours above 0 and minutes above 0 and shorter than that"
                );
            }
        }
        Ok(())
    }

    /// Named groups as ids (in order of first mention).
    fn group_ids(&self) -> BTreeMap<String, UserGroupId> {
        let mut out = BTreeMap::new();
        for g in self.agents.iter().flat_map(|a| &a.groups) {
            let next = UserGroupId(out.len() as i64 + 1);
            out.entry(g.clone()).or_insert(next);
        }
        out
    }

    /// The queue id of queue index `i`.
    pub fn queue_id(i: usize) -> QueueId {
        QueueId(i as i64 + 1)
    }

    /// The router's configuration, and for each agent id its pool index.
    pub fn config(&self) -> (Config, Vec<(UserId, usize)>) {
        let groups = self.group_ids();
        let mut dept = DepartmentRules::new(DEPT);
        dept.exception_queue = Some(EXCEPTION);
        dept.channels = self.channels.clone();
        dept.auto_accept = self.auto_accept.iter().copied().collect();
        let mut queues: Vec<QueueRules> = self
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| QueueRules {
                id: Scenario::queue_id(i),
                department_id: DEPT,
                kind: QueueKind::Standard,
                routing: match &q.group {
                    Some(g) => QueueRouting::UserGroup {
                        user_group_id: groups.get(g).copied().unwrap_or(UserGroupId(0)),
                    },
                    None => QueueRouting::Precision {
                        steps: q.steps.clone(),
                    },
                },
                order: q.order,
                priority: q.priority,
                active: true,
                service_level_secs: 3600,
            })
            .collect();
        queues.push(QueueRules {
            id: EXCEPTION,
            department_id: DEPT,
            kind: QueueKind::Exception,
            routing: QueueRouting::Manual,
            order: AgentOrder::LongestAvailable,
            priority: 1,
            active: true,
            service_level_secs: 3600,
        });
        let mut agents = Vec::new();
        let mut pools = Vec::new();
        for (pi, spec) in self.agents.iter().enumerate() {
            for _ in 0..spec.count {
                let id = UserId(agents.len() as i64 + 1);
                agents.push(AgentRules {
                    id,
                    department_id: DEPT,
                    attributes: spec.attributes.clone(),
                    groups: spec
                        .groups
                        .iter()
                        .filter_map(|g| groups.get(g).copied())
                        .collect(),
                    capacity: spec.capacity.clone(),
                });
                pools.push((id, pi));
            }
        }
        (
            Config {
                departments: vec![dept],
                queues,
                agents,
            },
            pools,
        )
    }
}

impl Dist {
    fn check(&self) -> Result<(), String> {
        let ok = |v: f64| v.is_finite() && v >= 0.0;
        let fine = match *self {
            Dist::Fixed { secs } => ok(secs),
            Dist::Exponential { mean_secs } => ok(mean_secs) && mean_secs > 0.0,
            Dist::Lognormal { mean_secs, sd_secs } => {
                ok(mean_secs) && mean_secs > 0.0 && ok(sd_secs)
            }
            Dist::Uniform { min_secs, max_secs } => {
                ok(min_secs) && ok(max_secs) && min_secs <= max_secs
            }
        };
        if fine {
            Ok(())
        } else {
            Err(
                "handle: seconds must be finite and not negative (a positive mean; min ≤ max)"
                    .into(),
            )
        }
    }

    /// Draws seconds.
    pub fn sample(&self, rng: &mut impl rand::Rng) -> f64 {
        match *self {
            Dist::Fixed { secs } => secs,
            Dist::Exponential { mean_secs } => exponential(rng, mean_secs),
            Dist::Lognormal { mean_secs, sd_secs } => {
                // The log-normal whose mean and deviation are the given ones.
                let var = (sd_secs / mean_secs).powi(2);
                let sigma2 = (1.0 + var).ln();
                let mu = mean_secs.ln() - sigma2 / 2.0;
                (mu + sigma2.sqrt() * normal(rng)).exp()
            }
            Dist::Uniform { min_secs, max_secs } => {
                min_secs + (max_secs - min_secs) * rng.r#gen::<f64>()
            }
        }
    }
}

/// An exponential draw with this mean.
pub fn exponential(rng: &mut impl rand::Rng, mean: f64) -> f64 {
    let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    -mean * u.ln()
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut impl rand::Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
