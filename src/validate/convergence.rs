//! Refinement studies: the observed order of convergence, its log-log plot,
//! and the small edits of a case table that refine its grid or time step.
//!
//! For errors `e₁, e₂` at spacings `h₁, h₂` (cell size or time step) of a
//! scheme whose error behaves as `C hᵖ`, the observed order is
//! `p = ln(e₁/e₂) / ln(h₁/h₂)` (Roache, *Verification and Validation in
//! Computational Science and Engineering*, Hermosa, 1998, §5.4; Oberkampf &
//! Roy, *Verification and Validation in Scientific Computing*, 2010, §5.3).
//! Validation cases check the order between the two finest levels, where the
//! asymptotic range is most surely reached.

use std::path::{Path, PathBuf};

use super::RunContext;
use crate::error::{Error, InputError, OutputError};
use crate::output::{plot_lines, LinePlot, ReferenceSlope, Series};

/// Errors of one quantity over a sequence of refinements.
#[derive(Debug, Clone, PartialEq)]
pub struct Refinement {
    /// Legend entry (what was measured, and how).
    pub label: String,
    /// Grid spacing or time step of each level (m or s), coarsest first.
    pub spacing: Vec<f64>,
    /// Error at each level (in the unit of the plot's y axis).
    pub errors: Vec<f64>,
}

impl Refinement {
    /// A study with its label, spacings and errors (same length, coarsest first).
    pub fn new(label: impl Into<String>, spacing: Vec<f64>, errors: Vec<f64>) -> Self {
        Self {
            label: label.into(),
            spacing,
            errors,
        }
    }

    /// Observed orders between successive levels, `ln(e_k/e_{k+1}) / ln(h_k/h_{k+1})`
    /// (NaN where an error or spacing is not > 0).
    pub fn orders(&self) -> Vec<f64> {
        self.spacing
            .windows(2)
            .zip(self.errors.windows(2))
            .map(|(h, e)| observed_order(h[0], h[1], e[0], e[1]))
            .collect()
    }

    /// Observed order between the two finest levels (NaN with fewer than two).
    pub fn finest_order(&self) -> f64 {
        self.orders().last().copied().unwrap_or(f64::NAN)
    }

    /// Error at the finest level (NaN if there is none).
    pub fn finest_error(&self) -> f64 {
        self.errors.last().copied().unwrap_or(f64::NAN)
    }

    /// The study as a plot series.
    pub fn series(&self) -> Series {
        Series::new(
            format!("{} (order {:.2})", self.label, self.finest_order()),
            self.spacing.clone(),
            self.errors.clone(),
        )
    }

    /// A dashed guide of slope `order` through half the coarsest error of this
    /// study, labelled `label`.
    pub fn guide(&self, order: f64, label: impl Into<String>) -> ReferenceSlope {
        let mut r = ReferenceSlope::new(order, label);
        if let (Some(&h), Some(&e)) = (self.spacing.first(), self.errors.first()) {
            if h > 0.0 && e > 0.0 {
                r.anchor = Some((h, 0.5 * e));
            }
        }
        r
    }
}

/// `ln(e₁/e₂) / ln(h₁/h₂)`; NaN unless all four are > 0 and `h₁ ≠ h₂`.
pub fn observed_order(h1: f64, h2: f64, e1: f64, e2: f64) -> f64 {
    if h1 > 0.0 && h2 > 0.0 && e1 > 0.0 && e2 > 0.0 && h1 != h2 {
        (e1 / e2).ln() / (h1 / h2).ln()
    } else {
        f64::NAN
    }
}

/// A log-log convergence plot of `studies` with the guides `slopes`.
pub fn convergence_plot(
    title: &str,
    x_label: &str,
    y_label: &str,
    studies: &[&Refinement],
    slopes: Vec<ReferenceSlope>,
) -> LinePlot {
    LinePlot {
        title: title.to_string(),
        x_label: x_label.to_string(),
        y_label: y_label.to_string(),
        series: studies.iter().map(|s| s.series()).collect(),
        log_x: true,
        log_y: true,
        reference_slopes: slopes,
        ..LinePlot::default()
    }
}

/// Writes `plot` as `<out_dir>/<file_name>` (a `.png` name), creating the
/// folder; does nothing when the context has no output folder. Returns the
/// path written.
pub fn write_plot(
    ctx: &RunContext,
    file_name: &str,
    plot: &LinePlot,
) -> Result<Option<PathBuf>, Error> {
    let Some(dir) = &ctx.out_dir else {
        return Ok(None);
    };
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Write {
        path: dir.clone(),
        source,
    })?;
    let path = dir.join(file_name);
    plot_lines(&path, plot)?;
    Ok(Some(path))
}

// ---------------------------------------------------------------------------
// Editing a case table (refining a grid, shortening a step, changing a value)
// ---------------------------------------------------------------------------

fn missing(file: &Path, path: &str, what: &str) -> InputError {
    InputError::Inconsistent {
        file: file.to_path_buf(),
        key: format!("case.{path}"),
        reason: format!("the validation runner needs this key: {what}"),
    }
}

/// The table that holds the last key of the dotted `path`, and that key.
fn parent_mut<'a>(
    table: &'a mut toml::Table,
    path: &'a str,
    file: &Path,
) -> Result<(&'a mut toml::Table, &'a str), InputError> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or(path);
    let mut t = table;
    for p in parts {
        t = match t.get_mut(p) {
            Some(toml::Value::Table(inner)) => inner,
            _ => return Err(missing(file, path, "a table on the way is missing")),
        };
    }
    Ok((t, last))
}

/// Sets the value at the dotted key `path` of a case table (the tables on the
/// way must exist; the last key may be new), e.g. `panels.bar.nx`.
pub fn set_key(
    table: &mut toml::Table,
    path: &str,
    value: impl Into<toml::Value>,
    file: &Path,
) -> Result<(), InputError> {
    let (t, key) = parent_mut(table, path, file)?;
    t.insert(key.to_string(), value.into());
    Ok(())
}

/// Removes the dotted key `path` from a case table (an error if absent).
pub fn remove_key(table: &mut toml::Table, path: &str, file: &Path) -> Result<(), InputError> {
    let (t, key) = parent_mut(table, path, file)?;
    t.remove(key)
        .map(|_| ())
        .ok_or_else(|| missing(file, path, "it should be present to be removed"))
}

/// The value at a key path of a case table: dotted keys, each optionally
/// followed by array indices, e.g. `panels.bar.nx` or
/// `panels.plate.loads[0].region_m[1][0]`.
pub fn value_at<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut current: Option<&toml::Value> = None;
    let mut t = Some(table);
    for part in path.split('.') {
        let (name, indices) = part
            .split_once('[')
            .map_or((part, ""), |(n, rest)| (n, rest));
        current = t?.get(name);
        for index in indices.split('[').filter(|s| !s.is_empty()) {
            let i: usize = index.trim_end_matches(']').parse().ok()?;
            current = current?.as_array()?.get(i);
        }
        t = current.and_then(|v| v.as_table());
    }
    current
}

/// The number at a key path of a case table (see [`value_at`]; integers accepted).
pub fn f64_at(table: &toml::Table, path: &str, file: &Path) -> Result<f64, InputError> {
    match value_at(table, path) {
        Some(toml::Value::Float(x)) => Ok(*x),
        Some(toml::Value::Integer(x)) => Ok(*x as f64),
        _ => Err(missing(file, path, "a number")),
    }
}

/// The string at a key path of a case table (see [`value_at`]).
pub fn str_at<'a>(table: &'a toml::Table, path: &str, file: &Path) -> Result<&'a str, InputError> {
    match value_at(table, path) {
        Some(toml::Value::String(s)) => Ok(s),
        _ => Err(missing(file, path, "a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_of_power_laws_are_recovered() {
        let h = vec![0.1, 0.05, 0.025];
        let e: Vec<f64> = h.iter().map(|h: &f64| 3.0 * h.powi(2)).collect();
        let r = Refinement::new("x", h, e);
        assert!(r.orders().iter().all(|p| (p - 2.0).abs() < 1e-12));
        assert!((r.finest_error() - 3.0 * 0.025f64.powi(2)).abs() < 1e-15);
        assert!(Refinement::new("y", vec![1.0], vec![1.0])
            .finest_order()
            .is_nan());
        assert!(observed_order(1.0, 0.5, 0.0, 1.0).is_nan());
    }

    #[test]
    fn case_tables_are_edited_by_key_path() {
        let file = Path::new("v.toml");
        let mut t: toml::Table = toml::from_str("[panels.bar]\nnx = 4\nlength_m = 0.5\n").unwrap();
        set_key(&mut t, "panels.bar.nx", 16, file).unwrap();
        assert_eq!(f64_at(&t, "panels.bar.nx", file).unwrap(), 16.0);
        assert_eq!(f64_at(&t, "panels.bar.length_m", file).unwrap(), 0.5);
        assert!(f64_at(&t, "panels.rod.nx", file).is_err());
        assert!(set_key(&mut t, "panels.rod.nx", 3, file).is_err());
        let u: toml::Table =
            toml::from_str("[[p.loads]]\nregion_m = [[0.0, 0.5], [2.0, 1.5]]\nname = \"a\"\n")
                .unwrap();
        assert_eq!(f64_at(&u, "p.loads[0].region_m[1][0]", file).unwrap(), 2.0);
        assert_eq!(str_at(&u, "p.loads[0].name", file).unwrap(), "a");
        assert!(f64_at(&u, "p.loads[1].region_m[1][0]", file).is_err());
        remove_key(&mut t, "panels.bar.length_m", file).unwrap();
        assert!(remove_key(&mut t, "panels.bar.length_m", file).is_err());
    }
}
