//! Time profiles: how a source power or a boundary temperature varies with time.
//!
//! A [`Profile`] is constant, a tabulated series (linear interpolation, optional
//! periodic wrap), or anything that implements [`TimeFunction`] — which is how
//! orbital fluxes and other models outside `network` feed the solver.

use std::fmt::Debug;
use std::sync::Arc;

use crate::error::NetworkError;

/// A scalar function of time, supplied by any model (orbit fluxes, duty cycles…).
pub trait TimeFunction: Send + Sync + Debug {
    /// Value at time `t_s` (seconds from the start of the run).
    fn value_at(&self, t_s: f64) -> f64;

    /// Value just after `t_s`. At a jump (a cylindrical shadow's edge) [`Self::value_at`]
    /// is the value before it, which an implicit step ending there integrates; this is the
    /// value after it. The same as `value_at` for a continuous function.
    fn value_after(&self, t_s: f64) -> f64 {
        self.value_at(t_s)
    }

    /// Times in `(t0_s, t1_s]` where the function or its slope jumps (eclipse
    /// entry and exit, table corners). The transient solver lands steps on them.
    fn discontinuities(&self, _t0_s: f64, _t1_s: f64) -> Vec<f64> {
        Vec::new()
    }
}

/// A tabulated series, linearly interpolated.
///
/// Outside the table the end values are held, unless the table is periodic,
/// in which case `t` wraps with period `period_s` (the last point then joins
/// the first point one period later).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeTable {
    times_s: Vec<f64>,
    values: Vec<f64>,
    period_s: Option<f64>,
}

impl TimeTable {
    /// Builds a table; times must be finite and strictly increasing, values finite,
    /// and a period (if any) must exceed the table's span.
    pub fn new(
        element: &str,
        times_s: Vec<f64>,
        values: Vec<f64>,
        period_s: Option<f64>,
    ) -> Result<Self, NetworkError> {
        let bad = |reason: String| NetworkError::BadTable {
            element: element.to_string(),
            reason,
        };
        if times_s.is_empty() || times_s.len() != values.len() {
            return Err(bad(format!(
                "a table needs as many times as values and at least one point ({} times, {} values)",
                times_s.len(),
                values.len()
            )));
        }
        if let Some(i) = times_s.iter().chain(&values).position(|v| !v.is_finite()) {
            return Err(bad(format!("entry {i} is not a finite number")));
        }
        if let Some(i) = times_s.windows(2).position(|w| w[1] <= w[0]) {
            return Err(bad(format!(
                "times must increase strictly (time {} = {} s is not after {} s)",
                i + 1,
                times_s[i + 1],
                times_s[i]
            )));
        }
        if let Some(p) = period_s {
            let span = times_s[times_s.len() - 1] - times_s[0];
            if !(p.is_finite() && p > span) {
                return Err(bad(format!(
                    "period {p} s must be finite and longer than the table span {span} s"
                )));
            }
        }
        Ok(Self {
            times_s,
            values,
            period_s,
        })
    }

    /// Linearly interpolated value at `t_s`.
    pub fn value_at(&self, t_s: f64) -> f64 {
        let (times, values) = (&self.times_s, &self.values);
        let n = times.len();
        let t0 = times[0];
        let t = match self.period_s {
            Some(p) => t0 + (t_s - t0).rem_euclid(p),
            None => t_s,
        };
        if t <= t0 {
            return values[0];
        }
        if t >= times[n - 1] {
            return match self.period_s {
                // Between the last point and the first point one period later.
                Some(p) => {
                    let span = t0 + p - times[n - 1];
                    let w = (t - times[n - 1]) / span;
                    values[n - 1] + w * (values[0] - values[n - 1])
                }
                None => values[n - 1],
            };
        }
        let hi = times.partition_point(|&x| x <= t);
        let lo = hi - 1;
        let w = (t - times[lo]) / (times[hi] - times[lo]);
        values[lo] + w * (values[hi] - values[lo])
    }

    /// Table times (corners of the interpolant) in `(t0_s, t1_s]`, wrapped if periodic.
    pub fn corners(&self, t0_s: f64, t1_s: f64) -> Vec<f64> {
        let mut out = Vec::new();
        match self.period_s {
            None => out.extend(
                self.times_s
                    .iter()
                    .copied()
                    .filter(|&t| t > t0_s && t <= t1_s),
            ),
            Some(p) => {
                let first = self.times_s[0];
                let k0 = ((t0_s - first) / p).floor() as i64 - 1;
                let k1 = ((t1_s - first) / p).ceil() as i64 + 1;
                for k in k0..=k1 {
                    for &t in &self.times_s {
                        let tk = t + k as f64 * p;
                        if tk > t0_s && tk <= t1_s {
                            out.push(tk);
                        }
                    }
                }
            }
        }
        out
    }
}

/// A series sampled from a model that is smooth between known events,
/// linearly interpolated like its [`TimeTable`], with only the events
/// declared as discontinuities instead of every sample: a battery's losses
/// sampled at a run's output times, which jump only where the arrays' sunlight
/// begins or ends (as the orbit's tabulated fluxes declare only the eclipse
/// boundaries). Steps then land on the events alone, not on every sample (a
/// landing restarts BDF2 with a TR-BDF2 step). Events repeat with the table's
/// period when it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledSeries {
    table: TimeTable,
    events_s: Vec<f64>,
}

impl SampledSeries {
    /// The series `table` with discontinuities at `events_s` (sorted here).
    pub fn new(table: TimeTable, mut events_s: Vec<f64>) -> Self {
        events_s.retain(|t| t.is_finite());
        events_s.sort_by(f64::total_cmp);
        events_s.dedup();
        Self { table, events_s }
    }
}

impl TimeFunction for SampledSeries {
    fn value_at(&self, t_s: f64) -> f64 {
        self.table.value_at(t_s)
    }

    fn discontinuities(&self, t0_s: f64, t1_s: f64) -> Vec<f64> {
        let Some(p) = self.table.period_s.filter(|p| *p > 0.0) else {
            return self
                .events_s
                .iter()
                .copied()
                .filter(|&t| t > t0_s && t <= t1_s)
                .collect();
        };
        let mut out = Vec::new();
        let first = self.table.times_s[0];
        let (k0, k1) = (
            ((t0_s - first) / p).floor() as i64 - 1,
            ((t1_s - first) / p).ceil() as i64 + 1,
        );
        for k in k0..=k1 {
            for &t in &self.events_s {
                // Events folded into the table's first period, then repeated.
                let tk = first + (t - first).rem_euclid(p) + k as f64 * p;
                if tk > t0_s && tk <= t1_s {
                    out.push(tk);
                }
            }
        }
        out.sort_by(f64::total_cmp);
        out.dedup();
        out
    }
}

/// A harmonic `mean + amplitude · sin(2π t / period_s + phase_rad)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Harmonic {
    /// Mean value.
    pub mean: f64,
    /// Amplitude.
    pub amplitude: f64,
    /// Period in seconds (> 0).
    pub period_s: f64,
    /// Phase in radians.
    pub phase_rad: f64,
}

impl TimeFunction for Harmonic {
    fn value_at(&self, t_s: f64) -> f64 {
        self.mean
            + self.amplitude * (std::f64::consts::TAU * t_s / self.period_s + self.phase_rad).sin()
    }
}

/// How a source power (W, per unit weight) or a boundary temperature (K) varies in time.
#[derive(Debug, Clone)]
pub enum Profile {
    /// The same value at all times.
    Constant(f64),
    /// A tabulated series.
    Table(Arc<TimeTable>),
    /// Any model that implements [`TimeFunction`].
    Function(Arc<dyn TimeFunction>),
}

impl Profile {
    /// Value at time `t_s`.
    pub fn value_at(&self, t_s: f64) -> f64 {
        match self {
            Profile::Constant(v) => *v,
            Profile::Table(table) => table.value_at(t_s),
            Profile::Function(f) => f.value_at(t_s),
        }
    }

    /// Value just after `t_s` (see [`TimeFunction::value_after`]).
    pub fn value_after(&self, t_s: f64) -> f64 {
        match self {
            Profile::Function(f) => f.value_after(t_s),
            _ => self.value_at(t_s),
        }
    }

    /// Times in `(t0_s, t1_s]` where the value or its slope jumps.
    pub fn discontinuities(&self, t0_s: f64, t1_s: f64) -> Vec<f64> {
        match self {
            Profile::Constant(_) => Vec::new(),
            Profile::Table(table) => table.corners(t0_s, t1_s),
            Profile::Function(f) => f.discontinuities(t0_s, t1_s),
        }
    }

    /// True when the value never changes.
    pub fn is_constant(&self) -> bool {
        matches!(self, Profile::Constant(_))
    }
}

impl From<f64> for Profile {
    fn from(value: f64) -> Self {
        Profile::Constant(value)
    }
}

impl From<TimeTable> for Profile {
    fn from(table: TimeTable) -> Self {
        Profile::Table(Arc::new(table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampled_series_declares_its_events_only() {
        let table =
            TimeTable::new("q", vec![0.0, 30.0, 60.0], vec![1.0, 4.0, 2.0], Some(90.0)).unwrap();
        let s = SampledSeries::new(table.clone(), vec![40.0, 10.0]);
        // Interpolated as the table.
        for t in [0.0, 15.0, 45.0, 75.0, 100.0] {
            assert_eq!(s.value_at(t), table.value_at(t));
        }
        // Events only (not the samples at 30 and 60), repeated every 90 s.
        assert_eq!(
            s.discontinuities(0.0, 200.0),
            vec![10.0, 40.0, 100.0, 130.0, 190.0]
        );
        assert_eq!(table.corners(0.0, 90.0), vec![30.0, 60.0, 90.0]);
    }

    #[test]
    fn table_interpolates_and_holds_ends() {
        let t = TimeTable::new("t", vec![0.0, 10.0, 20.0], vec![0.0, 100.0, 50.0], None).unwrap();
        assert_eq!(t.value_at(-5.0), 0.0);
        assert_eq!(t.value_at(5.0), 50.0);
        assert_eq!(t.value_at(15.0), 75.0);
        assert_eq!(t.value_at(25.0), 50.0);
    }

    #[test]
    fn periodic_table_wraps_through_the_seam() {
        let t = TimeTable::new("t", vec![0.0, 10.0], vec![0.0, 100.0], Some(20.0)).unwrap();
        assert_eq!(t.value_at(25.0), 50.0);
        // Between t = 10 (100) and t = 20 (0, the first point one period later).
        assert_eq!(t.value_at(15.0), 50.0);
        assert_eq!(t.value_at(-5.0), 50.0);
        assert_eq!(t.corners(0.0, 40.0), vec![10.0, 20.0, 30.0, 40.0]);
    }

    #[test]
    fn bad_tables_are_rejected() {
        assert!(TimeTable::new("t", vec![0.0, 0.0], vec![1.0, 2.0], None).is_err());
        assert!(TimeTable::new("t", vec![0.0], vec![1.0, 2.0], None).is_err());
        assert!(TimeTable::new("t", vec![0.0, f64::NAN], vec![1.0, 2.0], None).is_err());
        assert!(TimeTable::new("t", vec![0.0, 10.0], vec![1.0, 2.0], Some(5.0)).is_err());
    }
}
