//! Reading exported documents with independent tools: a PDF through poppler's `pdftotext` after
//! `qpdf --check` has passed its structure, a workbook through Python's `openpyxl`. Both come
//! from `scripts/test` (Debian's poppler-utils and qpdf; openpyxl in the test virtualenv).

use std::io::Write as _;
use std::process::Command;

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what} could not start ({e}); scripts/test installs it"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn file(bytes: &[u8], suffix: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(suffix)
        .tempfile()
        .expect("a temp file");
    f.write_all(bytes).expect("writing a temp file");
    f
}

/// The text of a PDF, laid out as on the page, after checking its structure. Panics when the
/// file is not a sound PDF.
pub fn pdf_text(bytes: &[u8]) -> String {
    let f = file(bytes, ".pdf");
    run(Command::new("qpdf").arg("--check").arg(f.path()), "qpdf");
    run(
        Command::new("pdftotext")
            .arg("-layout")
            .arg(f.path())
            .arg("-"),
        "pdftotext",
    )
}

const XLSX: &str = r#"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
for ws in wb.worksheets:
    for row in ws.iter_rows(values_only=True):
        cells = ["" if v is None else (repr(v) if isinstance(v, (int, float)) else str(v)) for v in row]
        print(ws.title + "\t" + "\t".join(c.replace("\t", " ").replace("\n", " ") for c in cells))
"#;

/// The cells of every sheet of a workbook: rows of `(sheet, cells)`, numbers written as Python
/// writes them (`5`, `2.5`) and texts as they are. Panics when openpyxl cannot read it.
pub fn xlsx_rows(bytes: &[u8]) -> Vec<(String, Vec<String>)> {
    let f = file(bytes, ".xlsx");
    let python = crate::smtp::python().unwrap_or_else(|e| panic!("{e}"));
    let text = run(
        Command::new(python).arg("-c").arg(XLSX).arg(f.path()),
        "python with openpyxl",
    );
    text.lines()
        .map(|l| {
            let mut cells = l.split('\t').map(str::to_string);
            let sheet = cells.next().unwrap_or_default();
            (sheet, cells.collect())
        })
        .collect()
}
