//! Agents' presence as the reports read it: each state counted from its start to the change
//! that ends it, split at quarter hours; a repeated presence keeps its start; a state still held
//! is read with its start; a rebuild adds the times up again from the agents' events.

use std::collections::BTreeMap;

use switchboard_domain::report::StateTime;
use switchboard_domain::*;
use switchboard_store::*;

type R = Result<(), Box<dyn std::error::Error>>;

const MIN: i64 = 60_000;
const Q: i64 = 15 * MIN;
const T0: i64 = 1_796_000_400_000; // a quarter-hour start

fn presence(agent: UserId, logged_in: bool, ready: bool, reason: Option<&str>) -> Presence {
    Presence {
        user_id: agent,
        logged_in,
        ready: BTreeMap::from([(ChannelKind::Chat, ready)]),
        reason: reason.map(str::to_string),
        updated_at: Timestamp::from_millis(0),
    }
}

/// (interval, ready, reason, ms), sorted.
fn rows(times: Vec<StateTime>) -> Vec<(i64, bool, String, i64)> {
    let mut out: Vec<_> = times
        .into_iter()
        .map(|t| (t.interval, t.state.ready, t.state.reason.to_string(), t.ms))
        .collect();
    out.sort();
    out
}

pub async fn suite(s: &Store, dept: DepartmentId, agent: UserId) -> R {
    let at = |ms: i64| Timestamp::from_millis(T0 + ms);
    s.apply_routing(vec![], vec![presence(agent, true, true, None)], at(0))
        .await?;
    // Asked again: nothing changes, the state keeps its start.
    s.apply_routing(vec![], vec![presence(agent, true, true, None)], at(5 * MIN))
        .await?;
    s.apply_routing(
        vec![],
        vec![presence(agent, true, false, Some("Break"))],
        at(20 * MIN),
    )
    .await?;
    let filter = IntervalFilter {
        from_ms: T0,
        to_ms: T0 + 4 * Q,
        agents: vec![agent],
        ..IntervalFilter::default()
    };
    let held = s.held_agent_states(&Scope::All, &filter).await?;
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].reason.as_deref(), held[0].updated_at),
        (Some("Break"), at(20 * MIN))
    );
    s.apply_routing(
        vec![],
        vec![presence(agent, false, false, None)],
        at(30 * MIN),
    )
    .await?;
    let expected = vec![
        (T0, true, String::new(), 15 * MIN),
        (T0 + Q, false, "Break".to_string(), 10 * MIN),
        (T0 + Q, true, String::new(), 5 * MIN),
    ];
    assert_eq!(
        rows(s.agent_state_times(&Scope::All, &filter).await?),
        expected
    );
    assert!(s.held_agent_states(&Scope::All, &filter).await?.is_empty());
    let whole = IntervalFilter {
        summed: Summed::Whole,
        ..filter.clone()
    };
    assert_eq!(
        rows(s.agent_state_times(&Scope::All, &whole).await?),
        vec![
            (T0, true, String::new(), 20 * MIN),
            (T0 + Q, false, "Break".to_string(), 10 * MIN),
        ]
    );
    // Within the agent's department, and nothing outside it.
    let own = Scope::Departments(vec![dept]);
    assert_eq!(rows(s.agent_state_times(&own, &filter).await?).len(), 3);
    let other = Scope::Departments(vec![DepartmentId(dept.0 + 1000)]);
    assert!(s.agent_state_times(&other, &filter).await?.is_empty());
    // Rebuilt from the agents' events: the same times.
    s.rebuild_agent_states().await?;
    assert_eq!(
        rows(s.agent_state_times(&Scope::All, &filter).await?),
        expected
    );
    Ok(())
}
