//! Cell-centred panel fields as legacy VTK files, for ParaView or VisIt.
//!
//! A panel of `nx × ny` cells is written as an ASCII `STRUCTURED_POINTS`
//! dataset whose *points* are the cell corners (`nx+1 × ny+1 × 1`), with one
//! `CELL_DATA` scalar array per field. Cell (i, j) is value `j*nx + i`
//! (row-major, i fastest) — the order VTK expects, so no reordering is
//! needed. Files are replaced atomically (see [`super::atomic`]).

use std::collections::HashSet;
use std::path::Path;

use super::atomic::write_atomic_with;
use super::csv::format_number;
use crate::error::OutputError;

/// Geometry of a rectangular panel grid of cell-centred values.
#[derive(Debug, Clone, PartialEq)]
pub struct VtkGrid<'a> {
    /// Dataset title (VTK header line 2); line breaks become spaces and it is
    /// cut to 255 bytes.
    pub title: &'a str,
    /// Number of cells along x.
    pub nx: usize,
    /// Number of cells along y.
    pub ny: usize,
    /// Cell size along x (m).
    pub dx_m: f64,
    /// Cell size along y (m).
    pub dy_m: f64,
    /// Position of the grid's corner (cell (0, 0)'s lower-left corner) (m).
    pub origin_m: [f64; 3],
}

/// Writes `fields` (name, values) on `grid` as a legacy VTK ASCII file.
///
/// Each field needs `nx*ny` finite values. Whitespace in a field name becomes
/// `_` (legacy VTK names cannot hold spaces). Returns
/// [`OutputError::InvalidData`] — and writes nothing — for a grid with no
/// cells, non-positive or non-finite spacing, a field of the wrong length, a
/// non-finite value, an empty or duplicate name, or no field at all.
pub fn write_vtk_grid(
    path: &Path,
    grid: &VtkGrid<'_>,
    fields: &[(&str, &[f64])],
) -> Result<(), OutputError> {
    let names = checked_field_names(path, grid, fields)?;
    let VtkGrid {
        title,
        nx,
        ny,
        dx_m,
        dy_m,
        origin_m,
    } = *grid;
    let n_cells = nx * ny;
    let mut title: String = title
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    if title.trim().is_empty() {
        title = "thermorbit panel".to_owned();
    }
    truncate_utf8(&mut title, 255);

    write_atomic_with(path, |w| {
        writeln!(w, "# vtk DataFile Version 3.0")?;
        writeln!(w, "{title}")?;
        writeln!(w, "ASCII")?;
        writeln!(w, "DATASET STRUCTURED_POINTS")?;
        writeln!(w, "DIMENSIONS {} {} 1", nx + 1, ny + 1)?;
        writeln!(
            w,
            "ORIGIN {} {} {}",
            format_number(origin_m[0]),
            format_number(origin_m[1]),
            format_number(origin_m[2])
        )?;
        // The z spacing is irrelevant for a single layer of points; 1 keeps
        // readers that divide by it happy.
        writeln!(
            w,
            "SPACING {} {} 1",
            format_number(dx_m),
            format_number(dy_m)
        )?;
        writeln!(w, "CELL_DATA {n_cells}")?;
        for ((_, values), name) in fields.iter().zip(&names) {
            writeln!(w, "SCALARS {name} double 1")?;
            writeln!(w, "LOOKUP_TABLE default")?;
            for row in values.chunks(nx) {
                let line: Vec<String> = row.iter().map(|&v| format_number(v)).collect();
                writeln!(w, "{}", line.join(" "))?;
            }
        }
        Ok(())
    })
}

/// Checks `grid` and `fields` for the writers (see [`write_vtk_grid`]) and
/// returns the field names made safe (whitespace as `_`).
fn checked_field_names(
    path: &Path,
    grid: &VtkGrid<'_>,
    fields: &[(&str, &[f64])],
) -> Result<Vec<String>, OutputError> {
    let invalid = |reason: String| OutputError::InvalidData {
        path: path.to_path_buf(),
        reason,
    };
    let VtkGrid {
        nx,
        ny,
        dx_m,
        dy_m,
        origin_m,
        ..
    } = *grid;
    let n_cells = nx
        .checked_mul(ny)
        .filter(|&n| n > 0)
        .ok_or_else(|| invalid(format!("grid of {nx} × {ny} cells has no cells")))?;
    for (name, d) in [("dx_m", dx_m), ("dy_m", dy_m)] {
        if !(d.is_finite() && d > 0.0) {
            return Err(invalid(format!(
                "{name} = {d}; cell size must be finite and > 0"
            )));
        }
    }
    if let Some(o) = origin_m.iter().find(|o| !o.is_finite()) {
        return Err(invalid(format!("origin_m has a non-finite coordinate {o}")));
    }
    if fields.is_empty() {
        return Err(invalid("no field to write".to_owned()));
    }
    let mut names = Vec::with_capacity(fields.len());
    let mut seen = HashSet::new();
    for (name, values) in fields {
        let clean: String = name
            .trim()
            .chars()
            .map(|c| {
                if c.is_whitespace() || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        if clean.is_empty() {
            return Err(invalid("a field has an empty name".to_owned()));
        }
        if !seen.insert(clean.clone()) {
            return Err(invalid(format!("two fields are named `{clean}`")));
        }
        if values.len() != n_cells {
            return Err(invalid(format!(
                "field `{name}` has {} values but the grid has {nx} × {ny} = {n_cells} cells",
                values.len()
            )));
        }
        if let Some(k) = values.iter().position(|v| !v.is_finite()) {
            return Err(invalid(format!(
                "field `{name}` has non-finite value {} at cell (i = {}, j = {}); \
                 legacy VTK readers cannot read it",
                values[k],
                k % nx,
                k / nx
            )));
        }
        names.push(clean);
    }
    Ok(names)
}

/// Writes `fields` on `grid` as a VTK XML image-data file (`.vti`, ASCII),
/// the format a ParaView `.pvd` time series ([`write_pvd`]) refers to: the
/// grid's points are the cell corners, the fields are cell data. Same checks
/// as [`write_vtk_grid`].
pub fn write_vti_grid(
    path: &Path,
    grid: &VtkGrid<'_>,
    fields: &[(&str, &[f64])],
) -> Result<(), OutputError> {
    let names = checked_field_names(path, grid, fields)?;
    let (nx, ny) = (grid.nx, grid.ny);
    let [ox, oy, oz] = grid.origin_m.map(format_number);
    write_atomic_with(path, |w| {
        writeln!(w, r#"<?xml version="1.0"?>"#)?;
        writeln!(
            w,
            r#"<VTKFile type="ImageData" version="0.1" byte_order="LittleEndian">"#
        )?;
        writeln!(
            w,
            r#"  <ImageData WholeExtent="0 {nx} 0 {ny} 0 0" Origin="{ox} {oy} {oz}" Spacing="{} {} 1">"#,
            format_number(grid.dx_m),
            format_number(grid.dy_m)
        )?;
        writeln!(w, r#"    <Piece Extent="0 {nx} 0 {ny} 0 0">"#)?;
        writeln!(w, r#"      <CellData Scalars="{}">"#, xml_escape(&names[0]))?;
        for ((_, values), name) in fields.iter().zip(&names) {
            writeln!(
                w,
                r#"        <DataArray type="Float64" Name="{}" format="ascii">"#,
                xml_escape(name)
            )?;
            for row in values.chunks(nx) {
                let line: Vec<String> = row.iter().map(|&v| format_number(v)).collect();
                writeln!(w, "          {}", line.join(" "))?;
            }
            writeln!(w, "        </DataArray>")?;
        }
        writeln!(w, "      </CellData>")?;
        writeln!(w, "    </Piece>")?;
        writeln!(w, "  </ImageData>")?;
        writeln!(w, "</VTKFile>")?;
        Ok(())
    })
}

/// Writes a ParaView collection (`.pvd`): one data set per `(time_s, part,
/// file)`, the file relative to the `.pvd`'s folder. ParaView opens it as a
/// time series, one block per part.
pub fn write_pvd(path: &Path, entries: &[(f64, usize, String)]) -> Result<(), OutputError> {
    if let Some((t, _, _)) = entries.iter().find(|(t, _, _)| !t.is_finite()) {
        return Err(OutputError::InvalidData {
            path: path.to_path_buf(),
            reason: format!("time {t} is not finite"),
        });
    }
    write_atomic_with(path, |w| {
        writeln!(w, r#"<?xml version="1.0"?>"#)?;
        writeln!(w, r#"<VTKFile type="Collection" version="0.1">"#)?;
        writeln!(w, "  <Collection>")?;
        for (t, part, file) in entries {
            writeln!(
                w,
                r#"    <DataSet timestep="{}" part="{part}" file="{}"/>"#,
                format_number(*t),
                xml_escape(file)
            )?;
        }
        writeln!(w, "  </Collection>")?;
        writeln!(w, "</VTKFile>")?;
        Ok(())
    })
}

/// `&`, `<`, `>` and `"` as XML entities.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Cuts `s` to at most `max` bytes at a character boundary.
fn truncate_utf8(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
}
