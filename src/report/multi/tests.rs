//! The multi-shape report on constructed problems: groups, cliffs, the crossover and padding as
//! pure functions, sources, and the whole markdown snapshot-tested.

use super::*;
use crate::report::svg::tests::check_well_formed;
use crate::shape::Shape;

fn shape(text: &str) -> Shape {
    Shape::parse(text).unwrap()
}

/// A time with a CI of ±0.5 % and a few samples around the median.
fn time(p50: f64) -> Time {
    Time {
        p50_us: p50,
        ci_us: Some((p50 * 0.995, p50 * 1.005)),
        samples: vec![p50 * 0.99, p50, p50, p50 * 1.01],
    }
}

/// A problem with evotune's best (µs, family) and baselines: a time, or why there is none.
fn problem(
    text: &str,
    best: Option<(f64, &str)>,
    baselines: &[(&str, Result<f64, &str>)],
) -> ProblemResult {
    let tuned = match best {
        Some((us, family)) => Tuned::Best(Best {
            time: time(us),
            config: format!("FAMILY={family},BLOCK_N=128"),
            family: Some(family.into()),
            stand_in: None,
        }),
        None => Tuned::Failed("--replay-dir logs has no log for it".into()),
    };
    let baselines = baselines
        .iter()
        .map(|(name, t)| BaselineResult {
            name: name.to_string(),
            time: t.map(time).map_err(str::to_string),
        })
        .collect();
    ProblemResult {
        problem: shape(text).into(),
        tuned,
        baselines,
    }
}

/// Five head dims at 2,8,512 (a cliff for evotune from 96 to 107, cuDNN without 107), one more
/// sequence length, a failed problem and a causal grouped-query one.
fn problems() -> Vec<ProblemResult> {
    let unavailable = Err("unavailable: cuDNN needs D % 8 == 0");
    let no_fp8 = Err("unavailable: nvidia-cudnn-frontend is not installed");
    vec![
        problem(
            "2,8,512,64",
            Some((14.5, "mma")),
            &[
                ("flash", Ok(18.0)),
                ("cudnn", Ok(12.9)),
                ("cudnn_fp8", no_fp8),
                ("floor", Ok(6.3)),
            ],
        ),
        problem(
            "2,8,512,96",
            Some((21.8, "mma")),
            &[("flash", Ok(27.0)), ("cudnn", Ok(19.3)), ("floor", Ok(9.4))],
        ),
        problem(
            "2,8,512,107",
            Some((30.3, "mma")),
            &[
                ("flash", Ok(31.5)),
                ("cudnn", unavailable),
                ("floor", Ok(10.5)),
            ],
        ),
        problem(
            "2,8,512,112",
            Some((28.0, "wgmma")),
            &[
                ("flash", Ok(31.5)),
                ("cudnn", Ok(22.6)),
                ("floor", Ok(11.0)),
            ],
        ),
        problem(
            "2,8,512,128",
            Some((30.3, "wgmma")),
            &[
                ("flash", Ok(36.0)),
                ("cudnn", Ok(25.8)),
                ("floor", Ok(12.6)),
            ],
        ),
        problem(
            "2,8,1024,64",
            Some((50.0, "wgmma")),
            &[("flash", Ok(72.0)), ("cudnn", Ok(51.6))],
        ),
        problem("2,8,512,80", None, &[]),
        problem(
            "1,32,8192,128,causal,kv_heads=8",
            Some((1500.0, "wgmma")),
            &[("cudnn_fp8", Ok(1600.0))],
        ),
    ]
}

#[test]
fn falls_count_only_drops_of_more_than_a_tenth_between_neighbours() {
    let points = [
        (64, 100.0),
        (96, 91.0),
        (107, 80.0),
        (112, 72.0),
        (128, 90.0),
    ];
    assert_eq!(
        falls(&points),
        vec![1],
        "9 % is no cliff, 12 % is, exactly 10 % is not"
    );
    assert!(falls(&[(64, 1.0)]).is_empty());
    assert_eq!(CLIFF_DROP, 0.10);
}

#[test]
fn groups_join_problems_that_differ_in_one_dimension_only() {
    let ps = problems();
    let by_d = groups(&ps, Varying::HeadDim);
    assert_eq!(
        by_d.len(),
        1,
        "the causal problem and 2,8,1024,64 stand alone"
    );
    assert_eq!(by_d[0].label, "2,8,512,D");
    let dims: Vec<usize> = by_d[0]
        .members
        .iter()
        .map(|p| p.shape().unwrap().d)
        .collect();
    assert_eq!(dims, [64, 80, 96, 107, 112, 128]);
    let by_s = groups(&ps, Varying::SeqLen);
    assert_eq!(by_s.len(), 1);
    assert_eq!(by_s[0].label, "2,8,S,64");
    assert_eq!(
        pattern(
            &shape("1,32,8192,128,causal,kv_heads=8").into(),
            Varying::SeqLen
        ),
        "1,32,S,128,causal,kv_heads=8"
    );
}

#[test]
fn cliffs_compare_neighbouring_head_dims_each_method_measured() {
    let ps = problems();
    let group = &groups(&ps, Varying::HeadDim)[0];
    let found = cliffs::cliffs(group, &methods(&ps));
    let summary: Vec<(&str, usize, usize)> = found
        .iter()
        .map(|c| (c.method.name(), c.from_d, c.to_d))
        .collect();
    assert_eq!(summary, [("evotune", 96, 107)], "{found:?}");
    let c = &found[0];
    let expect = 1.0 - (107.0 / 30.3) / (96.0 / 21.8);
    assert!((c.drop() - expect).abs() < 1e-12);
    let cudnn = group.points(&Method::Baseline("cudnn".into()));
    assert_eq!(
        cudnn.iter().map(|p| p.0).collect::<Vec<_>>(),
        [64, 96, 112, 128]
    );
}

#[test]
fn the_winner_names_evotunes_family_and_the_floor_never_wins() {
    let ps = problems();
    let ms = methods(&ps);
    let w = winner(&ps[0], &ms).unwrap();
    assert_eq!(
        w.winner, "cudnn",
        "the floor (6.3 µs) is faster but not attention"
    );
    assert_eq!(w.runner_up.as_ref().unwrap().0, "evotune (mma)");
    assert_eq!(w.overlap, Some(false));
    assert_eq!(winner(&ps[2], &ms).unwrap().winner, "evotune (mma)");
    assert!(
        winner(&ps[6], &ms).is_none(),
        "a failed problem has no winner"
    );
}

#[test]
fn padding_pairs_107_with_its_padded_twins_and_counts_its_own_flops() {
    let ps = problems();
    let t = trios(&ps);
    assert_eq!(t.len(), 1);
    let dims: Vec<usize> = t[0].padded.iter().map(|p| p.shape().unwrap().d).collect();
    assert_eq!(dims, PADDED_D);
    let rows = padding::rows(&t[0], &methods(&ps));
    let cudnn = rows.iter().find(|r| r.method.name() == "cudnn").unwrap();
    assert_eq!(cudnn.unpadded_us, None);
    assert_eq!(cudnn.padded_us, [Some(22.6), Some(25.8)]);
    assert!(
        rows.iter().all(|r| r.method.name() != "cudnn_fp8"),
        "measured nowhere in the trio"
    );
    let s107 = shape("2,8,512,107");
    let expect = 4.0 * 16.0 * 512.0 * 512.0 * 107.0 / 22.6e-6 / 1e12;
    assert!((effective_tflops(&s107, 22.6) - expect).abs() < 1e-9);
}

#[test]
fn tflops_count_the_problems_own_flops() {
    let p = problem(
        "1,32,8192,128,causal,kv_heads=8",
        Some((1500.0, "wgmma")),
        &[],
    );
    let pairs = 8192.0 * 8193.0 / 2.0;
    let expect = 4.0 * 32.0 * pairs * 128.0 / 1500e-6 / 1e12;
    let got = p.tflops_of(&Method::Evotune).unwrap();
    assert!((got - expect).abs() < 1e-9, "{got} vs {expect}");
    assert_eq!(p.label(), "1,32,8192,128,causal,kv_heads=8");
}

#[test]
fn the_family_is_the_configs_or_the_templates() {
    let wgmma = family("BLOCK_M=64,FAMILY=wgmma", None);
    assert_eq!(wgmma.as_deref(), Some("wgmma"));
    let t = std::path::Path::new("../kernel_templates/sdpa_fp8_mma.cu.tera");
    assert_eq!(family("BLOCK_M=64", Some(t)).as_deref(), Some("mma"));
    assert_eq!(family("BLOCK_M=64", None), None);
}

#[test]
fn a_database_problem_gives_back_its_shape() {
    let mut s = shape("1,32,8192,128,causal,kv_heads=8");
    let row = crate::db::Attention::of_shape(&s);
    assert_eq!(row.shape(), s);
    s.kv_len = Some(16384);
    assert_eq!(crate::db::Attention::of_shape(&s).shape(), s);
}

fn options() -> MultiOptions {
    MultiOptions {
        source: vec!["Constructed problems.".into()],
        stem: "multi".into(),
    }
}

#[test]
fn the_report_lists_every_problem_and_draws_well_formed_plots() {
    let r = render(&problems(), &options()).unwrap();
    let names: Vec<String> = r.files.iter().map(|f| f.0.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "multi/tflops-vs-d-2-8-512-D.svg",
            "multi/tflops-vs-s-2-8-S-64.svg"
        ]
    );
    for (path, svg) in &r.files {
        assert_eq!(check_well_formed(svg).0, "svg", "{}", path.display());
    }
    let d_plot = &r.files[0].1;
    assert_eq!(
        d_plot.matches("stroke=\"#c0392b\"").count(),
        1,
        "one cliff circled"
    );
    assert!(r
        .markdown
        .contains("| 2,8,512,80 | **failed**: --replay-dir logs has no log for it |"));
    insta::assert_snapshot!("multi_report", r.markdown);
}

#[test]
fn sections_without_data_say_why_in_one_line() {
    let one = [problem("2,8,512,64", Some((14.5, "mma")), &[])];
    let md = render(&one, &options()).unwrap().markdown;
    for line in [
        "1 problem: 1 tuned, 0 failed, 0 without a result.",
        "No plot: no two problems differ only in their head dim.",
        "No plot: no two problems differ only in their sequence length.",
        "None looked for: no two problems differ only in their head dim.",
        "No comparison: the problems hold no D = 107",
        "| 2,8,512,64 | 14.50 [14.43, 14.57] (74.1) | mma | — (none of flash, cudnn, cudnn_fp8 measured) |",
    ] {
        assert!(md.contains(line), "{line} missing:\n{md}");
    }
}

/// Regression: a best answered from a log of another problem read as a measurement of its
/// own, in the table and in the plots, cliffs and crossover; it is marked and left out.
#[test]
fn a_stand_in_best_is_marked_and_left_out_of_the_comparisons() {
    let mut stand_in = problem("2,8,1024,64", Some((14.5, "mma")), &[("flash", Ok(30.0))]);
    if let Tuned::Best(b) = &mut stand_in.tuned {
        b.stand_in = Some("2,8,512,64".into());
    }
    assert!(stand_in.time_of(&Method::Evotune).is_none());
    let measured = problem("2,8,512,64", Some((14.5, "mma")), &[("flash", Ok(18.0))]);
    let md = render(&[measured, stand_in], &options()).unwrap().markdown;
    for line in [
        "| 2,8,1024,64 | *stand-in*: 14.50 measured at 2,8,512,64, not here | mma | 30.00",
        "— (stand-in answers) |",
        "*stand-in*: evotune's answers for that problem came from a log recorded on another",
        "| 2,8,1024,64 | flash |",
    ] {
        assert!(md.contains(line), "{line} missing:\n{md}");
    }
}

#[test]
fn a_database_rows_stand_in_is_read_from_its_evaluator() {
    let of = super::source::stand_in_of;
    assert_eq!(
        of("replay a.csv (answers recorded on 2,8,512,64)").as_deref(),
        Some("2,8,512,64")
    );
    assert_eq!(of("replay a.csv"), None);
    assert_eq!(of("gpu"), None);
}

/// Regression: the padding and crossover cells printed ratios with two decimals, so a padded
/// kernel 0.2 % slower read "1.00× slower than 107"; they take the decimals that show the
/// ratio is not 1, as the run report's and the gate's speedups do.
#[test]
fn ratios_near_one_keep_the_decimals_that_show_their_side() {
    let at = |d: usize| format!("2,8,512,{d}");
    let ps = [
        problem(&at(107), Some((10.0, "wgmma")), &[("flash", Ok(10.04))]),
        problem(&at(112), Some((10.02, "wgmma")), &[]),
        problem(&at(128), Some((9.98, "wgmma")), &[]),
    ];
    let md = render(&ps, &options()).unwrap().markdown;
    for text in [
        "1.002× slower than 107",
        "1.002× faster than 107",
        "| 2,8,512,107 | evotune (wgmma) | 10.00 | flash: 10.04 | 1.004× |",
    ] {
        assert!(md.contains(text), "{text} missing:\n{md}");
    }
    assert!(!md.contains("1.00× slower"), "{md}");
}
