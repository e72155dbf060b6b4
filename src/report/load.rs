//! Everything a report reads from a run folder; each piece may be missing, with the reason.

use super::log::{read_points, LogPoint};
use crate::artifacts::{read_json, Manifest, RunPaths, TopK};
use crate::baseline::BaselineRecord;
use crate::ncu::NcuSummary;
use std::path::Path;

/// A piece of the run folder, or why it is not there.
pub type Loaded<T> = Result<T, String>;

/// The baselines a run may hold, in report order ("torch_math" is PyTorch's math backend, shown
/// for reference; baseline A is "math", B the faster of "flash" and "cudnn"; "cudnn_fp8" is
/// cuDNN's own FP8 SDPA on the same FP8 inputs; "floor" is not attention but the least time the
/// timing protocol can give at the shape).
pub const BASELINES: [&str; 6] = ["math", "flash", "cudnn", CUDNN_FP8, "torch_math", FLOOR];

/// cuDNN's own FP8 SDPA forward (`evotune baseline` measures it through nvidia-cudnn-frontend).
pub const CUDNN_FP8: &str = crate::baseline::cudnn_fp8::NAME;

/// The baseline that is not attention: the protocol's floor (`evotune baseline` measures it).
pub const FLOOR: &str = crate::baseline::floor::NAME;

/// The baselines that compute attention, in report order.
pub fn attention_baselines() -> impl Iterator<Item = &'static str> {
    BASELINES.into_iter().filter(|&n| n != FLOOR)
}

/// The run folder's contents.
#[derive(Debug, Clone)]
pub struct RunData {
    /// Its paths.
    pub paths: RunPaths,
    /// manifest.json.
    pub manifest: Loaded<Manifest>,
    /// `bench/baseline_<name>.json`, in [`BASELINES`] order.
    pub baselines: Vec<(String, Loaded<BaselineRecord>)>,
    /// tune/topk.json.
    pub topk: Loaded<TopK>,
    /// tune/tune_log.csv.
    pub log: Loaded<Vec<LogPoint>>,
    /// ncu/summary.json.
    pub ncu: Loaded<NcuSummary>,
}

impl RunData {
    /// Reads what is there; a missing file is recorded with its reason, not an error.
    pub fn load(root: &Path) -> RunData {
        let paths = RunPaths::new(root);
        let baselines = BASELINES
            .iter()
            .map(|b| (b.to_string(), json(&paths, &paths.baseline(b))))
            .collect();
        RunData {
            manifest: json(&paths, &paths.manifest()),
            baselines,
            topk: json(&paths, &paths.topk()),
            log: read_if_there(&paths, &paths.tune_log()),
            ncu: json(&paths, &paths.ncu_dir().join("summary.json")),
            paths,
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
