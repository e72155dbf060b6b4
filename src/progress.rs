//! Progress display for long work (a bar on a terminal, nothing otherwise), alone or in a group
//! (a sweep's campaign bar above the bar of the problem being tuned).

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// A progress bar on stderr that draws only when stderr is a terminal.
pub struct Progress {
    bar: ProgressBar,
    /// In a group, [`Progress::log`] prints nothing: the group prints one line per item.
    quiet: bool,
}

/// Bars that share one display on stderr; lines printed through it go above them (plainly,
/// one per call, without a terminal).
#[derive(Clone, Default)]
pub struct ProgressGroup {
    multi: MultiProgress,
}

impl ProgressGroup {
    /// An empty group drawing on stderr when it is a terminal.
    pub fn new() -> Self {
        ProgressGroup::default()
    }

    /// A bar of `len` steps labelled `what` with a status message, added below the others.
    /// Its own log lines are dropped: the group's owner says what matters.
    pub fn bar(&self, len: u64, what: &str) -> Progress {
        let mut p = Progress::with_status(len, what);
        p.bar = self.multi.add(p.bar);
        p.quiet = true;
        p
    }

    /// Removes `progress`'s bar from the display.
    pub fn remove(&self, progress: &Progress) {
        progress.bar.finish_and_clear();
        self.multi.remove(&progress.bar);
    }

    /// Prints a line above the bars on a terminal, plainly otherwise.
    pub fn println(&self, line: &str) {
        if self.multi.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line);
        }
    }
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
        Progress { bar, quiet: false }
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
        Progress { bar, quiet: false }
    }

    /// Prints a line: above the bar on a terminal, plainly otherwise (so logs show progress).
    pub fn log(&self, line: String) {
        if self.quiet {
            return;
        }
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
