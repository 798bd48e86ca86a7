//! Atomic replacement: a failed write never leaves a partial file or damages
//! the file it was meant to replace.

use std::io;
use std::path::Path;

use thermorbit::error::OutputError;
use thermorbit::output::{write_atomic, write_atomic_with};

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn writes_a_new_file_and_replaces_an_old_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("result.txt");
    write_atomic(&path, b"first").expect("first write");
    assert_eq!(std::fs::read(&path).expect("read"), b"first");
    write_atomic(&path, b"second, longer content").expect("second write");
    assert_eq!(
        std::fs::read(&path).expect("read"),
        b"second, longer content"
    );
    write_atomic(&path, b"").expect("empty write");
    assert_eq!(std::fs::read(&path).expect("read"), b"");
    assert_eq!(entries(dir.path()), ["result.txt"]);
}

#[test]
fn a_failing_writer_leaves_the_existing_file_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("temperatures.csv");
    std::fs::write(&path, b"good old results\n").expect("seed");
    let result = write_atomic_with(&path, |w| {
        // Enough to overflow any write buffer, so bytes reach the temp file.
        w.write_all(&vec![b'x'; 1 << 20])?;
        Err(io::Error::other("solver diverged mid-write"))
    });
    match result {
        Err(OutputError::Write { path: p, source }) => {
            assert_eq!(p, path);
            assert!(source.to_string().contains("solver diverged"));
        }
        other => panic!("expected a Write error, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).expect("read"), b"good old results\n");
    assert_eq!(
        entries(dir.path()),
        ["temperatures.csv"],
        "temp file left behind"
    );
}

#[test]
fn a_failing_writer_creates_nothing_when_there_was_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new.csv");
    let result = write_atomic_with(&path, |w| {
        w.write_all(b"partial")?;
        Err(io::Error::other("boom"))
    });
    assert!(result.is_err());
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn a_missing_directory_is_a_write_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("no/such/dir/out.csv");
    let err = write_atomic(&path, b"x").expect_err("must fail");
    assert!(matches!(&err, OutputError::Write { path: p, .. } if *p == path));
    assert!(err.to_string().contains("no/such/dir/out.csv"), "{err}");
}

#[test]
fn a_directory_in_the_way_is_an_error_and_stays() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("taken");
    std::fs::create_dir(&path).expect("mkdir");
    std::fs::write(path.join("inside"), b"keep").expect("seed");
    assert!(write_atomic(&path, b"x").is_err());
    assert_eq!(std::fs::read(path.join("inside")).expect("read"), b"keep");
    assert_eq!(entries(dir.path()), ["taken"]);
}

#[test]
fn a_path_without_a_file_name_is_rejected() {
    assert!(write_atomic(Path::new("/"), b"x").is_err());
    assert!(write_atomic(Path::new(".."), b"x").is_err());
}

#[test]
fn concurrent_writers_to_one_target_leave_one_whole_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shared.txt");
    let payloads: Vec<Vec<u8>> = (0..8u8).map(|k| vec![b'a' + k; 100_000]).collect();
    std::thread::scope(|s| {
        for p in &payloads {
            let path = &path;
            s.spawn(move || write_atomic(path, p).expect("write"));
        }
    });
    let got = std::fs::read(&path).expect("read");
    assert!(payloads.contains(&got), "file is a mix of versions");
    assert_eq!(entries(dir.path()), ["shared.txt"]);
}

#[cfg(unix)]
#[test]
fn replacing_keeps_the_old_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.txt");
    std::fs::write(&path, b"old").expect("seed");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    write_atomic(&path, b"new").expect("write");
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

mod output_set {
    use super::entries;
    use thermorbit::error::OutputError;
    use thermorbit::output::{write_atomic, OutputSet};

    /// A set with `files` written and committed into `target`.
    fn commit(target: &std::path::Path, files: &[(&str, &str)]) {
        let set = OutputSet::begin(target).unwrap();
        for (name, text) in files {
            write_atomic(&set.path(name), text.as_bytes()).unwrap();
        }
        set.commit().unwrap();
    }

    #[test]
    fn a_committed_set_replaces_the_whole_folder() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("res");
        commit(
            &target,
            &[("summary.json", "{1}"), ("history.csv", "t_s\n")],
        );
        assert_eq!(
            entries(&target),
            [".thermorbit-output", "history.csv", "summary.json"]
        );
        commit(&target, &[("summary.json", "{2}")]);
        assert_eq!(entries(&target), [".thermorbit-output", "summary.json"]);
        assert_eq!(
            std::fs::read_to_string(target.join("summary.json")).unwrap(),
            "{2}"
        );
        assert_eq!(entries(dir.path()), ["res"], "staging or old folder left");
    }

    #[test]
    fn a_set_dropped_before_its_commit_leaves_the_old_set_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("res");
        commit(&target, &[("summary.json", "old"), ("nodes.csv", "old")]);
        {
            let set = OutputSet::begin(&target).unwrap();
            write_atomic(&set.path("summary.json"), b"new, half written").unwrap();
            // The run fails here (disk full, a plot that cannot be drawn, an interrupt).
        }
        assert_eq!(
            entries(&target),
            [".thermorbit-output", "nodes.csv", "summary.json"]
        );
        assert_eq!(
            std::fs::read_to_string(target.join("summary.json")).unwrap(),
            "old"
        );
        assert_eq!(entries(dir.path()), ["res"], "staging folder left behind");
    }

    #[test]
    fn targets_that_cannot_take_a_set_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "x").unwrap();
        let refused = |p: &std::path::Path| match OutputSet::check_target(p) {
            Err(OutputError::Target { reason, .. }) => reason,
            other => panic!("{}: expected a refusal, got {other:?}", p.display()),
        };
        assert!(refused(&file).contains("not a folder"));
        assert!(refused(&file.join("sub")).contains("is a file"));
        assert!(refused(std::path::Path::new(".")).contains("names no folder"));
        let foreign = dir.path().join("foreign");
        std::fs::create_dir(&foreign).unwrap();
        std::fs::write(foreign.join("thesis.tex"), "x").unwrap();
        assert!(refused(&foreign).contains("thesis.tex"));
        // New, empty, and an earlier set (with or without the marker) are fine.
        assert!(OutputSet::check_target(&dir.path().join("new/deeper")).is_ok());
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(OutputSet::check_target(&empty).is_ok());
        let legacy = dir.path().join("legacy");
        std::fs::create_dir(&legacy).unwrap();
        for f in [
            "summary.json",
            "nodes.csv",
            "panel_radiator.png",
            "history.csv",
        ] {
            std::fs::write(legacy.join(f), "x").unwrap();
        }
        assert!(OutputSet::check_target(&legacy).is_ok());
    }
}
