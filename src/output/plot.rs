//! PNG plots for reports: panel heat maps and line plots (time histories,
//! convergence studies).
//!
//! Plots are drawn with `plotters` on a bitmap and text is rendered from the
//! embedded DejaVu Sans, so they look the same on a machine with no system
//! fonts. The image is written to a temporary file beside the target and
//! renamed over it, so a failed plot never leaves a partial PNG behind (see
//! `super::atomic`). Bad data (empty series, lengths that do not match, no
//! finite value) is reported as [`OutputError::InvalidData`], never a panic.

mod colormap;
mod heat_map;
mod lines;
mod ticks;

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use super::atomic::replace_with_temp;
use crate::error::OutputError;

pub use heat_map::{plot_heat_map, HeatMap};
pub use lines::{plot_lines, LinePlot, ReferenceSlope, Series};

/// Size of every plot image, (width, height) in pixels.
pub const IMAGE_SIZE_PX: (u32, u32) = (1000, 700);

/// Font family name under which the embedded font is registered.
const FONT: &str = "sans-serif";
/// DejaVu Sans (licence in `assets/fonts/DejaVuSans-LICENSE.txt`).
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Title text size (px).
const TITLE_PX: u32 = 28;
/// Axis-description and colour-bar label size (px).
const LABEL_PX: u32 = 20;
/// Tick-label and legend size (px).
const TICK_PX: u32 = 17;

/// Registers the embedded font with plotters once per process.
fn ensure_font() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        let normal = register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok();
        // Bold falls back to the regular face; registering it keeps that explicit.
        let bold = register_font(FONT, FontStyle::Bold, FONT_BYTES).is_ok();
        normal && bold
    })
}

/// Text style in the embedded font.
fn text(size_px: u32) -> TextStyle<'static> {
    (FONT, size_px).into_font().color(&BLACK)
}

/// The drawing area handed to plot renderers.
type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// Renders a PNG of [`IMAGE_SIZE_PX`] with `draw` and moves it into place
/// atomically. `draw` reports failures as a reason string.
fn render_png<F>(path: &Path, draw: F) -> Result<(), OutputError>
where
    F: FnOnce(&Area<'_>) -> Result<(), String>,
{
    let is_png = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !is_png {
        return Err(invalid(
            path,
            "plot file names must end in `.png`".to_owned(),
        ));
    }
    if !ensure_font() {
        return Err(plot_error(
            path,
            "the embedded font could not be loaded".to_owned(),
        ));
    }
    replace_with_temp(path, "png", |tmp| {
        let root = BitMapBackend::new(tmp, IMAGE_SIZE_PX).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|e| e.to_string()));
        // Dropping the backend here (before the caller removes the temporary
        // file on error) keeps its drop-time save from recreating the file.
        drop(root);
        drawn.map_err(|reason| plot_error(path, reason))
    })
}

fn invalid(path: &Path, reason: String) -> OutputError {
    OutputError::InvalidData {
        path: path.to_path_buf(),
        reason,
    }
}

fn plot_error(path: &Path, reason: String) -> OutputError {
    OutputError::Plot {
        path: path.to_path_buf(),
        reason,
    }
}

/// Maps any plotters error to a reason string.
fn reason<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Width in pixels of `s` in `style` (0 if the font cannot measure it).
fn text_width(area: &Area<'_>, s: &str, style: &TextStyle<'_>) -> u32 {
    area.estimate_text_size(s, style)
        .map(|(w, _)| w)
        .unwrap_or(0)
}

/// The title's font size: [`TITLE_PX`], or smaller (down to [`TICK_PX`]) so a
/// long title fits the image width with a margin instead of running off it.
fn title_px(area: &Area<'_>, title: &str) -> u32 {
    let (w, _) = area.dim_in_pixel();
    let room = w.saturating_sub(40);
    let width = text_width(area, title, &text(TITLE_PX));
    if width <= room || width == 0 {
        return TITLE_PX;
    }
    ((u64::from(TITLE_PX) * u64::from(room) / u64::from(width)) as u32).max(TICK_PX)
}

/// Renders with `draw` into an RGB buffer of [`IMAGE_SIZE_PX`] (for tests
/// that look at pixels).
#[cfg(test)]
pub(crate) fn render_rgb<F>(draw: F) -> Result<Vec<u8>, String>
where
    F: FnOnce(&Area<'_>) -> Result<(), String>,
{
    if !ensure_font() {
        return Err("the embedded font could not be loaded".to_owned());
    }
    let (w, h) = IMAGE_SIZE_PX;
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, IMAGE_SIZE_PX).into_drawing_area();
        root.fill(&WHITE).map_err(reason)?;
        draw(&root)?;
        root.present().map_err(reason)?;
    }
    Ok(buf)
}
