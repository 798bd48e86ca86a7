//! Atomic file replacement: results never appear half-written.
//!
//! Every writer in [`crate::output`] goes through here. The bytes go to a
//! temporary file in the target's own directory (so the final rename stays on
//! one file system), which is flushed and synced before it is renamed over the
//! target. If anything fails, the temporary file is removed and an existing
//! target is left exactly as it was.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::OutputError;

/// Writes `bytes` to `path` atomically: either the whole new content is in
/// place afterwards, or the previous file (if any) is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes to `path` atomically through a caller-supplied writer.
///
/// `write` receives a buffered writer onto a temporary file beside `path`.
/// If it returns an error (or flushing, syncing or renaming fails), the
/// temporary file is removed, `path` is left as it was, and the error is
/// returned as [`OutputError::Write`].
pub fn write_atomic_with<F>(path: &Path, write: F) -> Result<(), OutputError>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    replace_with_temp(path, "tmp", |tmp| {
        let file = OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(tmp)
            .map_err(|source| write_error(path, source))?;
        let mut buffered = BufWriter::new(file);
        write(&mut buffered).map_err(|source| write_error(path, source))?;
        buffered
            .flush()
            .map_err(|source| write_error(path, source))?;
        Ok(())
    })
}

/// Creates an empty temporary file beside `path` whose name ends in
/// `.{extension}`, lets `fill` write it (by path, for writers such as image
/// encoders that open files themselves), syncs it and renames it over `path`.
///
/// On any error the temporary file is removed and `path` is untouched.
pub(crate) fn replace_with_temp<F>(path: &Path, extension: &str, fill: F) -> Result<(), OutputError>
where
    F: FnOnce(&Path) -> Result<(), OutputError>,
{
    let tmp = create_temp_beside(path, extension)?;
    let result = fill(&tmp)
        .and_then(|()| sync_file(path, &tmp))
        .and_then(|()| {
            copy_permissions(path, &tmp);
            fs::rename(&tmp, path).map_err(|source| write_error(path, source))
        });
    match result {
        Ok(()) => {
            sync_parent_dir(path);
            Ok(())
        }
        Err(err) => {
            // Best effort: the error that matters is the one being returned.
            let _ = fs::remove_file(&tmp);
            Err(err)
        }
    }
}

fn write_error(path: &Path, source: io::Error) -> OutputError {
    OutputError::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Counter that keeps temporary names distinct between threads of one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Creates a new, empty file `.{name}.{pid}.{n}.{extension}` in the directory
/// of `path`, never reusing an existing name.
fn create_temp_beside(path: &Path, extension: &str) -> Result<PathBuf, OutputError> {
    let name = match path.file_name() {
        Some(name) => name,
        None => {
            return Err(write_error(
                path,
                io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file"),
            ))
        }
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let pid = std::process::id();
    let mut last_error = None;
    for _ in 0..16 {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut tmp_name = OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{pid}.{n}.{extension}"));
        let tmp = dir.join(tmp_name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(_) => return Ok(tmp),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last_error = Some(err),
            Err(err) => return Err(write_error(path, err)),
        }
    }
    Err(write_error(
        path,
        last_error.unwrap_or_else(|| io::Error::other("no free temporary file name")),
    ))
}

fn sync_file(path: &Path, tmp: &Path) -> Result<(), OutputError> {
    File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(|source| write_error(path, source))
}

/// Gives the new file the permissions of the one it replaces (best effort).
fn copy_permissions(path: &Path, tmp: &Path) {
    if let Ok(meta) = fs::metadata(path) {
        let _ = fs::set_permissions(tmp, meta.permissions());
    }
}

/// Makes the rename durable where the platform allows syncing a directory.
fn sync_parent_dir(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
