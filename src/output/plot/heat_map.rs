//! Heat maps of cell-centred panel fields with a colour bar.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::colormap::viridis;
use super::ticks::{format_number, linear_ticks, Tick, TickedAxis};
use super::{
    invalid, reason, render_png, text, text_width, title_px, Area, LABEL_PX, TICK_PX, TITLE_PX,
};
use crate::error::OutputError;

/// A cell-centred field on a rectangular plate, drawn as a heat map.
///
/// Cell (i, j), with i along x (`0..nx`) and j along y (`0..ny`), is
/// `values[j*nx + i]` (row-major, i fastest) and covers
/// `[i, i+1]·length_m/nx × [j, j+1]·width_m/ny`. Non-finite values are drawn
/// grey and left out of the colour range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatMap<'a> {
    /// Plot title.
    pub title: &'a str,
    /// Cell values, `nx*ny` of them, row-major with i fastest.
    pub values: &'a [f64],
    /// Number of cells along x.
    pub nx: usize,
    /// Number of cells along y.
    pub ny: usize,
    /// Plate extent along x (m).
    pub length_m: f64,
    /// Plate extent along y (m).
    pub width_m: f64,
    /// Colour-bar label with its unit in parentheses, e.g. `Temperature (K)`;
    /// the unit is repeated after the min/max in the subtitle.
    pub colorbar_label: &'a str,
}

/// Colour of cells with a non-finite value.
const NO_DATA: RGBColor = RGBColor(150, 150, 150);
/// Space for title and subtitle at the top (px).
const HEADER_PX: u32 = 92;
/// Space for the footnote at the bottom (px).
const FOOTER_PX: u32 = 30;
/// Width of the colour bar itself (px).
const BAR_PX: u32 = 28;
/// Gap between plate and colour bar (px).
const GAP_PX: u32 = 40;
/// Height of the x label area (tick labels and axis description) (px).
const X_AREA_PX: u32 = 66;
/// The plate is drawn to scale up to this aspect ratio; a longer, thinner
/// plate has its short side stretched (and the footnote says so).
const MAX_ASPECT: f64 = 4.0;
/// The colour bar is at least this tall (px) when the plate is flat.
const MIN_BAR_PX: u32 = 320;

/// Draws `map` as a PNG heat map at `path` (replaced atomically).
///
/// Axes are in metres with the plate drawn to scale up to a 4:1 aspect
/// ratio (a longer, thinner plate has its short side stretched, and the
/// footnote says by how much); the colour map is viridis with a labelled
/// colour bar; the subtitle gives the minimum and maximum and where they are,
/// the footnote the grid size and the number of non-finite cells. Large grids are sampled at the plot's pixel
/// resolution (nearest cell), so a 1024 × 1024 grid draws as fast as a small
/// one.
///
/// Returns [`OutputError::InvalidData`] when `values.len() != nx*ny`, the
/// grid has no cells, an extent is not finite and positive, or no value is
/// finite.
pub fn plot_heat_map(path: &Path, map: &HeatMap<'_>) -> Result<(), OutputError> {
    let stats = check(map).map_err(|reason| invalid(path, reason))?;
    let subtitle = subtitle(map, &stats);
    render_png(path, |root| draw(root, map, &stats, &subtitle))
}

/// Checks `map` and returns its value statistics, or why it cannot be drawn.
fn check(map: &HeatMap<'_>) -> Result<FieldStats, String> {
    let HeatMap {
        values,
        nx,
        ny,
        length_m,
        width_m,
        ..
    } = *map;
    let n_cells = nx
        .checked_mul(ny)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("heat map grid of {nx} × {ny} cells has no cells"))?;
    if values.len() != n_cells {
        return Err(format!(
            "heat map has {} values but the grid has {nx} × {ny} = {n_cells} cells",
            values.len()
        ));
    }
    for (name, v) in [("length_m", length_m), ("width_m", width_m)] {
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("heat map {name} = {v}; it must be finite and > 0"));
        }
    }
    FieldStats::of(values).ok_or_else(|| "heat map has no finite value to draw".to_owned())
}

/// The line under the title: extremes and where they are (cell centres, to
/// a tenth of a cell).
fn subtitle(map: &HeatMap<'_>, stats: &FieldStats) -> String {
    let HeatMap {
        nx,
        ny,
        length_m,
        width_m,
        colorbar_label,
        ..
    } = *map;
    let unit = unit_of(colorbar_label);
    let (dx, dy) = (length_m / nx as f64, width_m / ny as f64);
    let decimals = (1.0 - dx.min(dy).log10().floor()).clamp(0.0, 12.0) as usize;
    let at = |k: usize| {
        let x = ((k % nx) as f64 + 0.5) * dx;
        let y = ((k / nx) as f64 + 0.5) * dy;
        format!("(x {x:.decimals$}, y {y:.decimals$}) m")
    };
    if stats.max > stats.min {
        format!(
            "min {}{unit} at {}   ·   max {}{unit} at {}",
            format_number(stats.min, 4),
            at(stats.argmin),
            format_number(stats.max, 4),
            at(stats.argmax)
        )
    } else {
        format!("uniform {}{unit}", format_number(stats.min, 4))
    }
}

/// Plate size on screen (px) for an available box, and the stretch applied
/// to its short side when the plate is thinner than [`MAX_ASPECT`].
fn plate_size(
    length_m: f64,
    width_m: f64,
    avail_w: u32,
    avail_h: u32,
) -> (u32, u32, Option<(char, f64)>) {
    let aspect = length_m / width_m;
    let (shown, stretch) = if aspect > MAX_ASPECT {
        (MAX_ASPECT, Some(('y', aspect / MAX_ASPECT)))
    } else if aspect < 1.0 / MAX_ASPECT {
        (1.0 / MAX_ASPECT, Some(('x', 1.0 / (aspect * MAX_ASPECT))))
    } else {
        (aspect, None)
    };
    let (aw, ah) = (f64::from(avail_w.max(1)), f64::from(avail_h.max(1)));
    let (pw, ph) = if aw / ah > shown {
        (ah * shown, ah)
    } else {
        (aw, aw / shown)
    };
    (
        (pw.round() as u32).max(1),
        (ph.round() as u32).max(1),
        stretch,
    )
}

/// Number of ticks that fit along `px` pixels with about `spacing` between.
fn tick_count(px: u32, spacing: u32) -> usize {
    ((px / spacing.max(1)) as usize).clamp(3, 9)
}

/// Draws the heat map on `root`.
fn draw(
    root: &Area<'_>,
    map: &HeatMap<'_>,
    stats: &FieldStats,
    subtitle: &str,
) -> Result<(), String> {
    let HeatMap {
        title,
        values,
        nx,
        ny,
        length_m,
        width_m,
        colorbar_label,
    } = *map;
    let (lo, hi) = stats.colour_range();
    draw_header(root, title, subtitle)?;
    let (w, h) = root.dim_in_pixel();
    let body_h = h.saturating_sub(HEADER_PX + FOOTER_PX);

    let tick_style = text(TICK_PX);
    let widest = |ticks: &[Tick]| {
        ticks
            .iter()
            .map(|(_, s)| text_width(root, s, &tick_style))
            .max()
            .unwrap_or(0)
    };
    // Label widths from a first guess at the tick counts; they change little.
    let bar_ticks_guess = linear_ticks(lo, hi, 8);
    let y_ticks_guess = linear_ticks(0.0, width_m, 8);
    // Axis description, gap, tick labels, tick mark.
    let y_area = LABEL_PX + 18 + widest(&y_ticks_guess) + 14;
    let bar_area = 10 + widest(&bar_ticks_guess) + 16 + LABEL_PX + 6;
    let margin = 24;

    let avail_w = w.saturating_sub(y_area + GAP_PX + BAR_PX + bar_area + 2 * margin);
    let avail_h = body_h.saturating_sub(X_AREA_PX + 10);
    let (pw, ph, stretch) = plate_size(length_m, width_m, avail_w, avail_h);
    let left = w.saturating_sub(y_area + pw + GAP_PX + BAR_PX + bar_area) / 2;
    let top = HEADER_PX + body_h.saturating_sub(ph + X_AREA_PX) / 2;

    let x_ticks = linear_ticks(0.0, length_m, tick_count(pw, 90));
    let y_ticks = linear_ticks(0.0, width_m, tick_count(ph, 55));
    let main = root
        .clone()
        .shrink((left, top), (y_area + pw, ph + X_AREA_PX));
    let (x_bold, x_labels) = split_ticks(&x_ticks);
    let (y_bold, y_labels) = split_ticks(&y_ticks);
    let mut chart = ChartBuilder::on(&main)
        .x_label_area_size(X_AREA_PX)
        .y_label_area_size(y_area)
        .build_cartesian_2d(
            TickedAxis::new(0.0, length_m, x_bold, Vec::new()),
            TickedAxis::new(0.0, width_m, y_bold, Vec::new()),
        )
        .map_err(reason)?;
    let plate = chart.plotting_area().strip_coord_spec();
    fill_field(&plate, values, nx, ny, stats, lo, hi)?;
    let x_fmt = |v: &f64| label_for(&x_labels, *v);
    let y_fmt = |v: &f64| label_for(&y_labels, *v);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x (m)")
        .y_desc("y (m)")
        .axis_desc_style(text(LABEL_PX))
        .label_style(text(TICK_PX))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()
        .map_err(reason)?;
    frame(&plate)?;

    // Colour bar beside the plate, centred on it, at least MIN_BAR_PX tall.
    let (plate_x, plate_y) = plate.get_base_pixel();
    let (plate_w, plate_h) = plate.dim_in_pixel();
    let bar_h = plate_h.max(MIN_BAR_PX.min(avail_h));
    let bar_top = plate_y + plate_h as i32 / 2 - bar_h as i32 / 2;
    let bar_left = plate_x + plate_w as i32 + GAP_PX as i32;
    let bar_ticks = linear_ticks(lo, hi, tick_count(bar_h, 55));
    draw_colour_bar(
        root,
        (bar_left, bar_top),
        bar_h,
        (lo, hi),
        &bar_ticks,
        colorbar_label,
    )?;

    let mut notes = vec![format!("{nx} × {ny} cells")];
    if stats.n_bad > 0 {
        notes.push(format!("{} non-finite cells shown grey", stats.n_bad));
    }
    if let Some((axis, factor)) = stretch {
        notes.push(format!(
            "not to scale: {axis} stretched × {}",
            format_number(factor, 3)
        ));
    }
    let style = text(TICK_PX - 2)
        .color(&RGBColor(90, 90, 90))
        .pos(Pos::new(HPos::Left, VPos::Top));
    let below = (top + ph + X_AREA_PX + 6) as i32;
    root.draw_text(&notes.join("   ·   "), &style, (plate_x, below))
        .map_err(reason)
}

/// Range statistics of the finite values of a field.
struct FieldStats {
    min: f64,
    max: f64,
    argmin: usize,
    argmax: usize,
    n_bad: usize,
}

impl FieldStats {
    /// `None` when no value is finite.
    fn of(values: &[f64]) -> Option<Self> {
        let mut stats: Option<Self> = None;
        let mut n_bad = 0;
        for (k, &v) in values.iter().enumerate() {
            if !v.is_finite() {
                n_bad += 1;
                continue;
            }
            match &mut stats {
                None => {
                    stats = Some(Self {
                        min: v,
                        max: v,
                        argmin: k,
                        argmax: k,
                        n_bad: 0,
                    })
                }
                Some(s) => {
                    if v < s.min {
                        s.min = v;
                        s.argmin = k;
                    }
                    if v > s.max {
                        s.max = v;
                        s.argmax = k;
                    }
                }
            }
        }
        stats.map(|s| Self { n_bad, ..s })
    }

    /// Colour-bar range: min..max, widened around a constant field.
    fn colour_range(&self) -> (f64, f64) {
        if self.max > self.min {
            (self.min, self.max)
        } else {
            let half = if self.min != 0.0 {
                self.min.abs() * 0.01
            } else {
                1.0
            };
            (self.min - half, self.max + half)
        }
    }
}

/// The unit in the last parentheses of a label, as ` K` (or empty).
fn unit_of(label: &str) -> String {
    match (label.rfind('('), label.rfind(')')) {
        (Some(a), Some(b)) if b > a + 1 => format!(" {}", label[a + 1..b].trim()),
        _ => String::new(),
    }
}

/// Title (centred, large) and subtitle (centred, smaller) at the top.
fn draw_header(root: &Area<'_>, title: &str, subtitle: &str) -> Result<(), String> {
    let (w, _) = root.dim_in_pixel();
    let centre = (w / 2) as i32;
    if !title.trim().is_empty() {
        let style = text(title_px(root, title)).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw_text(title, &style, (centre, 14))
            .map_err(reason)?;
    }
    let style = text(TICK_PX + 1).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(subtitle, &style, (centre, 14 + TITLE_PX as i32 + 14))
        .map_err(reason)
}

/// Tick positions for plotters and their labels for the formatter.
fn split_ticks(ticks: &[Tick]) -> (Vec<f64>, Vec<Tick>) {
    (ticks.iter().map(|(v, _)| *v).collect(), ticks.to_vec())
}

/// Label of the tick nearest `v`.
fn label_for(ticks: &[Tick], v: f64) -> String {
    ticks
        .iter()
        .min_by(|a, b| (a.0 - v).abs().total_cmp(&(b.0 - v).abs()))
        .map(|(_, s)| s.clone())
        .unwrap_or_default()
}

/// Paints the plate pixel by pixel, each pixel taking the colour of the cell
/// under its centre (y up).
fn fill_field(
    plate: &Area<'_>,
    values: &[f64],
    nx: usize,
    ny: usize,
    stats: &FieldStats,
    lo: f64,
    hi: f64,
) -> Result<(), String> {
    let (pw, ph) = plate.dim_in_pixel();
    let (pw, ph) = (pw as usize, ph as usize);
    let col: Vec<usize> = (0..pw)
        .map(|px| (((px as f64 + 0.5) / pw as f64 * nx as f64) as usize).min(nx - 1))
        .collect();
    let row: Vec<usize> = (0..ph)
        .map(|py| {
            let up = ph - 1 - py;
            (((up as f64 + 0.5) / ph as f64 * ny as f64) as usize).min(ny - 1)
        })
        .collect();
    let constant = stats.max <= stats.min;
    for (py, &j) in row.iter().enumerate() {
        for (px, &i) in col.iter().enumerate() {
            let v = values[j * nx + i];
            let colour = if !v.is_finite() {
                NO_DATA
            } else {
                let t = if constant { 0.5 } else { (v - lo) / (hi - lo) };
                let (r, g, b) = viridis(t);
                RGBColor(r, g, b)
            };
            plate
                .draw_pixel((px as i32, py as i32), &colour)
                .map_err(reason)?;
        }
    }
    Ok(())
}

/// A one-pixel black frame around an area.
fn frame(area: &Area<'_>) -> Result<(), String> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new(
        [(0, 0), (w as i32 - 1, h as i32 - 1)],
        BLACK.stroke_width(1),
    ))
    .map_err(reason)
}

/// Vertical colour bar (top-left corner `at`, `height` px) from `lo`
/// (bottom) to `hi` (top), with tick marks, labels and the rotated title on
/// its right, reading bottom to top like the y axis.
fn draw_colour_bar(
    root: &Area<'_>,
    at: (i32, i32),
    height: u32,
    (lo, hi): (f64, f64),
    ticks: &[Tick],
    label: &str,
) -> Result<(), String> {
    let (x0, y0) = at;
    let h = height as i32;
    let x1 = x0 + BAR_PX as i32 - 1;
    for py in 0..h {
        let t = 1.0 - (f64::from(py) + 0.5) / f64::from(h);
        let (r, g, b) = viridis(t);
        root.draw(&PathElement::new(
            vec![(x0, y0 + py), (x1, y0 + py)],
            RGBColor(r, g, b),
        ))
        .map_err(reason)?;
    }
    root.draw(&Rectangle::new(
        [(x0, y0), (x1, y0 + h - 1)],
        BLACK.stroke_width(1),
    ))
    .map_err(reason)?;
    let tick_style = text(TICK_PX).pos(Pos::new(HPos::Left, VPos::Center));
    let mut widest = 0;
    for (v, s) in ticks {
        let y = y0 + ((1.0 - (v - lo) / (hi - lo)) * f64::from(h - 1)).round() as i32;
        root.draw(&PathElement::new(vec![(x1, y), (x1 + 6, y)], BLACK))
            .map_err(reason)?;
        root.draw_text(s, &tick_style, (x1 + 10, y))
            .map_err(reason)?;
        widest = widest.max(text_width(root, s, &tick_style));
    }
    let title_style = text(LABEL_PX)
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text(
        label,
        &title_style,
        (x1 + 10 + widest as i32 + 16, y0 + h / 2),
    )
    .map_err(reason)
}

#[cfg(test)]
mod tests {
    use super::super::{render_rgb, IMAGE_SIZE_PX};
    use super::*;

    /// Bounding box (x0, y0, x1, y1) of pixels of colour `c` in columns that
    /// hold at least `min_run` of them.
    fn bbox(buf: &[u8], c: (u8, u8, u8), min_run: usize) -> Option<(usize, usize, usize, usize)> {
        let (w, h) = (IMAGE_SIZE_PX.0 as usize, IMAGE_SIZE_PX.1 as usize);
        let at = |x: usize, y: usize| {
            let k = 3 * (y * w + x);
            (buf[k], buf[k + 1], buf[k + 2])
        };
        let mut b: Option<(usize, usize, usize, usize)> = None;
        for x in 0..w {
            let ys: Vec<usize> = (0..h).filter(|&y| at(x, y) == c).collect();
            if ys.len() < min_run {
                continue;
            }
            let (y0, y1) = (ys[0], ys[ys.len() - 1]);
            b = Some(match b {
                None => (x, y0, x, y1),
                Some((a0, b0, _, b1)) => (a0, b0.min(y0), x, b1.max(y1)),
            });
        }
        b
    }

    #[test]
    fn cells_land_where_they_belong_with_y_up_and_to_scale() {
        // 4 × 2 cells on a 2 m × 1 m plate; only cell (i = 3, j = 1), the
        // top-right one, is hot.
        let mut values = vec![0.0; 8];
        values[7] = 1.0;
        let map = HeatMap {
            title: "orientation",
            values: &values,
            nx: 4,
            ny: 2,
            length_m: 2.0,
            width_m: 1.0,
            colorbar_label: "T (K)",
        };
        let stats = check(&map).unwrap_or_else(|e| panic!("{e}"));
        let buf =
            render_rgb(|root| draw(root, &map, &stats, "sub")).unwrap_or_else(|e| panic!("{e}"));
        let cold = viridis(0.0);
        let hot = viridis(1.0);
        let (px0, py0, px1, py1) = bbox(&buf, cold, 20).unwrap_or_else(|| panic!("no plate"));
        let (pw, ph) = ((px1 - px0 + 1) as f64, (py1 - py0 + 1) as f64);
        assert!((pw / ph - 2.0).abs() < 0.02, "aspect {pw} × {ph}");
        // Hot pixels inside the plate: its top-right quarter.
        let (hx0, hy0, hx1, hy1) = bbox(&buf, hot, 20).unwrap_or_else(|| panic!("no hot cell"));
        let near = |a: usize, b: f64| (a as f64 - b).abs() <= 2.0;
        assert!(
            near(hx0, px0 as f64 + 0.75 * pw),
            "hot x0 {hx0}, plate {px0}..{px1}"
        );
        assert!(near(hx1, px1 as f64), "hot x1 {hx1}");
        assert!(near(hy0, py0 as f64), "hot y0 {hy0}");
        assert!(
            near(hy1, py0 as f64 + 0.5 * ph - 1.0),
            "hot y1 {hy1}, plate {py0}..{py1}"
        );
    }

    #[test]
    fn non_finite_cells_are_grey_and_out_of_the_range() {
        let values = [f64::NAN, 300.0, f64::INFINITY, 310.0];
        let map = HeatMap {
            title: "",
            values: &values,
            nx: 2,
            ny: 2,
            length_m: 1.0,
            width_m: 1.0,
            colorbar_label: "",
        };
        let stats = check(&map).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((stats.min, stats.max, stats.n_bad), (300.0, 310.0, 2));
        let buf =
            render_rgb(|root| draw(root, &map, &stats, "sub")).unwrap_or_else(|e| panic!("{e}"));
        let grey = (NO_DATA.0, NO_DATA.1, NO_DATA.2);
        let (_, gy0, _, gy1) = bbox(&buf, grey, 20).unwrap_or_else(|| panic!("no grey"));
        let (_, cy0, _, cy1) = bbox(&buf, viridis(0.0), 20).unwrap_or_else(|| panic!("no cold"));
        // Both non-finite cells (i = 0) are grey over the full height; the
        // cold cell (i = 1, j = 0) is in the lower half.
        assert!(
            gy1 - gy0 > 2 * (cy1 - cy0),
            "grey {gy0}..{gy1}, cold {cy0}..{cy1}"
        );
    }

    #[test]
    fn units_come_from_the_label() {
        assert_eq!(unit_of("Temperature (K)"), " K");
        assert_eq!(unit_of("Heat flux (W/m²)"), " W/m²");
        assert_eq!(unit_of("Temperature"), "");
        assert_eq!(unit_of("odd )("), "");
    }
}
