//! Every case file the project ships is read and built by a test, so a typo in
//! one cannot go unnoticed (unknown keys are rejected).

use std::path::{Path, PathBuf};

use thermorbit::case::Case;

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_case_builds() {
    let files: Vec<PathBuf> = ["cases", "benches/cases", "examples/cases"]
        .iter()
        .flat_map(|d| toml_files(d))
        .collect();
    assert!(files.len() >= 2, "expected shipped cases, found {files:?}");
    for file in files {
        let model = Case::load(&file)
            .and_then(|c| c.build())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(model.system.node_count() > 0, "{}", file.display());
    }
}

#[test]
fn every_shipped_sweep_spec_expands_to_its_points() {
    let files = toml_files("benches/sweeps");
    assert!(!files.is_empty(), "expected shipped sweep specs");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let points = thermorbit::sizing::sweep::SweepSpec::parse(&text)
            .and_then(|s| s.points())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(!points.is_empty(), "{}", file.display());
    }
}

#[test]
fn the_built_in_default_case_is_the_shipped_file() {
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/default.toml"))
            .unwrap();
    assert_eq!(shipped, thermorbit::case::DEFAULT_CASE_TOML);
}
