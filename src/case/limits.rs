//! Bounds on the work a case may ask for, checked before anything large is allocated.
//!
//! A well-formed case can still ask for more than a machine can give: six 8192² panels
//! (4 × 10⁸ cells, ~120 GB), a fixed step of 1 ns over an hour (3.6 × 10¹² steps), an output
//! every microsecond, an orbit flux table over a century. Such a case is refused up front with
//! [`InputError::TooLarge`], naming the key to change and the limit, instead of being killed by
//! the operating system half-way (or running for days). [`Limits::unlimited`] (what the command
//! line's allow-large option asks for) lifts every limit.
//!
//! Memory is estimated from the model's size with the peak resident memory per unknown measured
//! on the benchmark panels (`benches/README.md`) and compared with the memory the operating
//! system says is available now (`MemAvailable` in `/proc/meminfo` on Linux, or
//! `FALLBACK_AVAILABLE_BYTES` where that cannot be read).

use std::path::Path;

use crate::error::InputError;

/// Largest case, mesh or orbit file read, bytes (16 MiB). The shipped cases are 2–5 kB; a
/// case with a power table sampled every second for a week is ~10 MB. The limit keeps a wrong
/// path (`/dev/zero`, a data dump) from being read into memory whole.
pub const MAX_INPUT_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Peak resident memory of a steady solve per unknown, bytes: 272 B measured on the 1024²
/// and 2048² benchmark panels (279–285 MB for 1,048,576 unknowns, 1.06 GiB for 4,194,304;
/// `benches/README.md`), rounded up for the lumped nodes and conductors a real case adds.
pub(crate) const STEADY_BYTES_PER_UNKNOWN: f64 = 300.0;

/// Peak resident memory of a transient solve per unknown, bytes, not counting the stored
/// outputs: 552 B measured on the 1024² benchmark panel run as an adaptive BDF2 transient with
/// three outputs (579,348 KiB peak, `/usr/bin/time -f %M`; predictor history, step work
/// vectors and the multigrid hierarchy on top of the steady solve's), rounded up.
pub(crate) const TRANSIENT_BYTES_PER_UNKNOWN: f64 = 600.0;

/// Memory per node per stored transient output, bytes: one `f64` temperature (measured: 8.2 MB
/// per extra output of the 1024² panel).
pub(crate) const BYTES_PER_NODE_OUTPUT: f64 = 8.0;

/// Memory per panel cell for writing its results, bytes: the CSV's five columns and the field
/// (6 × 8 B).
pub(crate) const WRITE_BYTES_PER_CELL: f64 = 48.0;

/// Memory per row of an orbit flux table, bytes, before the per-surface part: time, position,
/// Sun direction and distance, lit fraction, beta angle, the per-step body frame (88 B) and the
/// shadow samples. Measured with 6 surfaces: 296 B per row (`thermorbit orbit` at 1 s steps,
/// 10⁶ and 4 × 10⁶ s); this base plus [`FLUX_BYTES_PER_SURFACE_ROW`] × 6 = 344 B bounds it.
pub(crate) const FLUX_BYTES_PER_ROW: f64 = 200.0;

/// Memory per surface per row of an orbit flux table, bytes (albedo and IR interpolation data).
pub(crate) const FLUX_BYTES_PER_SURFACE_ROW: f64 = 24.0;

/// Memory per sample of an eclipse scan over a span, bytes (the shadow function value, with
/// room for the crossing list; measured 7 B per sample over 10⁸ s of a 550 km orbit).
pub(crate) const SCAN_BYTES_PER_SAMPLE: f64 = 8.0;

/// Most fixed time steps in a transient (10⁷). The step times alone take 80 MB, and at the
/// ~1 ms a step of a few thousand unknowns takes, 10⁷ steps are three hours of work.
pub const MAX_TIME_STEPS: u64 = 10_000_000;

/// Most stored outputs of a transient (10⁶). Each keeps every node's temperature, and
/// `history.csv` gets one row per output.
pub const MAX_OUTPUTS: u64 = 1_000_000;

/// Most time samples of an orbit table or eclipse scan (2 × 10⁷, the row limit
/// `thermorbit orbit` has always had): six years of a 550 km orbit at 10 s, about a minute of
/// work on two cores.
pub const MAX_TIME_SAMPLES: u64 = 20_000_000;

/// Memory assumed available where the operating system cannot be asked (no
/// `/proc/meminfo`): 8 GiB, what a current laptop has free with a browser open.
pub(crate) const FALLBACK_AVAILABLE_BYTES: u64 = 8 << 30;

/// What a run may ask for. `None` lifts a limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest input file read, bytes.
    pub max_file_bytes: Option<u64>,
    /// Memory a run may use, bytes (the estimate is compared with it).
    pub memory_bytes: Option<u64>,
    /// Most cells over all panels plus lumped nodes.
    pub max_cells: Option<u64>,
    /// Most fixed time steps.
    pub max_steps: Option<u64>,
    /// Most stored transient outputs.
    pub max_outputs: Option<u64>,
    /// Most samples of an orbit table or eclipse scan.
    pub max_time_samples: Option<u64>,
}

impl Default for Limits {
    /// [`Limits::standard`].
    fn default() -> Self {
        Self::standard()
    }
}

impl Limits {
    /// The standard limits, with the memory available on this machine now.
    pub fn standard() -> Self {
        Self {
            max_file_bytes: Some(MAX_INPUT_FILE_BYTES),
            memory_bytes: Some(available_memory_bytes()),
            max_cells: None,
            max_steps: Some(MAX_TIME_STEPS),
            max_outputs: Some(MAX_OUTPUTS),
            max_time_samples: Some(MAX_TIME_SAMPLES),
        }
    }

    /// No limits at all: the operating system decides.
    pub fn unlimited() -> Self {
        Self {
            max_file_bytes: None,
            memory_bytes: None,
            max_cells: None,
            max_steps: None,
            max_outputs: None,
            max_time_samples: None,
        }
    }

    /// The same limits with at most `cells` cells and lumped nodes in a model.
    pub fn with_max_cells(mut self, cells: u64) -> Self {
        self.max_cells = Some(cells);
        self
    }

    /// The same limits with at most `steps` fixed time steps.
    pub fn with_max_steps(mut self, steps: u64) -> Self {
        self.max_steps = Some(steps);
        self
    }

    /// `Err(reason)` when `count` exceeds `limit`; `what` says what is counted.
    pub(crate) fn count(limit: Option<u64>, count: f64, what: &str) -> Result<(), String> {
        match limit {
            Some(max) if count.is_nan() || count > max as f64 => Err(format!(
                "{} {what}; the limit is {}",
                big_count(count),
                big_count(max as f64)
            )),
            _ => Ok(()),
        }
    }

    /// `Err(reason)` when `bytes` (an estimate of what `what` needs) exceeds the memory limit.
    pub(crate) fn memory(&self, bytes: f64, what: &str) -> Result<(), String> {
        match self.memory_bytes {
            Some(max) if bytes.is_nan() || bytes > max as f64 => Err(format!(
                "{what} needs about {} of memory, and {} is available on this machine",
                bytes_text(bytes),
                bytes_text(max as f64)
            )),
            _ => Ok(()),
        }
    }
}

/// Memory the operating system says can be allocated now without swapping: `MemAvailable` of
/// `/proc/meminfo` (Linux ≥ 3.14), else `FALLBACK_AVAILABLE_BYTES`.
pub fn available_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_available(&text))
        .unwrap_or(FALLBACK_AVAILABLE_BYTES)
}

/// `MemAvailable:   21474836 kB` → bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line
        .trim_start_matches("MemAvailable:")
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

/// `1.2 GiB`, `350.0 MiB`, `16.0 MiB`: a byte count in binary units, as `free -h` prints them.
pub fn bytes_text(bytes: f64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("TiB", 1_099_511_627_776.0),
        ("GiB", 1_073_741_824.0),
        ("MiB", 1_048_576.0),
        ("KiB", 1024.0),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            return format!("{:.1} {unit}", bytes / size);
        }
    }
    format!("{bytes:.0} B")
}

/// A count with thousands separators (`402,653,184`), or in scientific notation beyond 10¹⁵.
pub fn big_count(n: f64) -> String {
    if !n.is_finite() || n >= 1e15 {
        return format!("{n:.1e}");
    }
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A [`InputError::TooLarge`] naming `file` and `key`.
pub(crate) fn too_large(file: &Path, key: &str, reason: impl Into<String>) -> InputError {
    InputError::TooLarge {
        file: file.to_path_buf(),
        key: key.to_string(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_read_in_kib() {
        let text = "MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   21474836 kB\n";
        assert_eq!(mem_available(text), Some(21_474_836 * 1024));
        assert_eq!(mem_available("MemTotal: 5 kB\n"), None);
        assert!(available_memory_bytes() > 0);
    }

    #[test]
    fn counts_and_bytes_read_plainly() {
        assert_eq!(big_count(402_653_184.0), "402,653,184");
        assert_eq!(big_count(999.0), "999");
        assert_eq!(big_count(1e300), "1.0e300");
        assert_eq!(bytes_text(16.0 * 1024.0 * 1024.0), "16.0 MiB");
        assert_eq!(bytes_text(1.21e11), "112.7 GiB");
        assert_eq!(bytes_text(512.0), "512 B");
    }

    #[test]
    fn limits_refuse_beyond_and_never_when_lifted() {
        assert!(Limits::count(Some(10), 10.0, "steps").is_ok());
        let err = Limits::count(Some(10), 11.0, "steps").unwrap_err();
        assert!(
            err.contains("11 steps") && err.contains("limit is 10"),
            "{err}"
        );
        assert!(Limits::count(Some(10), f64::NAN, "steps").is_err());
        assert!(Limits::count(None, 1e300, "steps").is_ok());
        let l = Limits {
            memory_bytes: Some(1_000_000),
            ..Limits::unlimited()
        };
        assert!(l.memory(2e6, "the solve").unwrap_err().contains("1.9 MiB"));
        assert!(Limits::unlimited().memory(1e300, "x").is_ok());
    }
}
