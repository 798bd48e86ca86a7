//! Atomic file replacement: results never appear half-written.
//!
//! Every writer in [`crate::output`] goes through here. The bytes go to a
//! temporary file in the target's own directory (so the final rename stays on
//! one file system), which is flushed and synced before it is renamed over the
//! target. If anything fails, the temporary file is removed and an existing
//! target is left exactly as it was.
//!
//! A run's files are one set ([`OutputSet`]): they are written into a hidden staging folder
//! beside the output folder, and only when all are written is the old folder swapped out and
//! the new one in. A failed, interrupted or disk-full run leaves the previous set whole; two
//! runs into one folder never mix their files; files of an earlier run that this one does not
//! write do not survive.

use std::ffi::{OsStr, OsString};
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

/// Marker file in every output set: a folder holding it may be replaced by a new set.
pub const SET_MARKER: &str = ".thermorbit-output";

/// A run's output folder written as one set: files go into a staging folder beside the target
/// ([`OutputSet::path`]), and [`OutputSet::commit`] swaps it in for the target. Dropped without
/// a commit (an error, a panic), the staging folder is removed and the target is untouched.
#[derive(Debug)]
pub struct OutputSet {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl OutputSet {
    /// Checks that `target` can take a set, before any work is done: it does not exist, or it
    /// is a folder that is empty or holds an earlier thermorbit set (the `SET_MARKER`, or only
    /// names a run writes). A regular file, or a folder with other files in it, is refused
    /// (replacing it would lose them), as is a path that names no folder (`.`, `..`, `/`).
    pub fn check_target(target: &Path) -> Result<(), OutputError> {
        let refuse = |reason: String| {
            Err(OutputError::Target {
                path: target.to_path_buf(),
                reason,
            })
        };
        if target.file_name().is_none() {
            return refuse(
                "names no folder of its own; give a folder for the results, e.g. out/run1".into(),
            );
        }
        let meta = match fs::symlink_metadata(target) {
            Ok(meta) => meta,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return check_parent(target)
            }
            Err(e) => return refuse(format!("cannot inspect it: {e}")),
        };
        if !meta.is_dir() {
            return refuse(
                "exists and is not a folder (a file, or a link); results go into a folder of their own: give a new folder name"
                    .into(),
            );
        }
        let entries = fs::read_dir(target).map_err(|source| write_error(target, source))?;
        let names: Vec<OsString> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        if names.iter().any(|n| n == SET_MARKER) {
            return Ok(());
        }
        match names.iter().find(|n| !is_result_name(n)) {
            None => Ok(()),
            Some(other) => refuse(format!(
                "is a folder holding `{}`, which thermorbit did not write; a run replaces its whole output folder, so give a new or empty folder",
                other.to_string_lossy()
            )),
        }
    }

    /// Starts a set for `target`: checks it ([`Self::check_target`]), creates its parent
    /// folders and an empty staging folder beside it.
    pub fn begin(target: &Path) -> Result<Self, OutputError> {
        Self::check_target(target)?;
        let parent = parent_of(target);
        fs::create_dir_all(parent).map_err(|source| write_error(target, source))?;
        let staging = unique_beside(target, "partial", |p| fs::create_dir(p))?;
        write_atomic(&staging.join(SET_MARKER), b"thermorbit output set\n")?;
        Ok(Self {
            target: target.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// Where to write the file called `name` of the set (in the staging folder).
    pub fn path(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// The staging folder (for writers that take a folder).
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// The folder the set goes to.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Swaps the staging folder in for the target: the old target (if any) is renamed aside,
    /// the staging folder renamed to the target, and the old one removed. Should the second
    /// rename fail, the old target is put back.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        // Another run may swap its own set in between our renames: try again a few times.
        let mut last = None;
        for _ in 0..8 {
            match self.swap_in() {
                Ok(()) => {
                    self.committed = true;
                    sync_parent_dir(&self.target);
                    return Ok(self.target.clone());
                }
                Err(e) => last = Some(e),
            }
        }
        Err(write_error(
            &self.target,
            last.unwrap_or_else(|| io::Error::other("could not swap the output folder in")),
        ))
    }

    fn swap_in(&self) -> io::Result<()> {
        let old = match fs::symlink_metadata(&self.target) {
            Ok(_) => {
                let aside = unique_name_beside(&self.target, "old")?;
                fs::rename(&self.target, &aside)?;
                Some(aside)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if let Err(e) = fs::rename(&self.staging, &self.target) {
            if let Some(aside) = &old {
                // Best effort: the target was ours a moment ago.
                let _ = fs::rename(aside, &self.target);
            }
            return Err(e);
        }
        if let Some(aside) = old {
            // The new set is in place; a leftover old folder is hidden and harmless.
            let _ = fs::remove_dir_all(aside);
        }
        Ok(())
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Names a run writes (sets from before the `SET_MARKER` existed hold only these), and the
/// hidden temporary files of an interrupted write.
fn is_result_name(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    let known = ["summary.json", "nodes.csv", "history.csv", "history.png"];
    known.contains(&name)
        || (name.starts_with("panel_")
            && [".csv", ".png", ".vtk"].iter().any(|e| name.ends_with(e)))
        || (name.starts_with('.') && name.ends_with(".tmp"))
}

/// The folder `path` is in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The nearest existing ancestor of a missing `target` must be a folder.
fn check_parent(target: &Path) -> Result<(), OutputError> {
    let mut dir = parent_of(target);
    loop {
        match fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => return Ok(()),
            Ok(_) => {
                return Err(OutputError::Target {
                    path: target.to_path_buf(),
                    reason: format!(
                        "{} is a file, so no folder can be made inside it",
                        dir.display()
                    ),
                })
            }
            Err(_) => match dir.parent() {
                Some(up) if !up.as_os_str().is_empty() => dir = up,
                _ => return Ok(()),
            },
        }
    }
}

/// `.{name}.{pid}.{n}.{extension}` beside `path`, not yet existing.
fn unique_name_beside(path: &Path, extension: &str) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file")
    })?;
    let pid = std::process::id();
    for _ in 0..64 {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut tmp_name = OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{pid}.{n}.{extension}"));
        let candidate = parent_of(path).join(tmp_name);
        if fs::symlink_metadata(&candidate).is_err() {
            return Ok(candidate);
        }
    }
    Err(io::Error::other("no free temporary name"))
}

/// Creates something (`create`) at a fresh name beside `path`.
fn unique_beside(
    path: &Path,
    extension: &str,
    create: impl Fn(&Path) -> io::Result<()>,
) -> Result<PathBuf, OutputError> {
    let mut last = None;
    for _ in 0..16 {
        let candidate = unique_name_beside(path, extension).map_err(|e| write_error(path, e))?;
        match create(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(write_error(path, e)),
        }
    }
    Err(write_error(
        path,
        last.unwrap_or_else(|| io::Error::other("no free temporary name")),
    ))
}
