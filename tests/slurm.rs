//! `evotune sweep --slurm` against a real Slurm: a single-node cluster started by the test
//! (tests/slurm/cluster.rs) runs a sweep of three problems answered from recorded landscapes;
//! one task is cancelled mid-way and leaves its reason, the re-submission tunes only that
//! problem, the script submitted again by hand tunes nothing, and the shards merge into one
//! database. Without Slurm (or root) it fails, saying why: scripts/test.sh installs Slurm.

#[path = "slurm/cluster.rs"]
mod cluster;

use cluster::{output, Cluster};
use evotune::artifacts::LogProblem;
use evotune::shape::Shape;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LOG: &str = "data/landscapes/h100_sdpa_fp8_2-8-512-64.csv";
const SPACE: &str = "data/landscapes/sdpa_fp8_mma.toml";
const SHAPES: [&str; 3] = ["2,8,512,64", "1,8,512,64", "4,8,512,64"];
const NAMES: [&str; 3] = ["2-8-512-64", "1-8-512-64", "4-8-512-64"];
const BUDGET: usize = 16;

fn evotune(cluster: &Cluster) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("evotune"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SLURM_CONF", cluster.conf());
    cmd
}

/// Runs `cmd`, which must succeed; its stdout.
fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{cmd:?} failed\n{stdout}\n{stderr}");
    stdout.into_owned()
}

/// A folder of logs named by shape: the 2,8,512,64 landscape under each name, each copy
/// declared as recorded at the problem it names (it stands in for a recording there).
fn replay_dir(root: &Path) -> PathBuf {
    let logs = root.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for (name, shape) in NAMES.iter().zip(SHAPES) {
        let log = logs.join(format!("{name}.csv"));
        std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(LOG), &log).unwrap();
        let problem = LogProblem {
            shape: Shape::parse(shape).unwrap(),
            device: None,
        };
        problem.write(&log).unwrap();
    }
    logs
}

fn job_of(stdout: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("submitted job array "))
        .unwrap_or_else(|| panic!("no job id in:\n{stdout}"));
    line["submitted job array ".len()..]
        .split(':')
        .next()
        .unwrap()
        .to_string()
}

fn rows(sweep: &Path, name: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(sweep.join(name).join("tune/tune_log.csv")).unwrap_or_default();
    text.lines().map(String::from).collect()
}

fn task_state(sweep: &Path, name: &str) -> Value {
    let path = sweep.join(name).join("task.json");
    serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

/// Waits until problem `name` has logged `n` trials; panics past 60 s.
fn wait_rows(cluster: &Cluster, sweep: &Path, name: &str, n: usize) {
    let start = Instant::now();
    while rows(sweep, name).len() < n + 1 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{name} never logged {n} trials\n{}",
            cluster.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The test's sweep on its cluster.
struct Sweep {
    cluster: Cluster,
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Sweep {
    fn evotune(&self, args: &[&str]) -> String {
        ok(evotune(&self.cluster).args(args))
    }

    fn status(&self) -> String {
        self.evotune(&["sweep", "--status", self.path.to_str().unwrap()])
    }

    fn state(&self, i: usize) -> Value {
        task_state(&self.path, NAMES[i])
    }

    fn rows(&self, i: usize) -> Vec<String> {
        rows(&self.path, NAMES[i])
    }
}

/// Submits three problems, two at a time, each trial answered after 250 ms; the job id.
fn submit_three(s: &Sweep) -> String {
    let logs = replay_dir(s.dir.path());
    let budget = BUDGET.to_string();
    let mut args = vec!["sweep", "--space", SPACE, "--budget", &budget];
    args.extend([
        "--replay-delay-ms",
        "250",
        "--replay-dir",
        logs.to_str().unwrap(),
    ]);
    args.extend(["--out", s.path.to_str().unwrap(), "--shapes"]);
    args.extend(SHAPES);
    args.extend(["--slurm", "--max-parallel", "2", "--time", "10"]);
    args.push("--sbatch-opt=--comment=evotune-test");
    let job = job_of(&s.evotune(&args));
    let script = std::fs::read_to_string(s.path.join("slurm/sweep.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-2%2\n"), "{script}");
    job
}

/// Cancels problem 1 mid-way; the others finish; its reason is left. Its log rows.
fn cancel_one(s: &Sweep, job: &str) -> Vec<String> {
    wait_rows(&s.cluster, &s.path, NAMES[1], 3);
    ok(s.cluster.client("scancel").arg(format!("{job}_1")));
    s.cluster.wait_job(job, Duration::from_secs(90));
    for i in [0, 2] {
        assert_eq!(s.state(i)["state"], "done", "{}", s.cluster.logs());
        assert_eq!(s.rows(i).len(), BUDGET + 1);
    }
    let cancelled = s.state(1);
    assert_eq!(cancelled["state"], "cancelled");
    let reason = cancelled["reason"].as_str().unwrap();
    assert!(reason.contains("received SIGTERM"), "{cancelled}");
    let status = s.status();
    for says in [
        "3 problems: 2 done, 0 running, 1 failed, 0 pending".to_string(),
        "1-8-512-64  failed   cancelled: received SIGTERM".to_string(),
        format!("[Slurm: {job}_1 CANCELLED"),
    ] {
        assert!(status.contains(&says), "{says}\n{status}");
    }
    let rows = s.rows(1);
    assert!(
        rows.len() < BUDGET + 1,
        "the cancel came after problem 1 ended"
    );
    rows
}

/// Re-submits: only problem 1 runs, resuming its log; the others are untouched.
fn resubmit(s: &Sweep, before: &[String]) {
    let finished = [0, 2].map(|i| s.rows(i));
    let stdout = s.evotune(&["sweep", "--resume", s.path.to_str().unwrap(), "--slurm"]);
    assert!(stdout.contains(": 1 task (1-8-512-64)"), "{stdout}");
    let script = std::fs::read_to_string(s.path.join("slurm/sweep.sbatch")).unwrap();
    assert!(
        script.contains("#SBATCH --array=1%2\n"),
        "options kept: {script}"
    );
    s.cluster
        .wait_job(&job_of(&stdout), Duration::from_secs(90));
    assert_eq!(s.state(1)["state"], "done", "{}", s.cluster.logs());
    let after = s.rows(1);
    assert_eq!(after.len(), BUDGET + 1);
    assert_eq!(after[..before.len()], before[..], "resumed, not restarted");
    assert_eq!(finished, [0, 2].map(|i| s.rows(i)));
}

/// Submits `script` by hand with sbatch: every task finds its problem done.
fn by_hand(s: &Sweep, script: &str) {
    let file = s.dir.path().join("first.sbatch");
    std::fs::write(&file, script).unwrap();
    let job = output(s.cluster.client("sbatch").arg("--parsable").arg(&file));
    let job = job.trim();
    s.cluster.wait_job(job, Duration::from_secs(60));
    for i in 0..3 {
        let log = s.path.join(format!("slurm/logs/{job}_{i}.out"));
        let out = std::fs::read_to_string(log).unwrap();
        assert!(out.contains("already done"), "task {i}: {out}");
    }
    let status = s.status();
    assert!(
        status.contains("3 problems: 3 done, 0 running, 0 failed, 0 pending"),
        "{status}"
    );
    let stdout = s.evotune(&["sweep", "--resume", s.path.to_str().unwrap(), "--slurm"]);
    assert!(stdout.starts_with("nothing to submit"), "{stdout}");
}

/// Merges the shards into one database; the problems it holds.
fn merged_shapes(s: &Sweep) -> Vec<String> {
    let db = s.dir.path().join("all.db");
    let db = db.to_str().unwrap();
    let merged = s.evotune(&["db", "--db", db, "merge", s.path.to_str().unwrap()]);
    assert_eq!(merged.matches("1 rows added").count(), 3, "{merged}");
    let list = s.evotune(&["db", "--db", db, "list", "--json"]);
    let list: Value = serde_json::from_str(&list).unwrap();
    let problem = |r: &Value| {
        let p = &r["row"]["problem"];
        let dims = [&p["batch"], &p["heads"], &p["seq_len"], &p["head_dim"]];
        dims.map(|d| d.to_string()).join(",")
    };
    let mut shapes: Vec<String> = list.as_array().unwrap().iter().map(problem).collect();
    shapes.sort();
    shapes
}

#[test]
fn a_sweep_runs_as_a_job_array_and_a_cancelled_task_alone_is_submitted_again() {
    let started = Instant::now();
    let cluster = Cluster::start();
    eprintln!("cluster up in {:.1} s", started.elapsed().as_secs_f64());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep");
    let s = Sweep { cluster, dir, path };
    let job = submit_three(&s);
    let first_script = std::fs::read_to_string(s.path.join("slurm/sweep.sbatch")).unwrap();
    let before = cancel_one(&s, &job);
    resubmit(&s, &before);
    by_hand(&s, &first_script);
    assert_eq!(
        merged_shapes(&s),
        ["1,8,512,64", "2,8,512,64", "4,8,512,64"]
    );
    drop(s);
    eprintln!("done in {:.1} s", started.elapsed().as_secs_f64());
}
