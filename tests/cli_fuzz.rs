//! Parser fuzzing on stable Rust: the shipped cases and mesh, mutated (lines deleted or
//! repeated, values swapped between keys, random bytes inserted, numbers made extreme, the file
//! cut short), run through the built binary. Whatever the input, `thermorbit` must end by
//! itself within the time bound with exit 0 (ran), 1 (solver failure), 2 (bad input) or 3
//! (periodic solve not converged) — never a panic, an abort, a signal or a hang — and a run
//! refused as bad input writes nothing (issue 18, item 8).
//!
//! Cheap enough for CI on two cores: 24 mutated inputs by default (`PROPTEST_CASES` sets
//! more), the orbit cases cut to 2000 s, and a cell cap (`--max-cells`) so that a mutated grid
//! size is refused instead of solved.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

/// The shipped inputs that are mutated, and the case each is run through.
const INPUTS: [(&str, &str); 4] = [
    ("cases/gpu-sled-2kw.toml", "cases/gpu-sled-2kw.toml"),
    ("cases/orbit-radiator.toml", "cases/orbit-radiator.toml"),
    ("cases/orbit-transient.toml", "cases/orbit-transient.toml"),
    (
        "meshes/radiator-2m-x-1.5m.toml",
        "cases/orbit-transient.toml",
    ),
];

/// Numbers a mutation puts in place of one in the file.
const EXTREMES: [&str; 17] = [
    "0",
    "-0.0",
    "-1",
    "0.5",
    "65536",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "1e15",
    "1e-15",
    "1e300",
    "1e308",
    "-1e308",
    "1e-308",
    "nan",
    "inf",
    "-inf",
];

/// Longest a run may take (the slowest unmutated input takes ~0.2 s in release).
const TIME_BOUND: Duration = Duration::from_secs(60);

/// Most cells and lumped nodes a mutated model may have (the shipped ones have ≤ 4804).
const CELL_CAP: &str = "20000";

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    RepeatLine(usize),
    SwapValues(usize, usize),
    InsertBytes(usize, Vec<u8>),
    Extreme(usize, usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::RepeatLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapValues(a, b)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::InsertBytes(at, bytes)),
        (any::<usize>(), 0..EXTREMES.len()).prop_map(|(at, e)| Mutation::Extreme(at, e)),
        (any::<usize>(), 0..EXTREMES.len()).prop_map(|(at, e)| Mutation::Extreme(at, e)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

/// Byte ranges of the numbers in `text` (a digit not inside a name, with its sign, digits,
/// `.`, `_` and exponent).
fn numbers(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let starts = text[i].is_ascii_digit()
            && (i == 0 || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'_'));
        if starts {
            let begin = if i > 0 && text[i - 1] == b'-' {
                i - 1
            } else {
                i
            };
            let mut end = i;
            while end < text.len()
                && (text[end].is_ascii_digit()
                    || matches!(text[end], b'.' | b'_' | b'e' | b'E')
                    || (matches!(text[end], b'+' | b'-') && matches!(text[end - 1], b'e' | b'E')))
            {
                end += 1;
            }
            out.push((begin, end));
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Every line as a byte range, without its newline.
fn lines(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = 0;
    while s < text.len() {
        let e = text[s..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |p| s + p);
        out.push((s, e));
        s = e + 1;
    }
    out
}

/// Line `k` (modulo the count).
fn line(text: &[u8], k: usize) -> Option<(usize, usize)> {
    let all = lines(text);
    all.get(k % all.len().max(1)).copied()
}

fn apply(text: &mut Vec<u8>, m: &Mutation) {
    match *m {
        Mutation::DeleteLine(k) => {
            if let Some((s, e)) = line(text, k) {
                text.drain(s..(e + 1).min(text.len()));
            }
        }
        Mutation::RepeatLine(k) => {
            if let Some((s, e)) = line(text, k) {
                let copy: Vec<u8> = text[s..e].iter().copied().chain([b'\n']).collect();
                text.splice(s..s, copy);
            }
        }
        Mutation::SwapValues(a, b) => {
            let assignments: Vec<(usize, usize, usize)> = lines(text)
                .into_iter()
                .filter_map(|(s, e)| {
                    let eq = text[s..e].windows(3).position(|w| w == b" = ")?;
                    Some((s, s + eq + 3, e))
                })
                .collect();
            if assignments.len() >= 2 {
                let (i, j) = (a % assignments.len(), b % assignments.len());
                let (first, second) = (assignments[i.min(j)], assignments[i.max(j)]);
                if first != second {
                    let v1 = text[first.1..first.2].to_vec();
                    let v2 = text[second.1..second.2].to_vec();
                    text.splice(second.1..second.2, v1);
                    text.splice(first.1..first.2, v2);
                }
            }
        }
        Mutation::InsertBytes(at, ref bytes) => {
            let at = at % (text.len() + 1);
            text.splice(at..at, bytes.iter().copied());
        }
        Mutation::Extreme(at, e) => {
            let spans = numbers(text);
            if !spans.is_empty() {
                let (s, end) = spans[at % spans.len()];
                text.splice(s..end, EXTREMES[e].bytes());
            }
        }
        Mutation::Truncate(at) => {
            let at = at % (text.len() + 1);
            text.truncate(at);
        }
    }
}

/// A shipped file, with the orbit runs cut from three orbits to 2000 s.
fn shipped_bytes(path: &str) -> Vec<u8> {
    common::shipped(path)
        .replace("end_s = 17204.0", "end_s = 2000.0")
        .replace("end_s = 17100.0", "end_s = 2000.0")
        .into_bytes()
}

/// Runs `args` in `dir`, killing it past [`TIME_BOUND`]; returns (exit code, stderr).
fn run_bounded(args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let log = dir.join("stderr.txt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_thermorbit"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let err = std::fs::read_to_string(&log).unwrap_or_default();
            return (status.code(), err);
        }
        if start.elapsed() > TIME_BOUND {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} still running after {TIME_BOUND:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn check(input: usize, mutations: &[Mutation]) -> Result<(), TestCaseError> {
    let (file, case) = INPUTS[input];
    let dir = tempfile::tempdir().unwrap();
    for sub in ["cases", "meshes"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    for (f, _) in INPUTS {
        std::fs::write(dir.path().join(f), shipped_bytes(f)).unwrap();
    }
    let mut text = shipped_bytes(file);
    for m in mutations {
        apply(&mut text, m);
    }
    std::fs::write(dir.path().join(file), &text).unwrap();
    let shown = String::from_utf8_lossy(&text).into_owned();
    let mut runs: Vec<Vec<&str>> = vec![vec![
        "run",
        case,
        "--out",
        "out",
        "--quiet",
        "--max-cells",
        CELL_CAP,
    ]];
    if case.contains("orbit") {
        runs.push(vec![
            "orbit",
            case,
            "--duration-s",
            "6000",
            "--csv",
            "orbit.csv",
            "--quiet",
        ]);
    }
    for args in runs {
        let (code, err) = run_bounded(&args, dir.path());
        prop_assert!(
            matches!(code, Some(0..=3)),
            "{args:?} on mutated {file} ended with {code:?}: {err}\n--- input ---\n{shown}"
        );
        prop_assert!(
            !err.contains("panicked"),
            "{args:?} on mutated {file} panicked: {err}\n--- input ---\n{shown}"
        );
        if code == Some(2) && args[0] == "run" {
            prop_assert!(
                !dir.path().join("out").exists(),
                "bad input but results were written: {err}"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    })]

    #[test]
    fn prop_mutated_inputs_end_cleanly(
        input in 0..INPUTS.len(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        check(input, &mutations)?;
    }
}

#[test]
fn mutations_do_what_they_say() {
    let mut t = b"a = 1\nb = 2.5e3\nname_2 = \"x\"\n".to_vec();
    assert_eq!(numbers(&t), vec![(4, 5), (10, 15)]);
    apply(&mut t, &Mutation::SwapValues(0, 1));
    assert_eq!(t, b"a = 2.5e3\nb = 1\nname_2 = \"x\"\n");
    apply(&mut t, &Mutation::Extreme(1, 2));
    assert_eq!(t, b"a = 2.5e3\nb = -1\nname_2 = \"x\"\n");
    apply(&mut t, &Mutation::DeleteLine(0));
    assert_eq!(t, b"b = -1\nname_2 = \"x\"\n");
    apply(&mut t, &Mutation::RepeatLine(1));
    assert_eq!(t, b"b = -1\nname_2 = \"x\"\nname_2 = \"x\"\n");
    apply(&mut t, &Mutation::Truncate(3));
    assert_eq!(t, b"b =");
}
