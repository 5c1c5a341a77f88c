//! Progress bars on stderr, shown only on a terminal and only for work that passes a second.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::{Duration, Instant};

/// A byte-progress bar that stays hidden for the first second.
pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    enabled: bool,
}

impl Bar {
    pub fn bytes(total: u64, label: &str) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar.set_message(label.to_owned());
        Bar { bar, started: Instant::now(), enabled: super::output::stderr_is_terminal() }
    }

    /// Moves the bar to `done`; draws it once a second has passed.
    pub fn set(&self, done: u64) {
        if self.enabled && self.bar.is_hidden() && self.started.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.set_position(done);
    }

    /// Sets the total (the work's size may be known only once it starts), then moves to `done`.
    pub fn set_total_and_done(&self, total: u64, done: u64) {
        if self.bar.length() != Some(total) {
            self.bar.set_length(total);
        }
        self.set(done);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
