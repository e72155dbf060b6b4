//! The report of the fixture run folder (tests/fixtures/run_fixture), snapshot-tested, and of
//! the same folder with pieces missing (no baseline B, no ncu, no tune log).

use super::svg::tests::check_well_formed;
use super::*;
use std::path::Path;

const FIXTURE: &str = "tests/fixtures/run_fixture";

/// The comparison `--target-vs name` asks for.
fn vs(name: &str) -> crate::op::Comparison {
    crate::op::REGISTRY.comparison(name).unwrap()
}

fn options(run_arg: &str) -> ReportOptions {
    ReportOptions {
        target: 1.0,
        target_vs: vs("baseline_b"),
        run_arg: run_arg.into(),
    }
}

fn fixture() -> RunData {
    RunData::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE))
}

/// A copy of the fixture without the files named.
fn fixture_without(remove: &[&str]) -> (tempfile::TempDir, RunData) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("run_fixture");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE), &root);
    for r in remove {
        let p = root.join(r);
        if p.is_dir() {
            std::fs::remove_dir_all(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }
    let data = RunData::load(&root);
    (dir, data)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_fixture_report_renders_every_section() {
    let r = render(&fixture(), &options(FIXTURE)).unwrap();
    for section in [
        "## Top line",
        "## Statistical verdict",
        "## Nsight Compute highlights",
        "## Roofline position",
        "## Plots",
        "## Status and next actions",
        "## Environment",
        "## Reproduce",
    ] {
        assert!(r.markdown.contains(section), "{section} missing");
    }
    insta::assert_snapshot!("fixture_report", r.markdown);
}

#[test]
fn the_fixture_plots_are_well_formed_svg_linked_from_the_report() {
    let r = render(&fixture(), &options(FIXTURE)).unwrap();
    let names: Vec<String> = r.files.iter().map(|f| f.0.display().to_string()).collect();
    assert_eq!(
        names,
        ["run_fixture/convergence.svg", "run_fixture/latency.svg"]
    );
    for (path, svg) in &r.files {
        let (root, elements) = check_well_formed(svg);
        assert_eq!(root, "svg", "{}", path.display());
        assert!(elements > 20, "{}: {elements} elements", path.display());
        assert!(r.markdown.contains(&format!("]({})", path.display())));
    }
    // 21 timed trials in the fixture log, one dot each.
    assert_eq!(r.files[0].1.matches("<circle").count(), 21);
}

#[test]
fn missing_baseline_b_ncu_and_log_render_with_their_reasons() {
    let (_dir, run) = fixture_without(&[
        "bench/baseline_flash.json",
        "bench/baseline_cudnn.json",
        "ncu",
        "tune/tune_log.csv",
    ]);
    let r = render(&run, &options("artifacts/run_fixture")).unwrap();
    let md = &r.markdown;
    assert!(
        md.contains("kernel-only) is missing: flash: bench/baseline_flash.json is missing"),
        "{md}"
    );
    assert!(
        md.contains("Not profiled: ncu/summary.json is missing"),
        "{md}"
    );
    assert!(
        md.contains("not drawn: tune/tune_log.csv is missing"),
        "{md}"
    );
    assert!(md.contains("**UNKNOWN**"), "{md}");
    assert_eq!(r.files.len(), 1, "only the latency plot");
    insta::assert_snapshot!("missing_pieces_report", md);
}

#[test]
fn a_missing_cudnn_fp8_record_renders_with_its_reason_and_no_row() {
    let (_dir, run) = fixture_without(&["bench/baseline_cudnn_fp8.json"]);
    let mut opts = options("x");
    opts.target_vs = vs("cudnn_fp8");
    let md = render(&run, &opts).unwrap().markdown;
    assert!(
        md.contains("- baseline `cudnn_fp8`: bench/baseline_cudnn_fp8.json is missing"),
        "{md}"
    );
    assert!(
        !md.contains("| cudnn_fp8 |") && !md.contains("cuDNN FP8:"),
        "{md}"
    );
    assert!(
        md.contains("faster than cuDNN FP8 (kernel-only")
            && md.contains("Cannot judge: bench/baseline_cudnn_fp8.json is missing."),
        "{md}"
    );
}

#[test]
fn the_target_can_be_cudnn_fp8() {
    let run = fixture();
    let b = Baselines::of(&run);
    let mut opts = options(FIXTURE);
    opts.target_vs = vs("cudnn_fp8");
    // cudnn_fp8 12.80 µs, the best candidate 13.12 µs.
    let (s, met) = view::status::judge(&run, &b, &opts).unwrap();
    assert!(!met && (s.point - 12.8 / 13.12).abs() < 0.01, "{s:?}");
    opts.target = 0.95;
    assert!(view::status::judge(&run, &b, &opts).unwrap().1);
}

#[test]
fn an_empty_folder_still_renders_saying_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let r = render(&RunData::load(dir.path()), &options("x")).unwrap();
    assert!(r.markdown.contains("No manifest: manifest.json is missing"));
    assert!(r
        .markdown
        .contains("no candidates: tune/topk.json is missing"));
    assert!(r.files.is_empty());
}

#[test]
fn writing_puts_the_plots_beside_the_report_and_copies_it_to_latest() {
    let r = render(&fixture(), &options(FIXTURE)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(&r, dir.path()).unwrap();
    assert_eq!(path, dir.path().join("run_fixture.md"));
    let latest = std::fs::read_to_string(dir.path().join("latest.md")).unwrap();
    assert_eq!(latest, r.markdown);
    assert!(dir.path().join("run_fixture/convergence.svg").is_file());
    assert!(dir.path().join("run_fixture/latency.svg").is_file());
}

#[test]
fn the_target_verdict_follows_the_lower_ci_bound() {
    let run = fixture();
    let b = Baselines::of(&run);
    let mut opts = options(FIXTURE);
    opts.target_vs = vs("baseline_a");
    opts.target = 2.0;
    let (s, met) = view::status::judge(&run, &b, &opts).unwrap();
    assert!(met && s.lower() >= 2.0, "{s:?}");
    opts.target = 15.0;
    assert!(!view::status::judge(&run, &b, &opts).unwrap().1);
}

#[test]
fn a_summary_without_ncu_gives_its_reason_in_the_report() {
    let (_dir, run) = fixture_without(&[]);
    let none = crate::ncu::not_profiled(
        crate::ncu::NcuStatus::Unavailable,
        "ncu not found on PATH nor at /usr/local/cuda/bin/ncu".into(),
        None,
    );
    let path = run.paths.ncu_dir().join("summary.json");
    std::fs::write(&path, serde_json::to_string(&none).unwrap()).unwrap();
    let r = render(&RunData::load(&run.paths.root), &options("x")).unwrap();
    let md = &r.markdown;
    assert!(
        md.contains("Not profiled: ncu is unavailable (ncu not found on PATH"),
        "{md}"
    );
    assert!(!md.contains("not among the top-K"), "{md}");
    assert!(
        md.contains("No bottleneck reading: the best candidate was not profiled (ncu not found"),
        "{md}"
    );
}

#[test]
fn confirmed_elites_get_a_note_under_the_top_line_table() {
    let (_dir, run) = fixture_without(&[]);
    let mut topk = run.topk.clone().unwrap();
    let plan = crate::eval::TimingPlan::new(
        100,
        crate::eval::FlushMode::Memset,
        crate::eval::DEFAULT_TARGET_S,
    )
    .and_warm();
    let timed = |us: f64| {
        let mut r = crate::eval::EvalResponse::failed(1, crate::eval::Outcome::Ok);
        r.kernel_time = Some(crate::gpu::timing::summarize_samples(
            "kernel-only".into(),
            vec![us; 10],
        ));
        r.warm_kernel_time = Some(crate::gpu::timing::summarize_samples(
            "kernel-only warm".into(),
            vec![us - 2.0; 10],
        ));
        r
    };
    let crashed = crate::eval::EvalResponse::failed(
        1,
        crate::eval::Outcome::WorkerCrashed {
            reason: "worker killed by signal 11 (SIGSEGV)".into(),
        },
    );
    topk.elites[0].confirmed = Some(crate::tune::confirmation(
        3,
        plan,
        &[timed(13.31), timed(13.35), timed(13.29)],
    ));
    topk.elites[1].confirmed = Some(crate::tune::confirmation(3, plan, &[crashed]));
    let path = run.paths.topk();
    std::fs::write(&path, serde_json::to_string(&topk).unwrap()).unwrap();
    let md = render(&RunData::load(&run.paths.root), &options(FIXTURE))
        .unwrap()
        .markdown;
    let start = md.find("## Top line").unwrap();
    let end = md.find("## Statistical verdict").unwrap();
    let section = &md[start..end];
    assert!(
        section.contains(
            "kernel-only p50 13.31 µs, the median of 3 fresh processes (13.31, 13.35, 13.29 µs; \
             0.3 s per method); a fresh process's p50 is expected in [12.66, 13.98] µs (95% \
             prediction interval; spread taken as 1.0 % of the mean, the least assumed between \
             processes; theirs was 0.23 %)."
        ),
        "{section}"
    );
    assert!(
        section.contains(
            "not confirmed: process 1 of 3: worker_crashed: worker killed by signal 11 (SIGSEGV)."
        ),
        "{section}"
    );
    assert!(
        section.contains(
            "prediction interval; spread taken as 1.0 % of the mean, the least assumed between \
             processes; theirs was 0.23 %). Warm (L2 not flushed, 20 back-to-back launches): \
             11.31, 11.35, 11.29 µs."
        ),
        "{section}"
    );
    // The confirmed elite's warm time is its first process's, in the warm column.
    assert!(section.contains("| 11.31 [11.31, 11.31] |"), "{section}");
    assert_eq!(section.matches("\n- #").count(), 2, "{section}");
    insta::assert_snapshot!("confirmed_top_line", section);
}

/// Sets `field` of `bench/baseline_<name>.json` in `run` to `value`.
fn set_baseline_field(run: &RunData, name: &str, field: &str, value: serde_json::Value) {
    let path = run.paths.baseline(name);
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    json[field] = value;
    std::fs::write(&path, json.to_string()).unwrap();
}

#[test]
fn the_top_line_table_shows_warm_and_cold_times_where_records_have_them() {
    let (_dir, run) = fixture_without(&[]);
    let warm = crate::gpu::timing::summarize_samples("kernel-only warm".into(), vec![55.5; 10]);
    set_baseline_field(&run, "math", "warm_kernel_time", serde_json::json!(warm));
    set_baseline_field(&run, "flash", "flush", "none".into());
    let run = RunData::load(&run.paths.root);
    let md = render(&run, &options(FIXTURE)).unwrap().markdown;
    let row = |name: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {name}")))
            .unwrap()
            .to_string()
    };
    let cells =
        |line: String| -> Vec<String> { line.split(" | ").map(|c| c.trim().to_string()).collect() };
    let cold = |name: &str| {
        let t = run.baseline(name).unwrap().kernel_time.clone().unwrap();
        format!("{:.2} [{:.2}, {:.2}]", t.p50_us, t.ci_lo_us, t.ci_hi_us)
    };
    // Both for math; flash timed warm only (--flush none): its time is warm, its cold "—";
    // cuDNN from before warm times were recorded: cold only.
    assert_eq!(
        cells(row("math"))[1..3],
        [cold("math"), "55.50 [55.50, 55.50]".into()]
    );
    assert_eq!(cells(row("flash"))[1..3], ["—".to_string(), cold("flash")]);
    assert_eq!(cells(row("cudnn"))[1..3], [cold("cudnn"), "—".to_string()]);
    // An elite without a confirmation has no warm time.
    assert_eq!(cells(row("#1"))[2], "—");
}

#[test]
fn the_reproduce_commands_name_the_program_evotune_whatever_path_started_it() {
    let mut run = fixture();
    if let Ok(m) = &mut run.manifest {
        m.command[0] = "./target/release/evotune".into();
    }
    let lines = view::env::reproduce(&run, "artifacts/run_fixture");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("evotune --shape 2,8,512,64")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("target/release")),
        "{lines:?}"
    );
}

#[test]
fn a_target_under_the_floor_is_called_unreachable_and_a_reachable_miss_is_not() {
    let run = fixture();
    let b = Baselines::of(&run);
    let mut opts = options(FIXTURE);
    opts.target_vs = vs("baseline_a");
    // Baseline A 33.92 µs, floor 6.30 µs: 15× needs 2.26 µs, under the floor; 4× needs 8.48 µs.
    opts.target = 15.0;
    let unreachable = view::status::status(&run, &b, &opts);
    assert_eq!(unreachable.verdict, "NOT MET");
    assert!(
        unreachable
            .target
            .contains("No kernel can meet it at this shape: 15× needs ≤ 2.26 µs")
            && unreachable.target.contains("under the floor of 6.30 µs"),
        "{}",
        unreachable.target
    );
    opts.target = 4.0;
    let reachable = view::status::status(&run, &b, &opts);
    assert_eq!(reachable.verdict, "NOT MET");
    assert!(
        !reachable.target.contains("No kernel"),
        "{}",
        reachable.target
    );
}

/// Regression: a speedup of 0.998 [0.997, 0.999] printed as "1.00× [1.00, 1.00]" beside the
/// verdict "slower"; near 1 (or near a target) the numbers get the decimals that show their side.
#[test]
fn speedups_near_one_or_a_target_show_their_side() {
    let s = Speedup {
        point: 0.998,
        ci: Some((0.997, 0.999)),
    };
    assert_eq!(s.display(), "0.998× [0.997, 0.999]");
    let far = Speedup {
        point: 2.5812,
        ci: Some((2.57, 2.59)),
    };
    assert_eq!(far.display(), "2.58× [2.57, 2.59]");
    let near_target = Speedup {
        point: 1.25,
        ci: Some((1.1996, 1.3)),
    };
    assert_eq!(
        near_target.display_near(&[1.0, 1.2]),
        "1.2500× [1.1996, 1.3000]"
    );
    let unsampled = Speedup {
        point: 1.004,
        ci: None,
    };
    assert_eq!(unsampled.display(), "1.004× (no samples)");
}

/// The sdpa_fp8 space file of this checkout.
fn sdpa_fp8_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("search_spaces/sdpa_fp8.toml")
}

/// A copy of the fixture whose elites are points of the space file at `space` (which the run
/// names; it need not exist) with labels in full as a search writes them: two wgmma points and
/// the mma default, their ncu profiles labelled as `evotune ncu` labels them. Returns the data
/// and the full labels, best first.
fn fixture_of_points(space: &Path) -> (tempfile::TempDir, RunData, Vec<String>) {
    let s = crate::space::load(&sdpa_fp8_path()).unwrap();
    let points: Vec<crate::space::Config> = [
        "default,FAMILY=wgmma,BLOCK_M=128",
        "default,FAMILY=wgmma",
        "default",
    ]
    .iter()
    .map(|t| s.parse_config(t).unwrap())
    .collect();
    let labels: Vec<String> = points.iter().map(|c| c.to_string()).collect();
    let (dir, run) = fixture_without(&[]);
    let edit = |path: std::path::PathBuf, f: &dyn Fn(&mut serde_json::Value)| {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        f(&mut v);
        std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    };
    edit(run.paths.topk(), &|v| {
        v["space"] = space.display().to_string().into();
        for (i, e) in v["elites"].as_array_mut().unwrap().iter_mut().enumerate() {
            e["record"]["config"] = serde_json::to_value(&points[i]).unwrap();
            e["label"] = labels[i].clone().into();
        }
    });
    edit(run.paths.ncu_dir().join("summary.json"), &|v| {
        for p in v["profiles"].as_array_mut().unwrap() {
            if let Some(rank) = p["rank"].as_u64() {
                p["variant"] = labels[rank as usize - 1].clone().into();
            }
        }
    });
    let run = RunData::load(&run.paths.root);
    (dir, run, labels)
}

/// Regression: report rows listed every parameter of the space, those of the other kernel
/// family (`NUM_WARPS` of a wgmma kernel) and those whose own `when` is false too. Each elite
/// is now shown by the parameters that apply to it, everywhere the report names it.
#[test]
fn elites_are_shown_by_the_parameters_that_apply_to_them() {
    let (_dir, run, full) = fixture_of_points(&sdpa_fp8_path());
    let s = crate::space::load(&sdpa_fp8_path()).unwrap();
    let topk = run.topk.as_ref().unwrap();
    let md = render(&run, &options("x")).unwrap().markdown;
    for (e, full) in topk.elites.iter().zip(&full) {
        let short = s.active_text(&e.record.config).unwrap();
        assert_eq!(e.label, short);
        assert!(short.len() < full.len(), "{short}");
        assert!(!md.contains(full.as_str()), "#{} in full: {md}", e.rank);
    }
    let (wgmma, mma) = (&topk.elites[0].label, &topk.elites[2].label);
    assert!(
        !wgmma.contains("NUM_WARPS=") && !wgmma.contains("KV_SPLITS="),
        "{wgmma}"
    );
    assert!(
        mma.contains("NUM_WARPS=") && !mma.contains("SWIZZLE="),
        "{mma}"
    );
    for place in [
        format!("| #1 `{wgmma}` |"),
        format!("Best candidate: #1 `{wgmma}`."),
        format!("#3 `{mma}`: not profiled"),
    ] {
        assert!(md.contains(&place), "{place} not in {md}");
    }
    let shape = crate::shape::Shape::parse("2,8,512,64").unwrap();
    let best = multi::ProblemResult::from_run(&run, shape.into());
    assert_eq!(&best.best().unwrap().config, wgmma);
}

/// A run whose space file is not on this machine keeps its elites' labels in full.
#[test]
fn elites_keep_their_full_labels_when_the_space_file_is_gone() {
    let (_dir, run, full) = fixture_of_points(Path::new("no/such/space.toml"));
    let md = render(&run, &options("x")).unwrap().markdown;
    for (e, full) in run.topk.as_ref().unwrap().elites.iter().zip(&full) {
        assert_eq!(&e.label, full);
        assert!(md.contains(&format!("#{} `{full}`", e.rank)), "{md}");
    }
}
