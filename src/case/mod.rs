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
pub mod orbit;
mod panels;
mod run;
pub mod schema;
pub mod spacecraft;
mod spacecraft_run;

use std::path::{Path, PathBuf};

pub use build::{Model, PanelModel};
pub use orbit::CaseOrbit;
pub use run::{RunResult, Solution};
pub use schema::CaseFile;
pub use spacecraft::{Bus, Spacecraft};
pub use spacecraft_run::{time_mean, RadiatorSeries, SpacecraftResults};

use crate::error::InputError;

/// The built-in default case (`thermorbit run` with no file).
pub const DEFAULT_CASE_TOML: &str = include_str!("../../cases/default.toml");
/// Name under which the default case reports errors and relative paths.
pub const DEFAULT_CASE_NAME: &str = "cases/default.toml";

/// A checked case file.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file it came from (for messages and relative `mesh` paths).
    pub file: PathBuf,
    /// Its contents.
    pub spec: CaseFile,
}

impl Case {
    /// Reads a case file.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// The built-in default case.
    pub fn default_case() -> Result<Self, InputError> {
        Self::from_toml(DEFAULT_CASE_TOML, Path::new(DEFAULT_CASE_NAME))
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

    /// Builds the thermal network and panels.
    pub fn build(&self) -> Result<Model, InputError> {
        build::build(self)
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

    fn parse(text: &str) -> Result<Model, InputError> {
        Case::from_toml(text, Path::new("test.toml"))?.build()
    }

    #[test]
    fn the_default_case_builds() {
        let model = Case::default_case().and_then(|c| c.build()).unwrap();
        assert_eq!(model.panels.len(), 1);
        assert!(model.system.node_count() > 4800);
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
        let text = DEFAULT_CASE_TOML.replace("emissivity = 0.91", "emissivity = 1.2");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("coatings.white_paint.emissivity"), "{err}");
        assert!(err.contains("0 to 1"), "{err}");
        let text = DEFAULT_CASE_TOML.replace("thickness_m = 0.002", "thickness_m = -0.002");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("panels.radiator.thickness_m"), "{err}");
        let text = DEFAULT_CASE_TOML.replace("nx = 80", "nx = 0");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("panels.radiator.nx"), "{err}");
        let text = DEFAULT_CASE_TOML.replace("power_w = 2000.0", "power_w = nan");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("sources[0].power_w"), "{err}");
    }

    #[test]
    fn undefined_references_list_what_is_defined() {
        let text = DEFAULT_CASE_TOML.replacen("node = \"heat_pipes\"", "node = \"heatpipe\"", 1);
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("heatpipe"), "{err}");
        assert!(err.contains("defined: "), "{err}");
    }

    #[test]
    fn malformed_toml_is_reported_with_its_line() {
        let err = parse("[solve\nmode = 1").unwrap_err().to_string();
        assert!(err.contains("test.toml"), "{err}");
        assert!(err.contains("line"), "{err}");
    }
}
