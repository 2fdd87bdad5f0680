//! What the router reads: its configuration (departments' channel and routing settings,
//! queues, agents with their groups), the open work, agents' presence, and the tail of the
//! event log that tells it about work that entered or left a queue elsewhere.

use std::collections::{BTreeMap, HashMap};

use sqlx::any::AnyRow;
use switchboard_domain::event::{Queued, TransitionDetails};
use switchboard_domain::{
    ActivityId, ActivityStatus, ChannelKind, ChannelSettings, DepartmentId, EventKind, Presence,
    Queue, QueueId, RoutingSettings, Timestamp, User, UserGroupId, UserId,
};

use crate::Store;
use crate::error::StoreError;
use crate::packed::{channel_code, channel_of_code, read_packed, status_code, status_of_code};
use crate::sql::{col, int_list, json, parsed, to_json, ts};

/// A department as the router needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingDepartment {
    /// The department.
    pub id: DepartmentId,
    /// Its channel settings.
    pub channels: BTreeMap<ChannelKind, ChannelSettings>,
    /// Its routing settings.
    pub settings: RoutingSettings,
    /// Its exception queue.
    pub exception_queue: Option<QueueId>,
}

/// An active user with the groups they belong to.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingAgent {
    /// The user.
    pub user: User,
    /// Their user groups.
    pub groups: Vec<UserGroupId>,
}

/// Everything the router is configured with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoutingConfig {
    /// Departments.
    pub departments: Vec<RoutingDepartment>,
    /// Queues.
    pub queues: Vec<Queue>,
    /// Active users.
    pub agents: Vec<RoutingAgent>,
}

/// An activity the router routes (queued) or tracks (with an agent).
#[derive(Debug, Clone, PartialEq)]
pub struct RoutedActivity {
    /// The activity.
    pub id: ActivityId,
    /// Its channel.
    pub channel: ChannelKind,
    /// Its status.
    pub status: ActivityStatus,
    /// Its queue.
    pub queue_id: Option<QueueId>,
    /// Its agent.
    pub assignee_id: Option<UserId>,
    /// 1 to 10.
    pub priority: u8,
    /// When it last entered a queue (its age counts from here).
    pub queued_at: Timestamp,
    /// The agent of the case's latest other activity that had one (personalized assignment).
    pub last_agent: Option<UserId>,
    /// The user it waits for, as its latest `queued` event says (`for_user_id`: a workflow
    /// routed it to them).
    pub for_user: Option<UserId>,
    /// The user group it waits for, as its latest `queued` event says (`for_group_id`: a
    /// workflow or a transfer sent it to the group).
    pub for_group: Option<UserGroupId>,
    /// Whom it is never offered to, as its latest `queued` event says (a held reply's author).
    pub not_for: Option<UserId>,
    /// Not offered before this time, as its latest `queued` event says (a delayed callback).
    pub not_before: Option<Timestamp>,
}

/// An entry of the event log the router follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TailEvent {
    /// The event's id (the log's order).
    pub id: i64,
    /// Its activity.
    pub activity: ActivityId,
    /// Queued, completed or abandoned.
    pub kind: EventKind,
}

/// Open statuses: the router holds these activities.
pub(crate) const OPEN: &str = "'queued', 'offered', 'assigned', 'in_progress', 'paused'";

/// One open activity from its packed integers (see [`Store::routing_work`]) and the data of
/// its last queueing (empty: never queued).
fn routed_from_packed(v: &[i64], queued: &str) -> Result<RoutedActivity, StoreError> {
    let id = |x: i64| (x >= 0).then_some(x);
    // Whom the work waits for travels with its last queueing.
    let waits_for = if queued.is_empty() {
        TransitionDetails::default()
    } else {
        serde_json::from_str::<Queued>(queued)
            .map(|q| q.details)
            .unwrap_or_default()
    };
    Ok(RoutedActivity {
        id: ActivityId(v[0]),
        channel: channel_of_code(v[1])?,
        status: status_of_code(v[2])?,
        queue_id: id(v[3]).map(QueueId),
        assignee_id: id(v[4]).map(UserId),
        priority: u8::try_from(v[5].clamp(1, 10)).unwrap_or(5),
        queued_at: Timestamp::from_millis(id(v[7]).unwrap_or(v[6])),
        last_agent: id(v[8]).map(UserId),
        for_user: waits_for.for_user_id,
        for_group: waits_for.for_group_id,
        not_for: waits_for.not_for_user_id,
        not_before: waits_for.not_before,
    })
}

pub(crate) fn presence_from_row(r: &AnyRow) -> Result<Presence, StoreError> {
    Ok(Presence {
        user_id: UserId(col(r, "user_id")?),
        logged_in: col::<i64>(r, "logged_in")? != 0,
        ready: json(r, "ready")?,
        reason: col(r, "reason")?,
        updated_at: ts(r, "updated_at")?,
    })
}

/// Activities read per query when the router asks for given ones.
const WORK_CHUNK: usize = 500;

impl Store {
    /// The router's configuration: every department, queue and active user.
    pub async fn routing_config(&self) -> Result<RoutingConfig, StoreError> {
        let db = &self.inner.read;
        let mut channels: HashMap<i64, BTreeMap<ChannelKind, ChannelSettings>> = HashMap::new();
        for r in sqlx::query("SELECT department_id, channel, settings FROM channel_settings")
            .fetch_all(db)
            .await?
        {
            let c = parsed(&r, "channel", ChannelKind::parse)?;
            channels
                .entry(col(&r, "department_id")?)
                .or_default()
                .insert(c, json(&r, "settings")?);
        }
        let mut settings: HashMap<i64, RoutingSettings> = HashMap::new();
        for r in sqlx::query("SELECT department_id, settings FROM routing_settings")
            .fetch_all(db)
            .await?
        {
            settings.insert(col(&r, "department_id")?, json(&r, "settings")?);
        }
        let queues = sqlx::query("SELECT * FROM queues ORDER BY id")
            .fetch_all(db)
            .await?
            .iter()
            .map(crate::queues::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let mut departments = Vec::new();
        for r in sqlx::query("SELECT id FROM departments ORDER BY id")
            .fetch_all(db)
            .await?
        {
            let id: i64 = col(&r, "id")?;
            departments.push(RoutingDepartment {
                id: DepartmentId(id),
                channels: channels.remove(&id).unwrap_or_default(),
                settings: settings.remove(&id).unwrap_or_default(),
                exception_queue: queues
                    .iter()
                    .find(|q| {
                        q.department_id.0 == id
                            && q.kind == switchboard_domain::QueueKind::Exception
                    })
                    .map(|q| q.id),
            });
        }
        let mut groups: HashMap<i64, Vec<UserGroupId>> = HashMap::new();
        for r in sqlx::query("SELECT group_id, user_id FROM user_group_members ORDER BY group_id")
            .fetch_all(db)
            .await?
        {
            groups
                .entry(col(&r, "user_id")?)
                .or_default()
                .push(UserGroupId(col(&r, "group_id")?));
        }
        let agents = sqlx::query(&format!(
            "SELECT {} FROM users WHERE active = 1 ORDER BY id",
            crate::users::COLUMNS
        ))
        .fetch_all(db)
        .await?
        .iter()
        .map(|r| {
            let user = crate::users::from_row(r)?;
            let groups = groups.remove(&user.id.0).unwrap_or_default();
            Ok(RoutingAgent { user, groups })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(RoutingConfig {
            departments,
            queues,
            agents,
        })
    }

    /// Open activities (queued or with an agent): all of them, or the given ones (those still
    /// open), by id. Read packed (one row per distinct queueing, see [`read_packed`]): a
    /// hundred thousand open activities are read at start-up, and row by row the driver's
    /// hand-over cost several times the query.
    pub async fn routing_work(
        &self,
        only: Option<&[ActivityId]>,
    ) -> Result<Vec<RoutedActivity>, StoreError> {
        let base = format!(
            "SELECT a.id, a.channel, a.status, a.queue_id, a.assignee_id, a.priority, a.created_at, \
             q.at AS queued_at, COALESCE(q.data, '') AS queued_data, \
             (SELECT b.assignee_id FROM activities b WHERE b.case_id = a.case_id AND b.id <> a.id \
               AND b.assignee_id IS NOT NULL ORDER BY b.id DESC LIMIT 1) AS last_agent \
             FROM activities a \
             LEFT JOIN activity_events q ON q.id = (SELECT MAX(e.id) FROM activity_events e \
               WHERE e.activity_id = a.id AND e.kind = 'queued') \
             WHERE a.status IN ({OPEN})"
        );
        let ints = [
            "r.id".to_string(),
            channel_code("r.channel"),
            status_code("r.status"),
            "COALESCE(r.queue_id, -1)".into(),
            "COALESCE(r.assignee_id, -1)".into(),
            "r.priority".into(),
            "r.created_at".into(),
            "COALESCE(r.queued_at, -1)".into(),
            "COALESCE(r.last_agent, -1)".into(),
        ];
        let mut groups = Vec::new();
        match only {
            None => groups = read_packed(&self.inner.read, &base, &["queued_data"], &ints).await?,
            Some(ids) => {
                for chunk in ids.chunks(WORK_CHUNK) {
                    let sql = format!(
                        "{base} AND a.id IN ({})",
                        int_list(chunk.iter().map(|a| a.0))
                    );
                    groups.extend(
                        read_packed(&self.inner.read, &sql, &["queued_data"], &ints).await?,
                    );
                }
            }
        }
        let mut out = Vec::new();
        for g in groups {
            let queued = g.texts.first().map(String::as_str).unwrap_or_default();
            for row in g.ints.chunks_exact(ints.len()) {
                out.push(routed_from_packed(row, queued)?);
            }
        }
        out.sort_by_key(|a| a.id);
        Ok(out)
    }

    /// The newest event's id (0 when there is none): where the router starts following the log.
    pub async fn last_event_id(&self) -> Result<i64, StoreError> {
        let r = sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM activity_events")
            .fetch_one(&self.inner.read)
            .await?;
        col(&r, "m")
    }

    /// Events after `after` that put work into a queue, changed it (a new priority) or ended
    /// it, oldest first, at most `limit`.
    pub async fn routing_tail(&self, after: i64, limit: u32) -> Result<Vec<TailEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, activity_id, kind FROM activity_events \
             WHERE id > $1 AND kind IN ('queued', 'updated', 'completed', 'abandoned') ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.inner.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TailEvent {
                    id: col(r, "id")?,
                    activity: ActivityId(col(r, "activity_id")?),
                    kind: parsed(r, "kind", EventKind::parse)?,
                })
            })
            .collect()
    }

    /// A department's routing settings (the defaults until set).
    pub async fn routing_settings(&self, id: DepartmentId) -> Result<RoutingSettings, StoreError> {
        self.department(id).await?;
        let row = sqlx::query("SELECT settings FROM routing_settings WHERE department_id = $1")
            .bind(id.0)
            .fetch_optional(&self.inner.read)
            .await?;
        match row {
            Some(r) => json(&r, "settings"),
            None => Ok(RoutingSettings::default()),
        }
    }

    /// Replaces a department's routing settings; the router picks them up at once.
    pub async fn set_routing_settings(
        &self,
        id: DepartmentId,
        settings: RoutingSettings,
    ) -> Result<RoutingSettings, StoreError> {
        let settings = settings.validate()?;
        let saved = settings.clone();
        self.writes(move |c| {
            let settings = settings.clone();
            Box::pin(async move {
                crate::departments::fetch(&mut *c, id).await?;
                sqlx::query(
                    "INSERT INTO routing_settings (department_id, settings) VALUES ($1, $2) \
                         ON CONFLICT (department_id) DO UPDATE SET settings = excluded.settings",
                )
                .bind(id.0)
                .bind(to_json(&settings)?)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await?;
        self.inner.notify.routing_config_changed();
        Ok(saved)
    }

    /// Every agent's recorded presence.
    pub async fn presences(&self) -> Result<Vec<Presence>, StoreError> {
        sqlx::query("SELECT * FROM agent_presence ORDER BY user_id")
            .fetch_all(&self.inner.read)
            .await?
            .iter()
            .map(presence_from_row)
            .collect()
    }

    /// One agent's presence (logged out when never recorded).
    pub async fn presence(&self, user: UserId, now: Timestamp) -> Result<Presence, StoreError> {
        let row = sqlx::query("SELECT * FROM agent_presence WHERE user_id = $1")
            .bind(user.0)
            .fetch_optional(&self.inner.read)
            .await?;
        match row {
            Some(r) => presence_from_row(&r),
            None => Ok(Presence::logged_out(user, now)),
        }
    }
}
