//! Running one page of a report: the report over the whole period in one row per queue or
//! agent gives the columns, the totals and how many groups share a period; the page is then
//! the report over its own periods only, under those columns and totals.

#[cfg(doc)]
use switchboard_domain::report::ROWS_PER_PAGE;
use switchboard_domain::report::{Granularity, ReportTable, period_page, period_starts, time_zone};
use switchboard_domain::{Scope, Timestamp};

use super::{ReportError, ReportParams};
use crate::App;

impl App {
    /// Page `index` of report `p` within `scope` at `now` (the last page when past it): at
    /// most about `rows_per_page` rows (the console's: [`ROWS_PER_PAGE`]) of whole periods,
    /// with the whole period's columns and totals. A report that fits on one page is run as
    /// it is.
    pub async fn run_report_page(
        &self,
        scope: &Scope,
        p: &ReportParams,
        (index, rows_per_page): (usize, usize),
        now: Timestamp,
    ) -> Result<ReportTable, ReportError> {
        p.check()?;
        if p.granularity == Granularity::Total {
            return self.run_report(scope, p, now).await;
        }
        let tz = time_zone("time_zone", &p.time_zone)?;
        let bounds = period_starts(p.from.millis(), p.to.millis(), p.granularity, &tz);
        let whole = ReportParams {
            granularity: Granularity::Total,
            ..p.clone()
        };
        let whole = self.run_report(scope, &whole, now).await?;
        let page = period_page(&bounds, whole.rows.len(), rows_per_page, index);
        if page.pages == 1 {
            return self.run_report(scope, p, now).await;
        }
        let part = ReportParams {
            from: Timestamp::from_millis(page.from_ms),
            to: Timestamp::from_millis(page.to_ms),
            ..p.clone()
        };
        Ok(self
            .run_report(scope, &part, now)
            .await?
            .aligned_to(&whole, page))
    }
}
