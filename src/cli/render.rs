//! `evotune render`: print the CUDA source of one configuration.

use super::args::RenderArgs;
use super::target::{with_target, ArchPolicy, CliProblem, Target, WithTarget};

/// Renders the config and prints it; a config that breaks a constraint is an error naming it.
pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    with_target(
        &args.target,
        args.space.as_deref(),
        ArchPolicy::GpuOrHopper,
        args,
    )
}

impl WithTarget for &RenderArgs {
    fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()> {
        render(self, &t)
    }
}

fn render<P: CliProblem>(args: &RenderArgs, t: &Target<P>) -> anyhow::Result<()> {
    let point = t.valid_point(&args.config)?;
    print!("{}", t.kernels().source(&point)?);
    Ok(())
}
