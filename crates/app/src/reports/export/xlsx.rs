//! A report as an Excel workbook: the sheet "Report" holds the table (a heading row, a row per
//! period and queue or agent, the totals in bold) with numbers as numbers; the sheet "About"
//! says what was run. Every text goes in as a string, never as a formula.

use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};
use switchboard_domain::report::{ReportTable, period_label};

/// The workbook of `t`, described by `about`.
pub fn write(t: &ReportTable, about: &[(&'static str, String)]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(t.title.as_str())
            .set_author("Switchboard"),
    );
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("Report")?;
    let group = if t.kind.by_agent() { "Agent" } else { "Queue" };
    let mut head = vec!["Period", "Id", group];
    head.extend(t.columns.iter().map(|c| c.label.as_str()));
    for (c, h) in head.iter().enumerate() {
        sheet.write_string_with_format(0, col(c), *h, &bold)?;
    }
    let rows = t.rows.iter().map(|r| (r, false));
    for (i, (r, total)) in rows.chain([(&t.total, true)]).enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let plain = Format::new();
        let f = if total { &bold } else { &plain };
        sheet.write_string_with_format(row, 0, period_label(&r.period, t.granularity), f)?;
        if !total {
            sheet.write_number_with_format(row, 1, r.group_id as f64, f)?;
        }
        sheet.write_string_with_format(row, 2, r.group.as_str(), f)?;
        for (c, v) in r.values.iter().enumerate() {
            if let Some(v) = v {
                sheet.write_number_with_format(row, col(c + 3), *v, f)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofit();
    let sheet = wb.add_worksheet();
    sheet.set_name("About")?;
    for (i, (label, value)) in about.iter().enumerate() {
        let row = u32::try_from(i).unwrap_or(u32::MAX);
        sheet.write_string_with_format(row, 0, *label, &bold)?;
        sheet.write_string(row, 1, value.as_str())?;
    }
    sheet.autofit();
    wb.save_to_buffer()
}

/// A column number (a report has a few dozen columns at most).
fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}
