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
