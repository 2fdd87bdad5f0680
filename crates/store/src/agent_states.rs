//! Agents' presence as the reports see it: each presence the router records is compared with
//! the one it replaces (`domain::report::presence_step`); the time of a state left is added to
//! `report_agent_states` per 15-minute interval, a change is appended to `agent_events`, and the
//! presence row keeps since when its state is held. Reads give the closed times of a period and
//! the states still held. The rollup's reset builds the times again from `agent_events`.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::AnyConnection;
use switchboard_domain::event::agent::{AgentEventKind, PresenceChanged};
use switchboard_domain::report::{AgentState, StateTime, presence_step};
use switchboard_domain::{Presence, Scope, Timestamp, UserId};

use crate::Store;
use crate::error::StoreError;
use crate::packed::read_packed;
use crate::report_read::{IntervalFilter, Sources, interval_column, interval_query};
use crate::report_sql::add_state_rows;
use crate::routing::presence_from_row;
use crate::sql::{col, int_list, json, to_json, ts};

/// Agent events read per step of a rebuild.
const REBUILD_PAGE: i64 = 5_000;

/// The departments of users `ids`.
async fn departments_of(
    c: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, i64>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT id, department_id FROM users WHERE id IN ({})",
            int_list(chunk.iter().copied())
        );
        for r in sqlx::query(&sql)
            .persistent(false)
            .fetch_all(&mut *c)
            .await?
        {
            out.insert(col(&r, "id")?, col(&r, "department_id")?);
        }
    }
    Ok(out)
}

/// Adds `times` to `report_agent_states` and the day rows (summed per row first: a statement may not touch a
/// row twice), each agent under its department in `departments`.
async fn add_times(
    c: &mut AnyConnection,
    times: &[StateTime],
    departments: &HashMap<i64, i64>,
) -> Result<(), StoreError> {
    add_state_rows(c, ("report_agent_states", None), times, departments, |at| {
        at
    })
    .await?;
    // After the 15-minute rows: on PostgreSQL, a zone being filled meanwhile is seen.
    crate::report_days::add_state_days(c, times, departments).await
}

/// Records `presence` (the router's, at `now`): the state times each change closes, its
/// `presence_changed` event, and the presence row with since when its state is held.
pub(crate) async fn record_presence(
    c: &mut AnyConnection,
    presence: &[Presence],
    now: Timestamp,
) -> Result<(), StoreError> {
    if presence.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = presence.iter().map(|p| p.user_id.0).collect();
    let mut before: HashMap<UserId, Presence> = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT * FROM agent_presence WHERE user_id IN ({})",
            int_list(chunk.iter().copied())
        );
        for r in sqlx::query(&sql)
            .persistent(false)
            .fetch_all(&mut *c)
            .await?
        {
            let p = presence_from_row(&r)?;
            before.insert(p.user_id, p);
        }
    }
    let departments = departments_of(c, &ids).await?;
    let mut closed = Vec::new();
    for p in presence {
        let step = presence_step(before.get(&p.user_id), p, now);
        closed.extend(step.closed);
        if step.changed {
            let kind = AgentEventKind::PresenceChanged;
            sqlx::query(
                "INSERT INTO agent_events (user_id, kind, version, data, at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(p.user_id.0)
            .bind(kind.as_str())
            .bind(i64::from(kind.version()))
            .bind(to_json(&PresenceChanged::of(p))?)
            .bind(now.millis())
            .execute(&mut *c)
            .await?;
        }
        sqlx::query(
            "INSERT INTO agent_presence (user_id, logged_in, ready, reason, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id) DO UPDATE SET logged_in = excluded.logged_in, ready = excluded.ready, \
             reason = excluded.reason, updated_at = excluded.updated_at",
        )
        .bind(p.user_id.0)
        .bind(i64::from(p.logged_in))
        .bind(to_json(&p.ready)?)
        .bind(p.reason.clone())
        .bind(step.since.millis())
        .execute(&mut *c)
        .await?;
        before.insert(
            p.user_id,
            Presence {
                updated_at: step.since,
                ..p.clone()
            },
        );
    }
    add_times(c, &closed, &departments).await
}

/// Empties `report_agent_states` and adds up again the times of every `presence_changed` event,
/// agent by agent in order, as [`record_presence`] did when they happened.
async fn rebuild(c: &mut AnyConnection) -> Result<(), StoreError> {
    for table in ["report_agent_states", "report_agent_state_days"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *c)
            .await?;
    }
    let mut after: (i64, i64) = (0, 0);
    let mut held: Option<Presence> = None;
    loop {
        let rows = sqlx::query(
            "SELECT * FROM agent_events WHERE kind = $1 AND (user_id > $2 OR (user_id = $2 AND id > $3)) \
             ORDER BY user_id, id LIMIT $4",
        )
        .bind(AgentEventKind::PresenceChanged.as_str())
        .bind(after.0)
        .bind(after.1)
        .bind(REBUILD_PAGE)
        .fetch_all(&mut *c)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = (col(last, "user_id")?, col(last, "id")?);
        let mut closed = Vec::new();
        let mut agents = Vec::new();
        for r in &rows {
            let user = UserId(col(r, "user_id")?);
            let at = ts(r, "at")?;
            let change: PresenceChanged = json(r, "data")?;
            let p = Presence {
                user_id: user,
                logged_in: change.logged_in,
                ready: change.ready,
                reason: change.reason,
                updated_at: at,
            };
            let prev = held.as_ref().filter(|h| h.user_id == user);
            let step = presence_step(prev, &p, at);
            closed.extend(step.closed);
            agents.push(user.0);
            held = Some(Presence {
                updated_at: step.since,
                ..p
            });
        }
        agents.dedup();
        let departments = departments_of(c, &agents).await?;
        add_times(c, &closed, &departments).await?;
    }
}

/// ` AND …` for the scope's and the filter's departments and agents.
fn scope_and_agents(dept: &str, agent: &str, f: &IntervalFilter, scope: &Scope) -> String {
    let mut w = crate::report_facts::departments(dept, scope, &f.departments);
    if !f.agents.is_empty() {
        w.push_str(&format!(
            " AND {agent} IN ({})",
            int_list(f.agents.iter().map(|a| a.0))
        ));
    }
    w
}

impl Store {
    /// Empties the agents' state times and adds them up again from every `presence_changed`
    /// event, in one transaction (the rollup's rebuild).
    pub async fn rebuild_agent_states(&self) -> Result<(), StoreError> {
        self.writes(|c| Box::pin(async move { rebuild(c).await }))
            .await
    }

    /// The closed state times of `f`'s period within `scope` (and `f`'s departments and agents),
    /// summed by the database as `f` says.
    pub async fn agent_state_times(
        &self,
        scope: &Scope,
        f: &IntervalFilter,
    ) -> Result<Vec<StateTime>, StoreError> {
        let ids: Vec<i64> = f.agents.iter().map(|a| a.0).collect();
        // States have no channel: a report's channels do not filter them.
        let f = IntervalFilter {
            channels: Vec::new(),
            ..f.clone()
        };
        let zone = self.day_zone_kept(&f).await?;
        let sql = interval_query(
            Sources {
                table: "report_agent_states",
                hours: None,
                days: zone.as_deref().map(|z| ("report_agent_state_days", z)),
            },
            ("agent_id", &ids),
            &["agent_id", "ready", "reason"],
            &["ms"],
            &f,
            scope,
        );
        let at = format!("r.{}", interval_column(&f));
        let ints = [at.as_str(), "r.agent_id", "r.ready", "r.ms"];
        let packed = read_packed(&self.inner.read, &sql, &["reason"], &ints).await?;
        let width = ints.len();
        Ok(packed
            .iter()
            .flat_map(|p| {
                // One reason a group: its rows share it.
                let reason: Arc<str> = p.texts.first().map_or("", String::as_str).into();
                p.ints.chunks_exact(width).map(move |v| StateTime {
                    interval: v[0],
                    agent: v[1],
                    state: AgentState {
                        ready: v[2] != 0,
                        reason: Arc::clone(&reason),
                    },
                    ms: v[3],
                })
            })
            .collect())
    }

    /// The presence of every agent logged in now within `scope` (and `f`'s departments and
    /// agents): the states still held, each since its `updated_at`.
    pub async fn held_agent_states(
        &self,
        scope: &Scope,
        f: &IntervalFilter,
    ) -> Result<Vec<Presence>, StoreError> {
        let sql = format!(
            "SELECT p.* FROM agent_presence p JOIN users u ON u.id = p.user_id \
             WHERE p.logged_in <> 0{}",
            scope_and_agents("u.department_id", "p.user_id", f, scope)
        );
        let rows = sqlx::query(&sql)
            .persistent(false)
            .fetch_all(&self.inner.read)
            .await?;
        rows.iter().map(presence_from_row).collect()
    }
}
