//! The sbatch script of a sweep's job array, rendered from
//! `slurm_templates/sweep.sbatch.tera`: readable on its own, submittable by hand.

use super::super::index::SweepIndex;
use super::flags::SlurmOptions;
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

const TEMPLATE: &str = include_str!("../../../../slurm_templates/sweep.sbatch.tera");
const TEMPLATE_NAME: &str = "slurm_templates/sweep.sbatch.tera";

/// What a script is made of; every path absolute.
pub struct ScriptSpec<'a> {
    /// The sweep folder.
    pub sweep_dir: &'a Path,
    /// The script's own path (for the comment that says how to submit it).
    pub script: &'a Path,
    /// The evotune binary the tasks run.
    pub binary: &'a Path,
    /// The folder relative paths of the sweep (space, replay logs) start from.
    pub workdir: &'a Path,
    /// The sweep's index.
    pub index: &'a SweepIndex,
    /// The problems of this array, by index.
    pub tasks: &'a [usize],
    /// The submission's options.
    pub options: &'a SlurmOptions,
    /// Whether each task records into a shard (false with --no-db).
    pub shards: bool,
    /// The compile cache the tasks share, when one was named.
    pub cache_dir: Option<&'a Path>,
    /// The wait per replayed answer.
    pub replay_delay_ms: u64,
    /// When it was written, UTC.
    pub written_utc: &'a str,
}

#[derive(Serialize)]
struct TaskLine {
    index: usize,
    name: String,
    budget: usize,
    set: String,
}

/// The folder of the tasks' output files, beside the script.
pub fn log_dir(sweep_dir: &Path) -> PathBuf {
    sweep_dir.join("slurm").join("logs")
}

/// Renders the script.
pub fn render(spec: &ScriptSpec) -> Result<String> {
    for (what, path) in [
        ("the sweep folder", spec.sweep_dir),
        ("the working folder", spec.workdir),
    ] {
        directive_safe(what, path)?;
    }
    tera::Tera::one_off(TEMPLATE, &context(spec), false)
        .map_err(|e| crate::template::template_error(Path::new(TEMPLATE_NAME), &e))
}

fn context(spec: &ScriptSpec) -> tera::Context {
    let mut c = tera::Context::new();
    let shown = |p: &Path| p.display().to_string();
    c.insert("sweep_dir", &shown(spec.sweep_dir));
    c.insert("sweep_dir_q", &quote(&shown(spec.sweep_dir)));
    c.insert("script", &shown(spec.script));
    c.insert("binary", &shown(spec.binary));
    c.insert("binary_q", &quote(&shown(spec.binary)));
    c.insert("workdir", &shown(spec.workdir));
    c.insert("workdir_q", &quote(&shown(spec.workdir)));
    c.insert("log_dir", &shown(&log_dir(spec.sweep_dir)));
    c.insert("written_utc", spec.written_utc);
    c.insert("job_name", &job_name(spec.sweep_dir));
    c.insert("array", &array_spec(spec.tasks, spec.options.max_parallel));
    c.insert("tasks", &task_lines(spec));
    let names: Vec<&str> = spec
        .index
        .problems
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    c.insert("names", &names.join(" "));
    c.insert("options", spec.options);
    c.insert("shards", &spec.shards);
    c.insert("cache_dir_q", &spec.cache_dir.map(|p| quote(&shown(p))));
    c.insert("replay_delay_ms", &spec.replay_delay_ms);
    c
}

fn task_lines(spec: &ScriptSpec) -> Vec<TaskLine> {
    spec.tasks
        .iter()
        .map(|&i| {
            let p = &spec.index.problems[i];
            TaskLine {
                index: i,
                name: p.name.clone(),
                budget: p.budget,
                set: p.set.join(" "),
            }
        })
        .collect()
}

/// `evotune-<sweep folder name>`, in characters a job name takes.
fn job_name(sweep_dir: &Path) -> String {
    let name = sweep_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let clean: String = name
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("evotune-{clean}")
}

/// The array's indices as ranges (`0-2,5,7-8`), with `%N` when at most N run at once.
pub fn array_spec(tasks: &[usize], max_parallel: Option<usize>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < tasks.len() {
        let mut j = i;
        while j + 1 < tasks.len() && tasks[j + 1] == tasks[j] + 1 {
            j += 1;
        }
        parts.push(match j == i {
            true => tasks[i].to_string(),
            false => format!("{}-{}", tasks[i], tasks[j]),
        });
        i = j + 1;
    }
    let mut spec = parts.join(",");
    if let Some(n) = max_parallel {
        spec.push_str(&format!("%{n}"));
    }
    spec
}

/// A word for bash, in single quotes unless it needs none.
pub fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `#SBATCH` lines take no quoting: a folder they name must be free of blanks and quotes.
fn directive_safe(what: &str, path: &Path) -> Result<()> {
    let text = path.display().to_string();
    if text.contains(|c: char| c.is_whitespace() || "'\"\\%".contains(c)) {
        return Err(Error::flag(
            "--slurm",
            format!("{what} {text} holds a blank, a quote or a %: #SBATCH lines cannot name it"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
