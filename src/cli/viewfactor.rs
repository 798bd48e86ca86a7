//! `thermorbit viewfactor`: view factors by Monte Carlo ray tracing, against the closed
//! form for two rectangles or discs given by flags, or as a factor matrix (CSV) for the
//! surfaces of a case file.
//!
//! Flags: `--parallel-rectangles --width-m W --height-m H --gap-m L`,
//! `--perpendicular-rectangles --edge-m E --width-m W --height-m H` (a common edge of
//! length E; F from the W-wide rectangle to the H-high one), `--coaxial-discs --radius1-m
//! R1 --radius2-m R2 --gap-m L`; `--rays N --seed S --json`.
//!
//! Case file (`thermorbit viewfactor CASE.toml [--out F.csv]`):
//!
//! ```toml
//! [radiation]
//! rays_per_face = 100000      # or: standard_error = 0.01 (the largest, absolute)
//! seed = 1
//!
//! [[radiation.surfaces]]
//! name = "left"
//! rectangle = { origin_m = [0, 0, 0], edge_u_m = [1, 0, 0], edge_v_m = [0, 1, 0] }
//! cells = [4, 4]              # along edge_u, edge_v (default [1, 1])
//! two_sided = true            # default false: the back side is inactive
//!
//! [[radiation.surfaces]]
//! name = "lid"
//! disc = { center_m = [0.5, 0.5, 1], normal = [0, 0, -1], radius_m = 0.4 }
//! ```
//!
//! Cells are named `surface[i;j]` (`i` along `edge_u`), back sides `…:back`.
//!
//! Bad input (a zero area, coincident or intersecting surfaces, zero rays) exits with
//! code 2 naming the flag or key.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{ArgGroup, Args};
use serde::Deserialize;
use thermorbit::error::{InputError, RadiationError};
use thermorbit::output::write_atomic;
use thermorbit::radiation::Configuration;
use thermorbit::radiation::{factor_matrix, trace_rows, MonteCarloOptions, Scene, Surface, Vec3};
use thermorbit::Error;

use super::Context;

/// Arguments of `thermorbit viewfactor`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("geometry").args(["parallel_rectangles", "perpendicular_rectangles", "coaxial_discs", "case"])))]
pub struct ViewfactorArgs {
    /// Case file with [radiation] and [[radiation.surfaces]]: writes the factor matrix.
    #[arg(value_name = "CASE")]
    pub case: Option<PathBuf>,
    /// Two directly opposed parallel rectangles, --width-m × --height-m, --gap-m apart
    /// (Howell C-11).
    #[arg(long)]
    pub parallel_rectangles: bool,
    /// Two perpendicular rectangles with a common edge of --edge-m: from the one of extent
    /// --width-m to the one of extent --height-m (Howell C-14).
    #[arg(long)]
    pub perpendicular_rectangles: bool,
    /// Two coaxial parallel discs, from --radius1-m to --radius2-m, --gap-m apart
    /// (Howell C-41).
    #[arg(long)]
    pub coaxial_discs: bool,
    /// Rectangle width, m (> 0).
    #[arg(long, allow_hyphen_values = true)]
    pub width_m: Option<f64>,
    /// Rectangle height, m (> 0).
    #[arg(long, allow_hyphen_values = true)]
    pub height_m: Option<f64>,
    /// Length of the common edge of perpendicular rectangles, m (> 0).
    #[arg(long, allow_hyphen_values = true)]
    pub edge_m: Option<f64>,
    /// Distance between the parallel surfaces, m (> 0).
    #[arg(long, allow_hyphen_values = true)]
    pub gap_m: Option<f64>,
    /// Radius of the emitting disc, m (> 0).
    #[arg(long, allow_hyphen_values = true)]
    pub radius1_m: Option<f64>,
    /// Radius of the receiving disc, m (> 0).
    #[arg(long, allow_hyphen_values = true)]
    pub radius2_m: Option<f64>,
    /// Rays from the emitting surface (1 to 1e12; a case file's own value wins when given
    /// there).
    #[arg(long, default_value_t = 1_000_000)]
    pub rays: u64,
    /// Seed of the random streams (the same seed gives the same bits on any thread count).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// With a case file: write the factor matrix here (CSV) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs the command.
pub fn execute(args: &ViewfactorArgs, ctx: &Context) -> Result<ExitCode, Error> {
    if let Some(case) = &args.case {
        return run_case(case, args, ctx);
    }
    let options = MonteCarloOptions::new(args.rays, args.seed)
        .map_err(|_| out_of_range("--rays", &args.rays.to_string(), "1 to 1e12"))?;
    let pair = configuration(args)?;
    let exact = pair.view_factor().unwrap_or(f64::NAN);
    let estimate = trace_rows(&pair.scene()?, &[0], &options)?;
    let (f, se) = (estimate.factor(0, 1), estimate.standard_error(0, 1));
    let difference = f - exact;
    let in_se = if se > 0.0 { difference / se } else { 0.0 };
    if args.json {
        let v = serde_json::json!({
            "geometry": pair.kind(),
            "description": pair.description(),
            "rays": args.rays,
            "seed": args.seed,
            "monte_carlo": f,
            "standard_error": se,
            "analytic": exact,
            "analytic_source": pair.source(),
            "difference": difference,
            "difference_in_standard_errors": in_se,
        });
        ctx.console.data(&format!("{v:#}\n"))?;
    } else {
        let mut text = String::new();
        let _ = writeln!(text, "{}: F(1 -> 2)", pair.description());
        let _ = writeln!(
            text,
            "  Monte Carlo  {f:.6} +/- {se:.6} (standard error; {} rays, seed {})",
            args.rays, args.seed
        );
        let _ = writeln!(text, "  analytic     {exact:.6} ({})", pair.source());
        let _ = writeln!(
            text,
            "  difference   {difference:+.6} = {in_se:+.2} standard errors"
        );
        ctx.console.report(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn out_of_range(flag: &str, value: &str, allowed: &str) -> Error {
    Error::Input(InputError::OutOfRange {
        file: PathBuf::from("command line"),
        key: flag.to_string(),
        value: value.to_string(),
        allowed: allowed.to_string(),
    })
}

/// The value of a required length flag, finite and > 0.
fn length(flag: &str, value: Option<f64>, geometry: &str) -> Result<f64, Error> {
    match value {
        None => Err(super::flag_error(
            flag,
            format!("{geometry} needs {flag} (a length in metres, > 0)"),
        )),
        Some(v) if v.is_finite() && v > 0.0 => Ok(v),
        Some(v) => Err(out_of_range(
            flag,
            &v.to_string(),
            "> 0 m (a zero length makes a zero area or coincident surfaces)",
        )),
    }
}

/// The two-surface configuration the flags describe.
fn configuration(args: &ViewfactorArgs) -> Result<Configuration, Error> {
    if args.parallel_rectangles {
        let g = "--parallel-rectangles";
        Ok(Configuration::ParallelRectangles {
            width_m: length("--width-m", args.width_m, g)?,
            height_m: length("--height-m", args.height_m, g)?,
            gap_m: length("--gap-m", args.gap_m, g)?,
        })
    } else if args.perpendicular_rectangles {
        let g = "--perpendicular-rectangles";
        Ok(Configuration::PerpendicularRectangles {
            edge_m: length("--edge-m", args.edge_m, g)?,
            width_m: length("--width-m", args.width_m, g)?,
            height_m: length("--height-m", args.height_m, g)?,
        })
    } else if args.coaxial_discs {
        let g = "--coaxial-discs";
        Ok(Configuration::CoaxialDiscs {
            radius1_m: length("--radius1-m", args.radius1_m, g)?,
            radius2_m: length("--radius2-m", args.radius2_m, g)?,
            gap_m: length("--gap-m", args.gap_m, g)?,
        })
    } else {
        Err(super::flag_error(
            "--parallel-rectangles",
            "give a geometry (--parallel-rectangles, --perpendicular-rectangles, \
             --coaxial-discs) or a case file",
        ))
    }
}

/// `[radiation]` of a case file (the rest of the file is not read).
#[derive(Debug, Deserialize)]
struct CaseFile {
    radiation: RadiationSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RadiationSpec {
    rays_per_face: Option<u64>,
    standard_error: Option<f64>,
    seed: Option<u64>,
    surfaces: Vec<SurfaceSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SurfaceSpec {
    name: String,
    rectangle: Option<RectangleSpec>,
    disc: Option<DiscSpec>,
    cells: Option<[usize; 2]>,
    #[serde(default)]
    two_sided: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RectangleSpec {
    origin_m: [f64; 3],
    edge_u_m: [f64; 3],
    edge_v_m: [f64; 3],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscSpec {
    center_m: [f64; 3],
    normal: [f64; 3],
    radius_m: f64,
}

/// Reads and checks the case's surfaces and options.
fn load_case(
    path: &Path,
    args: &ViewfactorArgs,
    ctx: &Context,
) -> Result<(Scene, MonteCarloOptions), Error> {
    let text = thermorbit::case::read_input(path, ctx.limits.max_file_bytes)?;
    let parse = |message: String| InputError::Parse {
        file: path.to_path_buf(),
        message,
    };
    let de = toml::Deserializer::parse(&text).map_err(|e| parse(e.to_string()))?;
    let case: CaseFile = serde_path_to_error::deserialize(de)
        .map_err(|e| parse(format!("`{}`: {}", e.path(), e.inner().message())))?;
    let spec = case.radiation;
    let bad = |key: String, value: String, allowed: &str| {
        Error::Input(InputError::OutOfRange {
            file: path.to_path_buf(),
            key,
            value,
            allowed: allowed.to_string(),
        })
    };
    let seed = spec.seed.unwrap_or(args.seed);
    let options = match (spec.rays_per_face, spec.standard_error) {
        (Some(_), Some(_)) => {
            return Err(Error::Input(InputError::Inconsistent {
                file: path.to_path_buf(),
                key: "radiation.standard_error".into(),
                reason: "give rays_per_face or standard_error, not both".into(),
            }))
        }
        (Some(n), None) => MonteCarloOptions::new(n, seed)
            .map_err(|_| bad("radiation.rays_per_face".into(), n.to_string(), "1 to 1e12"))?,
        (None, Some(se)) => MonteCarloOptions::for_standard_error(se, seed).map_err(|_| {
            bad(
                "radiation.standard_error".into(),
                se.to_string(),
                "5e-7 to 0.5 (absolute)",
            )
        })?,
        (None, None) => MonteCarloOptions::new(args.rays, seed)
            .map_err(|_| bad("--rays".into(), args.rays.to_string(), "1 to 1e12"))?,
    };
    let v = |a: [f64; 3]| Vec3::new(a[0], a[1], a[2]);
    let mut surfaces = Vec::with_capacity(spec.surfaces.len());
    for (k, s) in spec.surfaces.iter().enumerate() {
        let key = format!("radiation.surfaces[{k}]");
        let surface = match (&s.rectangle, &s.disc) {
            (Some(r), None) => {
                Surface::rectangle(&s.name, v(r.origin_m), v(r.edge_u_m), v(r.edge_v_m))
            }
            (None, Some(d)) => Surface::disc(&s.name, v(d.center_m), v(d.normal), d.radius_m),
            _ => {
                return Err(Error::Input(InputError::Inconsistent {
                    file: path.to_path_buf(),
                    key,
                    reason: "give exactly one of `rectangle` and `disc`".into(),
                }))
            }
        };
        let [nx, ny] = s.cells.unwrap_or([1, 1]);
        let surface = surface.with_cells(nx, ny);
        surfaces.push(if s.two_sided {
            surface.two_sided()
        } else {
            surface
        });
    }
    let scene = Scene::new(surfaces).map_err(|e| case_error(path, &spec.surfaces, e))?;
    Ok((scene, options))
}

/// A geometry error as the case file's key.
fn case_error(path: &Path, specs: &[SurfaceSpec], e: RadiationError) -> Error {
    let file = path.to_path_buf();
    match e {
        RadiationError::InvalidSurface {
            surface,
            field,
            value,
            allowed,
            ..
        } => {
            let part = match field {
                "nx" | "ny" => "cells".to_string(),
                f if specs.get(surface).is_some_and(|s| s.disc.is_some()) => format!("disc.{f}"),
                f => format!("rectangle.{f}"),
            };
            Error::Input(InputError::OutOfRange {
                file,
                key: format!("radiation.surfaces[{surface}].{part}"),
                value,
                allowed: allowed.to_string(),
            })
        }
        RadiationError::Overlap {
            first,
            first_name,
            second,
            second_name,
            relation,
        } => Error::Input(InputError::Inconsistent {
            file,
            key: format!("radiation.surfaces[{second}]"),
            reason: format!(
                "`{second_name}` and radiation.surfaces[{first}] (`{first_name}`) {relation}"
            ),
        }),
        RadiationError::InvalidValue {
            quantity,
            value,
            allowed,
        } => Error::Input(InputError::OutOfRange {
            file,
            key: format!("radiation.surfaces ({quantity})"),
            value,
            allowed: allowed.to_string(),
        }),
        other => Error::Radiation(other),
    }
}

/// A CSV field: quoted (quotes doubled) when it holds a comma, quote or line break
/// (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The factor matrix of a case file as CSV.
fn run_case(path: &Path, args: &ViewfactorArgs, ctx: &Context) -> Result<ExitCode, Error> {
    let (scene, options) = load_case(path, args, ctx)?;
    let m = factor_matrix(&scene, &options)?;
    let faces = scene.faces();
    let mut csv = String::from("face,area_m2");
    for f in faces {
        let _ = write!(csv, ",{}", csv_field(&f.name));
    }
    csv.push_str(",space,inactive\n");
    for (i, f) in faces.iter().enumerate() {
        let _ = write!(csv, "{},{}", csv_field(&f.name), f.area_m2);
        for j in 0..faces.len() {
            let _ = write!(csv, ",{}", m.factor(i, j));
        }
        let _ = writeln!(csv, ",{},{}", m.space_factors()[i], m.inactive(i));
    }
    if let Some(out) = &args.out {
        write_atomic(out, csv.as_bytes())?;
    }
    let summary = serde_json::json!({
        "faces": faces.len(),
        "rays_per_face": options.rays_per_face,
        "seed": options.seed,
        "max_standard_error": m.max_standard_error(),
        "closure_error": m.closure_error(),
        "reciprocity_error": m.reciprocity_error(),
        "csv": args.out.as_ref().map(|p| p.display().to_string()),
    });
    if args.json {
        ctx.console.data(&format!("{summary:#}\n"))?;
    } else if args.out.is_none() {
        ctx.console.data(&csv)?;
    }
    if !args.json {
        ctx.console.note(&format!(
            "{} faces, {} rays per face (seed {}): largest standard error {:.2e}, closure error {:.1e}, reciprocity error {:.1e}{}",
            faces.len(),
            options.rays_per_face,
            options.seed,
            m.max_standard_error(),
            m.closure_error(),
            m.reciprocity_error(),
            args.out
                .as_ref()
                .map(|p| format!("; matrix written to {}", p.display()))
                .unwrap_or_default()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
