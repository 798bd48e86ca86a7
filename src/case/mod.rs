//! Case files: the TOML schema, its checks, and building a runnable model.
//!
//! A case names materials, coatings, lumped nodes, panels, conductors, sources,
//! optionally an orbit (`[orbit]`, `[attitude]`, `[environment]`, `[[surfaces]]`,
//! see [`orbit`]) whose absorbed fluxes drive panel faces and nodes, what to solve
//! and what to write. [`Case::load`] reads and checks it; every
//! error names the file, the key path and the allowed range. [`Case::build`]
//! turns it into a [`Model`]: a [`ThermalNetwork`](crate::network::ThermalNetwork) plus the panel handles that
//! map results back to (x, y).
//!
//! ```toml
//! title = "Lumped GPU cold plate radiating to space"
//!
//! [nodes.space]
//! kind = "boundary"
//! temperature_k = 2.7
//!
//! [nodes.plate]
//! kind = "diffusion"
//! capacitance_j_k = 9000.0
//! initial_temperature_k = 300.0
//!
//! [[conductors]]
//! kind = "radiative"
//! from = "plate"
//! to = "space"
//! area_m2 = 2.0
//! emissivity = 0.85
//!
//! [[sources]]
//! name = "gpu"
//! node = "plate"
//! power_w = 700.0
//!
//! [solve]
//! mode = "steady"
//! ```

mod build;
pub(crate) mod limits;
pub mod orbit;
mod panels;
pub(crate) mod radiation;
mod run;
pub mod schema;
pub(crate) mod spacecraft;
mod spacecraft_run;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use build::{Model, PanelModel, Probe, ProbeAt};
pub use limits::{
    available_memory_bytes, big_count, bytes_text, Limits, MAX_INPUT_FILE_BYTES, MAX_OUTPUTS,
    MAX_TIME_SAMPLES, MAX_TIME_STEPS,
};
pub use orbit::CaseOrbit;
pub use radiation::{PlacementSpec, RadiationSpec, DEFAULT_RAYS, DEFAULT_SHADOW_SAMPLES, MAX_RAYS};
pub use run::{RunProgress, RunResult, Solution};
pub use schema::CaseFile;
pub use spacecraft::{
    ArraySpec, BatterySpec, Bus, CustomFluidSpec, DeficitPolicySpec, FluidSpec, LoopSpec,
    PointingSpec, PowerSpec, RackSpec, Spacecraft, TubeSpec, DEFAULT_BATTERY_SPECIFIC_HEAT_J_KG_K,
    DEFAULT_TUBE_ROUGHNESS_M,
};
pub use spacecraft_run::{time_mean, RadiatorSeries, SpacecraftResults, SpacecraftWarning};

use crate::error::InputError;

/// The built-in default case (`thermorbit run` with no file): the 1 MW GPU module.
pub const DEFAULT_CASE_TOML: &str = include_str!("../../examples/gpu-module-1mw.toml");
/// Name under which the default case reports errors and relative paths.
pub const DEFAULT_CASE_NAME: &str = "examples/gpu-module-1mw.toml";
/// The mesh files the default case names, built in with it so that it runs from
/// any directory: `(name as the case writes it, text)`.
pub const DEFAULT_CASE_MESHES: &[(&str, &str)] = &[(
    "../meshes/gpu-module-radiator-panel.toml",
    include_str!("../../meshes/gpu-module-radiator-panel.toml"),
)];

/// A checked case file.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file it came from (for messages and relative `mesh` paths).
    pub file: PathBuf,
    /// Its contents.
    pub spec: CaseFile,
}

impl Case {
    /// Reads a case file (at most [`limits::MAX_INPUT_FILE_BYTES`]).
    pub fn load(path: &Path) -> Result<Self, InputError> {
        Self::load_with(path, &Limits::default())
    }

    /// Reads a case file no larger than `limits.max_file_bytes`.
    pub fn load_with(path: &Path, limits: &Limits) -> Result<Self, InputError> {
        let text = read_input(path, limits.max_file_bytes)?;
        Self::from_toml(&text, path)
    }

    /// The built-in default case: the 1 MW GPU module of [`DEFAULT_CASE_NAME`], its panels'
    /// `mesh` files taken from [`DEFAULT_CASE_MESHES`] rather than the disk, solved as the
    /// steady state at orbit-average loads (a second or two) rather than the file's
    /// orbit-periodic state, which takes minutes: the first command a new user runs answers
    /// at once, and the file itself gives the periodic state.
    pub fn default_case() -> Result<Self, InputError> {
        let file = Path::new(DEFAULT_CASE_NAME);
        let mut table: toml::Table = parse_toml(DEFAULT_CASE_TOML, file)?;
        if let Some(toml::Value::Table(solve)) = table.get_mut("solve") {
            solve.insert("mode".into(), toml::Value::String("steady".into()));
            solve.remove("periodic");
        }
        if let Some(toml::Value::String(title)) = table.get_mut("title") {
            let base = title.trim_end_matches(": periodic state").to_string();
            *title = format!("{base}: orbit-average steady state");
        }
        if let Some(toml::Value::Table(panels)) = table.get_mut("panels") {
            for (_, panel) in panels.iter_mut() {
                let toml::Value::Table(panel) = panel else {
                    continue;
                };
                let Some(toml::Value::String(mesh)) = panel.get("mesh") else {
                    continue;
                };
                let Some((_, text)) = DEFAULT_CASE_MESHES.iter().find(|(n, _)| n == mesh) else {
                    continue; // not built in: read from the disk as for any case
                };
                let mesh: toml::Table = parse_toml(text, file)?;
                panel.remove("mesh");
                for (key, value) in mesh {
                    panel.entry(key).or_insert(value);
                }
            }
        }
        Self::from_table(table, file)
    }

    /// Parses case text; `file` names it in messages and anchors relative paths.
    pub fn from_toml(text: &str, file: &Path) -> Result<Self, InputError> {
        let spec: CaseFile = parse_toml(text, file)?;
        Ok(Self {
            file: file.to_path_buf(),
            spec,
        })
    }

    /// A case from an already-parsed table (e.g. the `[case]` table of a
    /// validation file, possibly with its grid refined); `file` names it in messages.
    pub fn from_table(table: toml::Table, file: &Path) -> Result<Self, InputError> {
        let spec: CaseFile = parse_table(table, file, "case")?;
        Ok(Self {
            file: file.to_path_buf(),
            spec,
        })
    }

    /// Builds the thermal network and panels within the standard [`Limits`].
    pub fn build(&self) -> Result<Model, InputError> {
        self.build_with(&Limits::default())
    }

    /// Builds the thermal network and panels; a model whose size, time steps, outputs or
    /// orbit span exceed `limits` is refused ([`InputError::TooLarge`]) before it is allocated.
    pub fn build_with(&self, limits: &Limits) -> Result<Model, InputError> {
        build::build(self, limits)
    }
}

/// Reads a text input file (case, mesh or orbit file), refusing one larger than `max_bytes`
/// before reading it whole. Devices and pipes (`/dev/zero`, `<(cmd)`) have no size to check
/// first, so every file is read through a reader that stops one byte past the limit.
pub fn read_input(path: &Path, max_bytes: Option<u64>) -> Result<String, InputError> {
    let read_err = |source| InputError::Read {
        file: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if meta.is_dir() {
        return Err(read_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a folder, not a file",
        )));
    }
    let too_big = |size: String| {
        limits::too_large(
            path,
            "",
            format!(
                "the file is {size}; case, mesh and orbit files are read up to {} (a wrong path?)",
                limits::bytes_text(max_bytes.unwrap_or(0) as f64)
            ),
        )
    };
    let mut bytes = Vec::new();
    match max_bytes {
        Some(max) => {
            if meta.is_file() && meta.len() > max {
                return Err(too_big(limits::bytes_text(meta.len() as f64)));
            }
            file.take(max.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(read_err)?;
            if bytes.len() as u64 > max {
                return Err(too_big(format!(
                    "larger than {}",
                    limits::bytes_text(max as f64)
                )));
            }
        }
        None => {
            let mut file = file;
            file.read_to_end(&mut bytes).map_err(read_err)?;
        }
    }
    String::from_utf8(bytes).map_err(|e| InputError::Parse {
        file: path.to_path_buf(),
        message: format!(
            "not UTF-8 text (byte {} is invalid); case files are TOML text",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// A number as a person would write it: `8000` (not `7999.999999999999`), `0.3` (not
/// `0.30000000000000004`), `293.15`, `1e300`, `1.5e-7`, never `-0`.
///
/// Numbers a user typed come back exactly (their shortest round-trip text has at most 15
/// significant digits, which every decimal of ≤ 15 digits has); results of arithmetic on them
/// (unit conversions, sums) that differ from a short decimal in the 16th or 17th digit are
/// rounded to 12 significant digits.
pub fn number_text(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return v.to_string();
    }
    let exponent = v.abs().log10().floor() as i32;
    // Plain decimals from 1e-4 to below 1e9 (8000, 293.15, 86400, 0.002); powers of ten
    // beyond (1e-9, 1e11, 1e300) read better, and are how such numbers are usually typed.
    let scientific = !(-4..9).contains(&exponent);
    let shortest = if scientific {
        format!("{v:e}")
    } else {
        format!("{v}")
    };
    let significant = shortest
        .split('e')
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    if significant.trim_start_matches('0').len() <= 15 {
        return shortest;
    }
    if scientific {
        let text = format!("{v:.11e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        format!("{}e{exp}", trim_zeros(mantissa))
    } else {
        let decimals = (11 - exponent).max(0) as usize;
        let text = trim_zeros(&format!("{v:.decimals$}"));
        if text == "-0" {
            "0".into()
        } else {
            text
        }
    }
}

/// `8000.000` → `8000`, `1.2500` → `1.25`.
fn trim_zeros(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text.to_string()
    }
}

/// Deserializes TOML text into `T`, with the key path of any error.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &Path,
) -> Result<T, InputError> {
    let de = toml::Deserializer::parse(text).map_err(|e| InputError::Parse {
        file: file.to_path_buf(),
        message: one_line(&e.to_string()),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| describe(file, "", &e))
}

/// Deserializes a TOML table (a panel after merging its mesh file) into `T`.
pub(crate) fn parse_table<T: serde::de::DeserializeOwned>(
    table: toml::Table,
    file: &Path,
    prefix: &str,
) -> Result<T, InputError> {
    serde_path_to_error::deserialize(table).map_err(|e| describe(file, prefix, &e))
}

fn describe<E: std::fmt::Display>(
    file: &Path,
    prefix: &str,
    e: &serde_path_to_error::Error<E>,
) -> InputError {
    let path = e.path().to_string();
    let key = match (prefix.is_empty(), path == ".") {
        (true, _) => path,
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}.{path}"),
    };
    let inner = one_line(&e.inner().to_string());
    let message = if key == "." || key.is_empty() {
        inner
    } else {
        format!("at `{key}`: {inner}")
    };
    InputError::Parse {
        file: file.to_path_buf(),
        message,
    }
}

/// toml's messages span several lines with a source excerpt; keep them, but
/// drop blank lines so the message reads as one block.
fn one_line(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-contained shipped case (no mesh files) whose keys the input-error tests edit.
    const SLED_CASE_TOML: &str = include_str!("../../cases/gpu-sled-2kw.toml");

    fn parse(text: &str) -> Result<Model, InputError> {
        Case::from_toml(text, Path::new("test.toml"))?.build()
    }

    #[test]
    fn the_default_case_builds() {
        let model = Case::default_case().and_then(|c| c.build()).unwrap();
        // The 1 MW module: four radiator panels of at least 50,000 cells in all,
        // the same model as the shipped file read from the disk with its mesh.
        assert_eq!(model.panels.len(), 4);
        let cells: usize = model
            .panels
            .iter()
            .map(|p| p.nodes.grid().cell_count())
            .sum();
        assert!(cells >= 50_000, "{cells} radiator cells");
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let shipped = Case::load(&root.join(DEFAULT_CASE_NAME))
            .and_then(|c| c.build())
            .unwrap();
        assert_eq!(shipped.system.node_count(), model.system.node_count());
        assert_eq!(model.solve.mode, schema::SolveMode::Steady);
        assert_eq!(shipped.solve.mode, schema::SolveMode::Periodic);
    }

    #[test]
    fn unknown_keys_are_named_with_their_path() {
        let err =
            parse("[nodes.a]\nkind = \"arithmetic\"\ncolour = 3\n[solve]\nmode = \"steady\"\n")
                .unwrap_err()
                .to_string();
        assert!(err.contains("test.toml"), "{err}");
        assert!(err.contains("nodes.a"), "{err}");
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn out_of_range_numbers_name_key_and_range() {
        let text = SLED_CASE_TOML.replace("emissivity = 0.91", "emissivity = 1.2");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("coatings.white_paint.emissivity"), "{err}");
        assert!(err.contains("0 to 1"), "{err}");
        let text = SLED_CASE_TOML.replace("thickness_m = 0.002", "thickness_m = -0.002");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("panels.radiator.thickness_m"), "{err}");
        let text = SLED_CASE_TOML.replace("nx = 80", "nx = 0");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("panels.radiator.nx"), "{err}");
        let text = SLED_CASE_TOML.replace("power_w = 2000.0", "power_w = nan");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("sources[0].power_w"), "{err}");
    }

    #[test]
    fn undefined_references_list_what_is_defined() {
        let text = SLED_CASE_TOML.replacen("node = \"heat_pipes\"", "node = \"heatpipe\"", 1);
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("heatpipe"), "{err}");
        assert!(err.contains("defined: "), "{err}");
    }

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(number_text(7999.999999999999), "8000");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(293.15), "293.15");
        assert_eq!(number_text(8000.0), "8000");
        assert_eq!(number_text(-2.5), "-2.5");
        assert_eq!(number_text(1e300), "1e300");
        assert_eq!(number_text(-1e308), "-1e308");
        assert_eq!(number_text(1.5e-7), "1.5e-7");
        assert_eq!(number_text(0.000123), "0.000123");
        assert_eq!(number_text(86400.0), "86400");
        assert_eq!(number_text(1e11), "1e11");
        assert_eq!(number_text(123456789012345.0), "1.23456789012345e14");
        assert_eq!(number_text(1e15 / 3.0), "3.33333333333e14");
        assert_eq!(number_text(1e8 / 3.0), "33333333.3333");
        assert_eq!(number_text(1e-300 / 3.0), "3.33333333333e-301");
        assert_eq!(number_text(f64::NAN), "NaN");
        assert_eq!(number_text(-1e-13), "-1e-13");
    }

    #[test]
    fn oversized_and_special_files_are_refused_before_reading_them_whole() {
        let dir = std::env::temp_dir().join(format!("thermorbit-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.toml");
        std::fs::write(&big, vec![b'#'; 2048]).unwrap();
        let err = read_input(&big, Some(1024)).unwrap_err();
        assert!(matches!(err, InputError::TooLarge { .. }), "{err}");
        assert!(err.to_string().contains("1.0 KiB"), "{err}");
        assert_eq!(read_input(&big, None).unwrap().len(), 2048);
        let err = read_input(&dir, Some(1024)).unwrap_err().to_string();
        assert!(err.contains("folder"), "{err}");
        #[cfg(unix)]
        {
            let err = read_input(Path::new("/dev/zero"), Some(1 << 20)).unwrap_err();
            assert!(matches!(err, InputError::TooLarge { .. }), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn malformed_toml_is_reported_with_its_line() {
        let err = parse("[solve\nmode = 1").unwrap_err().to_string();
        assert!(err.contains("test.toml"), "{err}");
        assert!(err.contains("line"), "{err}");
    }
}
