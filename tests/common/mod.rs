//! Helpers shared by the integration tests: the validation-case harness
//! (`validation_*`: load `validation/<id>.toml`, run it as `thermorbit validate`
//! does, print the results table, fail on any check outside its tolerance) and
//! runs of the built `thermorbit` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use thermorbit::validate::{case_files, CheckOutcome, RunContext, ValidationCase};

/// The `validation/` folder.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("validation")
}

/// The outcomes as a Markdown table.
pub fn table(outcomes: &[CheckOutcome]) -> String {
    let mut out =
        String::from("| case | quantity | computed | reference | error | tolerance | pass |\n");
    for o in outcomes {
        out.push_str(&format!(
            "| {} | {} | {:.9e} | {:.9e} | {:.2e} | {:?} {:.1e} | {} |\n",
            o.case_id,
            o.quantity,
            o.computed,
            o.reference,
            o.error,
            o.kind,
            o.tolerance,
            if o.pass { "yes" } else { "NO" }
        ));
    }
    out
}

/// Loads `validation/<id>.toml`, runs it (plots to a temporary folder) and asserts every
/// check passes.
pub fn run_validation_case(id: &str) {
    let file = cases_dir().join(format!("{id}.toml"));
    let case = ValidationCase::load(&file).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(case.id, id, "the id must match the file name");
    let out = tempfile::tempdir().unwrap();
    let ctx = RunContext {
        out_dir: Some(out.path().to_path_buf()),
    };
    let outcomes = case.run(&ctx).unwrap_or_else(|e| panic!("{id}: {e}"));
    let report = table(&outcomes);
    eprint!("{report}");
    assert!(!outcomes.is_empty(), "{id}: no checks");
    assert!(
        outcomes.iter().all(|o| o.pass),
        "{id}: checks failed\n{report}"
    );
}

/// Asserts that the case files whose names start with one of `prefixes` are exactly `cases`
/// (each file has a test in `test_file`, each listed case has a file).
pub fn assert_cases_match_files(prefixes: &[&str], cases: &[&str], test_file: &str) {
    let on_disk: Vec<String> = case_files(&cases_dir())
        .unwrap()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|s| prefixes.iter().any(|p| s.starts_with(p)))
        .collect();
    for id in &on_disk {
        assert!(
            cases.contains(&id.as_str()),
            "{id}.toml has no test in {test_file}"
        );
    }
    for id in cases {
        assert!(on_disk.iter().any(|d| d == id), "{id}.toml is missing");
    }
}

/// `thermorbit orbit` with a 550 km, 50° orbit at a fixed epoch (one orbit by default).
pub const ORBIT_550: [&str; 7] = [
    "orbit",
    "--altitude-km",
    "550",
    "--inclination-deg",
    "50",
    "--epoch",
    "2027-03-20T12:00:00Z",
];

/// [`ORBIT_550`] followed by `extra`.
pub fn orbit_550(extra: &[&'static str]) -> Vec<&'static str> {
    ORBIT_550.iter().chain(extra).copied().collect()
}

/// The repository's root (shipped cases, meshes, validation files).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `thermorbit args…` in `dir`.
pub fn thermorbit(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_thermorbit"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// Its standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Its standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A shipped file's text (`cases/gpu-sled-2kw.toml`).
pub fn shipped(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

/// `text` with `from` replaced by `to`, asserting `from` is there.
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` not in the text");
    text.replacen(from, to, 1)
}

/// Writes `text` as `case.toml` in a fresh folder and runs `thermorbit run case.toml --out out
/// extra…`; returns the folder, the output and the output folder's path.
pub fn run_case(text: &str, extra: &[&str]) -> (tempfile::TempDir, Output, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("case.toml"), text).unwrap();
    let mut args = vec!["run", "case.toml", "--out", "out"];
    args.extend_from_slice(extra);
    let out = thermorbit(&args, dir.path());
    let out_dir = dir.path().join("out");
    (dir, out, out_dir)
}

/// Asserts a run of `text` is refused as bad input (exit 2, no panic, nothing written) with a
/// message naming `case.toml` and every one of `must_mention`; returns the message.
pub fn assert_bad_case(text: &str, must_mention: &[&str]) -> String {
    let (_dir, out, out_dir) = run_case(text, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("case.toml"),
        "message must name the file: {err}"
    );
    for m in must_mention {
        assert!(err.contains(m), "message must mention `{m}`: {err}");
    }
    assert!(!out_dir.exists(), "nothing may be written on bad input");
    err
}
