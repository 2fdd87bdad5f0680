//! What a report's chart shows, for every medium that draws it (the console's SVG, the PDF
//! export): one bar per period (or per queue or agent for a whole-period report) of the report's
//! chart column, summed over the rows of the period (averaged for a percentage).

use std::collections::BTreeMap;

use super::definitions::{Granularity, ReportTable};

/// Most bars drawn (later periods are left out, and the medium says so).
pub const MAX_BARS: usize = 400;

/// The short label of a period (`2026-12-01 09:15`, `2026-12-01`, `2026-12`), from the start
/// the table gives (RFC 3339 with offset).
pub fn period_label(period: &str, g: Granularity) -> String {
    let len = match g {
        Granularity::Quarter | Granularity::Hour => 16,
        Granularity::Day | Granularity::Week => 10,
        Granularity::Month => 7,
        Granularity::Total => 0,
    };
    period.get(..len).unwrap_or(period).replace('T', " ")
}

/// The bars of `t`: `(label, value)` in order, and whether some were left out.
pub fn bars(t: &ReportTable) -> (Vec<(String, f64)>, bool) {
    let key = t.kind.chart_column();
    let Some(i) = t.columns.iter().position(|c| c.key == key) else {
        return (Vec::new(), false);
    };
    let percent = key == "service_level";
    let mut sums: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    for r in &t.rows {
        let label = if t.granularity == Granularity::Total {
            r.group.clone()
        } else {
            r.period.get(..16).unwrap_or(&r.period).replace('T', " ")
        };
        if let Some(v) = r.values.get(i).copied().flatten() {
            let e = sums.entry(label).or_insert((0.0, 0));
            e.0 += v;
            e.1 += 1;
        }
    }
    let mut out: Vec<(String, f64)> = sums
        .into_iter()
        .map(|(l, (sum, n))| {
            let v = if percent {
                sum / f64::from(n.max(1))
            } else {
                sum
            };
            (l, v)
        })
        .collect();
    let more = out.len() > MAX_BARS;
    out.truncate(MAX_BARS);
    (out, more)
}

/// The label of a chart value: whole from 10 up, else with one decimal when it has any.
pub fn short(v: f64) -> String {
    if v >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
