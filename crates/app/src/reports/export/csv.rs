//! A report as CSV: a header row, a row per period and queue or agent, and the totals. A cell a
//! spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return) is written with a leading apostrophe, so a queue or agent name can never become one.

use switchboard_domain::report::ReportTable;

use super::number;

/// Whether a spreadsheet would read `cell` as a formula.
fn formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `cell`, made inert if a spreadsheet would run it.
pub fn inert(cell: &str) -> String {
    if formula(cell) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The CSV text of `t`.
pub fn write(t: &ReportTable) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["period".to_string(), "id".to_string(), "name".to_string()];
    head.extend(t.columns.iter().map(|c| c.key.clone()));
    w.write_record(&head)?;
    for r in t.rows.iter().chain(std::iter::once(&t.total)) {
        let mut record = vec![inert(&r.period), r.group_id.to_string(), inert(&r.group)];
        record.extend(r.values.iter().map(|v| number(*v)));
        w.write_record(&record)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::report::{Column, Granularity, ReportKind, ReportRow};

    #[test]
    fn names_never_become_formulas_and_numbers_stay_plain() {
        let row = |group: &str, v: f64| ReportRow {
            period: "2026-12-01T00:00:00+01:00".into(),
            group_id: 3,
            group: group.into(),
            values: vec![Some(v), None],
        };
        let t = ReportTable {
            kind: ReportKind::ChatVolume,
            title: "Chat volume by queue".into(),
            time_zone: "Europe/Berlin".into(),
            granularity: Granularity::Day,
            columns: vec![
                Column {
                    key: "arrived".into(),
                    label: "Arrived".into(),
                },
                Column {
                    key: "average_wait_secs".into(),
                    label: "Average wait (s)".into(),
                },
            ],
            rows: vec![
                row("=HYPERLINK(\"http://evil\")", 4.0),
                row("Sales, \"EU\"", 2.5),
            ],
            total: ReportRow {
                period: String::new(),
                group_id: 0,
                group: "Total".into(),
                values: vec![Some(6.0), Some(12.345)],
            },
            page: None,
        };
        let text = String::from_utf8(write(&t).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "period,id,name,arrived,average_wait_secs");
        assert_eq!(
            lines[1],
            "2026-12-01T00:00:00+01:00,3,\"'=HYPERLINK(\"\"http://evil\"\")\",4,"
        );
        assert_eq!(
            lines[2],
            "2026-12-01T00:00:00+01:00,3,\"Sales, \"\"EU\"\"\",2.50,"
        );
        assert_eq!(lines[3], ",0,Total,6,12.35");
        for bad in ["+1", "-2", "@x", "\tx", "\rx"] {
            assert!(inert(bad).starts_with('\''), "{bad}");
        }
        assert_eq!(inert("Chat"), "Chat");
    }
}
