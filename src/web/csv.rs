//! Every CSV export goes through here, so that no cell can become a formula
//! when the file is opened in Excel or LibreOffice ("CSV injection").
//!
//! A cell is either [`Cell::Number`], a number the program computed (written
//! as is, so spreadsheets keep it numeric), or [`Cell::Text`], anything else:
//! names, descriptions, labels, also text a person typed that merely looks
//! like a number. A text cell that a spreadsheet could read as a formula gets
//! a leading `'` (OWASP's advice): cells starting with `=`, `+`, `-`, `@`, a
//! tab, CR or LF, also behind leading spaces or invisible characters, and in
//! the full-width or other compatibility spellings (`＝`, `﹢`, `−`).
//!
//! The file is semicolon-separated with a byte-order mark, as Swedish Excel
//! expects.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use unicode_normalization::UnicodeNormalization;

use crate::error::AppResult;

/// One cell of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// A count or other number computed by the program: never prefixed.
    Number(i64),
    /// Any text: defused when it could start a formula.
    Text(String),
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Number(n)
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl Cell {
    /// The text written to the file.
    fn render(&self) -> String {
        match self {
            Cell::Number(n) => n.to_string(),
            Cell::Text(s) => defuse(s),
        }
    }
}

/// Characters a spreadsheet may read as the start of a formula (after NFKC,
/// which turns `＝` into `=`, `﹢` into `+`, `＠` into `@`).
const FORMULA_START: &[char] = &[
    '=', '+', '-', '@', // OWASP's list
    '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}',
    '\u{2212}', // dashes and minus
];

/// Characters that a spreadsheet skips or that shift what counts as "first".
fn invisible_or_space(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
                | '\u{00ad}'
                | '\u{034f}'
                | '\u{180e}'
        )
}

/// Whether a text cell could be read as a formula.
pub fn is_dangerous(text: &str) -> bool {
    // Tab, CR and LF at the very start are dangerous by themselves.
    if text.starts_with(['\t', '\r', '\n']) {
        return true;
    }
    let rest = text.trim_start_matches(invisible_or_space);
    // Normalise only the first visible character: that is what decides.
    rest.chars().next().is_some_and(|c| {
        std::iter::once(c)
            .nfkc()
            .any(|n| FORMULA_START.contains(&n))
    })
}

/// The text as it is safe to put in a cell: with a leading `'` when a
/// spreadsheet could take it for a formula, otherwise unchanged.
pub fn defuse(text: &str) -> String {
    if is_dangerous(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Builds a CSV file: a header row and data rows, every cell defused.
pub struct Table {
    writer: ::csv::Writer<Vec<u8>>,
}

impl Table {
    /// A table with its header row.
    pub fn new<S: AsRef<str>>(head: &[S]) -> AppResult<Self> {
        let mut table = Table {
            writer: ::csv::WriterBuilder::new()
                .delimiter(b';')
                .from_writer(Vec::new()),
        };
        table.row(head.iter().map(|h| Cell::Text(h.as_ref().to_owned())))?;
        Ok(table)
    }

    /// Adds a row.
    pub fn row(&mut self, cells: impl IntoIterator<Item = Cell>) -> AppResult<()> {
        let rendered: Vec<String> = cells.into_iter().map(|c| c.render()).collect();
        self.writer
            .write_record(&rendered)
            .map_err(anyhow::Error::from)?;
        Ok(())
    }

    /// The file's bytes, with a byte-order mark so that Excel reads å, ä and ö right.
    pub fn into_bytes(self) -> AppResult<Vec<u8>> {
        let body = self
            .writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("csv: {e}"))?;
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend(body);
        Ok(bytes)
    }

    /// The file as a download named `filename` (ASCII, without quotes).
    pub fn into_response(self, filename: &str) -> AppResult<Response> {
        let bytes = self.into_bytes()?;
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename}\""),
                ),
            ],
            bytes,
        )
            .into_response())
    }
}

/// A coordinate for the CSV exports: five decimals (about a metre), with a
/// decimal comma as Swedish Excel reads it; empty when unknown.
pub fn coordinate(value: Option<f64>) -> Cell {
    Cell::Text(
        value
            .map(|v| format!("{v:.5}").replace('.', ","))
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_in_many_spellings_are_defused() {
        for text in [
            "=1+1",
            "+1+1",
            "-1+1",
            "@SUM(A1:A2)",
            "=HYPERLINK(\"http://example.invalid\",\"klicka\")",
            "=cmd|' /C calc'!A0",
            "\t=1+1",
            "\tnågot",
            "\rnågot",
            "\nnågot",
            " =1+1",
            "   +1",
            "\u{a0}=1+1",
            "\u{3000}=1+1",
            "\u{200b}=1+1",
            "\u{feff}@x",
            "＝1+1",
            "＋1",
            "－1",
            "＠x",
            "﹦1",
            "﹢1",
            "−3",
            "–3",
            "-3",
            "-",
            "=",
        ] {
            assert!(is_dangerous(text), "{text:?}");
            assert_eq!(defuse(text), format!("'{text}"), "{text:?}");
        }
    }

    #[test]
    fn ordinary_texts_are_left_as_they_are() {
        for text in [
            "",
            "Skadegörelse",
            "Åkervägen 3",
            "1+1=2",
            "a=b",
            "12",
            "2026-W05",
            "v. 5 (2026-01-26)",
            "Buss @ torget",
            "'=1",
            "e-post",
        ] {
            assert!(!is_dangerous(text), "{text:?}");
            assert_eq!(defuse(text), text, "{text:?}");
        }
    }

    #[test]
    fn numbers_the_program_computed_stay_numbers_but_typed_ones_are_text() {
        assert_eq!(Cell::Number(-3).render(), "-3");
        assert_eq!(Cell::Number(12).render(), "12");
        assert_eq!(Cell::Text("-3".into()).render(), "'-3");
        assert_eq!(Cell::Text("12".into()).render(), "12");
    }

    #[test]
    fn a_table_quotes_and_defuses_every_cell_including_the_header() {
        let mut table = Table::new(&["=rubrik", "antal"]).expect("header");
        table
            .row([Cell::from("=1;2"), Cell::from(-4)])
            .expect("row");
        let bytes = table.into_bytes().expect("bytes");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert_eq!(text, "\u{feff}'=rubrik;antal\n\"'=1;2\";-4\n");
    }
}
