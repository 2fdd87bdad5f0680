//! A report as a file: CSV for other programs, XLSX for spreadsheets, PDF for people. Each is
//! written from the same table and parameters; the console's downloads, the API and scheduled
//! mail all come here.

pub mod csv;
mod pdf;
mod pdf_font;
mod xlsx;

use switchboard_domain::Timestamp;
use switchboard_domain::report::{Granularity, ReportTable, date_of, time_zone};

pub use switchboard_domain::report::ExportFormat;

use super::ReportParams;

/// A report written as a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// Its file name, e.g. `service_level_2026-12-01_2026-12-07.pdf`.
    pub name: String,
    /// Its format.
    pub format: ExportFormat,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// Most rows a workbook takes (a sheet holds 1,048,576), and a PDF (about 50 a page).
pub const MAX_XLSX_ROWS: usize = 1_000_000;
/// See [`MAX_XLSX_ROWS`].
pub const MAX_PDF_ROWS: usize = 20_000;

/// A report could not be written in a format.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Too many rows for the format: a coarser grouping or a shorter period is needed.
    #[error(
        "{rows} rows are too many for {format} (at most {max}); choose a coarser grouping or a shorter period"
    )]
    TooLarge {
        /// The format.
        format: &'static str,
        /// The table's rows.
        rows: usize,
        /// The format's limit.
        max: usize,
    },
    /// The writer failed.
    #[error("writing the report as {format}: {message}")]
    Failed {
        /// The format.
        format: &'static str,
        /// What failed.
        message: String,
    },
}

impl ExportError {
    fn new(format: ExportFormat, e: impl std::fmt::Display) -> ExportError {
        ExportError::Failed {
            format: format.as_str(),
            message: e.to_string(),
        }
    }
}

/// The first and last day `p` covers, in its time zone (`to` is exclusive).
fn days(p: &ReportParams) -> (String, String) {
    match time_zone("time_zone", &p.time_zone) {
        Ok(tz) => (
            date_of(p.from, &tz),
            date_of(Timestamp::from_millis(p.to.millis() - 1), &tz),
        ),
        Err(_) => (p.from.to_rfc3339(), p.to.to_rfc3339()),
    }
}

/// The file name of report `p` in `format`.
pub fn file_name(p: &ReportParams, format: ExportFormat) -> String {
    let (first, last) = days(p);
    format!("{}_{first}_{last}.{}", p.kind.as_str(), format.as_str())
}

/// What the granularity is called in a file's description.
fn grouping(g: Granularity) -> &'static str {
    match g {
        Granularity::Quarter => "15 minutes",
        Granularity::Hour => "hour",
        Granularity::Day => "day",
        Granularity::Week => "week",
        Granularity::Month => "month",
        Granularity::Total => "whole period",
    }
}

/// The lines that describe a run (label, value), shown above the table.
pub fn about(
    t: &ReportTable,
    p: &ReportParams,
    generated: Timestamp,
) -> Vec<(&'static str, String)> {
    let (first, last) = days(p);
    let mut v = vec![
        ("Report", t.title.clone()),
        ("Period", format!("{first} to {last}")),
        ("Time zone", p.time_zone.clone()),
        ("Grouped by", grouping(p.granularity).to_string()),
    ];
    if p.kind == switchboard_domain::report::ReportKind::ServiceLevel {
        v.push(("Threshold", format!("{} s", p.threshold_secs)));
    }
    let ids = |label: &'static str, ids: Vec<i64>, v: &mut Vec<(&'static str, String)>| {
        if !ids.is_empty() {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            v.push((label, list.join(", ")));
        }
    };
    ids(
        "Departments",
        p.departments.iter().map(|d| d.0).collect(),
        &mut v,
    );
    ids("Queues", p.queues.iter().map(|q| q.0).collect(), &mut v);
    ids("Agents", p.agents.iter().map(|a| a.0).collect(), &mut v);
    if !p.channels.is_empty() {
        let list: Vec<&str> = p.channels.iter().map(|c| c.as_str()).collect();
        v.push(("Channels", list.join(", ")));
    }
    v.push(("Generated", generated.to_rfc3339()));
    v
}

/// Writes report `t`, run with `p`, as `format`.
pub fn export(
    t: &ReportTable,
    p: &ReportParams,
    format: ExportFormat,
    generated: Timestamp,
) -> Result<ExportFile, ExportError> {
    let max = match format {
        ExportFormat::Csv => usize::MAX,
        ExportFormat::Xlsx => MAX_XLSX_ROWS,
        ExportFormat::Pdf => MAX_PDF_ROWS,
    };
    if t.rows.len() > max {
        return Err(ExportError::TooLarge {
            format: format.as_str(),
            rows: t.rows.len(),
            max,
        });
    }
    let bytes = match format {
        ExportFormat::Csv => csv::write(t).map_err(|e| ExportError::new(format, e))?,
        ExportFormat::Xlsx => {
            xlsx::write(t, &about(t, p, generated)).map_err(|e| ExportError::new(format, e))?
        }
        ExportFormat::Pdf => pdf::write(t, &about(t, p, generated)),
    };
    Ok(ExportFile {
        name: file_name(p, format),
        format,
        bytes,
    })
}

/// The text of a value in a file: whole numbers plainly, others with two decimals, nothing for
/// an undefined value.
pub(crate) fn number(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) => format!("{x:.2}"),
    }
}

#[cfg(test)]
mod tests;
