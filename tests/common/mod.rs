//! Helpers shared by the tests that run the built `thermorbit` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// A shipped file's text (`cases/default.toml`).
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
