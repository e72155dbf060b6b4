//! `evotune search-bench`: the GA against random search on a recorded landscape, many seeds.

use super::args::SearchBenchArgs;
use super::target::{ArchPolicy, Target};
use crate::error::{Error, Result};
use crate::evolve::{GaSettings, Genome, SpaceIndex};
use crate::tune::{compare_on_landscape, QualityReport, ReplayEvaluator, SampleTally};
use std::sync::Arc;

/// Checks the flags, runs both methods over every seed, prints the table (or JSON).
pub fn run(args: &SearchBenchArgs) -> anyhow::Result<()> {
    let report = measure(args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    Ok(())
}

fn measure(args: &SearchBenchArgs) -> Result<QualityReport> {
    if args.budget == 0 {
        return Err(Error::flag("--budget", "must be at least 1, got 0"));
    }
    if args.seeds == 0 {
        return Err(Error::flag("--seeds", "must be at least 1, got 0"));
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
    let index = Arc::new(full.restricted_to(|g| replay.answers().contains_key(&full.config(g))));
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
    let ga = GaSettings {
        population: args.population,
        elites: args.elites,
        ..GaSettings::default()
    };
    let warm = warm_genomes(args, &t, &index)?;
    compare_on_landscape(
        &mut replay,
        index,
        args.budget,
        args.seeds,
        ga,
        &warm,
        args.race,
    )
}

/// The `--warm-start` seeds from the database's `replay` rows, repaired into the landscape.
fn warm_genomes(args: &SearchBenchArgs, t: &Target, index: &SpaceIndex) -> Result<Vec<Genome>> {
    if !args.warm_start {
        return Ok(Vec::new());
    }
    let path = args.db.clone().unwrap_or_else(crate::db::default_path);
    if !path.is_file() {
        return Err(Error::flag(
            "--db",
            format!(
                "{} does not exist (--warm-start reads a tuning database)",
                path.display()
            ),
        ));
    }
    let rows = super::db::open(&path)?
        .all()
        .map_err(super::db::failed(&path))?;
    let problem = crate::db::Problem::of_shape(&t.shape);
    let max = (args.population / 2).max(1);
    let seeds = crate::warm::warm_seeds(&rows, &problem, "replay", &t.space, index, max);
    if seeds.is_empty() {
        return Err(Error::flag(
            "--warm-start",
            format!("{} holds no fresh replay row to start from", path.display()),
        ));
    }
    for s in &seeds {
        eprintln!("warm seed {}  ({})", s.config, s.from);
    }
    Ok(crate::warm::seed_genomes(&seeds, &t.space, index))
}

/// The table: one row per method.
fn table(r: &QualityReport) -> String {
    let mut out = format!(
        "landscape: {} valid recorded points ({} timed ok); true best {:.3} µs\n  {}\n\
         budget {} trials, {} seeds per method\n\n",
        r.points, r.timed, r.true_best_us, r.true_best, r.budget, r.seeds
    );
    out.push_str(&format!(
        "{:<8} {:>14} {:>18} {:>22} {:>10}\n",
        "method", "median regret", "regret IQR", "median trials to ≤5%", "reached"
    ));
    for row in &r.rows {
        let (q1, q3) = row.regret_quartiles();
        let trials = row
            .median_trials_to_near(r.budget)
            .map_or(format!("> {}", r.budget), |t| format!("{t:.0}"));
        out.push_str(&format!(
            "{:<8} {:>13.2}% {:>8.2}%–{:>7.2}% {:>22} {:>6}/{}\n",
            row.method,
            100.0 * row.median_regret(),
            100.0 * q1,
            100.0 * q3,
            trials,
            row.reached(),
            r.seeds
        ));
    }
    let p = r.p_value.map_or("n/a".into(), |p| format!("{p:.2e}"));
    out.push_str(&format!(
        "\nMann–Whitney U on regrets, GA vs random (two-sided): p = {p}\n"
    ));
    if let Some(p) = r.p_value_warm {
        out.push_str(&format!(
            "Mann–Whitney U on regrets, ga+warm vs GA (two-sided): p = {p:.2e}\n"
        ));
    }
    if let (Some(p), Some(t)) = (r.p_value_race, r.race_tally) {
        out.push_str(&race_lines(p, &t));
    }
    out
}

/// What racing took in the simulated searches, and whether it changed the regrets.
fn race_lines(p: f64, t: &SampleTally) -> String {
    let share = |a: usize, b: usize| 100.0 * a as f64 / b.max(1) as f64;
    format!(
        "Mann–Whitney U on regrets, ga+race vs ga+noise (two-sided): p = {p:.2e}\n\
         racing: {:.0}% of the timed trials raced out (no per-call method); {:.1}% of the \
         kernel-only samples of timing each in full taken\n",
        share(t.raced_out, t.timed),
        share(t.samples, t.full_samples)
    )
}
