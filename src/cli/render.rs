//! `evotune render`: print the CUDA source of one configuration.

use super::args::RenderArgs;
use super::target::{with_target, ArchPolicy, CliProblem, Target, WithTarget};
use crate::error::Error;

/// Renders the config and prints it; a config that breaks a constraint is an error naming it.
pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    with_target(&args.target, &args.space, ArchPolicy::GpuOrHopper, args)
}

impl WithTarget for &RenderArgs {
    fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()> {
        render(self, &t)
    }
}

fn render<P: CliProblem>(args: &RenderArgs, t: &Target<P>) -> anyhow::Result<()> {
    let config = t.space.parse_config(&args.config)?;
    let point = t.space.evaluate(&config, &t.shape, &t.limits)?;
    if !point.is_valid() {
        return Err(Error::flag(
            "--config",
            format!(
                "{config} breaks constraint(s) at {} {}: {}",
                P::NOUN,
                t.shape,
                point.violated.join("; ")
            ),
        )
        .into());
    }
    print!("{}", t.kernels().source(&point)?);
    Ok(())
}
