//! What the administrator's first-run checklist counts, within their departments.

use switchboard_domain::Scope;
use switchboard_domain::setup::SetupCounts;

use crate::Store;
use crate::error::StoreError;
use crate::sql::{col, int_list};

impl Store {
    /// The counts the setup checklist decides over, within `scope`.
    pub async fn setup_counts(&self, scope: &Scope) -> Result<SetupCounts, StoreError> {
        let within = |column: &str| match scope.departments() {
            Some(ds) => format!(" AND {column} IN ({})", int_list(ds.iter().map(|d| d.0))),
            None => String::new(),
        };
        let queries = [
            format!(
                "SELECT COUNT(*) AS n FROM departments WHERE 1 = 1{}",
                within("id")
            ),
            format!(
                "SELECT COUNT(*) AS n FROM user_groups g WHERE EXISTS \
                 (SELECT 1 FROM user_group_members m WHERE m.group_id = g.id){}",
                within("g.department_id")
            ),
            format!(
                "SELECT COUNT(*) AS n FROM users WHERE role = 'agent' AND active = 1{}",
                within("department_id")
            ),
            format!(
                "SELECT COUNT(*) AS n FROM queues WHERE kind = 'standard' AND active = 1 \
                 AND routing NOT LIKE '%\"manual\"%'{}",
                within("department_id")
            ),
            format!(
                "SELECT COUNT(*) AS n FROM aliases WHERE active = 1{}",
                within("department_id")
            ),
            format!(
                "SELECT COUNT(*) AS n FROM articles WHERE kind = 'answer'{}",
                within("department_id")
            ),
            format!(
                "SELECT COUNT(*) AS n FROM emails WHERE direction = 'inbound'{}",
                within("department_id")
            ),
        ];
        let mut n = [0u64; 7];
        for (slot, sql) in n.iter_mut().zip(queries.iter()) {
            let r = sqlx::query(sql).fetch_one(&self.inner.read).await?;
            *slot = u64::try_from(col::<i64>(&r, "n")?).unwrap_or(0);
        }
        Ok(SetupCounts {
            departments: n[0],
            staffed_groups: n[1],
            agents: n[2],
            routed_queues: n[3],
            aliases: n[4],
            answers: n[5],
            inbound_emails: n[6],
        })
    }
}
