//! A report as a PDF: A4 landscape; the first page has the title, what was run and the chart;
//! the table follows, its heading repeated on every page, the totals in bold at the end, and
//! every page numbered. Text is set in the standard Helvetica fonts (see `pdf_font.rs`); the
//! layout is done here, the PDF objects are written by `pdf-writer`.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use switchboard_domain::report::chart::short;
use switchboard_domain::report::{Granularity, ReportTable, bars, period_label};

use super::number;
use super::pdf_font::{encode, fit, width};

const PAGE_W: f32 = 842.0;
const PAGE_H: f32 = 595.0;
const MARGIN: f32 = 36.0;
const PAD: f32 = 4.0;
const LONGEST_NAME: f32 = 180.0;
const CHART_H: f32 = 120.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Writes `bytes` at (`x`, `y`).
fn text(c: &mut Content, bold: bool, size: f32, x: f32, y: f32, bytes: &[u8]) {
    c.begin_text();
    c.set_font(if bold { BOLD } else { REGULAR }, size);
    c.next_line(x, y);
    c.show(Str(bytes));
    c.end_text();
}

/// Fills a rectangle in grey `g`.
fn shade(c: &mut Content, g: f32, x: f32, y: f32, w: f32, h: f32) {
    c.set_fill_gray(g);
    c.rect(x, y, w, h);
    c.fill_nonzero();
    c.set_fill_gray(0.0);
}

/// The table's layout: the font size, each column's width and the heading's lines.
struct Layout {
    size: f32,
    widths: Vec<f32>,
    head: Vec<Vec<Vec<u8>>>,
    head_h: f32,
}

/// The words of `label` in lines no wider than `max`.
fn wrap(label: &str, size: f32, max: f32) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for word in label.split_whitespace().map(encode) {
        match lines.last_mut() {
            Some(l)
                if width(l, size, true) + width(b" ", size, true) + width(&word, size, true)
                    <= max =>
            {
                l.push(b' ');
                l.extend(word);
            }
            _ => lines.push(word),
        }
    }
    lines
}

fn layout(head: &[String], rows: &[(Vec<String>, bool)]) -> Layout {
    let mut size = 8.0_f32;
    let mut widths: Vec<f32> = head
        .iter()
        .map(|h| {
            h.split_whitespace()
                .map(|w| width(&encode(w), size, true))
                .fold(0.0, f32::max)
        })
        .collect();
    for (cells, bold) in rows {
        for (w, cell) in widths.iter_mut().zip(cells) {
            *w = w.max(width(&encode(cell), size, *bold));
        }
    }
    if let Some(name) = widths.get_mut(1) {
        *name = name.min(LONGEST_NAME);
    }
    for w in &mut widths {
        *w += 2.0 * PAD;
    }
    let total: f32 = widths.iter().sum();
    let room = PAGE_W - 2.0 * MARGIN;
    if total > room {
        let k = room / total;
        size *= k;
        widths.iter_mut().for_each(|w| *w *= k);
    }
    let head: Vec<Vec<Vec<u8>>> = head
        .iter()
        .zip(&widths)
        .map(|(h, w)| wrap(h, size, w - 2.0 * PAD + 0.5))
        .collect();
    let lines = head.iter().map(Vec::len).max().unwrap_or(1) as f32;
    Layout {
        size,
        widths,
        head,
        head_h: lines * (size + 2.0) + 4.0,
    }
}

/// Pages being written, and where the next line goes.
struct Pages {
    done: Vec<Content>,
    page: Content,
    y: f32,
}

impl Pages {
    fn new() -> Pages {
        Pages {
            done: Vec::new(),
            page: Content::new(),
            y: PAGE_H - MARGIN,
        }
    }

    fn next_page(&mut self) {
        let full = std::mem::replace(&mut self.page, Content::new());
        self.done.push(full);
        self.y = PAGE_H - MARGIN;
    }

    fn heading(&mut self, l: &Layout) {
        let top = self.y;
        shade(
            &mut self.page,
            0.88,
            MARGIN,
            top - l.head_h,
            l.widths.iter().sum(),
            l.head_h,
        );
        let mut x = MARGIN;
        for (lines, w) in l.head.iter().zip(&l.widths) {
            for (i, line) in lines.iter().enumerate() {
                let y = top - (i as f32 + 1.0) * (l.size + 2.0);
                text(&mut self.page, true, l.size, x + PAD, y, line);
            }
            x += w;
        }
        self.y = top - l.head_h;
    }

    fn row(&mut self, l: &Layout, cells: &[String], bold: bool, stripe: bool) {
        let h = l.size + 4.0;
        if self.y - h < MARGIN + 12.0 {
            self.next_page();
            self.heading(l);
        }
        let top = self.y;
        let all: f32 = l.widths.iter().sum();
        if stripe {
            shade(&mut self.page, 0.96, MARGIN, top - h, all, h);
        }
        if bold {
            self.page.set_line_width(0.6);
            self.page.move_to(MARGIN, top);
            self.page.line_to(MARGIN + all, top);
            self.page.stroke();
        }
        let mut x = MARGIN;
        for (i, (cell, w)) in cells.iter().zip(&l.widths).enumerate() {
            let b = fit(cell, l.size, bold, w - 2.0 * PAD);
            let at = if i < 2 {
                x + PAD
            } else {
                x + w - PAD - width(&b, l.size, bold)
            };
            text(&mut self.page, bold, l.size, at, top - h + 3.0, &b);
            x += w;
        }
        self.y = top - h;
    }
}

/// The chart of `t` (as on the console) under the heading, if it has bars.
fn chart(p: &mut Pages, t: &ReportTable) {
    let (bars, more) = bars(t);
    if bars.is_empty() {
        return;
    }
    let key = t.kind.chart_column();
    let label = t
        .columns
        .iter()
        .find(|c| c.key == key)
        .map_or(key, |c| c.label.as_str());
    let caption = if more {
        format!("{label} (first {} shown)", bars.len())
    } else {
        label.to_string()
    };
    text(&mut p.page, true, 9.0, MARGIN, p.y - 9.0, &encode(&caption));
    let left = MARGIN + 36.0;
    let plot_w = PAGE_W - MARGIN - left;
    let bottom = p.y - 16.0 - CHART_H;
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max).max(1.0);
    let c = &mut p.page;
    c.set_stroke_gray(0.8);
    c.set_line_width(0.4);
    for k in 0..=3u8 {
        let v = max * f64::from(k) / 3.0;
        let y = bottom + CHART_H * f32::from(k) / 3.0;
        c.move_to(left, y);
        c.line_to(left + plot_w, y);
        c.stroke();
        let tick = encode(&short(v));
        text(
            c,
            false,
            7.0,
            left - 4.0 - width(&tick, 7.0, false),
            y - 2.5,
            &tick,
        );
    }
    c.set_stroke_gray(0.0);
    let step = (plot_w / bars.len() as f32).min(36.0);
    let every = (bars.len() / 12).max(1);
    c.set_fill_rgb(0.16, 0.38, 0.66);
    for (i, (_, v)) in bars.iter().enumerate() {
        let h = CHART_H * (*v / max) as f32;
        c.rect(
            left + step * i as f32 + step * 0.1,
            bottom,
            (step * 0.8).max(0.5),
            h,
        );
        c.fill_nonzero();
    }
    c.set_fill_gray(0.0);
    for (i, (name, _)) in bars.iter().enumerate().step_by(every) {
        let name = if t.granularity == Granularity::Total {
            name.clone()
        } else {
            period_label(name, t.granularity)
        };
        let b = fit(&name, 6.5, false, step * every as f32 - 2.0);
        text(c, false, 6.5, left + step * i as f32, bottom - 9.0, &b);
    }
    p.y = bottom - 22.0;
}

/// The PDF of `t`, described by `about`.
pub fn write(t: &ReportTable, about: &[(&'static str, String)]) -> Vec<u8> {
    let group = if t.kind.by_agent() { "Agent" } else { "Queue" };
    let mut head = vec!["Period".to_string(), group.to_string()];
    head.extend(t.columns.iter().map(|c| c.label.clone()));
    let cells = |r: &switchboard_domain::report::ReportRow| {
        let mut v = vec![period_label(&r.period, t.granularity), r.group.clone()];
        v.extend(r.values.iter().map(|x| number(*x)));
        v
    };
    let mut rows: Vec<(Vec<String>, bool)> = t.rows.iter().map(|r| (cells(r), false)).collect();
    if rows.is_empty() {
        rows.push((vec![String::new(), "No work in this period".into()], false));
    }
    rows.push((cells(&t.total), true));
    let l = layout(&head, &rows);

    let mut p = Pages::new();
    text(
        &mut p.page,
        true,
        15.0,
        MARGIN,
        p.y - 15.0,
        &encode(&t.title),
    );
    p.y -= 26.0;
    for (label, value) in about.iter().filter(|(label, _)| *label != "Report") {
        let b = encode(&format!("{label}: {value}"));
        text(&mut p.page, false, 8.5, MARGIN, p.y - 8.5, &b);
        p.y -= 12.0;
    }
    p.y -= 8.0;
    chart(&mut p, t);
    p.heading(&l);
    for (i, (cells, bold)) in rows.iter().enumerate() {
        p.row(&l, cells, *bold, !bold && i % 2 == 1);
    }
    p.next_page();
    assemble(t, p.done)
}

/// The document: numbered pages, the two fonts, and its title.
fn assemble(t: &ReportTable, mut pages: Vec<Content>) -> Vec<u8> {
    let n = pages.len();
    for (i, c) in pages.iter_mut().enumerate() {
        let foot = encode(&format!("{} \u{2014} page {} of {n}", t.title, i + 1));
        c.set_fill_gray(0.35);
        text(c, false, 7.0, MARGIN, MARGIN - 14.0, &foot);
    }
    let mut pdf = Pdf::new();
    let (catalog, tree, regular, bold, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let ids: Vec<(Ref, Ref)> = (0..n)
        .map(|i| {
            let k = 6 + 2 * i32::try_from(i).unwrap_or(i32::MAX / 4);
            (Ref::new(k), Ref::new(k + 1))
        })
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(ids.iter().map(|i| i.0))
        .count(i32::try_from(n).unwrap_or(i32::MAX));
    for ((page_id, content_id), content) in ids.iter().zip(pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(*content_id);
        page.resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        page.finish();
        pdf.stream(*content_id, &content.finish());
    }
    for (id, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.document_info(info)
        .title(TextStr(&t.title))
        .creator(TextStr("Switchboard"));
    pdf.finish()
}
