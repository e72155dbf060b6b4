//! Progress display for long work (a bar on a terminal, nothing otherwise).

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr that draws only when stderr is a terminal.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar of `len` steps labelled `what`.
    pub fn new(len: u64, what: &str) -> Self {
        let bar = ProgressBar::new(len);
        let style = ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} {elapsed}<{eta}")
            .expect("a valid progress template")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_string());
        Progress { bar }
    }

    /// A bar of `len` steps labelled `what`, with a status message after the counts.
    pub fn with_status(len: u64, what: &str) -> Self {
        let bar = ProgressBar::new(len);
        let style =
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {elapsed}<{eta} {msg}")
                .expect("a valid progress template")
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(what.to_string());
        Progress { bar }
    }

    /// Prints a line: above the bar on a terminal, plainly otherwise (so logs show progress).
    pub fn log(&self, line: String) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    /// One step done.
    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// Sets the trailing message (e.g. best so far).
    pub fn note(&self, text: String) {
        self.bar.set_message(text);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
