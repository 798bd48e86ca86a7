//! Line plots: time histories with shaded intervals (eclipses) and log-log
//! convergence plots with reference-slope guides.

use std::path::Path;

use plotters::prelude::*;

use super::ticks::{linear_ticks, log_ticks, Tick, TickedAxis};
use super::{
    invalid, reason, render_png, text, text_width, title_px, Area, LABEL_PX, TICK_PX, TITLE_PX,
};
use crate::error::OutputError;

/// One curve of a [`LinePlot`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Legend entry; an empty label leaves the curve out of the legend.
    pub label: String,
    /// Abscissae, in the unit named by [`LinePlot::x_label`].
    pub x: Vec<f64>,
    /// Ordinates, in the unit named by [`LinePlot::y_label`]; as many as `x`.
    pub y: Vec<f64>,
}

impl Series {
    /// A labelled curve through the points (`x[k]`, `y[k]`).
    pub fn new(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self {
            label: label.into(),
            x,
            y,
        }
    }
}

/// A dashed guide line of a given slope on a log-log plot, e.g. slope −2
/// for the error of a second-order scheme against cells per side.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceSlope {
    /// Slope in decades of y per decade of x (`y ∝ x^slope`).
    pub slope: f64,
    /// Legend entry, e.g. `2nd order`.
    pub label: String,
    /// A point the line passes through, in data units. `None`: half-way
    /// below the first point of the first series (y × 0.5), so the guide
    /// runs beside the data rather than on top of it.
    pub anchor: Option<(f64, f64)>,
}

impl ReferenceSlope {
    /// A guide of `slope` anchored beside the first data point.
    pub fn new(slope: f64, label: impl Into<String>) -> Self {
        Self {
            slope,
            label: label.into(),
            anchor: None,
        }
    }
}

/// A plot of one or more curves with a legend.
///
/// Axis labels are written as given, so put the unit in them
/// (`Time (h)`, `Temperature (K)`). Non-finite points (and non-positive ones
/// on a log axis) are skipped and break the line there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinePlot {
    /// Plot title.
    pub title: String,
    /// x-axis label with unit.
    pub x_label: String,
    /// y-axis label with unit.
    pub y_label: String,
    /// The curves; colours follow a colour-blind-safe palette in this order.
    pub series: Vec<Series>,
    /// x intervals drawn as grey bands behind the curves (e.g. eclipses),
    /// in the x unit; clipped to the plotted range.
    pub shaded: Vec<(f64, f64)>,
    /// Legend entry for the bands, e.g. `eclipse`.
    pub shaded_label: Option<String>,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// Dashed guide lines (log-log plots only).
    pub reference_slopes: Vec<ReferenceSlope>,
}

/// Curve colours: the Tableau 10 palette (grey left out, it is the band colour).
const PALETTE: [RGBColor; 9] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
/// Shaded-band fill.
const BAND: RGBAColor = RGBAColor(110, 110, 110, 0.22);
/// Reference-slope colour.
const GUIDE: RGBColor = RGBColor(40, 40, 40);
/// Dash length and gap (px) of successive reference slopes.
const DASHES: [(u32, u32); 3] = [(12, 7), (4, 5), (22, 6)];
/// Height of the x label area (px).
const X_AREA_PX: u32 = 66;
/// Gap between the legend and the plot edges (px).
const LEGEND_MARGIN_PX: u32 = 12;
/// Curves with at most this many points also get point markers.
const MARKER_MAX_POINTS: usize = 30;

/// Draws `plot` as a PNG at `path` (replaced atomically).
///
/// Ranges cover the data with a small margin; log axes get ticks at powers
/// of ten (or at 1-2-5 multiples within a decade). The legend goes in the
/// corner with the least data under it. Curves longer than the plot is wide
/// are reduced to the per-pixel minimum and maximum, so the envelope is kept.
///
/// Returns [`OutputError::InvalidData`] for no series, a series with no
/// points, `x` and `y` of different lengths, a series with no finite point
/// (or none > 0 on a log axis), a non-finite shaded interval, or reference
/// slopes on axes that are not both logarithmic.
pub fn plot_lines(path: &Path, plot: &LinePlot) -> Result<(), OutputError> {
    let prepared = prepare(plot).map_err(|reason| invalid(path, reason))?;
    render_png(path, |root| draw(root, plot, &prepared))
}

/// An axis mapping from data units to plot units (log10 on log axes).
#[derive(Clone, Copy)]
struct Axis {
    log: bool,
}

impl Axis {
    fn accepts(self, v: f64) -> bool {
        v.is_finite() && (!self.log || v > 0.0)
    }
    fn to_plot(self, v: f64) -> f64 {
        if self.log {
            v.log10()
        } else {
            v
        }
    }
}

/// Everything checked and transformed to plot units.
struct Prepared {
    /// Per series, its unbroken runs of plottable points (plot units).
    segments: Vec<Vec<Vec<(f64, f64)>>>,
    x_range: (f64, f64),
    y_range: (f64, f64),
    /// Shaded bands in plot units, clipped to `x_range`, non-empty.
    bands: Vec<(f64, f64)>,
    /// Reference lines (plot units) clipped to the ranges, with their index.
    guides: Vec<(usize, [(f64, f64); 2])>,
    x_ticks: (Vec<Tick>, Vec<f64>),
    y_ticks: (Vec<Tick>, Vec<f64>),
}

fn prepare(plot: &LinePlot) -> Result<Prepared, String> {
    let ax = Axis { log: plot.log_x };
    let ay = Axis { log: plot.log_y };
    if plot.series.is_empty() {
        return Err("line plot has no series".to_owned());
    }
    let mut segments = Vec::with_capacity(plot.series.len());
    let mut xr = (f64::INFINITY, f64::NEG_INFINITY);
    let mut yr = xr;
    for (k, s) in plot.series.iter().enumerate() {
        let name = if s.label.is_empty() {
            format!("series {k}")
        } else {
            format!("series `{}`", s.label)
        };
        if s.x.len() != s.y.len() {
            return Err(format!(
                "{name} has {} x values but {} y values",
                s.x.len(),
                s.y.len()
            ));
        }
        if s.x.is_empty() {
            return Err(format!("{name} has no points"));
        }
        let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut run = Vec::new();
        for (&x, &y) in s.x.iter().zip(&s.y) {
            if ax.accepts(x) && ay.accepts(y) {
                let p = (ax.to_plot(x), ay.to_plot(y));
                xr = (xr.0.min(p.0), xr.1.max(p.0));
                yr = (yr.0.min(p.1), yr.1.max(p.1));
                run.push(p);
            } else if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        if runs.is_empty() {
            let what = match (plot.log_x, plot.log_y) {
                (false, false) => "finite point",
                _ => "finite point that is > 0 on its log axis",
            };
            return Err(format!("{name} has no {what}"));
        }
        segments.push(runs);
    }
    let x_range = padded(xr, if plot.log_x { 0.04 } else { 0.02 }, plot.log_x);
    let y_range = padded(yr, 0.05, plot.log_y);

    let mut bands = Vec::new();
    for &(a, b) in &plot.shaded {
        if !(a.is_finite() && b.is_finite()) {
            return Err(format!("shaded interval ({a}, {b}) is not finite"));
        }
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        if plot.log_x && b <= 0.0 {
            continue;
        }
        let a = if plot.log_x && a <= 0.0 {
            x_range.0
        } else {
            ax.to_plot(a)
        };
        let (a, b) = (a.max(x_range.0), ax.to_plot(b).min(x_range.1));
        if b > a {
            bands.push((a, b));
        }
    }

    let mut guides = Vec::new();
    let log_log = plot.log_x && plot.log_y;
    if !plot.reference_slopes.is_empty() && !log_log {
        return Err("reference slopes need log_x and log_y".to_owned());
    }
    for (k, r) in plot.reference_slopes.iter().enumerate() {
        if !r.slope.is_finite() {
            return Err(format!("reference slope `{}` is {}", r.label, r.slope));
        }
        let (anchor, x_span) = match r.anchor {
            Some((x, y)) => {
                if !(ax.accepts(x) && ay.accepts(y)) {
                    return Err(format!(
                        "reference slope `{}` anchor ({x}, {y}) must be finite and > 0",
                        r.label
                    ));
                }
                ((ax.to_plot(x), ay.to_plot(y)), xr)
            }
            None => {
                let first = segments[0][0][0];
                let span = segments[0]
                    .iter()
                    .flatten()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |s, p| {
                        (s.0.min(p.0), s.1.max(p.0))
                    });
                ((first.0, first.1 + 0.5f64.log10()), span)
            }
        };
        if let Some(line) = clip_line(anchor, r.slope, x_span, y_range) {
            guides.push((k, line));
        }
    }

    let x_ticks = axis_ticks(x_range, plot.log_x, 9);
    let y_ticks = axis_ticks(y_range, plot.log_y, 8);
    Ok(Prepared {
        segments,
        x_range,
        y_range,
        bands,
        guides,
        x_ticks,
        y_ticks,
    })
}

/// Widens a data range by `frac` of its span on each side (a fixed amount
/// around a single value).
fn padded((lo, hi): (f64, f64), frac: f64, log: bool) -> (f64, f64) {
    let span = hi - lo;
    if span > 0.0 {
        (lo - frac * span, hi + frac * span)
    } else if log {
        (lo - 0.5, hi + 0.5)
    } else {
        let half = if lo != 0.0 { 0.1 * lo.abs() } else { 1.0 };
        (lo - half, hi + half)
    }
}

/// Labelled and minor ticks in plot units.
fn axis_ticks((lo, hi): (f64, f64), log: bool, max_ticks: usize) -> (Vec<Tick>, Vec<f64>) {
    if log {
        let (major, minor) = log_ticks(10f64.powf(lo), 10f64.powf(hi));
        (
            major.into_iter().map(|(v, s)| (v.log10(), s)).collect(),
            minor.into_iter().map(f64::log10).collect(),
        )
    } else {
        (linear_ticks(lo, hi, max_ticks), Vec::new())
    }
}

/// The part of the line through `p` with `slope` over `x_span` that lies
/// inside `y_range`, if any.
fn clip_line(
    p: (f64, f64),
    slope: f64,
    x_span: (f64, f64),
    y_range: (f64, f64),
) -> Option<[(f64, f64); 2]> {
    let y_at = |x: f64| p.1 + slope * (x - p.0);
    let (mut x0, mut x1) = x_span;
    if slope != 0.0 {
        let xa = p.0 + (y_range.0 - p.1) / slope;
        let xb = p.0 + (y_range.1 - p.1) / slope;
        x0 = x0.max(xa.min(xb));
        x1 = x1.min(xa.max(xb));
    } else if !(y_range.0..=y_range.1).contains(&p.1) {
        return None;
    }
    (x1 > x0).then(|| [(x0, y_at(x0)), (x1, y_at(x1))])
}

/// Reduces a long run to the first, lowest, highest and last point of each
/// pixel column (in x order), keeping the visible envelope. Runs whose x is
/// not increasing are left alone.
fn decimate(run: &[(f64, f64)], (lo, hi): (f64, f64), columns: usize) -> Vec<(f64, f64)> {
    let increasing = run.windows(2).all(|w| w[1].0 >= w[0].0);
    if run.len() <= 4 * columns || !increasing || hi <= lo {
        return run.to_vec();
    }
    let column = |x: f64| (((x - lo) / (hi - lo)) * columns as f64).floor() as i64;
    let mut out = Vec::with_capacity(4 * columns + 4);
    let mut start = 0;
    while start < run.len() {
        let c = column(run[start].0);
        let mut end = start + 1;
        while end < run.len() && column(run[end].0) == c {
            end += 1;
        }
        let bucket = &run[start..end];
        let (mut imin, mut imax) = (0, 0);
        for (i, p) in bucket.iter().enumerate() {
            if p.1 < bucket[imin].1 {
                imin = i;
            }
            if p.1 > bucket[imax].1 {
                imax = i;
            }
        }
        let mut keep = [0, imin.min(imax), imin.max(imax), bucket.len() - 1];
        keep.sort_unstable();
        let mut last = usize::MAX;
        for i in keep {
            if i != last {
                out.push(bucket[i]);
                last = i;
            }
        }
        start = end;
    }
    out
}

fn draw(root: &Area<'_>, plot: &LinePlot, p: &Prepared) -> Result<(), String> {
    let tick_style = text(TICK_PX);
    let legend_style = text(TICK_PX);
    let (w, h) = root.dim_in_pixel();

    // Legend size, to find a corner for it before the axes are fixed.
    let mut legend_labels: Vec<&str> = Vec::new();
    if !p.bands.is_empty() {
        legend_labels.extend(plot.shaded_label.as_deref().filter(|l| !l.is_empty()));
    }
    legend_labels.extend(
        plot.series
            .iter()
            .map(|s| s.label.as_str())
            .filter(|l| !l.is_empty()),
    );
    legend_labels.extend(
        p.guides
            .iter()
            .map(|(k, _)| plot.reference_slopes[*k].label.as_str())
            .filter(|l| !l.is_empty()),
    );
    let legend_w = legend_labels
        .iter()
        .map(|s| text_width(root, s, &legend_style))
        .max()
        .unwrap_or(0)
        + 60
        + LEGEND_MARGIN_PX;
    let legend_h = legend_labels.len() as u32 * (TICK_PX + 10) + 16 + LEGEND_MARGIN_PX;

    let widest = |ticks: &[Tick]| {
        ticks
            .iter()
            .map(|(_, s)| text_width(root, s, &tick_style))
            .max()
            .unwrap_or(0)
    };
    let caption_h = if plot.title.trim().is_empty() {
        0
    } else {
        TITLE_PX + 12
    };
    let plot_h = h.saturating_sub(caption_h + 24 + X_AREA_PX).max(1);
    let mut y_range = p.y_range;
    let mut y_ticks = p.y_ticks.clone();
    let mut legend_at = SeriesLabelPosition::UpperRight;
    if !legend_labels.is_empty() {
        let y_area = LABEL_PX + 16 + widest(&y_ticks.0) + 14;
        let plot_w = w.saturating_sub(52 + y_area).max(1);
        let fw = f64::from(legend_w) / f64::from(plot_w);
        let fh = f64::from(legend_h) / f64::from(plot_h);
        let (corner, crossings) = quietest_corner(p, y_range, fw, fh);
        legend_at = corner;
        if crossings > 0 && fh < 0.5 {
            // Every corner has data: make head room above it for the legend.
            let (lo, hi) = y_range;
            y_range = (lo, lo + (hi - lo) / (1.0 - fh - 0.02));
            y_ticks = axis_ticks(y_range, plot.log_y, 8);
            legend_at = SeriesLabelPosition::UpperRight;
        }
    }
    let y_area = LABEL_PX + 16 + widest(&y_ticks.0) + 14;
    let (xb, xl) = (
        p.x_ticks.0.iter().map(|t| t.0).collect::<Vec<_>>(),
        p.x_ticks.1.clone(),
    );
    let (yb, yl) = (
        y_ticks.0.iter().map(|t| t.0).collect::<Vec<_>>(),
        y_ticks.1.clone(),
    );
    let mut builder = ChartBuilder::on(root);
    builder
        .margin_top(14)
        .margin_left(16)
        .margin_right(36)
        .margin_bottom(10)
        .x_label_area_size(X_AREA_PX)
        .y_label_area_size(y_area);
    if !plot.title.trim().is_empty() {
        builder.caption(&plot.title, text(title_px(root, &plot.title)));
    }
    let mut chart = builder
        .build_cartesian_2d(
            TickedAxis::new(p.x_range.0, p.x_range.1, xb, xl),
            TickedAxis::new(y_range.0, y_range.1, yb, yl),
        )
        .map_err(reason)?;
    let x_fmt = |v: &f64| nearest_label(&p.x_ticks.0, *v);
    let y_fmt = |v: &f64| nearest_label(&y_ticks.0, *v);
    chart
        .configure_mesh()
        .bold_line_style(RGBColor(205, 205, 205).stroke_width(1))
        .light_line_style(RGBColor(236, 236, 236).stroke_width(1))
        .x_desc(plot.x_label.as_str())
        .y_desc(plot.y_label.as_str())
        .axis_desc_style(text(LABEL_PX))
        .label_style(text(TICK_PX))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()
        .map_err(reason)?;

    let mut legend_entries: Vec<String> = Vec::new();
    for (k, &(a, b)) in p.bands.iter().enumerate() {
        let drawn = chart
            .draw_series(std::iter::once(Rectangle::new(
                [(a, y_range.0), (b, y_range.1)],
                BAND.filled(),
            )))
            .map_err(reason)?;
        if k == 0 {
            if let Some(label) = plot.shaded_label.as_deref().filter(|l| !l.is_empty()) {
                drawn
                    .label(label)
                    .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], BAND.filled()));
                legend_entries.push(label.to_owned());
            }
        }
    }

    let (pw, _) = chart.plotting_area().dim_in_pixel();
    for (k, (series, runs)) in plot.series.iter().zip(&p.segments).enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let n_points: usize = runs.iter().map(Vec::len).sum();
        let markers = n_points <= MARKER_MAX_POINTS;
        let line_style = colour.stroke_width(if markers { 3 } else { 2 });
        for (r, run) in runs.iter().enumerate() {
            let run = decimate(run, p.x_range, pw as usize);
            // Segment by segment: plotters joins thick polylines with
            // unbounded miters, which spike at sharp turns of dense data.
            let drawn = chart
                .draw_series(
                    run.windows(2)
                        .map(|w| PathElement::new(vec![w[0], w[1]], line_style)),
                )
                .map_err(reason)?;
            if r == 0 && !series.label.is_empty() {
                drawn.label(series.label.as_str()).legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (24, 0)], colour.stroke_width(3))
                        + Circle::new((12, 0), if markers { 4 } else { 0 }, colour.filled())
                });
                legend_entries.push(series.label.clone());
            }
            // Markers on short curves; a dot for an isolated point otherwise.
            let radius = if markers {
                4
            } else if run.len() == 1 {
                2
            } else {
                0
            };
            if radius > 0 {
                chart
                    .draw_series(
                        run.iter()
                            .map(|&pt| Circle::new(pt, radius, colour.filled())),
                    )
                    .map_err(reason)?;
            }
        }
    }

    for &(k, [a, b]) in &p.guides {
        let (dash, gap) = DASHES[k % DASHES.len()];
        let style = GUIDE.stroke_width(2);
        let drawn = chart
            .draw_series(DashedLineSeries::new([a, b], dash, gap, style))
            .map_err(reason)?;
        let label = &plot.reference_slopes[k].label;
        if !label.is_empty() {
            drawn.label(label.as_str()).legend(move |(x, y)| {
                // Three dashes of this guide's pattern across a 24 px sample.
                let (d, g) = (dash as i32, gap as i32);
                let dash_at = |start: i32| {
                    let (a, b) = (start.min(24), (start + d).min(24));
                    PathElement::new(vec![(a, 0), (b, 0)], style)
                };
                EmptyElement::at((x, y)) + dash_at(0) + dash_at(d + g) + dash_at(2 * (d + g))
            });
            legend_entries.push(label.clone());
        }
    }

    if !legend_entries.is_empty() {
        chart
            .configure_series_labels()
            .position(legend_at)
            .margin(LEGEND_MARGIN_PX)
            .label_font(legend_style)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(reason)?;
    }
    Ok(())
}

/// Label of the tick nearest `v`.
fn nearest_label(ticks: &[Tick], v: f64) -> String {
    ticks
        .iter()
        .min_by(|a, b| (a.0 - v).abs().total_cmp(&(b.0 - v).abs()))
        .map(|(_, s)| s.clone())
        .unwrap_or_default()
}

/// The plot corner where a legend of the given size (fractions of the plot
/// area) would cover the fewest curve samples, and how many it covers.
fn quietest_corner(
    p: &Prepared,
    (y0, y1): (f64, f64),
    fw: f64,
    fh: f64,
) -> (SeriesLabelPosition, usize) {
    let (x0, x1) = p.x_range;
    let mut counts = [0usize; 4];
    let mut count = |x: f64, y: f64| {
        let u = (x - x0) / (x1 - x0);
        let v = (y - y0) / (y1 - y0);
        let right = u > 1.0 - fw;
        let left = u < fw;
        let top = v > 1.0 - fh;
        let bottom = v < fh;
        counts[0] += usize::from(right && top);
        counts[1] += usize::from(left && top);
        counts[2] += usize::from(right && bottom);
        counts[3] += usize::from(left && bottom);
    };
    let lines = p
        .segments
        .iter()
        .flatten()
        .map(|run| run.as_slice())
        .chain(p.guides.iter().map(|(_, line)| &line[..]));
    for run in lines {
        // Sample along each segment, so long straight segments count too.
        let step = if run.len() > 2000 { 1 } else { 16 };
        for w in run.windows(2) {
            for s in 0..step {
                let t = s as f64 / step as f64;
                count(
                    w[0].0 + t * (w[1].0 - w[0].0),
                    w[0].1 + t * (w[1].1 - w[0].1),
                );
            }
        }
        if let Some(&(x, y)) = run.last() {
            count(x, y);
        }
    }
    let order = [
        SeriesLabelPosition::UpperRight,
        SeriesLabelPosition::UpperLeft,
        SeriesLabelPosition::LowerRight,
        SeriesLabelPosition::LowerLeft,
    ];
    let best = (0..4).min_by_key(|&i| (counts[i], i)).unwrap_or(0);
    (order[best].clone(), counts[best])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_the_envelope() {
        let run: Vec<(f64, f64)> = (0..100_000)
            .map(|k| {
                let x = k as f64 / 100_000.0;
                (x, (x * 200.0).sin())
            })
            .collect();
        let out = decimate(&run, (0.0, 1.0), 500);
        assert!(out.len() <= 4 * 500 + 4);
        let max = out.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let min = out.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        assert!(max > 0.9999 && min < -0.9999);
        assert!(out.windows(2).all(|w| w[1].0 >= w[0].0));
        assert_eq!(out.first(), run.first());
        assert_eq!(out.last(), run.last());
    }

    #[test]
    fn guide_lines_are_clipped_to_the_y_range() {
        let line = clip_line((0.0, 0.0), -2.0, (0.0, 3.0), (-4.0, 1.0));
        let [a, b] = line.unwrap_or([(f64::NAN, f64::NAN); 2]);
        assert_eq!(a, (0.0, 0.0));
        assert_eq!(b, (2.0, -4.0));
        assert!(clip_line((0.0, 5.0), 0.0, (0.0, 1.0), (0.0, 1.0)).is_none());
    }
}
