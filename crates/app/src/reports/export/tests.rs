use switchboard_domain::report::{Column, Granularity, ReportKind, ReportRow, ReportTable};
use switchboard_domain::{QueueId, Timestamp};

use super::*;

fn table(rows: usize) -> ReportTable {
    let row = |i: usize| ReportRow {
        period: format!("2026-12-{:02}T00:00:00+01:00", i % 28 + 1),
        group_id: 7,
        group: if i == 0 {
            "=cmd|' /C calc'!A0".into()
        } else {
            format!("Queue {i}")
        },
        values: vec![Some(i as f64), None, Some(12.5)],
    };
    ReportTable {
        kind: ReportKind::EmailVolume,
        title: "Email volume by queue".into(),
        time_zone: "Europe/Berlin".into(),
        granularity: Granularity::Day,
        columns: ["Arrived", "Answered", "Average wait (s)"]
            .iter()
            .map(|l| Column {
                key: l.to_lowercase().replace(' ', "_"),
                label: (*l).into(),
            })
            .collect(),
        rows: (0..rows).map(row).collect(),
        total: ReportRow {
            period: String::new(),
            group_id: 0,
            group: "Total".into(),
            values: vec![Some(3.0), None, Some(1.25)],
        },
        page: None,
    }
}

fn params() -> ReportParams {
    ReportParams {
        kind: ReportKind::EmailVolume,
        from: Timestamp::parse_rfc3339("2026-11-30T23:00:00Z").unwrap(),
        to: Timestamp::parse_rfc3339("2026-12-07T23:00:00Z").unwrap(),
        granularity: Granularity::Day,
        time_zone: "Europe/Berlin".into(),
        departments: vec![],
        queues: vec![QueueId(4)],
        agents: vec![],
        channels: vec![],
        threshold_secs: 30,
    }
}

#[test]
fn a_file_is_named_by_report_and_days_in_its_zone() {
    assert_eq!(
        file_name(&params(), ExportFormat::Pdf),
        "email_volume_2026-12-01_2026-12-07.pdf"
    );
    let about = about(&table(1), &params(), Timestamp::from_millis(0));
    assert!(about.contains(&("Period", "2026-12-01 to 2026-12-07".into())));
    assert!(about.contains(&("Queues", "4".into())));
    for f in ExportFormat::ALL {
        assert_eq!(ExportFormat::parse(f.as_str()), Some(f));
    }
}

#[test]
fn the_pdf_has_its_title_its_rows_and_as_many_pages_as_they_need() {
    let f = export(
        &table(120),
        &params(),
        ExportFormat::Pdf,
        Timestamp::from_millis(0),
    )
    .unwrap();
    let text = String::from_utf8_lossy(&f.bytes);
    assert!(text.starts_with("%PDF-"));
    assert!(text.contains("(Email volume by queue)"));
    assert!(text.contains("(Queue 119)"));
    assert!(
        text.contains("/Count 4"),
        "the chart and 19 rows, then 50 rows a page"
    );
    let one = export(
        &table(0),
        &params(),
        ExportFormat::Pdf,
        Timestamp::from_millis(0),
    )
    .unwrap();
    let text = String::from_utf8_lossy(&one.bytes);
    assert!(text.contains("/Count 1") && text.contains("(No work in this period)"));
}

#[test]
fn the_workbook_is_a_zip_with_two_sheets() {
    let f = export(
        &table(3),
        &params(),
        ExportFormat::Xlsx,
        Timestamp::from_millis(0),
    )
    .unwrap();
    assert!(f.bytes.starts_with(b"PK"));
    assert_eq!(f.format.content_type(), ExportFormat::Xlsx.content_type());
    let csv = export(
        &table(1),
        &params(),
        ExportFormat::Csv,
        Timestamp::from_millis(0),
    )
    .unwrap();
    let csv = String::from_utf8(csv.bytes).unwrap();
    assert!(csv.contains("'=cmd"), "{csv}");
}

#[test]
fn a_table_too_long_for_a_format_is_refused_with_a_reason() {
    let mut t = table(0);
    t.rows = (0..MAX_PDF_ROWS + 1).map(|_| t.total.clone()).collect();
    let e = export(&t, &params(), ExportFormat::Pdf, Timestamp::from_millis(0)).unwrap_err();
    assert!(matches!(e, ExportError::TooLarge { rows, .. } if rows == MAX_PDF_ROWS + 1));
    assert!(e.to_string().contains("coarser grouping"));
    assert!(export(&t, &params(), ExportFormat::Csv, Timestamp::from_millis(0)).is_ok());
}
