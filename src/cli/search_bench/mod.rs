//! `evotune search-bench`: the GA against random search on a recorded landscape, many seeds;
//! with `--warm-start`, also the GA opened with other problems' best configs; with `--steady`,
//! the steady-state GA at each window against the generational GA.

mod table;
mod warm;

use super::args::{SearchBenchArgs, SteadyOrder};
use super::target::{ArchPolicy, Target};
use crate::error::{Error, Result};
use crate::evolve::{GaSettings, Genome, SpaceIndex};
use crate::tune::{
    compare_on_landscape, AnswerOrder, Methods, QualityReport, ReplayEvaluator, WallModel,
};
use serde::Serialize;
use std::sync::Arc;
use warm::SeedHere;

/// The σ of the logarithm of the modelled compile times (a spread of about ×0.55 to ×1.8 for
/// 95 % of candidates around the median).
const COMPILE_SPREAD: f64 = 0.3;

/// The comparison, with the warm seeds (if any) and what each costs on the landscape.
#[derive(Debug, Serialize)]
struct Bench {
    #[serde(flatten)]
    report: QualityReport,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warm_seeds: Vec<SeedHere>,
}

/// Checks the flags, runs the methods over every seed, prints the table (or JSON).
pub fn run(args: &SearchBenchArgs) -> anyhow::Result<()> {
    let bench = measure(args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&bench)?);
    } else {
        print!("{}", table::render(&bench.report, &bench.warm_seeds));
    }
    Ok(())
}

fn check_flags(args: &SearchBenchArgs) -> Result<()> {
    if args.budget == 0 {
        return Err(Error::flag("--budget", "must be at least 1, got 0"));
    }
    if args.seeds == 0 {
        return Err(Error::flag("--seeds", "must be at least 1, got 0"));
    }
    if args.warm_neighbours == 0 {
        return Err(Error::flag(
            "--warm-neighbours",
            "must be at least 1, got 0",
        ));
    }
    if args.steady.contains(&0) {
        return Err(Error::flag(
            "--steady",
            "each window must be at least 1, got 0",
        ));
    }
    if args.elites == 0 || args.elites >= args.population {
        return Err(Error::flag(
            "--elites",
            format!(
                "must be between 1 and --population − 1, got {}",
                args.elites
            ),
        ));
    }
    Ok(())
}

fn measure(args: &SearchBenchArgs) -> Result<Bench> {
    check_flags(args)?;
    let t = Target::resolve(
        &args.problem.text(&args.shape)?,
        Some("sm_90a"),
        &args.space,
        ArchPolicy::GpuOrHopper,
    )?;
    crate::tune::require_log(&args.replay)?;
    crate::tune::require_problem(&args.replay, &t.shape)?;
    let mut replay = ReplayEvaluator::load(&args.replay, &t.space)?;
    let full = SpaceIndex::new(&t.space, &t.shape, &t.limits)?;
    let index = landscape_index(args, &t, &full, &replay)?;
    let ga = GaSettings {
        population: args.population,
        elites: args.elites,
        ..GaSettings::default()
    };
    let mut warm_seeds = warm::seeds(args, &t, &full, &index)?;
    let genomes: Vec<Genome> = warm_seeds.iter().map(|s| s.genome.clone()).collect();
    let model = WallModel {
        compile_spread: COMPILE_SPREAD,
        ..WallModel::default()
    };
    let methods = Methods {
        warm: &genomes,
        race: args.race,
        steady: &args.steady,
        order: match args.steady_order {
            SteadyOrder::Fifo => AnswerOrder::Fifo,
            SteadyOrder::Pipeline => AnswerOrder::Pipeline(model),
        },
        model,
    };
    let report = compare_on_landscape(
        &mut replay,
        index.clone(),
        args.budget,
        args.seeds,
        ga,
        methods,
    )?;
    warm::timed(&mut warm_seeds, &index, &replay, report.true_best_us);
    Ok(Bench { report, warm_seeds })
}

/// The space's valid points that the log holds: the landscape the methods search.
fn landscape_index(
    args: &SearchBenchArgs,
    t: &Target,
    full: &SpaceIndex,
    replay: &ReplayEvaluator,
) -> Result<Arc<SpaceIndex>> {
    let index = full.restricted_to(|g| replay.answers().contains_key(&full.config(g)));
    if index.valid().is_empty() {
        return Err(Error::flag(
            "--replay",
            format!(
                "{} holds no valid point of {} at {} (is it the space and shape it was recorded with?)",
                args.replay.display(),
                args.space.display(),
                t.shape
            ),
        ));
    }
    Ok(Arc::new(index))
}
