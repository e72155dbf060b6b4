//! `evotune render`: print the CUDA source of one configuration.

use super::args::RenderArgs;
use super::target::{ArchPolicy, Target};
use crate::error::Error;

/// Renders the config and prints it; a config that breaks a constraint is an error naming it.
pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    let t = Target::resolve(
        &args.target.problem.text(&args.target.shape)?,
        args.target.arch.as_deref(),
        &args.space,
        ArchPolicy::GpuOrHopper,
    )?;
    let config = t.space.parse_config(&args.config)?;
    let point = t.space.evaluate(&config, &t.shape, &t.limits)?;
    if !point.is_valid() {
        return Err(Error::flag(
            "--config",
            format!(
                "{config} breaks constraint(s) at shape {}: {}",
                t.shape,
                point.violated.join("; ")
            ),
        )
        .into());
    }
    print!("{}", t.kernels().source(&point)?);
    Ok(())
}
