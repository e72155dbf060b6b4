//! Running a baseline's Python script (fed on stdin, killed after a timeout) and turning the
//! timing part of its JSON answer into a record; shared by the PyTorch and cuDNN FP8 baselines.

use super::record::BaselineRecord;
use crate::eval::TimingPlan;
use crate::gpu::timing::{GRAPH_LAUNCHES, MAX_REPS};
use crate::shape::Shape;
use serde::Deserialize;
use std::io::{Read, Write};
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

/// The arguments every timing script takes: the shape and the timing plan (warm-up, minimum
/// and maximum repetitions, target seconds, and with `--no-flush` the launches per graph).
pub(super) fn timing_args(shape: &Shape, plan: &TimingPlan) -> Vec<String> {
    let mut args: Vec<String> = [
        "--shape".into(),
        shape.to_string(),
        "--reps".into(),
        plan.reps.to_string(),
        "--warmup".into(),
        plan.warmup.to_string(),
        "--target-seconds".into(),
        plan.target_s.to_string(),
        "--max-reps".into(),
        MAX_REPS.to_string(),
    ]
    .into();
    if !plan.flush_l2 {
        args.extend([
            "--no-flush".into(),
            "--graph-launches".into(),
            GRAPH_LAUNCHES.to_string(),
        ]);
    }
    args
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
/// samples, or why kernel-only failed) or not, and why.
#[derive(Debug, Deserialize)]
pub(super) struct TimedOutput {
    pub status: String,
    pub reason: Option<String>,
    kernel: Option<Samples>,
    kernel_error: Option<String>,
    call: Option<Samples>,
}

impl TimedOutput {
    /// The record: unavailable with the script's reason, or measured with the timings there
    /// are (a missing kernel-only timing is explained in `reason`).
    pub fn record(
        &self,
        name: &str,
        implementation: &str,
        shape: &Shape,
        device: Option<String>,
    ) -> BaselineRecord {
        if self.status != "ok" {
            let reason = self
                .reason
                .clone()
                .unwrap_or_else(|| format!("status {}", self.status));
            return BaselineRecord::unavailable(name, implementation, shape, reason);
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
            return BaselineRecord::unavailable(name, implementation, shape, reason);
        }
        let mut record = BaselineRecord::measured(name, implementation, shape, kernel, call);
        record.reason = self
            .kernel_error
            .as_ref()
            .map(|e| format!("kernel-only not measured: {e}"));
        record.device = device;
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::BaselineStatus;

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
        let plan = TimingPlan::new(100, false, 0.3);
        let args = timing_args(&shape(), &plan).join(" ");
        assert!(args.starts_with("--shape 2,8,512,64 --reps 100"), "{args}");
        assert!(
            args.ends_with(&format!("--no-flush --graph-launches {GRAPH_LAUNCHES}")),
            "{args}"
        );
        let flushed = timing_args(&shape(), &TimingPlan::new(100, true, 0.3)).join(" ");
        assert!(!flushed.contains("--no-flush"), "{flushed}");
    }

    #[test]
    fn a_kernel_only_failure_keeps_the_per_call_timing_and_says_why() {
        let out: TimedOutput = serde_json::from_value(serde_json::json!({
            "status": "ok", "kernel_error": "capture failed",
            "call": {"method": "per call", "samples_us": [30.0, 31.0, 29.0]}
        }))
        .unwrap();
        let r = out.record("x", "imp", &shape(), None);
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
