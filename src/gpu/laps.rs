//! The time one evaluation spends in each of its steps, split into validation and timing.

use crate::eval::Phases;
use std::collections::BTreeMap;
use std::time::Instant;

/// The steps of one evaluation, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Loading the cubin.
    Load,
    /// The problem's inputs and references (once per problem).
    InputsAndReferences,
    /// Uploading Q, K and V.
    Upload,
    /// The checked launch and reading O back.
    RunAndReadBack,
    /// Checking O against both references.
    Check,
    /// Writing the dump, when asked for.
    Dump,
    /// The timing protocol.
    Timing,
    /// Checking that the timed launches left a passing O.
    Recheck,
}

impl Step {
    /// The name the worker reports it under.
    pub fn name(self) -> &'static str {
        match self {
            Step::Load => "load",
            Step::InputsAndReferences => "inputs and references",
            Step::Upload => "upload",
            Step::RunAndReadBack => "run and read back",
            Step::Check => "check",
            Step::Dump => "dump",
            Step::Timing => "timing",
            Step::Recheck => "re-check",
        }
    }

    /// Whether it counts as timing; every other step is validation.
    fn is_timing(self) -> bool {
        matches!(self, Step::Timing | Step::Recheck)
    }
}

/// Milliseconds per step of one evaluation, each measured from the end of the last.
pub struct Laps {
    started: Instant,
    last: Instant,
    steps: BTreeMap<String, f64>,
    timing_ms: f64,
}

impl Laps {
    /// Starts the clock.
    pub fn new() -> Self {
        let now = Instant::now();
        Laps {
            started: now,
            last: now,
            steps: BTreeMap::new(),
            timing_ms: 0.0,
        }
    }

    /// Ends `step` now.
    pub fn lap(&mut self, step: Step) {
        let now = Instant::now();
        let ms = (now - self.last).as_secs_f64() * 1e3;
        *self.steps.entry(step.name().to_string()).or_default() += ms;
        if step.is_timing() {
            self.timing_ms += ms;
        }
        self.last = now;
    }

    /// The phases: timing is the timing steps, validation all the rest of the time so far.
    pub fn phases(self) -> Phases {
        let total_ms = self.started.elapsed().as_secs_f64() * 1e3;
        Phases {
            validation_ms: total_ms - self.timing_ms,
            timing_ms: self.timing_ms,
            steps_ms: self.steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laps_add_up_per_step_and_split_into_validation_and_timing() {
        let mut laps = Laps::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        laps.lap(Step::Load);
        laps.lap(Step::Check);
        std::thread::sleep(std::time::Duration::from_millis(2));
        laps.lap(Step::Load);
        assert_eq!(laps.steps.len(), 2);
        assert!(laps.steps["load"] >= 4.0, "{:?}", laps.steps);
        assert!(laps.steps["check"] < laps.steps["load"], "{:?}", laps.steps);
        laps.lap(Step::Timing);
        std::thread::sleep(std::time::Duration::from_millis(2));
        laps.lap(Step::Recheck);
        let steps = laps.steps.clone();
        let p = laps.phases();
        assert_eq!(p.timing_ms, steps["timing"] + steps["re-check"]);
        assert!(p.timing_ms >= 2.0 && p.validation_ms >= 4.0, "{p:?}");
        assert_eq!(p.steps_ms, steps);
    }
}
