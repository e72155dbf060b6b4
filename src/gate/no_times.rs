//! Why one side of a speedup check has no kernel-only time under the protocol asked for: which
//! side, and what its records say.

use crate::artifacts::{BaselineRecord, Elite};
use crate::eval::TimingProtocol;
use std::fmt;

/// A side of a speedup check without kernel-only times under the check's protocol, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct NoTimes {
    /// The protocol asked for.
    pub protocol: TimingProtocol,
    /// The side that lacks them.
    pub side: Side,
    /// Why it lacks them.
    pub gap: Gap,
}

/// One side of a speedup check.
#[derive(Debug, Clone, PartialEq)]
pub enum Side {
    /// A baseline, as the check names it ("baseline A (math)").
    Baseline(String),
    /// The best candidate: its rank and config label.
    Best {
        /// Its rank among the elites.
        rank: usize,
        /// Its config.
        label: String,
    },
}

/// Why a side has no kernel-only times under a protocol.
#[derive(Debug, Clone, PartialEq)]
pub enum Gap {
    /// The baseline's warm timing failed; its record's reason.
    WarmFailed(String),
    /// The baseline's record was written before baselines were timed both ways.
    RecordedBeforeBoth,
    /// The baseline was timed warm only.
    WarmOnly,
    /// The best candidate was not confirmed (warm times come from its confirmation).
    NotConfirmed,
    /// Its confirmation failed, and how.
    ConfirmationFailed(String),
    /// Its confirmation was made before confirmations timed both ways.
    ConfirmedBeforeBoth,
}

impl NoTimes {
    /// Why baseline `name` (the record `base`) has no kernel-only time under `protocol`.
    pub fn of_baseline(name: String, base: &BaselineRecord, protocol: TimingProtocol) -> Self {
        let failed = base
            .reason
            .as_deref()
            .filter(|r| r.contains("warm kernel-only not measured"));
        let gap = match (protocol, failed) {
            (TimingProtocol::Warm, Some(reason)) => Gap::WarmFailed(reason.into()),
            (TimingProtocol::Warm, None) => Gap::RecordedBeforeBoth,
            (TimingProtocol::Cold, _) => Gap::WarmOnly,
        };
        NoTimes {
            protocol,
            side: Side::Baseline(name),
            gap,
        }
    }

    /// Why the best elite `best` has no warm kernel-only time.
    pub fn of_best(best: &Elite) -> Self {
        let gap = match &best.confirmed {
            None => Gap::NotConfirmed,
            Some(c) => match &c.failure {
                Some(f) => Gap::ConfirmationFailed(f.clone()),
                None => Gap::ConfirmedBeforeBoth,
            },
        };
        NoTimes {
            protocol: TimingProtocol::Warm,
            side: Side::Best {
                rank: best.rank,
                label: best.label.clone(),
            },
            gap,
        }
    }
}

impl fmt::Display for NoTimes {
    /// "warm needs warm kernel-only times on both sides, and baseline A (math) has none: ...".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{p} needs {p} kernel-only times on both sides, and {} has none: {}",
            self.side,
            self.gap,
            p = self.protocol.name()
        )
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Side::Baseline(name) => f.write_str(name),
            Side::Best { rank, label } => write!(f, "the best candidate #{rank} `{label}`"),
        }
    }
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gap::WarmFailed(reason) => f.write_str(reason),
            Gap::RecordedBeforeBoth => {
                f.write_str("its record was written before baselines were timed both ways")
            }
            Gap::WarmOnly => f.write_str("it was timed warm only"),
            Gap::NotConfirmed => f.write_str("it was not confirmed"),
            Gap::ConfirmationFailed(how) => write!(f, "its confirmation failed: {how}"),
            Gap::ConfirmedBeforeBoth => {
                f.write_str("its confirmation was made before confirmations timed both ways")
            }
        }
    }
}
