//! The replay evaluator: answers from a recorded tune log of real measurements, so the search
//! runs, is tested and is compared without a GPU. A config the log lacks is answered `absent`;
//! a log answers only for the problem it was recorded on, which it must say (`LogProblem`).

use super::evaluator::{Candidate, Evaluated, Evaluator};
use crate::artifacts::{sidecar, LogProblem, LoggedProblem};
use crate::error::{Error, Input, Result};
use crate::space::{Config, SearchSpace};
use crate::tunelog::{self, TrialRecord};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The outcome name of a config the replayed log does not hold.
pub const ABSENT: &str = "absent";

/// Answers from a recorded log.
pub struct ReplayEvaluator {
    path: PathBuf,
    answers: HashMap<Config, TrialRecord>,
    delay: Duration,
}

impl ReplayEvaluator {
    /// Loads the log at `path`, recorded over `space`'s parameters (read against the
    /// unrestricted space: a `--set` run asks only for points the log spells the same way).
    pub fn load(path: &Path, space: &SearchSpace) -> Result<Self> {
        require_log(path)?;
        let contents = tunelog::read(path, space.unrestricted())?;
        if contents.records.is_empty() {
            return Err(Error::input(
                Input::ReplayLog,
                format!(
                    "{} holds no trials (only a header): nothing to replay; record some with \
                     `evotune record`",
                    path.display()
                ),
            ));
        }
        let mut answers = HashMap::new();
        for r in contents.records {
            answers.entry(r.config.clone()).or_insert(r);
        }
        Ok(ReplayEvaluator {
            path: path.to_path_buf(),
            answers,
            delay: Duration::ZERO,
        })
    }

    /// Waits `delay` per answer, to stand in for the GPU's time in demos and crash tests.
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The log answers come from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded configs and their answers.
    pub fn answers(&self) -> &HashMap<Config, TrialRecord> {
        &self.answers
    }

    /// The answer for `c`: the recorded row renumbered, or an `absent` row.
    pub fn answer(&self, c: &Candidate) -> TrialRecord {
        let mut record = match self.answers.get(&c.config) {
            Some(r) => r.clone(),
            None => absent(&c.config, &self.path),
        };
        record.trial = c.trial;
        record.generation = c.generation;
        record
    }
}

fn absent(config: &Config, path: &Path) -> TrialRecord {
    TrialRecord::unmeasured(
        config,
        ABSENT,
        format!("not recorded in {}", path.display()),
    )
}

/// Fails, naming the replay log, unless `path` is a file.
pub fn require_log(path: &Path) -> Result<()> {
    if path.is_file() {
        return Ok(());
    }
    let why = if path.is_dir() {
        "is a folder, not a log file (a run folder's log is tune/tune_log.csv)"
    } else {
        "does not exist (record one with `evotune record`)"
    };
    Err(Error::input(
        Input::ReplayLog,
        format!("file {} {why}", path.display()),
    ))
}

/// The problem the log at `path` was recorded on. A log that does not say is refused, naming
/// the replay log and the file that would declare it (`asked`, the problem wanted, is the
/// example).
pub fn recorded_problem<P: LoggedProblem>(path: &Path, asked: &P) -> Result<P> {
    let bad = |e: Error| Error::input(Input::ReplayLog, e.to_string());
    match LogProblem::<P>::of(path).map_err(bad)? {
        Some(p) => Ok(p.shape),
        None => Err(Error::input(
            Input::ReplayLog,
            format!(
                "{} does not say which problem it was recorded on, so its answers cannot be \
                 trusted for {asked}: declare it in {} (`evotune record` writes that file), \
                 e.g. {} if it was recorded at {asked}",
                path.display(),
                sidecar(path).display(),
                declaration(asked)
            ),
        )),
    }
}

/// The problem of the log at `path`, which must be `asked`: a log recorded on another problem
/// is refused, naming the replay log and both problems.
pub fn require_problem<P: LoggedProblem>(path: &Path, asked: &P) -> Result<()> {
    let recorded = recorded_problem(path, asked)?;
    if recorded == *asked {
        return Ok(());
    }
    Err(Error::input(
        Input::ReplayLog,
        format!(
            "{} was recorded on {recorded}, not on the problem asked for ({asked}): its times \
             would pass for measurements at {asked}; replay it at {recorded}, or record a log \
             at {asked} with `evotune record`",
            path.display()
        ),
    ))
}

/// The sidecar's text for `shape`, on one line.
fn declaration<P: LoggedProblem>(shape: &P) -> String {
    let p = LogProblem {
        shape: *shape,
        device: None,
    };
    serde_json::to_string(&p).expect("a problem serializes")
}

impl Evaluator for ReplayEvaluator {
    fn evaluate(
        &mut self,
        batch: &[Candidate],
        done: &mut dyn FnMut(Evaluated) -> Result<()>,
    ) -> Result<()> {
        for c in batch {
            if !self.delay.is_zero() {
                std::thread::sleep(self.delay);
            }
            done(Evaluated::from_record(self.answer(c)))?;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("replay of {}", self.path.display())
    }
}
