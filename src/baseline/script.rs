//! Running a baseline's Python script (fed on stdin, killed after a timeout) and turning the
//! timing part of its JSON answer into a record; shared by the PyTorch and cuDNN FP8 baselines.

use crate::artifacts::{BaselineRecord, Validation};
use crate::eval::{TimingPlan, GRAPH_LAUNCHES};
use crate::gpu::timing::MAX_REPS;
use crate::op::ProblemSpec;
use serde::Deserialize;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// One script to run: its text, the name messages give it, and its arguments.
pub(super) struct Script<'a> {
    /// The Python interpreter.
    pub python: &'a str,
    /// The script's source, fed on stdin so that it runs from any folder.
    pub text: &'a str,
    /// Its path in the repository, for messages ("scripts/torch_sdpa_bench.py").
    pub name: &'a str,
    /// Arguments after `-`.
    pub args: Vec<String>,
    /// It is killed after this long.
    pub timeout: Duration,
}

/// The arguments every timing script takes: the problem (`--shape` for SDPA, `--gemm` for a
/// GEMM) and the timing plan (warm-up, minimum and maximum repetitions, target seconds, the
/// flush mode, and the launches per graph of a warm timing: `--graph-launches` when the plan
/// does not flush, `--warm-launches` when it asks for a warm timing beside the flushed ones).
pub(super) fn timing_args(problem: impl Into<ProblemSpec>, plan: &TimingPlan) -> Vec<String> {
    let problem = problem.into();
    let mode = plan.flush_mode();
    let mut args: Vec<String> = [
        problem.flag().into(),
        problem.to_string(),
        "--reps".into(),
        plan.reps.to_string(),
        "--warmup".into(),
        plan.warmup.to_string(),
        "--target-seconds".into(),
        plan.target_s.to_string(),
        "--max-reps".into(),
        MAX_REPS.to_string(),
        "--flush".into(),
        mode.name().into(),
    ]
    .into();
    if !mode.flushes() {
        args.extend(["--graph-launches".into(), GRAPH_LAUNCHES.to_string()]);
    } else if plan.warm_too {
        args.extend(["--warm-launches".into(), GRAPH_LAUNCHES.to_string()]);
    }
    args
}

/// The arguments of a script that reads evotune's inputs from, and writes its output to, the
/// folder `dir`: [`timing_args`] and `--inputs DIR`.
pub(super) fn exchange_args(
    problem: impl Into<ProblemSpec>,
    plan: &TimingPlan,
    dir: &Path,
) -> Vec<String> {
    let mut args = timing_args(problem, plan);
    args.extend(["--inputs".into(), dir.display().to_string()]);
    args
}

/// Sets `record`'s validation from `checked`; when the output could not be checked, the record
/// stays unchecked and its reason says why.
pub(super) fn attach_validation(
    record: &mut BaselineRecord,
    checked: crate::error::Result<Validation>,
) {
    match checked {
        Ok(v) => record.validation = Some(v),
        Err(e) => {
            let why = format!("output not checked: {e}");
            record.reason = Some(match record.reason.take() {
                Some(r) => format!("{r}; {why}"),
                None => why,
            });
        }
    }
}

/// The script's stdout, or why it did not produce one (not started, failed, timed out).
pub(super) fn run(s: &Script) -> Result<String, String> {
    let mut child = Command::new(s.python)
        .arg("-")
        .args(&s.args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", s.python))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let fed = stdin.write_all(s.text.as_bytes());
    drop(stdin);
    let stdout = reader(child.stdout.take().expect("piped stdout"));
    let stderr = reader(child.stderr.take().expect("piped stderr"));
    let status = wait_with_timeout(&mut child, s)?;
    let (out, err) = (
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default(),
    );
    fed.map_err(|e| format!("cannot feed the script to {}: {e}", s.python))?;
    if !status.success() {
        let tail: Vec<&str> = err.lines().rev().take(3).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "{} {} failed ({status}): {}",
            s.python,
            s.name,
            tail.join(" | ")
        ));
    }
    Ok(out)
}

fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

fn wait_with_timeout(child: &mut Child, s: &Script) -> Result<ExitStatus, String> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if start.elapsed() > s.timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} did not finish within {} s",
                    s.name,
                    s.timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for the script: {e}")),
        }
    }
}

/// The script's JSON answer: its last non-empty line (warnings may come before it).
pub(super) fn last_line(stdout: &str) -> &str {
    stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

/// Timing samples as a script reports them.
#[derive(Debug, Deserialize)]
pub(super) struct Samples {
    method: String,
    samples_us: Vec<f64>,
}

/// What a script says of one timed kernel: measured ("ok", with kernel-only and per-call
/// samples, or why kernel-only failed, and the warm kernel-only samples or why they failed when
/// asked for) or not, and why.
#[derive(Debug, Deserialize)]
pub(super) struct TimedOutput {
    pub status: String,
    pub reason: Option<String>,
    kernel: Option<Samples>,
    kernel_error: Option<String>,
    call: Option<Samples>,
    warm_kernel: Option<Samples>,
    warm_error: Option<String>,
}

impl TimedOutput {
    /// The record: unavailable with the script's reason, or measured with the timings there
    /// are (a missing kernel-only timing is explained in `reason`).
    pub fn record(
        &self,
        name: &str,
        implementation: &str,
        problem: impl Into<ProblemSpec>,
        device: Option<String>,
    ) -> BaselineRecord {
        let problem = problem.into();
        if self.status != "ok" {
            let reason = self
                .reason
                .clone()
                .unwrap_or_else(|| format!("status {}", self.status));
            return BaselineRecord::unavailable(name, implementation, problem, reason);
        }
        let summarize = |s: &Samples| {
            crate::gpu::timing::summarize_samples(s.method.clone(), s.samples_us.clone())
        };
        let usable = |s: &&Samples| !s.samples_us.is_empty();
        let kernel = self.kernel.as_ref().filter(usable).map(summarize);
        let call = self.call.as_ref().filter(usable).map(summarize);
        if kernel.is_none() && call.is_none() {
            let reason = self
                .kernel_error
                .clone()
                .unwrap_or_else(|| "no samples".into());
            return BaselineRecord::unavailable(name, implementation, problem, reason);
        }
        let mut record = BaselineRecord::measured(name, implementation, problem, kernel, call);
        record.warm_kernel_time = self.warm_kernel.as_ref().filter(usable).map(summarize);
        let reasons: Vec<String> = [
            self.kernel_error
                .as_ref()
                .map(|e| format!("kernel-only not measured: {e}")),
            self.warm_error
                .as_ref()
                .map(|e| format!("warm kernel-only not measured: {e}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        record.reason = (!reasons.is_empty()).then(|| reasons.join("; "));
        record.device = device;
        record
    }
}

/// What the tests of the script baselines share: stand-in interpreters and a probe of the real
/// one.
#[cfg(test)]
pub(super) mod test_support {
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};

    /// An executable `python3` in `dir` that runs the shell script `body` in its place.
    pub fn stand_in_python(dir: &Path, body: &str) -> PathBuf {
        let path = dir.join("python3");
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// Whether python3 here runs `probe` without error (`None`: there is no python3).
    pub fn python_runs(probe: &str) -> Option<bool> {
        let status = std::process::Command::new("python3")
            .args(["-c", probe])
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        Some(status.success())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::BaselineStatus;
    use crate::eval::FlushMode;
    use crate::shape::Shape;

    fn shape() -> Shape {
        Shape::parse("2,8,512,64").unwrap()
    }

    #[test]
    fn the_last_non_empty_line_is_the_answer() {
        assert_eq!(last_line("warning\n{\"a\": 1}\n\n"), "{\"a\": 1}");
        assert_eq!(last_line(""), "");
    }

    #[test]
    fn warm_timing_passes_the_graph_launches() {
        let plan = TimingPlan::new(100, FlushMode::None, 0.3);
        let args = timing_args(shape(), &plan).join(" ");
        assert!(args.starts_with("--shape 2,8,512,64 --reps 100"), "{args}");
        assert!(
            args.ends_with(&format!("--flush none --graph-launches {GRAPH_LAUNCHES}")),
            "{args}"
        );
        let flushed = timing_args(shape(), &TimingPlan::new(100, FlushMode::Memset, 0.3));
        assert!(flushed.join(" ").ends_with("--flush memset"), "{flushed:?}");
    }

    #[test]
    fn a_gemm_is_passed_by_its_own_flag() {
        let g: crate::op::Gemm = "129,257,384".parse().unwrap();
        let args = timing_args(g, &TimingPlan::new(100, FlushMode::Memset, 0.3)).join(" ");
        assert!(args.starts_with("--gemm 129,257,384 --reps 100"), "{args}");
    }

    #[test]
    fn the_flush_mode_and_a_warm_timing_beside_it_are_passed_on() {
        let plan = TimingPlan::new(100, FlushMode::WriteRead, 0.3).and_warm();
        let args = timing_args(shape(), &plan).join(" ");
        assert!(
            args.ends_with(&format!(
                "--flush write-read --warm-launches {GRAPH_LAUNCHES}"
            )),
            "{args}"
        );
        // Asking for warm beside no flush changes nothing: the timing is warm already.
        let warm = TimingPlan::new(100, FlushMode::None, 0.3).and_warm();
        assert!(!timing_args(shape(), &warm).contains(&"--warm-launches".to_string()));
    }

    #[test]
    fn warm_samples_become_the_warm_time_and_a_warm_failure_is_a_reason() {
        let out: TimedOutput = serde_json::from_value(serde_json::json!({
            "status": "ok",
            "kernel": {"method": "kernel-only: flushed", "samples_us": [12.0, 13.0, 12.5]},
            "call": {"method": "per call", "samples_us": [30.0]},
            "warm_kernel": {"method": "kernel-only: not flushed", "samples_us": [9.0, 9.5, 9.2]}
        }))
        .unwrap();
        let r = out.record("x", "imp", shape(), None);
        assert_eq!(r.warm_kernel_time.as_ref().unwrap().p50_us, 9.2);
        assert_eq!(r.kernel_time.as_ref().unwrap().p50_us, 12.5);
        assert_eq!(r.reason, None);
        let failed: TimedOutput = serde_json::from_value(serde_json::json!({
            "status": "ok",
            "kernel": {"method": "kernel-only", "samples_us": [12.0]},
            "warm_error": "capture failed"
        }))
        .unwrap();
        let r = failed.record("x", "imp", shape(), None);
        assert!(r.warm_kernel_time.is_none());
        assert_eq!(
            r.reason.as_deref(),
            Some("warm kernel-only not measured: capture failed")
        );
    }

    /// scripts/bench_protocol.py on a stand-in torch (tests/fixtures/protocol_stub.py): the log
    /// of flush passes and timed calls, and the answer.
    fn python_protocol(args: &[&str]) -> serde_json::Value {
        let dir = env!("CARGO_MANIFEST_DIR");
        let out = Command::new("python3")
            .arg(format!("{dir}/tests/fixtures/protocol_stub.py"))
            .arg(format!("{dir}/scripts"))
            .args([
                "--shape",
                "1,1,8,8",
                "--reps",
                "3",
                "--max-reps",
                "4",
                "--warmup",
                "1",
            ])
            .args(args)
            .output()
            .expect("python3 runs (scripts/test.sh needs it too)");
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The log's events from the `n`th timing mark (0-based) to the next.
    fn timing(log: &serde_json::Value, n: usize) -> Vec<String> {
        let log: Vec<String> = serde_json::from_value(log.clone()).unwrap();
        let parts: Vec<&[String]> = log.split(|e| e == "timing").skip(1).collect();
        parts[n].to_vec()
    }

    #[test]
    fn the_python_protocol_flushes_as_asked_then_times_warm_without_a_flush() {
        let got = python_protocol(&["--flush", "write-read", "--warm-launches", "20"]);
        let cold = timing(&got["log"], 0);
        // One warm-up launch, then 5 probe and 4 timed reps, each after a memset and a read.
        assert_eq!(cold[0], "launch");
        assert_eq!(cold[1..].len(), 9 * 3, "{cold:?}");
        assert!(
            cold[1..]
                .chunks(3)
                .all(|c| c == ["memset", "read", "launch"]),
            "{cold:?}"
        );
        assert_eq!(
            timing(&got["log"], 1),
            vec!["launch"; 10],
            "warm: no flush at all"
        );
        let kernel = &got["out"]["kernel"];
        let method = kernel["method"].as_str().unwrap();
        assert!(
            method.contains("(memset then read by a reduction of 100.0 MiB"),
            "{method}"
        );
        assert_eq!(kernel["samples_us"][0], 20.0);
        let warm = &got["out"]["warm_kernel"];
        let method = warm["method"].as_str().unwrap();
        assert!(
            method.contains("20 back-to-back calls, divided by 20; L2 not flushed"),
            "{method}"
        );
        assert_eq!(warm["samples_us"][0], 1.0, "0.02 ms over 20 calls");
        let after = got["flush_text_after"].as_str().unwrap();
        assert!(
            after.contains("memset then read"),
            "the mode is restored: {after}"
        );
    }

    #[test]
    fn the_python_protocol_reads_only_for_read_and_nothing_for_none() {
        let read = python_protocol(&["--flush", "read"]);
        let cold = timing(&read["log"], 0);
        assert!(
            cold[1..].chunks(2).all(|c| c == ["read", "launch"]),
            "{cold:?}"
        );
        assert!(read["out"].get("warm_kernel").is_none(), "not asked for");
        // --no-flush is --flush none: no flush, and no second, warm timing beside it.
        let none = python_protocol(&["--no-flush", "--warm-launches", "20"]);
        assert_eq!(timing(&none["log"], 0), vec!["launch"; 10]);
        assert!(none["out"].get("warm_kernel").is_none());
        let method = none["out"]["kernel"]["method"].as_str().unwrap();
        assert!(method.contains("L2 not flushed"), "{method}");
    }

    #[test]
    fn a_kernel_only_failure_keeps_the_per_call_timing_and_says_why() {
        let out: TimedOutput = serde_json::from_value(serde_json::json!({
            "status": "ok", "kernel_error": "capture failed",
            "call": {"method": "per call", "samples_us": [30.0, 31.0, 29.0]}
        }))
        .unwrap();
        let r = out.record("x", "imp", shape(), None);
        assert_eq!(r.status, BaselineStatus::Ok);
        assert!(r.kernel_time.is_none());
        assert_eq!(r.call_time.unwrap().p50_us, 30.0);
        assert_eq!(
            r.reason.as_deref(),
            Some("kernel-only not measured: capture failed")
        );
    }

    #[test]
    fn a_script_that_outlives_its_timeout_is_killed_and_named() {
        let s = Script {
            python: "sh",
            text: "sleep 5\n",
            name: "scripts/slow.py",
            args: Vec::new(),
            timeout: Duration::from_secs(1),
        };
        let err = run(&s).unwrap_err();
        assert_eq!(err, "scripts/slow.py did not finish within 1 s");
    }
}
