//! search-bench's table: one row per method, the p-values, and the warm seeds with what each
//! costs on the landscape.

use super::warm::SeedHere;
use crate::tune::{QualityReport, SampleTally};

/// The whole table.
pub fn render(r: &QualityReport, seeds: &[SeedHere]) -> String {
    let mut out = format!(
        "landscape: {} valid recorded points ({} timed ok); true best {:.3} µs\n  {}\n\
         budget {} trials, {} seeds per method\n\n",
        r.points, r.timed, r.true_best_us, r.true_best, r.budget, r.seeds
    );
    out.push_str(&methods(r));
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
    out.push_str(&steady_lines(r));
    out.push_str(&warm_seeds(seeds));
    out
}

/// Each steady row's test against the generational GA, and the modelled walls.
fn steady_lines(r: &QualityReport) -> String {
    let mut out = String::new();
    for t in &r.steady_tests {
        let p = t.p_value.map_or("n/a".into(), |p| format!("{p:.2e}"));
        out.push_str(&format!(
            "Mann–Whitney U on regrets, {} vs {} (two-sided): p = {p}\n",
            t.method, t.against
        ));
    }
    if let Some(w) = &r.wall {
        let m = &w.model;
        out.push_str(&format!(
            "modelled search wall ({} cores compiling {:.2} s per candidate, log-σ {:.2}; one \
             GPU at {:.2} s per candidate): generational {:.1} s",
            m.cores, m.compile_s, m.compile_spread, m.gpu_s, w.generational_s
        ));
        for (window, s) in &w.steady_s {
            out.push_str(&format!(", steady{window} {s:.1} s"));
        }
        out.push('\n');
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

/// One row per method: regret, trials to within 5 %, and how many seeds got there.
fn methods(r: &QualityReport) -> String {
    let mut out = format!(
        "{:<14} {:>14} {:>18} {:>22} {:>10}\n",
        "method", "median regret", "regret IQR", "median trials to ≤5%", "reached"
    );
    for row in &r.rows {
        let (q1, q3) = row.regret_quartiles();
        let trials = row
            .median_trials_to_near(r.budget)
            .map_or(format!("> {}", r.budget), |t| format!("{t:.0}"));
        out.push_str(&format!(
            "{:<14} {:>13.2}% {:>8.2}%–{:>7.2}% {:>22} {:>6}/{}\n",
            row.method,
            100.0 * row.median_regret(),
            100.0 * q1,
            100.0 * q3,
            trials,
            row.reached(),
            r.seeds
        ));
    }
    out
}

/// The warm seeds, each with where it came from and its time on this landscape.
fn warm_seeds(seeds: &[SeedHere]) -> String {
    if seeds.is_empty() {
        return String::new();
    }
    let mut out =
        String::from("\nwarm seeds (other problems' best configs, repaired into the space):\n");
    for s in seeds {
        out.push_str(&format!("  {}\n", s.from));
        if let Some(asked) = &s.stands_in_for {
            out.push_str(&format!(
                "    {asked}  (not recorded here; the nearest recorded point stands in:)\n"
            ));
        }
        let here = match (s.p50_us, s.over_best) {
            (Some(t), Some(o)) => format!("{t:.3} µs here, +{:.1}% over the best", 100.0 * o),
            _ => "failed here".to_string(),
        };
        out.push_str(&format!("    {}  ({here})\n", s.config));
    }
    out
}
