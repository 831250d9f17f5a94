//! One table type for every `driftless logs` output: aligned text for people, CSV for
//! pandas. Cells are kept as text, already formatted, so the three renderings agree.
use std::io::Write;

/// A titled table. Numeric-looking cells are right-aligned in text output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Section name (CSV `section` column, file name of `--csv-dir`).
    pub section: &'static str,
    /// Heading shown above the text table.
    pub title: String,
    /// Column names.
    pub headers: Vec<String>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
    /// Rows left out before they were built (text output of a table with millions of
    /// rows shows a few; the count still tells how many there are).
    pub omitted: usize,
}

impl Table {
    pub fn new(section: &'static str, title: impl Into<String>, headers: &[&str]) -> Self {
        Self {
            section,
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_string()).collect(),
            rows: Vec::new(),
            omitted: 0,
        }
    }

    /// A table of one row per item of `rows` (each row's cells): how most sections are built.
    pub fn with_rows(
        section: &'static str,
        title: impl Into<String>,
        headers: &[&str],
        rows: impl IntoIterator<Item = Vec<String>>,
    ) -> Self {
        let mut table = Self::new(section, title, headers);
        rows.into_iter().for_each(|cells| table.row(cells));
        table
    }

    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.headers.len(), "{}", self.section);
        self.rows.push(cells);
    }

    /// Aligned text; at most `max_rows` rows, then a line saying how many were left out.
    pub fn render(&self, out: &mut impl Write, max_rows: usize) -> std::io::Result<()> {
        writeln!(out, "{}", self.title)?;
        let shown = &self.rows[..self.rows.len().min(max_rows)];
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in shown {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let numeric: Vec<bool> = (0..self.headers.len())
            .map(|c| !shown.is_empty() && shown.iter().all(|r| looks_numeric(&r[c])))
            .collect();
        let line = |cells: &[String]| -> String {
            let mut text = String::from("  ");
            for (c, cell) in cells.iter().enumerate() {
                let pad = widths[c].saturating_sub(cell.chars().count());
                if numeric[c] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
                text.push_str("  ");
            }
            text.trim_end().to_string()
        };
        writeln!(out, "{}", line(&self.headers))?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        writeln!(out, "{}", line(&rule))?;
        for row in shown {
            writeln!(out, "{}", line(row))?;
        }
        if self.rows.is_empty() && self.omitted == 0 {
            writeln!(out, "  (none)")?;
        } else if self.rows.len() + self.omitted > shown.len() {
            let more = self.rows.len() - shown.len() + self.omitted;
            writeln!(
                out,
                "  … {more} more rows (all of them with --format csv or json)"
            )?;
        }
        writeln!(out)
    }

    /// The table as one CSV (header line first).
    pub fn write_csv(&self, out: &mut impl Write) -> std::io::Result<()> {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(&self.headers)?;
        for row in &self.rows {
            csv.write_record(row)?;
        }
        csv.flush()
    }
}

/// All tables as one tidy CSV, `section,row,column,value`: loads with one
/// `pandas.read_csv` call whatever the sections, and
/// `df[df.section == "repetition"].pivot(index="row", columns="column", values="value")`
/// gives a section back in its wide shape.
pub fn write_tidy_csv(tables: &[Table], out: &mut impl Write) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["section", "row", "column", "value"])?;
    for table in tables {
        for (r, row) in table.rows.iter().enumerate() {
            for (header, cell) in table.headers.iter().zip(row) {
                let row = r.to_string();
                csv.write_record([table.section, row.as_str(), header.as_str(), cell.as_str()])?;
            }
        }
    }
    csv.flush()
}

fn looks_numeric(cell: &str) -> bool {
    cell.is_empty()
        || cell == "-"
        || cell
            .trim_end_matches('%')
            .parse::<f64>()
            .is_ok_and(f64::is_finite)
}

/// A rate with 4 decimals, `-` when undefined (a rate over nothing).
pub fn rate(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"))
}

/// A row of the by-query-step tables (repetition, CTAR, evidence CTAR): the step, its
/// counts, then its rates, so the three lay out their columns alike.
pub fn step_row(step: usize, counts: &[u64], rates: &[Option<f64>]) -> Vec<String> {
    let counts = counts.iter().map(u64::to_string);
    std::iter::once(step.to_string())
        .chain(counts)
        .chain(rates.iter().copied().map(rate))
        .collect()
}

/// A share as a percentage with one decimal.
pub fn pct(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

/// Milliseconds as seconds with 3 decimals.
pub fn secs(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

pub use driftless_querylog::format_utc as utc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_aligned_and_csv_is_quoted() {
        let mut t = Table::new("demo", "Demo", &["query", "count"]);
        t.row(vec!["a, b".into(), "12".into()]);
        t.row(vec!["c".into(), "3".into()]);
        let mut text = Vec::new();
        t.render(&mut text, 10).expect("render");
        let text = String::from_utf8(text).expect("utf8");
        // Numbers right-aligned under their header, text left-aligned.
        assert!(
            text.contains("  query  count\n  -----  -----\n  a, b      12\n  c          3\n"),
            "{text}"
        );
        let mut csv = Vec::new();
        t.write_csv(&mut csv).expect("csv");
        assert_eq!(
            String::from_utf8(csv).expect("utf8"),
            "query,count\n\"a, b\",12\nc,3\n"
        );
        let mut tidy = Vec::new();
        write_tidy_csv(&[t], &mut tidy).expect("tidy");
        assert!(
            String::from_utf8(tidy)
                .expect("utf8")
                .contains("demo,1,count,3\n")
        );
    }
}
