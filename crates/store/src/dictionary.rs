//! The data dictionary: every reporting view, its columns and what they mean, written once here.
//! The repository's `docs/data-dictionary.md` and the server's `/docs/data-dictionary` page
//! are generated from it, and a test checks it against the database, column by column.

/// One column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DictColumn {
    /// Its name.
    pub name: &'static str,
    /// Its SQL type as a reader should treat it.
    pub kind: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// One view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DictView {
    /// Its name.
    pub name: &'static str,
    /// What one row is.
    pub row: &'static str,
    /// Its columns, in order.
    pub columns: &'static [DictColumn],
}

const fn c(name: &'static str, kind: &'static str, meaning: &'static str) -> DictColumn {
    DictColumn {
        name,
        kind,
        meaning,
    }
}

const MS: &str = "milliseconds since 1970-01-01 UTC";

/// Every reporting view.
pub const DICTIONARY: &[DictView] = &[
    DictView {
        name: "reporting_departments",
        row: "A department.",
        columns: &[
            c("department_id", "bigint", "The department's id."),
            c("name", "text", "Its name."),
        ],
    },
    DictView {
        name: "reporting_queues",
        row: "A queue.",
        columns: &[
            c("queue_id", "bigint", "The queue's id."),
            c("department_id", "bigint", "Its department."),
            c("name", "text", "Its name."),
            c("kind", "text", "`standard` or `review`."),
        ],
    },
    DictView {
        name: "reporting_agents",
        row: "A user (agents, supervisors, administrators, reporting users).",
        columns: &[
            c("agent_id", "bigint", "The user's id."),
            c("department_id", "bigint", "Their department."),
            c("name", "text", "Their name."),
            c(
                "role",
                "text",
                "`agent`, `supervisor`, `admin` or `reporting`.",
            ),
            c("active", "bigint", "1 while they may log in, else 0."),
        ],
    },
    DictView {
        name: "reporting_activities",
        row: "An activity: one piece of work (an email, a chat, a callback) as it is now.",
        columns: &[
            c("activity_id", "bigint", "The activity's id."),
            c("department_id", "bigint", "Its department."),
            c("case_id", "bigint", "The case it belongs to."),
            c("customer_id", "bigint", "The customer."),
            c(
                "channel",
                "text",
                "`inbound_email`, `outbound_email`, `chat`, `callback` or `delayed_callback`.",
            ),
            c(
                "status",
                "text",
                "`new`, `queued`, `offered`, `assigned`, `in_progress`, `paused`, `completed` or `abandoned`.",
            ),
            c(
                "sub_status",
                "text",
                "A finer status the department defines, if any.",
            ),
            c("priority", "bigint", "1 (lowest) to 10 (highest)."),
            c(
                "queue_id",
                "bigint",
                "The queue it is (or was last) in, if any.",
            ),
            c("agent_id", "bigint", "The agent it is assigned to, if any."),
            c("category_id", "bigint", "Its category, if classified."),
            c("created_at", "bigint", MS),
            c("updated_at", "bigint", MS),
        ],
    },
    DictView {
        name: "reporting_events",
        row: "One change of an activity: the event log (see docs/events.md for the kinds).",
        columns: &[
            c(
                "event_id",
                "bigint",
                "The event's id: increasing, the order events happened in.",
            ),
            c("activity_id", "bigint", "The activity."),
            c("department_id", "bigint", "The activity's department."),
            c("channel", "text", "The activity's channel."),
            c(
                "kind",
                "text",
                "What happened: `created`, `queued`, `offered`, `accepted`, `completed`, …",
            ),
            c(
                "from_status",
                "text",
                "The activity's status before, if it had one.",
            ),
            c("to_status", "text", "Its status after."),
            c(
                "actor_user_id",
                "bigint",
                "Who did it; empty when the system did.",
            ),
            c("at", "bigint", MS),
        ],
    },
    DictView {
        name: "reporting_queue_intervals",
        row: "A queue's figures in one 15-minute interval and channel, folded from the event log \
              (a few seconds behind it).",
        columns: &[
            c(
                "interval_start",
                "bigint",
                "The interval's start, in milliseconds since 1970 UTC.",
            ),
            c("department_id", "bigint", "The queue's department."),
            c("queue_id", "bigint", "The queue."),
            c("queue_name", "text", "Its name now."),
            c("channel", "text", "The work's channel."),
            c(
                "arrived",
                "bigint",
                "Work that entered the queue for the first time.",
            ),
            c(
                "transferred_in",
                "bigint",
                "Work moved in from another queue.",
            ),
            c(
                "transferred_out",
                "bigint",
                "Work moved out to another queue.",
            ),
            c(
                "answered",
                "bigint",
                "Work offered or assigned to an agent for the first time since it was queued.",
            ),
            c(
                "wait_ms",
                "bigint",
                "The waits of the answered work, summed (ms).",
            ),
            c(
                "within_20s",
                "bigint",
                "Answered within 20 seconds of being queued.",
            ),
            c("within_30s", "bigint", "Answered within 30 seconds."),
            c("within_60s", "bigint", "Answered within 60 seconds."),
            c("within_120s", "bigint", "Answered within 120 seconds."),
            c("within_300s", "bigint", "Answered within 300 seconds."),
            c("abandoned", "bigint", "Work abandoned while in the queue."),
            c(
                "completed",
                "bigint",
                "Work completed, counted in the queue it was last in.",
            ),
        ],
    },
    DictView {
        name: "reporting_agent_intervals",
        row: "An agent's figures in one 15-minute interval, for work of one department and channel.",
        columns: &[
            c(
                "interval_start",
                "bigint",
                "The interval's start, in milliseconds since 1970 UTC.",
            ),
            c("department_id", "bigint", "The work's department."),
            c("agent_id", "bigint", "The agent."),
            c("agent_name", "text", "Their name now."),
            c("channel", "text", "The work's channel."),
            c("offered", "bigint", "Offers made to the agent."),
            c("accepted", "bigint", "Offers the agent accepted."),
            c("declined", "bigint", "Offers the agent declined."),
            c("missed", "bigint", "Offers that ran out of time."),
            c("assigned", "bigint", "Work given to the agent directly."),
            c("completed", "bigint", "Work the agent completed."),
            c(
                "handle_ms",
                "bigint",
                "Handle time of that work, summed (ms): from accepting (or being assigned, or \
                 starting) to completing.",
            ),
        ],
    },
    DictView {
        name: "reporting_agent_states",
        row: "The time an agent spent in one state (ready, or not ready for one reason) within one \
              15-minute interval, while logged in. A state still held is counted when it ends.",
        columns: &[
            c(
                "interval_start",
                "bigint",
                "The interval's start, in milliseconds since 1970 UTC.",
            ),
            c("department_id", "bigint", "The agent's department."),
            c("agent_id", "bigint", "The agent."),
            c("agent_name", "text", "Their name now."),
            c(
                "ready",
                "bigint",
                "1: ready for new work on at least one channel; 0: not ready.",
            ),
            c(
                "reason",
                "text",
                "Why not ready, as the agent (or the router: missed an offer) gave it; empty \
                 when ready or when no reason was given.",
            ),
            c("ms", "bigint", "The time, in milliseconds."),
        ],
    },
    DictView {
        name: "reporting_agent_days",
        row: "An agent's figures in one local day of one time zone, for work of one department \
              and channel: the 15-minute rows of reporting_agent_intervals summed per day.",
        columns: &[
            c(
                "zone",
                "text",
                "The time zone of the day (IANA name): UTC, and each business calendar's zone.",
            ),
            c(
                "day_start",
                "bigint",
                "The local day's start, in milliseconds since 1970 UTC.",
            ),
            c("department_id", "bigint", "The work's department."),
            c("agent_id", "bigint", "The agent."),
            c("agent_name", "text", "Their name now."),
            c("channel", "text", "The work's channel."),
            c("offered", "bigint", "Offers made to the agent."),
            c("accepted", "bigint", "Offers the agent accepted."),
            c("declined", "bigint", "Offers the agent declined."),
            c("missed", "bigint", "Offers that ran out of time."),
            c("assigned", "bigint", "Work given to the agent directly."),
            c("completed", "bigint", "Work the agent completed."),
            c(
                "handle_ms",
                "bigint",
                "Handle time of that work, summed (ms).",
            ),
        ],
    },
    DictView {
        name: "reporting_agent_state_days",
        row: "The time an agent spent in one state within one local day of one time zone: the \
              15-minute rows of reporting_agent_states summed per day.",
        columns: &[
            c(
                "zone",
                "text",
                "The time zone of the day (IANA name): UTC, and each business calendar's zone.",
            ),
            c(
                "day_start",
                "bigint",
                "The local day's start, in milliseconds since 1970 UTC.",
            ),
            c("department_id", "bigint", "The agent's department."),
            c("agent_id", "bigint", "The agent."),
            c("agent_name", "text", "Their name now."),
            c(
                "ready",
                "bigint",
                "1: ready for new work on at least one channel; 0: not ready.",
            ),
            c(
                "reason",
                "text",
                "Why not ready; empty when ready or when no reason was given.",
            ),
            c("ms", "bigint", "The time, in milliseconds."),
        ],
    },
    DictView {
        name: "reporting_wait_facts",
        row: "A wait a waiting chat or callback customer was told (the first estimate of each \
              stay in a queue), with what followed as far as the rollup has folded the events.",
        columns: &[
            c(
                "told_at",
                "bigint",
                "When the estimate was told, in milliseconds since 1970 UTC.",
            ),
            c("department_id", "bigint", "The work's department."),
            c("queue_id", "bigint", "The queue the customer waited in."),
            c("queue_name", "text", "Its name now."),
            c("activity_id", "bigint", "The chat or callback."),
            c("told_secs", "bigint", "The wait told, in seconds."),
            c(
                "outcome",
                "text",
                "answered (the first offer, assignment or acceptance after the estimate), \
                 abandoned (the customer left first) or waiting (neither yet).",
            ),
            c(
                "waited_ms",
                "bigint",
                "For answered waits: the wait from the estimate to the answer, in \
                 milliseconds; empty otherwise.",
            ),
        ],
    },
];

/// The dictionary as Markdown (the repository's `docs/data-dictionary.md`).
pub fn markdown() -> String {
    let mut s = String::from(
        "# Data dictionary\n\n\
         The reporting views below are the stable interface for custom SQL reports: their names, \
         columns and meanings hold across releases. Read them with any SQL tool; on PostgreSQL, \
         `switchboard reports create-reader NAME` makes a login that may read these views and \
         nothing else. Times are milliseconds since 1970-01-01 UTC. This file is generated from \
         the server's own description (`switchboard reports dictionary`), which a test checks \
         against the database.\n",
    );
    for v in DICTIONARY {
        s.push_str(&format!(
            "\n## `{}`\n\n{}\n\n| Column | Type | Meaning |\n|---|---|---|\n",
            v.name, v.row
        ));
        for col in v.columns {
            s.push_str(&format!(
                "| `{}` | {} | {} |\n",
                col.name,
                col.kind,
                col.meaning.replace('|', "\\|")
            ));
        }
    }
    s
}

/// The views a read-only reporting login may read.
pub fn view_names() -> Vec<&'static str> {
    DICTIONARY.iter().map(|v| v.name).collect()
}
