//! A problem of the multi-shape report from a run folder (a sweep's) or from a database row.

use super::model::{BaselineResult, Best, ProblemResult, Time, Tuned};
use crate::db::TuningRow;
use crate::op::ProblemSpec;
use crate::report::compare::{measured, Times};
use crate::report::load::RunData;
use crate::space::SearchSpace;
use std::path::Path;

impl ProblemResult {
    /// The problem tuned in `run` (of either operation); `problem` stands in when its manifest
    /// is unreadable.
    pub fn from_run(run: &RunData, problem: ProblemSpec) -> ProblemResult {
        let recorded = run.manifest.as_ref().ok().map(|m| m.shape);
        ProblemResult {
            problem: recorded.unwrap_or(problem),
            tuned: best_of_run(run),
            baselines: run_baselines(run),
        }
    }

    /// A problem that failed, with the reason.
    pub fn failed(problem: ProblemSpec, reason: impl Into<String>) -> ProblemResult {
        ProblemResult {
            problem,
            tuned: Tuned::Failed(reason.into()),
            baselines: Vec::new(),
        }
    }

    /// A problem without a result yet, with the reason.
    pub fn missing(problem: ProblemSpec, reason: impl Into<String>) -> ProblemResult {
        ProblemResult {
            problem,
            tuned: Tuned::Missing(reason.into()),
            baselines: Vec::new(),
        }
    }

    /// The problem of a database row: its best config and the baselines' medians (the database
    /// keeps neither samples nor the baselines' intervals, nor why a baseline was unavailable).
    /// The config is given with only the parameters that apply to it where `space`, the row's
    /// space file loaded, reads it as one of its points.
    pub fn from_row(row: &TuningRow, space: Option<&SearchSpace>) -> ProblemResult {
        let time = Time {
            p50_us: row.kernel_p50_us,
            ci_us: row.ci_lo_us.zip(row.ci_hi_us),
            samples: Vec::new(),
        };
        let best = Best {
            time,
            config: active_config(space, &row.config),
            family: family(&row.config, Some(Path::new(&row.template_path))),
            stand_in: stand_in_of(&row.evaluator),
        };
        let baselines = row.baselines.iter().map(|b| BaselineResult {
            name: b.name.clone(),
            time: match (b.status.as_str(), b.kernel_p50_us) {
                ("ok", Some(p50)) => Ok(Time::median(p50)),
                ("ok", None) => Err("measured, but without a kernel-only time".into()),
                (status, _) => Err(format!("{status} (the database keeps no reason)")),
            },
        });
        ProblemResult {
            problem: row.problem.spec(),
            tuned: Tuned::Best(best),
            baselines: baselines.collect(),
        }
    }
}

/// The best elite of the run, or why there is none.
fn best_of_run(run: &RunData) -> Tuned {
    let topk = match &run.topk {
        Ok(t) => t,
        Err(why) => return Tuned::Missing(why.clone()),
    };
    let Some((elite, times)) = topk
        .elites
        .first()
        .and_then(|e| Some((e, Times::of_elite(e)?)))
    else {
        return Tuned::Missing("no trial passed validation".into());
    };
    let template = run
        .space
        .as_ref()
        .map(|s| s.template_for(&elite.record.config));
    let stand_in = run.manifest.as_ref().ok().and_then(|m| m.stand_in.as_ref());
    Tuned::Best(Best {
        time: Time {
            p50_us: times.p50_us,
            ci_us: times.ci_us,
            samples: times.samples.to_vec(),
        },
        config: elite.label.clone(),
        family: family(&elite.label, template.as_deref()),
        stand_in: stand_in.map(|s| s.recorded_on.to_string()),
    })
}

/// The problem a row's answers were recorded on, where its evaluator says another stood in
/// (`replay LOG (answers recorded on 2,8,512,64)`, as rows written before stand-ins were kept
/// out of the database say it).
pub(super) fn stand_in_of(evaluator: &str) -> Option<String> {
    let (_, rest) = evaluator.rsplit_once("(answers recorded on ")?;
    rest.strip_suffix(')').map(str::to_string)
}

/// The baseline records the run holds (files it lacks are left out).
fn run_baselines(run: &RunData) -> Vec<BaselineResult> {
    let there = |name: &str| run.paths.baseline(name).exists();
    run.baselines
        .iter()
        .filter(|(name, _)| there(name))
        .map(|(name, record)| BaselineResult {
            name: name.clone(),
            time: record.as_ref().map_err(Clone::clone).and_then(|r| {
                let r = measured(r)?;
                let t = Times::of_baseline(r).expect("a measured baseline has a kernel time");
                Ok(Time {
                    p50_us: t.p50_us,
                    ci_us: t.ci_us,
                    samples: t.samples.to_vec(),
                })
            }),
        })
        .collect()
}

/// `config` with only the parameters that apply to it ([`SearchSpace::active_text`]), where
/// `space` reads it as one of its points; `config` as it is otherwise.
fn active_config(space: Option<&SearchSpace>, config: &str) -> String {
    space
        .and_then(|s| s.active_text(&s.parse_config(config).ok()?))
        .unwrap_or_else(|| config.to_string())
}

/// The kernel family of a config: its `FAMILY` value, else the name of the template it
/// renders after the last underscore (templates are named `<kernel>_<family>.cu.tera`).
pub fn family(config: &str, template: Option<&Path>) -> Option<String> {
    let own = config
        .split(',')
        .find_map(|kv| kv.trim().strip_prefix("FAMILY="));
    if let Some(f) = own {
        return Some(f.to_string());
    }
    let name = template?.file_name()?.to_str()?;
    let stem = name.split('.').next()?;
    stem.rsplit('_').next().map(str::to_string)
}
