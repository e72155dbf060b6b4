//! Integration tests of the multi-shape report (`evotune report --sweep`, `--db`) through the
//! real binary, on a replayed sweep (no GPU) over five head dims and two sequence lengths.
//!
//! Each problem's log is the recorded landscape at 2,8,512,64 with its times scaled as the mma
//! kernels scale: by the head dim padded to 32 (the kernels pad D so) and by the attended pairs.
//! That gives D = 107 the time of D = 128, a cliff from 96 to 107, and a padding trio. The
//! baseline records beside each run are the fixture run's, scaled the same way (flash by D
//! rounded up to 8; cuDNN only where D % 8 == 0, else unavailable; cuDNN FP8 unavailable).

mod common;

use common::{evotune, json, sweep_args, LOG};
use evotune::artifacts::LogProblem;
use evotune::shape::Shape;
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURE_BENCH: &str = "tests/fixtures/run_fixture/bench";
const HEAD_DIMS: [usize; 5] = [64, 96, 107, 112, 128];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn round_up(v: usize, to: usize) -> usize {
    v.div_ceil(to) * to
}

/// Every field that ends in `_us` multiplied by `factor` (numbers and lists of numbers).
fn scale_times(v: &mut Value, factor: f64) {
    let Value::Object(map) = v else { return };
    for (key, field) in map.iter_mut() {
        match field {
            Value::Number(n) if key.ends_with("_us") => {
                *field = (n.as_f64().unwrap() * factor).into();
            }
            Value::Array(items) if key.ends_with("_us") => {
                for x in items.iter_mut() {
                    *x = (x.as_f64().unwrap() * factor).into();
                }
            }
            _ => scale_times(field, factor),
        }
    }
}

/// The recorded log with every time multiplied by `factor`, declared (its `.problem.json`) as
/// recorded at the problem its file name spells: a stand-in for a recording there.
fn scaled_log(to: &Path, factor: f64) {
    let mut reader = csv::Reader::from_path(root().join(LOG)).unwrap();
    let header = reader.headers().unwrap().clone();
    let timed: Vec<usize> = ["p50_us", "ci_lo_us", "ci_hi_us", "call_p50_us"]
        .iter()
        .map(|c| header.iter().position(|h| h == *c).unwrap())
        .collect();
    let mut writer = csv::Writer::from_path(to).unwrap();
    writer.write_record(&header).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        let out: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, v)| match v.parse::<f64>() {
                Ok(x) if timed.contains(&i) => (x * factor).to_string(),
                _ => v.to_string(),
            })
            .collect();
        writer.write_record(&out).unwrap();
    }
    writer.flush().unwrap();
    let name = to.file_stem().unwrap().to_str().unwrap().replace('-', ",");
    let problem = LogProblem {
        shape: Shape::parse(&name).unwrap(),
        device: None,
    };
    problem.write(to).unwrap();
}

/// The logs of 2,8,512,D for each head dim and of 2,8,1024,64; none for 2,8,512,80.
fn logs(dir: &Path) -> PathBuf {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    for d in HEAD_DIMS {
        let factor = round_up(d, 32) as f64 / 64.0;
        scaled_log(&logs.join(format!("2-8-512-{d}.csv")), factor);
    }
    scaled_log(&logs.join("2-8-1024-64.csv"), 4.0);
    logs
}

/// The fixture's record of `name` (at 2,8,512,64) moved to `(s, d)` with its times scaled.
fn baseline(name: &str, s: usize, d: usize, factor: f64) -> Value {
    let path = root()
        .join(FIXTURE_BENCH)
        .join(format!("baseline_{name}.json"));
    let mut v = json(&path);
    scale_times(&mut v, factor);
    v["shape"] = serde_json::json!({"b": 2, "h": 8, "s": s, "d": d});
    v["flops"] = (4.0 * 16.0 * (s * s * d) as f64).into();
    v
}

fn unavailable(mut v: Value, reason: &str) -> Value {
    v["status"] = "unavailable".into();
    v["reason"] = reason.into();
    v.as_object_mut().unwrap().remove("kernel_time");
    v.as_object_mut().unwrap().remove("call_time");
    v
}

/// Baseline records in the run folder of 2,8,s,d.
fn add_baselines(run: &Path, s: usize, d: usize) {
    let pairs = (s * s) as f64 / (512.0 * 512.0);
    let records = [
        baseline("flash", s, d, pairs * round_up(d, 8) as f64 / 64.0),
        match d % 8 {
            0 => baseline("cudnn", s, d, pairs * d as f64 / 64.0),
            _ => unavailable(baseline("cudnn", s, d, 1.0), "cuDNN needs D % 8 == 0"),
        },
        unavailable(baseline("cudnn_fp8", s, d, 1.0), "no nvidia-cudnn-frontend"),
        baseline("floor", s, d, (s * d) as f64 / (512.0 * 64.0)),
    ];
    std::fs::create_dir_all(run.join("bench")).unwrap();
    for r in records {
        let name = r["baseline"].as_str().unwrap().to_string();
        let path = run.join("bench").join(format!("baseline_{name}.json"));
        std::fs::write(path, serde_json::to_string_pretty(&r).unwrap()).unwrap();
    }
}

/// The replayed sweep (2,8,512,80 fails: it has no log) with baselines beside each done run.
fn sweep(dir: &Path) -> PathBuf {
    let logs = logs(dir);
    let out = dir.join("sweep");
    evotune()
        .args(sweep_args(&out, &logs, 16))
        .args(["--shapes", "2,8,1024,64"])
        .args(["--batch", "2", "--heads", "8", "--seq-lens", "512"])
        .args(["--head-dims", "64,80,96,107,112,128"])
        .assert()
        .code(1);
    add_baselines(&out.join("2-8-1024-64"), 1024, 64);
    for d in HEAD_DIMS {
        add_baselines(&out.join(format!("2-8-512-{d}")), 512, d);
    }
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn assert_contains(md: &str, parts: &[&str]) {
    for part in parts {
        assert!(md.contains(part), "{part:?} missing from:\n{md}");
    }
}

#[test]
fn a_sweep_report_lists_every_problem_with_plots_cliffs_crossover_and_padding() {
    let dir = tempfile::tempdir().unwrap();
    let out = sweep(dir.path());
    evotune()
        .args(["report", "--sweep"])
        .arg(&out)
        .assert()
        .success()
        .stdout(format!("{}\n", out.join("report.md").display()));
    let md = read(&out.join("report.md"));
    assert_contains(
        &md,
        &[
            "7 problems: 6 tuned, 1 failed, 0 without a result.",
            "| problem | evotune best | family | flash | cudnn | cudnn_fp8 | floor |",
            "| 2,8,512,80 | **failed**: --replay-dir",
            "has no log for 2,8,512,80",
            "| unavailable: cuDNN needs D % 8 == 0 |",
            "| unavailable: no nvidia-cudnn-frontend |",
            "](report/tflops-vs-d-2-8-512-D.svg)",
            "](report/tflops-vs-s-2-8-S-64.svg)",
            "| 2,8,512,D | evotune | 96 → 107 |",
            "| 2,8,512,107 | evotune (mma) |",
            "| 2,8,512,64 | cudnn |",
            "### 2,8,512,107\n",
            "| method | as D = 107 | padded to 112 | padded to 128 |",
        ],
    );
    assert_eq!(md.matches("| 2,8,512,D |").count(), 1, "one cliff");
    for svg in ["tflops-vs-d-2-8-512-D.svg", "tflops-vs-s-2-8-S-64.svg"] {
        let text = read(&out.join("report").join(svg));
        assert!(text.starts_with("<?xml") && text.trim_end().ends_with("</svg>"));
    }
}

#[test]
fn a_database_report_shows_the_fresh_rows_of_one_device() {
    let dir = tempfile::tempdir().unwrap();
    let out = sweep(dir.path());
    let db = dir.path().join("tuning.db");
    let runs: Vec<PathBuf> = HEAD_DIMS
        .iter()
        .map(|d| out.join(format!("2-8-512-{d}")))
        .collect();
    evotune()
        .args(["db", "--db", db.to_str().unwrap(), "add"])
        .args(&runs)
        .assert()
        .success();
    let md_path = dir.path().join("reports/h.md");
    evotune()
        .args(["report", "--db", db.to_str().unwrap(), "--out"])
        .arg(&md_path)
        .assert()
        .success()
        .stdout(format!("{}\n", md_path.display()));
    let md = read(&md_path);
    assert_contains(
        &md,
        &[
            "device `replay`: the best fresh row of each problem (5 problems",
            "5 problems: 5 tuned, 0 failed, 0 without a result.",
            "| unavailable (the database keeps no reason) |",
            "](h/tflops-vs-d-2-8-512-D.svg)",
            "| 2,8,512,D | evotune | 96 → 107 |",
        ],
    );
    assert!(dir
        .path()
        .join("reports/h/tflops-vs-d-2-8-512-D.svg")
        .is_file());
    evotune()
        .args([
            "report",
            "--db",
            db.to_str().unwrap(),
            "--device",
            "H200",
            "--out",
        ])
        .arg(dir.path().join("none.md"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--device H200: "))
        .stderr(predicate::str::contains(
            "has no fresh rows for this device (its fresh rows are of: replay)",
        ));
    assert!(!dir.path().join("none.md").exists() && !dir.path().join("none").exists());
}

#[test]
fn bad_report_input_names_the_flag_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    evotune::db::Db::open(&empty).unwrap(); // an empty database, schema only
    let out = dir.path().join("out.md");
    let not_sweep = dir.path().to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["--sweep".into(), not_sweep.clone()],
            format!("--sweep {not_sweep} is not a sweep folder (it has no sweep.json)"),
        ),
        (
            vec!["--db".into(), empty.display().to_string()],
            format!(
                "--db {}: has no fresh rows to report: it holds no rows",
                empty.display()
            ),
        ),
        (
            vec![
                "--db".into(),
                dir.path().join("nope.db").display().to_string(),
            ],
            "nope.db: no such file".into(),
        ),
        (
            vec![
                "--sweep".into(),
                not_sweep.clone(),
                "--device".into(),
                "H200".into(),
            ],
            "cannot be used with".into(),
        ),
    ];
    for (flags, message) in cases {
        evotune()
            .args(["report", "--out", out.to_str().unwrap()])
            .args(&flags)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(
            !out.exists() && !dir.path().join("report.md").exists(),
            "{flags:?} wrote"
        );
    }
}

#[test]
fn help_says_where_the_multi_shape_report_is_written() {
    evotune()
        .args(["report", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("DIR/report.md"))
        .stdout(predicate::str::contains("reports/db-<device>.md"));
}
