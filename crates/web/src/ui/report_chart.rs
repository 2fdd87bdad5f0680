//! A report's chart as inline SVG: one bar per period (or per queue or agent for a whole-period
//! report) of the report's chart column, summed over the rows of the period (averaged for a
//! percentage). Colours come from the stylesheet (readable in dark mode); every bar has a
//! tooltip, and the page's data table is the accessible equivalent.

use std::fmt::Write as _;

use switchboard_domain::report::chart::short;
use switchboard_domain::report::{Granularity, ReportTable, bars, period_label};

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 40.0;
const TOP: f64 = 12.0;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    switchboard_domain::template::escape_html(s, &mut out);
    out
}

/// What the axis says under a bar labelled `label` (`YYYY-MM-DD HH:MM`, or a queue's or
/// agent's name): for periods shorter than a day the time of day, with the date on a second
/// line under the first tick of each day (`day` is the date of the last tick); else the date,
/// the month, or the name (cut to fit).
fn tick(label: &str, g: Granularity, day: &mut Option<String>) -> (String, Option<String>) {
    match g {
        Granularity::Quarter | Granularity::Hour => {
            let date = label.get(..10).unwrap_or(label).to_string();
            let time = label.get(11..16).unwrap_or_default().to_string();
            let new_day = day.as_deref() != Some(date.as_str());
            *day = Some(date.clone());
            (time, new_day.then_some(date))
        }
        Granularity::Total => (label.chars().take(12).collect(), None),
        _ => (period_label(label, g), None),
    }
}

/// The chart of `t`, titled by the elements with ids `title_id` and `desc_id`.
pub fn svg(t: &ReportTable, title_id: &str, desc_id: &str) -> String {
    let (bars, _) = bars(t);
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1.0);
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let step = (plot_w / bars.len().max(1) as f64).min(48.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{title_id} {desc_id}">"#
    );
    // The axis and three grid lines with their values.
    for k in 0..=3 {
        let v = max * f64::from(k) / 3.0;
        let y = TOP + plot_h - plot_h * f64::from(k) / 3.0;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            WIDTH - 8.0,
            LEFT - 6.0,
            y + 4.0,
            short(v)
        );
    }
    let label_every = (bars.len() / 12).max(1);
    let mut day = None;
    for (i, (label, v)) in bars.iter().enumerate() {
        let h = plot_h * v / max;
        let x = LEFT + step * i as f64;
        let _ = write!(
            s,
            r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}"><title>{}: {}</title></rect>"#,
            x + step * 0.1,
            TOP + plot_h - h,
            (step * 0.8).max(1.0),
            escape(label),
            short(*v)
        );
        if i % label_every == 0 {
            let (first, second) = tick(label, t.granularity, &mut day);
            for (line, text) in [(16.0, Some(first)), (30.0, second)] {
                let Some(text) = text else { continue };
                let _ = write!(
                    s,
                    r#"<text class="tick" x="{:.1}" y="{}" text-anchor="start">{}</text>"#,
                    x,
                    HEIGHT - BOTTOM + line,
                    escape(&text)
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::report::{Column, Granularity, ReportKind, ReportRow};

    #[test]
    fn a_bar_per_period_summed_and_names_escaped() {
        let row = |period: &str, group: &str, v: f64| ReportRow {
            period: period.into(),
            group_id: 1,
            group: group.into(),
            values: vec![Some(v)],
        };
        let mut t = ReportTable {
            kind: ReportKind::ChatVolume,
            title: "Chat volume by queue".into(),
            time_zone: "UTC".into(),
            granularity: Granularity::Day,
            columns: vec![Column {
                key: "arrived".into(),
                label: "Arrived".into(),
            }],
            rows: vec![
                row("2026-12-01T00:00:00+00:00", "A", 3.0),
                row("2026-12-01T00:00:00+00:00", "B", 2.0),
                row("2026-12-02T00:00:00+00:00", "A", 4.0),
            ],
            total: row("", "Total", 9.0),
            page: None,
        };
        let (b, more) = bars(&t);
        assert_eq!(
            b,
            vec![
                ("2026-12-01 00:00".to_string(), 5.0),
                ("2026-12-02 00:00".to_string(), 4.0)
            ]
        );
        assert!(!more);
        t.granularity = Granularity::Total;
        t.rows = vec![row("", "<script>", 1.0)];
        let svg = svg(&t, "t", "d");
        assert!(
            svg.contains("&lt;script&gt;") && !svg.contains("<script>"),
            "{svg}"
        );
        assert!(svg.starts_with("<svg") && svg.contains(r#"aria-labelledby="t d""#));
    }

    #[test]
    fn hours_are_ticked_by_time_with_the_date_where_the_day_changes() {
        let mut day = None;
        let ticks: Vec<_> = ["2026-12-01 22:00", "2026-12-01 23:00", "2026-12-02 00:00"]
            .into_iter()
            .map(|l| tick(l, Granularity::Hour, &mut day))
            .collect();
        assert_eq!(
            ticks,
            vec![
                ("22:00".to_string(), Some("2026-12-01".to_string())),
                ("23:00".to_string(), None),
                ("00:00".to_string(), Some("2026-12-02".to_string())),
            ]
        );
        assert_eq!(
            tick("2026-12-01 00:00", Granularity::Month, &mut day),
            ("2026-12".to_string(), None)
        );
        assert_eq!(
            tick("2026-12-07 00:00", Granularity::Day, &mut day),
            ("2026-12-07".to_string(), None)
        );
    }
}
