//! Tables as CSV: one header row, then rows of numbers at full precision.
//!
//! Numbers are written with the shortest text that parses back to the same
//! `f64` (`0.1`, `293.15`, `1.5e-7`), so a round trip through the file loses
//! nothing. Non-finite values are written `NaN`, `inf`, `-inf`, which Rust,
//! Python, NumPy and pandas all read back. Text cells (headers, labels) are
//! quoted per RFC 4180 when they hold a comma, quote or line break. Lines end
//! with `\n`. Files are replaced atomically (see [`super::atomic`]).

use std::io::{self, Write};
use std::path::Path;

use super::atomic::write_atomic_with;
use crate::error::OutputError;

/// Writes a table given column by column: `columns[c][r]` is row `r` of
/// column `c`, headed `headers[c]`.
///
/// Every column must have the same length and there must be one header per
/// column; otherwise nothing is written and [`OutputError::InvalidData`] says
/// which column is off.
pub fn write_csv<C: AsRef<[f64]>>(
    path: &Path,
    headers: &[&str],
    columns: &[C],
) -> Result<(), OutputError> {
    let rows = check_columns(path, headers.len(), None, columns)?;
    write_atomic_with(path, |w| {
        write_header(w, headers)?;
        for r in 0..rows {
            write_row(w, None, columns.iter().map(|c| c.as_ref()[r]))?;
        }
        Ok(())
    })
}

/// Writes a table given column by column with a leading text column:
/// row `r` starts with `labels[r]` (e.g. a node name), then `columns[c][r]`.
///
/// `headers` names every column including the label column, so
/// `headers.len() == columns.len() + 1`.
pub fn write_csv_labeled<L: AsRef<str>, C: AsRef<[f64]>>(
    path: &Path,
    headers: &[&str],
    labels: &[L],
    columns: &[C],
) -> Result<(), OutputError> {
    if headers.len() != columns.len() + 1 {
        return Err(invalid(
            path,
            format!(
                "{} headers for a label column and {} numeric columns; expected {}",
                headers.len(),
                columns.len(),
                columns.len() + 1
            ),
        ));
    }
    let rows = check_columns(path, columns.len(), Some(labels.len()), columns)?;
    write_atomic_with(path, |w| {
        write_header(w, headers)?;
        for (r, label) in labels.iter().enumerate().take(rows) {
            write_row(
                w,
                Some(label.as_ref()),
                columns.iter().map(|c| c.as_ref()[r]),
            )?;
        }
        Ok(())
    })
}

/// Writes a table given row by row: `rows[r][c]` is column `c` of row `r`.
///
/// Every row must have one value per header.
pub fn write_csv_rows<R: AsRef<[f64]>>(
    path: &Path,
    headers: &[&str],
    rows: &[R],
) -> Result<(), OutputError> {
    if let Some((r, row)) = rows
        .iter()
        .enumerate()
        .find(|(_, row)| row.as_ref().len() != headers.len())
    {
        return Err(invalid(
            path,
            format!(
                "row {r} has {} values but there are {} headers",
                row.as_ref().len(),
                headers.len()
            ),
        ));
    }
    write_atomic_with(path, |w| {
        write_header(w, headers)?;
        for row in rows {
            write_row(w, None, row.as_ref().iter().copied())?;
        }
        Ok(())
    })
}

/// Checks header count and column lengths; returns the number of rows.
fn check_columns<C: AsRef<[f64]>>(
    path: &Path,
    n_headers: usize,
    n_labels: Option<usize>,
    columns: &[C],
) -> Result<usize, OutputError> {
    if n_headers != columns.len() {
        return Err(invalid(
            path,
            format!(
                "{n_headers} headers but {} columns; give one header per column",
                columns.len()
            ),
        ));
    }
    let rows = n_labels.or_else(|| columns.first().map(|c| c.as_ref().len()));
    let Some(rows) = rows else {
        return Ok(0);
    };
    for (c, column) in columns.iter().enumerate() {
        let len = column.as_ref().len();
        if len != rows {
            let what = if n_labels.is_some() {
                "labels"
            } else {
                "column 0"
            };
            return Err(invalid(
                path,
                format!("column {c} has {len} values but {what} has {rows}; columns must have equal length"),
            ));
        }
    }
    Ok(rows)
}

fn invalid(path: &Path, reason: String) -> OutputError {
    OutputError::InvalidData {
        path: path.to_path_buf(),
        reason,
    }
}

fn write_header(w: &mut dyn Write, headers: &[&str]) -> io::Result<()> {
    for (c, h) in headers.iter().enumerate() {
        if c > 0 {
            w.write_all(b",")?;
        }
        write_text_cell(w, h)?;
    }
    w.write_all(b"\n")
}

fn write_row(
    w: &mut dyn Write,
    label: Option<&str>,
    values: impl Iterator<Item = f64>,
) -> io::Result<()> {
    let mut first = true;
    if let Some(label) = label {
        write_text_cell(w, label)?;
        first = false;
    }
    for v in values {
        if !first {
            w.write_all(b",")?;
        }
        first = false;
        w.write_all(format_number(v).as_bytes())?;
    }
    w.write_all(b"\n")
}

/// Writes a text cell, quoted (with inner quotes doubled) when it holds a
/// comma, a quote, a line break or leading/trailing space.
fn write_text_cell(w: &mut dyn Write, text: &str) -> io::Result<()> {
    let needs_quotes =
        text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ');
    if needs_quotes {
        write!(w, "\"{}\"", text.replace('"', "\"\""))
    } else {
        w.write_all(text.as_bytes())
    }
}

/// Formats `v` with the shortest text that parses back to the same bits:
/// plain decimal for magnitudes in [1e-4, 1e15), scientific otherwise
/// (`1.5e-7`, `6.02e23`); `NaN`, `inf`, `-inf` for non-finite values.
pub(crate) fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".to_owned()
        } else if v > 0.0 {
            "inf".to_owned()
        } else {
            "-inf".to_owned()
        };
    }
    let a = v.abs();
    if a == 0.0 || (1e-4..1e15).contains(&a) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn numbers_round_trip_exactly() {
        for v in [
            0.0,
            -0.0,
            1.0,
            0.1,
            293.15,
            1.0 / 3.0,
            1e-4,
            9.99e-5,
            1.5e-7,
            6.02214076e23,
            1e15,
            f64::MIN_POSITIVE,
            f64::MAX,
            -f64::MAX,
            5e-324,
        ] {
            let s = format_number(v);
            let back: f64 = s.parse().unwrap_or(f64::NAN);
            assert_eq!(back.to_bits(), v.to_bits(), "{v} -> {s}");
        }
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(f64::INFINITY), "inf");
        assert_eq!(format_number(f64::NEG_INFINITY), "-inf");
        assert_eq!(format_number(250.0), "250");
        assert_eq!(format_number(1.5e-7), "1.5e-7");
    }
}
