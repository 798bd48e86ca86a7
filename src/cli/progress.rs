//! Progress on stderr for long work (transients, validation, orbit series, large solves, file
//! writing), drawn with `indicatif` only when stderr is a terminal and `--quiet` is not given:
//! a pipe or a log file gets no bars. The library knows nothing of this; it reports progress
//! through plain callbacks (`Model::run_with_progress`, `write_results_with`), which the
//! commands connect to the bars made here. Labels speak of the work ("solving steady state",
//! "t = 3600 s of 17204 s"), never of the program's types.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a spinner redraws while the work gives no news.
const TICK: Duration = Duration::from_millis(120);

/// Steps of a bar over simulated time (its position is the fraction of the span, in 1/1000).
const TIME_STEPS: u64 = 1000;

/// Makes progress bars, or hidden ones when they should not be drawn.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// Bars drawn when stderr is a terminal and not `quiet`.
    pub fn new(quiet: bool) -> Self {
        Self {
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// A bar over `len` pieces of work (`what`: "validation cases", "rows").
    pub fn bar(&self, len: u64, what: &str) -> ProgressBar {
        self.make(
            Some(len),
            what,
            "{spinner} {prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})",
        )
    }

    /// A spinner for work whose length is unknown (`what`: "solving steady state").
    pub fn spinner(&self, what: &str) -> ProgressBar {
        self.make(None, what, "{spinner} {prefix} {msg} ({elapsed})")
    }

    /// A bar over simulated time from `t0_s` to `t1_s`, and the callback that moves it
    /// (for `Model::run_with_progress`).
    pub fn time_bar(&self, t0_s: f64, t1_s: f64, what: &str) -> (ProgressBar, TimeCallback) {
        let bar = self.make(
            Some(TIME_STEPS),
            what,
            "{spinner} {prefix} [{bar:20}] {msg} ({elapsed}, ~{eta} left)",
        );
        let callback = TimeCallback {
            bar: bar.clone(),
            t0_s,
            t1_s,
        };
        (bar, callback)
    }

    fn make(&self, len: Option<u64>, what: &str, template: &str) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
        let style = match ProgressStyle::with_template(template) {
            Ok(style) => style.progress_chars("=> "),
            Err(_) => ProgressStyle::default_bar(),
        };
        bar.set_style(style);
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(TICK);
        bar
    }
}

/// Moves a time bar to `t` (s) of its span.
#[derive(Debug, Clone)]
pub struct TimeCallback {
    bar: ProgressBar,
    t0_s: f64,
    t1_s: f64,
}

impl TimeCallback {
    /// The simulated time has reached `t_s`.
    pub fn at(&self, t_s: f64) {
        if self.bar.is_hidden() {
            return;
        }
        let fraction = ((t_s - self.t0_s) / (self.t1_s - self.t0_s)).clamp(0.0, 1.0);
        self.bar
            .set_position((fraction * TIME_STEPS as f64).round() as u64);
        self.bar.set_message(format!(
            "t = {} s of {} s",
            thermorbit::case::number_text(t_s.round()),
            thermorbit::case::number_text(self.t1_s)
        ));
    }
}
