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
