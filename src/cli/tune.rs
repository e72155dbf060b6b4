//! The tune command (`evotune --shape B,H,S,D --budget N`): input checks, then the search.

use super::args::TuneArgs;
use super::target::{ArchPolicy, Target};
use crate::error::Error;

/// Validates every input before anything is written, then runs the search.
pub fn run(args: &TuneArgs) -> anyhow::Result<()> {
    let shape = args.shape.as_deref().ok_or_else(|| {
        Error::flag(
            "--shape",
            "is required to tune (e.g. --shape 2,8,512,64); see --help",
        )
    })?;
    if args.budget == 0 {
        return Err(Error::flag("--budget", "must be at least 1, got 0").into());
    }
    let t = Target::resolve(
        shape,
        args.arch.as_deref(),
        &args.space,
        ArchPolicy::GpuOrHopper,
    )?;
    let valid = t.require_valid_points()?;
    anyhow::bail!(
        "the space has {valid} valid points at {}, but this build has no tuner yet: use \
         `evotune compile` to build its variants",
        t.shape
    )
}
