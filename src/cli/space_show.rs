//! `evotune space show FILE`: the parameters of a space and how many points are valid.

use super::args::SpaceShowArgs;
use super::target::{with_target, ArchPolicy, CliProblem, Target, WithTarget};
use crate::space::Value;

/// Prints the space's parameters, derived values, constraints and census.
pub fn run(args: &SpaceShowArgs) -> anyhow::Result<()> {
    with_target(
        &args.target,
        Some(&args.file),
        ArchPolicy::GpuOrHopper,
        args,
    )
}

impl WithTarget for &SpaceShowArgs {
    fn run<P: CliProblem>(self, t: Target<P>) -> anyhow::Result<()> {
        show(self, &t)
    }
}

fn show<P: CliProblem>(args: &SpaceShowArgs, t: &Target<P>) -> anyhow::Result<()> {
    let census = t.space.census(&t.shape, &t.limits)?;
    if args.json {
        println!("{}", serde_json::to_string(&census)?);
        return Ok(());
    }
    let s = &t.space;
    println!("space {} ({})", s.name, s.path.display());
    if !s.description.is_empty() {
        println!("  {}", s.description);
    }
    println!("template {}  kernel {}", s.template.display(), s.kernel);
    println!("{} {}  limits of {}", P::NOUN, t.shape, t.limits_from);
    println!("\nparameters:");
    for p in &s.params {
        let values: Vec<String> = p.domain.values().iter().map(Value::to_string).collect();
        println!("  {:<22} [{}]  {}", p.name, values.join(", "), p.doc);
    }
    println!("\nderived:");
    for (name, e) in &s.derived {
        println!("  {name:<22} = {}", e.text);
    }
    println!("\nconstraints (points each rejects):");
    for (text, n) in &census.rejected_by {
        println!("  {n:>8}  {text}");
    }
    println!("\ndefault: {}", s.default);
    println!("raw size {}, valid {}", census.raw, census.valid);
    Ok(())
}
