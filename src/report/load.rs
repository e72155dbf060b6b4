//! Everything a report reads from a run folder; each piece may be missing, with the reason.

use super::log::{read_points, LogPoint};
use crate::artifacts::{read_json, BaselineRecord, Manifest, RunPaths, TopK};
use crate::ncu::{NcuSummary, Profile};
use crate::op::{ProblemSpec, Registry, REGISTRY};
use crate::space::SearchSpace;
use std::path::Path;

/// A piece of the run folder, or why it is not there.
pub type Loaded<T> = Result<T, String>;

/// The run folder's contents.
#[derive(Debug, Clone)]
pub struct RunData {
    /// Its paths.
    pub paths: RunPaths,
    /// manifest.json.
    pub manifest: Loaded<Manifest>,
    /// The baselines of the run's operation and the comparisons made with them.
    pub registry: &'static Registry,
    /// `bench/baseline_<name>.json`, in the registry's order.
    pub baselines: Vec<(String, Loaded<BaselineRecord>)>,
    /// tune/topk.json.
    pub topk: Loaded<TopK>,
    /// tune/tune_log.csv.
    pub log: Loaded<Vec<LogPoint>>,
    /// ncu/summary.json.
    pub ncu: Loaded<NcuSummary>,
    /// The space file topk.json names, where it loads on this machine.
    pub space: Option<SearchSpace>,
}

impl RunData {
    /// Reads what is there; a missing file is recorded with its reason, not an error.
    pub fn load(root: &Path) -> RunData {
        let paths = RunPaths::new(root);
        let manifest: Loaded<Manifest> = json(&paths, &paths.manifest());
        let topk: Loaded<TopK> = json(&paths, &paths.topk());
        let registry = problem_of(&paths, &manifest, &topk).map_or(REGISTRY, |p| p.registry());
        let baselines = registry
            .names()
            .map(|b| (b.to_string(), json(&paths, &paths.baseline(b))))
            .collect();
        let space = topk
            .as_ref()
            .ok()
            .and_then(|t| crate::space::load(&t.space).ok());
        let mut run = RunData {
            manifest,
            registry,
            baselines,
            topk,
            log: read_if_there(&paths, &paths.tune_log()),
            ncu: json(&paths, &paths.ncu_dir().join("summary.json")),
            space,
            paths,
        };
        run.shorten_labels();
        run
    }

    /// Labels each elite, and its ncu profile, with only the parameters that apply to its point
    /// ([`crate::space::SearchSpace::active_text`]), where the run's space file loads and the
    /// elite's config is a point of it; a label stays whole otherwise.
    fn shorten_labels(&mut self) {
        let (Ok(topk), Some(space)) = (&mut self.topk, &self.space) else {
            return;
        };
        for e in &mut topk.elites {
            let Some(short) = space.active_text(&e.record.config) else {
                continue;
            };
            if let Ok(ncu) = &mut self.ncu {
                relabel_profile(ncu, e.rank, &e.label, &short);
            }
            e.label = short;
        }
    }

    /// The baseline record `name`, or why there is none.
    pub fn baseline(&self, name: &str) -> Loaded<&BaselineRecord> {
        self.baselines
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, r)| r.as_ref().map_err(Clone::clone))
            .unwrap_or_else(|| Err(format!("no baseline named {name}")))
    }
}

/// The run's problem: its manifest's, its topk.json's, or (a folder of baselines only) that of
/// the first baseline record in `bench/` that reads; `None` when nothing says.
fn problem_of(
    paths: &RunPaths,
    manifest: &Loaded<Manifest>,
    topk: &Loaded<TopK>,
) -> Option<ProblemSpec> {
    if let Ok(m) = manifest {
        return Some(m.shape);
    }
    if let Ok(t) = topk {
        return Some(t.shape);
    }
    let mut records: Vec<_> = std::fs::read_dir(paths.root.join("bench"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    records.sort();
    records
        .iter()
        .find_map(|p| read_json::<BaselineRecord>(p).ok())
        .map(|r| r.shape)
}

/// "<file> is missing", the file named relative to the run folder.
fn missing(paths: &RunPaths, path: &Path) -> String {
    let rel = path.strip_prefix(&paths.root).unwrap_or(path);
    format!("{} is missing", rel.display())
}

fn json<T: serde::de::DeserializeOwned>(paths: &RunPaths, path: &Path) -> Loaded<T> {
    if !path.exists() {
        return Err(missing(paths, path));
    }
    read_json(path).map_err(|e| e.to_string())
}

fn read_if_there(paths: &RunPaths, path: &Path) -> Loaded<Vec<LogPoint>> {
    if !path.exists() {
        return Err(missing(paths, path));
    }
    read_points(path)
}

/// Renames the profile of the elite ranked `rank`, made under its label `from`, to `to`.
fn relabel_profile(ncu: &mut NcuSummary, rank: usize, from: &str, to: &str) {
    let of_elite = |p: &&mut Profile| p.rank == Some(rank) && p.variant == from;
    for p in ncu.profiles.iter_mut().filter(of_elite) {
        p.variant = to.to_string();
    }
}
