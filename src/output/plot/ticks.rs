//! Tick positions and number labels for plot axes.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

/// A labelled tick: position in data units and its label.
pub(crate) type Tick = (f64, String);

/// A linear f64 axis over `lo..hi` whose grid lines sit where we say:
/// labelled (`bold`) ticks and unlabelled (`light`) minor lines.
///
/// (plotters' own `WithKeyPoints` does the same but loses label formatting
/// for `f64`, so mesh drawing is unavailable with it.)
#[derive(Clone)]
pub(crate) struct TickedAxis {
    lo: f64,
    hi: f64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl TickedAxis {
    /// An axis over `lo..hi` with grid lines at `bold` and `light`.
    pub(crate) fn new(lo: f64, hi: f64, bold: Vec<f64>, light: Vec<f64>) -> Self {
        Self {
            lo,
            hi,
            bold,
            light,
        }
    }
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.lo..self.hi).map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// "Nice" linear ticks (steps of 1, 2, 2.5 or 5 × 10ⁿ) inside `[lo, hi]`,
/// at most about `max_ticks` of them, with labels that show just enough
/// digits to tell neighbours apart.
pub(crate) fn linear_ticks(lo: f64, hi: f64, max_ticks: usize) -> Vec<Tick> {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) || max_ticks < 2 {
        return vec![(lo, format_number(lo, 4))];
    }
    // The smallest nice step that gives at most `max_ticks` ticks.
    let count = |step: f64| (hi / step + 1e-9).floor() - (lo / step - 1e-9).ceil() + 1.0;
    let mag = 10f64.powf((span / max_ticks as f64).log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| count(s) <= max_ticks as f64)
        .unwrap_or(100.0 * mag);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if last.saturating_sub(first) > 2 * max_ticks as i64 || last < first {
        // Beyond what f64 resolves at this magnitude: label the ends.
        return vec![(lo, format_number(lo, 6)), (hi, format_number(hi, 6))];
    }
    let big = lo.abs().max(hi.abs());
    let scientific = !(1e-3..1e5).contains(&big);
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            // Snap values like 0.30000000000000004 and -0 to the intended tick.
            let v = if (v / step).abs() < 1e-9 { 0.0 } else { v };
            let label = if scientific {
                format_scientific(v, significant_digits(v, step))
            } else {
                format_fixed(v, step)
            };
            (v, label)
        })
        .collect()
}

/// Ticks for a logarithmic axis over `[lo, hi]` (both > 0): labelled ticks
/// and unlabelled minor ticks (for light grid lines).
///
/// Over a decade or more, labels sit on powers of ten (every k-th decade when
/// there are many) with minor ticks at 2–9 × 10ⁿ; over less than a decade,
/// labels sit on 1, 2, 5 × 10ⁿ or every integer multiple of 10ⁿ.
pub(crate) fn log_ticks(lo: f64, hi: f64) -> (Vec<Tick>, Vec<f64>) {
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if !(lo > 0.0 && hi.is_finite()) {
        return (Vec::new(), Vec::new());
    }
    let d_lo = (lo.log10() - 1e-9).ceil() as i32;
    let d_hi = (hi.log10() + 1e-9).floor() as i32;
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let n_decades = d_hi - d_lo + 1;
    if n_decades >= 2 {
        let every = (n_decades + 7) / 8;
        let plain = d_lo >= -3 && d_hi <= 4;
        let mut major = Vec::new();
        let mut minor = Vec::new();
        // With only two labelled decades, 2× and 5× get labels too.
        let sparse = n_decades == 2;
        for d in (d_lo - 1)..=d_hi {
            let base = 10f64.powi(d);
            if sparse {
                for m in [2.0, 5.0] {
                    let v = m * base;
                    if inside(v) {
                        major.push((v, format_number(v, 2)));
                    }
                }
            }
            if d >= d_lo && (d - d_lo) % every == 0 {
                let label = if plain {
                    format_fixed(base, base)
                } else {
                    format!("10{}", superscript(d))
                };
                major.push((base, label));
            } else if d >= d_lo && inside(base) {
                minor.push(base);
            }
            if every == 1 {
                minor.extend(
                    (2..10)
                        .filter(|&m| !(sparse && (m == 2 || m == 5)))
                        .map(|m| f64::from(m) * base)
                        .filter(|&v| inside(v)),
                );
            }
        }
        return (major, minor);
    }
    // Less than two decade marks: label mantissas so there are at least three.
    for mantissas in [
        &[1.0, 2.0, 5.0][..],
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0][..],
    ] {
        let mut major = Vec::new();
        for d in (d_lo - 1)..=(d_hi + 1) {
            let base = 10f64.powi(d);
            for &m in mantissas {
                let v = m * base;
                if inside(v) {
                    major.push(v);
                }
            }
        }
        if major.len() >= 3 {
            let ticks = major.iter().map(|&v| (v, format_number(v, 3))).collect();
            return (ticks, Vec::new());
        }
    }
    // A very narrow range: fall back to linear ticks.
    (linear_ticks(lo, hi, 5), Vec::new())
}

/// Formats `v` to `sig` significant digits: plain decimal for magnitudes in
/// [1e-3, 1e5), `m×10ⁿ` otherwise; trailing zeros are dropped.
pub(crate) fn format_number(v: f64, sig: usize) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".to_owned();
    }
    let a = v.abs();
    if (1e-3..1e5).contains(&a) {
        let exp = a.log10().floor() as i32;
        let decimals = (sig as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{v:.decimals$}")).replace('-', "−")
    } else {
        format_scientific(v, sig)
    }
}

/// Formats `v` as `m×10ⁿ` with `sig` significant digits in `m`.
fn format_scientific(v: f64, sig: usize) -> String {
    if v == 0.0 {
        return "0".to_owned();
    }
    let decimals = sig.saturating_sub(1);
    let s = format!("{v:.decimals$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mantissa = trim_zeros(mantissa);
    if mantissa == "1" {
        format!("10{}", superscript(exp))
    } else if mantissa == "-1" {
        format!("−10{}", superscript(exp))
    } else {
        format!("{}×10{}", mantissa.replace('-', "−"), superscript(exp))
    }
}

/// Significant digits needed to show `v` on a grid of `step`.
fn significant_digits(v: f64, step: f64) -> usize {
    if v == 0.0 {
        return 1;
    }
    let digits = v.abs().log10().floor() - (step.log10() - 0.4).floor();
    (digits as usize + 1).clamp(1, 6)
}

/// Fixed-point label for a tick on a grid of `step`.
fn format_fixed(v: f64, step: f64) -> String {
    let decimals = (-(step.log10() - 0.4).floor()).max(0.0) as usize;
    let s = format!("{v:.decimals$}");
    let s = if decimals > 0 { trim_zeros(&s) } else { s };
    if s == "-0" {
        "0".to_owned()
    } else {
        s.replace('-', "−")
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s.to_owned()
    }
}

/// `n` in Unicode superscript digits (DejaVu Sans has them all).
fn superscript(n: i32) -> String {
    n.to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            '9' => '⁹',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[Tick]) -> Vec<&str> {
        ticks.iter().map(|(_, s)| s.as_str()).collect()
    }

    #[test]
    fn linear_ticks_are_round_and_inside() {
        assert_eq!(
            labels(&linear_ticks(0.0, 1.0, 6)),
            ["0", "0.2", "0.4", "0.6", "0.8", "1"]
        );
        assert_eq!(
            labels(&linear_ticks(0.0, 2.0, 9)),
            ["0", "0.25", "0.5", "0.75", "1", "1.25", "1.5", "1.75", "2"]
        );
        assert_eq!(
            labels(&linear_ticks(271.3, 348.9, 4)),
            ["280", "300", "320", "340"]
        );
        // Near the limit of f64 resolution the count stays bounded.
        assert!(linear_ticks(1e18, 1e18 + 256.0, 8).len() <= 8);
        assert!(linear_ticks(1e300, 1.0000001e300, 8).len() <= 8);
        assert_eq!(
            labels(&linear_ticks(271.3, 348.9, 8)),
            ["280", "290", "300", "310", "320", "330", "340"]
        );
        assert_eq!(
            labels(&linear_ticks(-5.0, 5.0, 5)),
            ["−4", "−2", "0", "2", "4"]
        );
        assert_eq!(
            labels(&linear_ticks(0.0, 3e-5, 4)),
            ["0", "10⁻⁵", "2×10⁻⁵", "3×10⁻⁵"]
        );
        assert_eq!(labels(&linear_ticks(0.0, 2e6, 3)), ["0", "10⁶", "2×10⁶"]);
        let t = linear_ticks(0.1, 0.7, 7);
        assert!(t
            .iter()
            .all(|(v, _)| (0.1 - 1e-12..=0.7 + 1e-12).contains(v)));
    }

    #[test]
    fn log_ticks_over_decades_and_within_one() {
        let (major, minor) = log_ticks(3e-6, 2e-2);
        assert_eq!(labels(&major), ["10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²"]);
        assert!(minor.contains(&4e-6) && minor.contains(&2e-2) && !minor.contains(&1e-7));
        let (mut major, _) = log_ticks(8.0, 600.0);
        major.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(labels(&major), ["10", "20", "50", "100", "200", "500"]);
        let (major, minor) = log_ticks(20.0, 90.0);
        assert_eq!(
            labels(&major),
            ["20", "30", "40", "50", "60", "70", "80", "90"]
        );
        assert!(minor.is_empty());
        let (major, _) = log_ticks(15.0, 600.0);
        assert_eq!(labels(&major), ["20", "50", "100", "200", "500"]);
        let (major, _) = log_ticks(1e-30, 1e30);
        assert!(major.len() <= 9);
    }

    #[test]
    fn numbers_have_the_asked_significance() {
        assert_eq!(format_number(342.6789, 4), "342.7");
        assert_eq!(format_number(0.012345, 3), "0.0123");
        assert_eq!(format_number(1.5e-7, 3), "1.5×10⁻⁷");
        assert_eq!(format_number(-2.0e6, 3), "−2×10⁶");
        assert_eq!(format_number(300.0, 4), "300");
    }
}
