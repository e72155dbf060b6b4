//! Integration tests of `evotune export` through the binary, on a database of replayed tunes
//! (no GPU): two plain problems of the mma family (the recorded landscape), one causal
//! grouped-query problem of the wgmma family (a log written here over the current space), two
//! GEMM problems (synthetic landscapes over the GEMM space), and a row made stale by a template
//! edit. The export's files are checked: a source and a cubin per problem, dispatch.json
//! against the space's own evaluation, dispatch.h through a C compiler, and the Python package,
//! imported and asked for kernels with python3 (no torch, no GPU).

mod common;

use common::gemm::{gemm_landscape, GEMM_SPACE};
use common::{db_cmd, evotune, own_space, root, stand_in_log, tune, tune_with, SPACE, TEMPLATE};
use evotune::db::{Attention, Problem};
use evotune::export::{Accepts, DispatchTable, Entry, GemmEntry};
use evotune::op::Gemm;
use evotune::shape::Shape;
use evotune::space::{self, DeviceLimits};
use evotune::template::Template;
use evotune::tunelog::{TrialRecord, TuneLog};
use predicates::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The causal grouped-query problem tuned in the wgmma family.
const GQA: &str = "1,8,1024,128,causal,kv_heads=2,kv_len=2048";
/// The restriction its tune runs under: eight wgmma points (ping-pong, the transpose and the
/// persistent grid open), all of which the log answers.
const GQA_SETS: [&str; 14] = [
    "FAMILY=wgmma",
    "BLOCK_M=128",
    "BLOCK_N=128",
    "STAGES=2",
    "SWIZZLE=64",
    "VT_SWIZZLE=128",
    "VT_STAGES=2",
    "OVERLAP=false",
    "ARRIVE=thread",
    "PRODUCER_REGS=40",
    "WAIT=spin",
    "PINGPONG=false,true",
    "TRANSPOSE=bytes,ldsm",
    "PERSISTENT=false,true",
];

/// A tune log over the full sdpa_fp8 space answering every valid point of its restriction by
/// `sets` at `shape`, with made-up times (20 µs, 21 µs, ...).
fn wgmma_log(path: &Path, shape: &str, sets: &[&str]) {
    let space = space::load(&root().join("search_spaces/sdpa_fp8.toml")).unwrap();
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let restricted = space
        .restrict(&space.overrides_from_sets(&sets).unwrap())
        .unwrap();
    let shape = Shape::parse(shape).unwrap();
    let points = restricted
        .valid_points(&shape, &DeviceLimits::hopper())
        .unwrap();
    assert!(points.len() >= 4, "{} points", points.len());
    let mut log = TuneLog::create(path, &space).unwrap();
    for (i, p) in points.iter().enumerate() {
        let mut r = TrialRecord::unmeasured(&p.config, "ok", String::new());
        r.trial = i;
        (r.p50_us, r.ci_lo_us, r.ci_hi_us) = (Some(20.0 + i as f64), Some(19.9), Some(20.1));
        (r.max_abs, r.rel_l2) = (Some(0.01), Some(0.02));
        log.append(&r).unwrap();
    }
    let problem = evotune::artifacts::LogProblem {
        shape,
        device: None,
    };
    problem.write(path).unwrap();
}

/// A database of three fresh problems (two mma, one wgmma) and one stale row.
fn database(dir: &Path) -> PathBuf {
    let db = dir.join("t.db");
    let mma = Path::new(SPACE);
    tune(mma, &dir.join("r1"), &db, "2,8,512,64", 16);
    let stand_in = stand_in_log(dir, "1,8,512,64");
    tune_with(
        mma,
        stand_in.to_str().unwrap(),
        &[],
        &dir.join("r2"),
        &db,
        "1,8,512,64",
        16,
    );
    let log = dir.join("gqa.csv");
    wgmma_log(&log, GQA, &GQA_SETS);
    let sets: Vec<String> = GQA_SETS.iter().map(|s| format!("--set={s}")).collect();
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    let space = root().join("search_spaces/sdpa_fp8.toml");
    tune_with(
        &space,
        log.to_str().unwrap(),
        &sets,
        &dir.join("r3"),
        &db,
        GQA,
        6,
    );
    let own = own_space(dir);
    let stand_in = stand_in_log(dir, "2,4,256,64");
    tune_with(
        &own,
        stand_in.to_str().unwrap(),
        &[],
        &dir.join("r4"),
        &db,
        "2,4,256,64",
        8,
    );
    let template = dir.join(TEMPLATE);
    let text = std::fs::read_to_string(&template).unwrap();
    std::fs::write(&template, format!("{text}\n// edited\n")).unwrap();
    for (i, (problem, sets)) in GEMMS.iter().enumerate() {
        gemm_tune(dir, &db, problem, 20.0 + i as f64, i, sets);
    }
    db
}

/// The GEMM problems tuned, with the restriction each tune runs under: one wide and short in
/// K, and one whose 64 tiles leave SMs idle, its K split in two (so that its kernel needs the
/// split-K workspace and counters).
const GEMMS: [(&str, &[&str]); 2] = [
    ("4096,4096,128", &[]),
    ("1024,1024,4096", &["--set=SPLIT_K=2"]),
];

/// A replayed GEMM tune of `problem` (a synthetic landscape whose best is `best_us`) with
/// `extra` flags, recorded into `db`.
fn gemm_tune(dir: &Path, db: &Path, problem: &str, best_us: f64, i: usize, extra: &[&str]) {
    let log = gemm_landscape(&dir.join(format!("gemm{i}.csv")), problem, best_us);
    evotune()
        .args(["--gemm", problem, "--replay", log.to_str().unwrap()])
        .args(extra)
        .args(["--budget", "16", "--population", "8"])
        .args(["--out", dir.join(format!("g{i}")).to_str().unwrap()])
        .args(["--db", db.to_str().unwrap()])
        .assert()
        .success();
}

/// Adds a GEMM row that cannot be exported to `db`: its first row (an attention tune) with the
/// problem changed to a GEMM, so its space and config are attention's.
fn add_broken_gemm_row(db: &Path) {
    let mut d = evotune::db::Db::open(db).unwrap();
    let mut gemm = d.all().unwrap().remove(0);
    gemm.problem = Problem::Gemm(evotune::op::Gemm {
        m: 4096,
        n: 4096,
        k: 128,
    });
    d.insert(&gemm).unwrap().expect("a new row");
}

fn export(db: &Path, out: &Path, cache: &Path) -> (String, String) {
    let assert = evotune()
        .args(["export", "--db", db.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .args(["--cache-dir", cache.to_str().unwrap()])
        .assert()
        .success();
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (
        text(&assert.get_output().stdout),
        text(&assert.get_output().stderr),
    )
}

#[test]
fn export_writes_each_problems_kernel_with_the_table_the_header_and_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let out = dir.path().join("exported");
    let cache = dir.path().join("cache");
    let (stdout, stderr) = export(&db, &out, &cache);
    assert!(
        stdout.contains(&format!(
            "exported 5 kernels (3 attention, 2 GEMM) of replay (sm_90a) to {}",
            out.display()
        )),
        "{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("skipped row 4 (2,4,256,64): stale: template")
            && stderr.contains("sdpa_fp8_mma.cu.tera changed"),
        "{stderr}"
    );
    assert!(!stderr.contains("GEMM"), "{stderr}");
    let table = DispatchTable::read(&out.join("dispatch.json")).unwrap();
    let ids: Vec<&str> = table.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "b1_h8_s512_d64",
            "b1_h8_s1024_d128_causal_kvh2_kvl2048",
            "b2_h8_s512_d64"
        ]
    );
    assert_eq!(
        (table.device.as_str(), table.arch.as_str()),
        ("replay", "sm_90a")
    );
    for e in &table.entries {
        check_entry(&out, e, &db);
    }
    let gemm_ids: Vec<&str> = table.gemm_entries().iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        gemm_ids,
        ["gemm_m1024_n1024_k4096", "gemm_m4096_n4096_k128"]
    );
    for e in table.gemm_entries() {
        check_gemm_entry(&out, e, &db);
    }
    if let Some(printed) = check_header(&out) {
        assert_eq!(printed, header_expected(&table), "dispatch.h's helpers");
    }
    check_python(&out, &table);
    check_gemm_python(&out, &table);
    let (again, _) = export(&db, &out, &cache);
    assert!(again.contains("exported 5 kernels"), "{again}");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".exported"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// The entry's files, its problem and time against the database's best row, and its geometry,
/// argument style and source against the space's own evaluation at its problem.
fn check_entry(out: &Path, e: &Entry, db: &Path) {
    let cubin = std::fs::read(out.join(&e.cubin)).unwrap();
    assert_eq!(&cubin[..4], b"\x7fELF", "{}", e.cubin);
    let source = std::fs::read_to_string(out.join(&e.source)).unwrap();
    let p = e.problem;
    let problem = Attention {
        batch: p.b,
        heads: p.h,
        seq_len: p.s,
        head_dim: p.d,
        causal: p.causal,
        kv_heads: p.kv_heads,
        kv_len: p.kv_len,
    };
    let shape = problem.shape();
    let show: Value = serde_json::from_str(&db_cmd(
        db,
        &["show", "--shape", &shape.to_string(), "--json"],
    ))
    .unwrap();
    let best = &show["best"];
    assert_eq!(best["config"], e.tuned.config.as_str(), "{}", e.id);
    assert_eq!(best["kernel_p50_us"].as_f64(), Some(e.tuned.kernel_p50_us));
    let space_file = best["space_path"].as_str().unwrap();
    let space = space::load(&root().join(space_file)).unwrap();
    let limits = DeviceLimits::for_arch("sm_90a").unwrap();
    let point = space
        .evaluate(
            &space.parse_config(&e.tuned.config).unwrap(),
            &shape,
            &limits,
        )
        .unwrap();
    let launch = evotune::eval::launch_for(&space, &point).unwrap();
    assert_eq!(
        (e.grid, e.block, e.smem_bytes),
        (launch.grid, launch.block, launch.smem_bytes)
    );
    let tma = e.tma.map(|t| (t.swizzle, t.q_rows, t.kv_rows));
    let expected = match launch.args {
        evotune::eval::KernelArgs::Pointers => ("pointers", None),
        evotune::eval::KernelArgs::TensorMaps {
            swizzle,
            q_rows,
            kv_rows,
        } => ("tensor_maps", Some((swizzle, q_rows, kv_rows))),
        other => panic!("{}: an SDPA space gave {other:?}", e.id),
    };
    assert_eq!((e.args.as_str(), tma), expected, "{}", e.id);
    let rendered = Template::for_space(&space)
        .unwrap()
        .render(&space, &point, &shape, &limits)
        .unwrap();
    assert_eq!(source, rendered, "{}", e.id);
    assert!(e.accepts.reuse, "{}: {}", e.id, e.accepts.note);
    assert_eq!(e.accepts.causal, p.causal);
}

/// The GEMM space's own evaluation of `config` at `g` on sm_90a: its source and launch.
fn gemm_space_kernel(config: &str, g: &Gemm) -> (String, evotune::eval::Launch) {
    let space = space::load(&root().join(GEMM_SPACE)).unwrap();
    let limits = DeviceLimits::for_arch("sm_90a").unwrap();
    let point = space
        .evaluate(&space.parse_config(config).unwrap(), g, &limits)
        .unwrap();
    let source = Template::for_space(&space)
        .unwrap()
        .render(&space, &point, g, &limits)
        .unwrap();
    (source, evotune::eval::launch_for(&space, &point).unwrap())
}

/// The GEMM entry's files (an sm_90a cubin), its config and time against the database's best
/// row, and its source and launch against the GEMM space's own evaluation at its problem.
fn check_gemm_entry(out: &Path, e: &GemmEntry, db: &Path) {
    let cubin = std::fs::read(out.join(&e.cubin)).unwrap();
    assert_eq!(&cubin[..4], b"\x7fELF", "{}", e.cubin);
    assert_eq!(cubin_arch(&cubin), "sm_90a", "{}", e.cubin);
    let source = std::fs::read_to_string(out.join(&e.source)).unwrap();
    let g = e.problem;
    let show: Value =
        serde_json::from_str(&db_cmd(db, &["show", "--gemm", &g.to_string(), "--json"])).unwrap();
    let best = &show["best"];
    assert_eq!(best["config"], e.tuned.config.as_str(), "{}", e.id);
    assert_eq!(best["kernel_p50_us"].as_f64(), Some(e.tuned.kernel_p50_us));
    assert_eq!(e.label, format!("gemm {g}"));
    let (rendered, launch) = gemm_space_kernel(&e.tuned.config, &g);
    assert_eq!(source, rendered, "{}", e.id);
    assert_eq!(
        (e.grid, e.block, e.smem_bytes, e.cluster),
        (launch.grid, launch.block, launch.smem_bytes, launch.cluster),
        "{}",
        e.id
    );
    let evotune::eval::KernelArgs::GemmMaps {
        swizzle,
        a_rows,
        b_rows,
        workspace_floats,
        counters,
    } = launch.args
    else {
        panic!("{}: the GEMM space gave {:?}", e.id, launch.args);
    };
    assert_eq!(
        (e.tma.swizzle, e.tma.a_rows, e.tma.b_rows),
        (swizzle, a_rows, b_rows)
    );
    assert_eq!(
        (e.workspace_floats, e.counters),
        (u64::from(workspace_floats), u64::from(counters))
    );
    assert!(e.rule.reuse, "{}: {}", e.id, e.rule.note);
    assert!(e.tuned.registers.is_some(), "{}: no ptxas report", e.id);
    if g.k == 4096 {
        assert_eq!(e.rule.split_k, 2, "the tune's restriction");
        assert!(e.workspace_floats > 0 && e.counters > 0);
    }
}

/// The target a CUDA cubin was built for: the `-arch sm_XY[a]` ptxas records among its options
/// in the cubin (what nvdisasm shows as `.target`), checked against the SM of the ELF header's
/// flags (bits 8..16 from ELF ABI version 8 on, 0..8 before).
fn cubin_arch(elf: &[u8]) -> String {
    let flags = u32::from_le_bytes(elf[48..52].try_into().unwrap());
    let sm = if elf[8] >= 8 {
        (flags >> 8) & 0xff
    } else {
        flags & 0xff
    };
    let needle = b"-arch sm_";
    let at = elf
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the cubin records its -arch");
    let target: String = elf[at + 6..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .map(|&b| b as char)
        .collect();
    assert!(
        target.starts_with(&format!("sm_{sm}")),
        "{target} vs SM {sm}"
    );
    target
}

/// dispatch.h compiles as C (and as C++ where g++ is there) in a file that uses the tables;
/// that file's output when built and run (None without a C compiler).
fn check_header(out: &Path) -> Option<String> {
    let Some(cc) = ["cc", "gcc", "clang"].into_iter().find(|c| runs(c)) else {
        eprintln!("SKIPPED: no C compiler (cc, gcc, clang) found: dispatch.h was not compiled");
        return None;
    };
    let user = out.join("use_dispatch.c");
    std::fs::write(&user, HEADER_USER).unwrap();
    compile_header_user(cc, &user);
    let program = out.join("use_dispatch");
    let built = Command::new(cc)
        .args(["-std=c99", "-o"])
        .arg(&program)
        .arg(&user)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let ran = Command::new(&program).output().unwrap();
    std::fs::remove_file(&user).unwrap();
    std::fs::remove_file(&program).unwrap();
    Some(String::from_utf8_lossy(&ran.stdout).to_string())
}

/// What [`HEADER_USER`] prints for `table`, computed here: the attention kernel of 2,8,512,64
/// and the GEMM kernel of 1024,1024,4096 with its grid and buffers at 77,1001,333 on 132 SMs.
fn header_expected(table: &DispatchTable) -> String {
    let k = table.entries.iter().find(|e| e.id == "b2_h8_s512_d64");
    let (id, grid) = k.map_or(("none", 0), |k| (k.id.as_str(), k.grid[0]));
    let mut text = format!("{} {id} {grid}\n", table.entries.len());
    if let Some(m) = table
        .gemm_entries()
        .iter()
        .find(|e| e.id == "gemm_m1024_n1024_k4096")
    {
        let g = Gemm {
            m: 77,
            n: 1001,
            k: 333,
        };
        text += &format!(
            "{} {} {} {} {} {}\n",
            table.gemm_entries().len(),
            m.id,
            m.rule.grid(&g, 132)[0],
            g.pitch(),
            m.rule.workspace_floats(&g),
            m.rule.counters(&g)
        );
    }
    text
}

/// A C program that uses both tables of dispatch.h and the GEMM launch helpers.
const HEADER_USER: &str = "#include \"dispatch.h\"\n#include <stdio.h>\nint main(void) {\n\
    evotune_sdpa_problem p = {2, 8, 512, 64, 0, 8, 512};\n\
    evotune_gemm_problem g = {1024, 1024, 4096};\n\
    const evotune_sdpa_kernel *k = evotune_sdpa_find(p);\n\
    const evotune_gemm_kernel *m = evotune_gemm_find(g);\n\
    printf(\"%u %s %u\\n\", (unsigned)EVOTUNE_SDPA_KERNEL_COUNT, k ? k->id : \"none\", \
    k ? k->grid[0] : 0u);\n\
    if (m)\n\
        printf(\"%u %s %u %llu %llu %llu\\n\", (unsigned)EVOTUNE_GEMM_KERNEL_COUNT, m->id, \
        evotune_gemm_grid_x(&m->rule, 77, 1001, 132), evotune_gemm_pitch(333), \
        evotune_gemm_workspace_floats(&m->rule, 77, 1001), \
        evotune_gemm_counters(&m->rule, 77, 1001));\n\
    return k && k->args == EVOTUNE_ARGS_POINTERS ? 0 : 1;\n}\n";

/// Compiles `user` with `cc` as C99 (and as C++11 where g++ is there), warnings as errors.
fn compile_header_user(cc: &str, user: &Path) {
    let c = Command::new(cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .arg(user)
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    if runs("g++") {
        let cpp = Command::new("g++")
            .args([
                "-x",
                "c++",
                "-std=c++11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-fsyntax-only",
            ])
            .arg(user)
            .output()
            .unwrap();
        assert!(
            cpp.status.success(),
            "{}",
            String::from_utf8_lossy(&cpp.stderr)
        );
    }
}

fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `code` with python3 and the export's python/ folder on sys.path; its standard output.
fn python(out: &Path, code: &str) -> Option<String> {
    if !runs("python3") {
        eprintln!("SKIPPED: python3 not found: the Python package was not imported");
        return None;
    }
    let o = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sys\nsys.path.insert(0, {:?})\n{code}",
            out.join("python").display().to_string()
        ))
        .env_remove("EVOTUNE_KERNELS_DIR")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "python3 failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(String::from_utf8_lossy(&o.stdout).to_string())
}

/// The package imports without torch, cuda-python or a GPU, and chooses the kernels the table's
/// rules choose: the exact problem, else the nearest kernel that can run it, else a NoKernel
/// that names the problem and what the table holds.
fn check_python(out: &Path, table: &DispatchTable) {
    let Some(imported) = python(
        out,
        "import evotune_kernels\nprint(sorted(m for m in ('torch', 'cuda', 'cuda.bindings') \
         if m in sys.modules))\nprint(len(evotune_kernels.load().table.entries))",
    ) else {
        return;
    };
    assert_eq!(
        imported, "[]\n3\n",
        "the import needs neither torch nor cuda-python"
    );
    let asked = [
        "2,8,512,64",
        "1,8,512,64",
        "3,8,700,64",
        "2,8,512,48",
        GQA,
        "2,16,333,112,causal,kv_heads=4,kv_len=900",
        "2,8,512,128",
        "2,8,512,64,causal",
        "2,8,512,80",
    ];
    let problems: Vec<Attention> = asked
        .iter()
        .map(|s| Attention::of_shape(&Shape::parse(s).unwrap()))
        .collect();
    let spec: Vec<Value> = problems
        .iter()
        .map(|p| {
            serde_json::json!([
                p.batch, p.heads, p.seq_len, p.head_dim, p.causal, p.kv_heads, p.kv_len
            ])
        })
        .collect();
    let code = format!(
        "import json, evotune_kernels as ek\nk = ek.load()\nout = []\n\
         for b, h, s, d, c, hk, kl in json.loads({:?}):\n\
         \x20   p = ek.Problem(b, h, s, d, c, hk, kl)\n\
         \x20   try:\n\
         \x20       ch = k.choose(p)\n\
         \x20       out.append([ch.entry['id'], ch.exact, list(k.table.grid_for(ch, p, 132))])\n\
         \x20   except ek.NoKernel as e:\n\
         \x20       out.append(['none', str(e)])\n\
         print(json.dumps(out))",
        Value::Array(spec).to_string()
    );
    let Some(text) = python(out, &code) else {
        return;
    };
    let answers: Vec<Value> = serde_json::from_str(&text).unwrap();
    for (p, got) in problems.iter().zip(&answers) {
        let got = match got[0].as_str() {
            Some("none") => serde_json::json!(["none"]),
            _ => got.clone(),
        };
        assert_eq!(got, expected_choice(table, p), "{}", p.label());
    }
    let none = answers[8][1].as_str().unwrap();
    assert!(
        none.starts_with("no exported kernel can run 2,8,512,80")
            && none
                .contains("b2_h8_s512_d64 (tuned at 2,8,512,64, sdpa_fp8_mma): D = 80 pads to 96"),
        "{none}"
    );
    check_script_refuses_without_a_gpu(out);
}

/// The GEMM problems the package is asked for: both tuned ones, three near one or the other,
/// and a ragged one (M, N, K off every tile, K % 16 != 0).
const GEMM_ASKED: [[usize; 3]; 6] = [
    [4096, 4096, 128],
    [1024, 1024, 4096],
    [4000, 4100, 130],
    [1000, 1000, 3000],
    [2048, 2048, 1024],
    [77, 1001, 333],
];

/// The package chooses GEMM kernels as the table's rule does (exactly, else the nearest by
/// evotune's warm-start distance), computes the grid, split-K buffers and row pitch the Rust
/// side computes, and raises NoKernel for a table without GEMM kernels; check.py lists each
/// GEMM kernel's own problem and a ragged one.
fn check_gemm_python(out: &Path, table: &DispatchTable) {
    let code = format!(
        "import json, evotune_kernels as ek\nk = ek.load()\nout = []\n\
         for m, n, kk in json.loads({:?}):\n\
         \x20   p = ek.GemmProblem(m, n, kk)\n\
         \x20   ch = k.choose_gemm(p)\n\
         \x20   grid, floats, counters = k.table.gemm_launch_sizes(ch, p, 132)\n\
         \x20   out.append([ch.entry['id'], ch.exact, list(grid), floats, counters, \
         ek.gemm_table.pitch(kk)])\n\
         bare = ek.Table(dict(k.table.data, gemm=None), k.table.root)\n\
         try:\n\
         \x20   out.append(bare.choose_gemm(ek.GemmProblem(1, 1, 1)).entry['id'])\n\
         except ek.NoKernel as e:\n\
         \x20   out.append(str(e))\n\
         print(json.dumps(out))",
        serde_json::to_string(&GEMM_ASKED).unwrap()
    );
    let Some(text) = python(out, &code) else {
        return;
    };
    let answers: Vec<Value> = serde_json::from_str(&text).unwrap();
    for (asked, got) in GEMM_ASKED.iter().zip(&answers) {
        let g = Gemm {
            m: asked[0],
            n: asked[1],
            k: asked[2],
        };
        assert_eq!(*got, expected_gemm_choice(table, &g), "gemm {g}");
    }
    let ids: Vec<&str> = answers[..5]
        .iter()
        .map(|a| a[0].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "gemm_m4096_n4096_k128",
            "gemm_m1024_n1024_k4096",
            "gemm_m4096_n4096_k128",
            "gemm_m1024_n1024_k4096",
            "gemm_m1024_n1024_k4096"
        ]
    );
    let none = answers[6].as_str().unwrap();
    assert!(
        none.starts_with("no exported GEMM kernel can run gemm 1,1,1") && none.contains("0 GEMM"),
        "{none}"
    );
    check_listed_gemm_checks(out, table);
}

/// The choice, grid, buffers and pitch the table's rule gives for `g`, computed here; at the
/// ragged problem the rule's grid and buffers are also the GEMM space's own.
fn expected_gemm_choice(table: &DispatchTable, g: &Gemm) -> Value {
    let entries = table.gemm_entries();
    let exact = entries.iter().find(|e| e.problem == *g);
    let e = exact.unwrap_or_else(|| {
        entries
            .iter()
            .filter(|e| e.rule.reuse)
            .min_by(|a, b| {
                let d = |e: &GemmEntry| {
                    evotune::warm::distance(&Problem::Gemm(*g), &Problem::Gemm(e.problem))
                };
                d(a).total_cmp(&d(b))
                    .then(a.tuned.kernel_p50_us.total_cmp(&b.tuned.kernel_p50_us))
            })
            .unwrap()
    });
    let r = &e.rule;
    if exact.is_none() {
        let (_, launch) = gemm_space_kernel(&e.tuned.config, g);
        assert_eq!(launch.grid, r.grid(g, 132), "{} at gemm {g}", e.id);
    }
    serde_json::json!([
        e.id,
        exact.is_some(),
        r.grid(g, 132),
        r.workspace_floats(g),
        r.counters(g),
        g.pitch()
    ])
}

/// `check.py --list` (no GPU needed) names each GEMM kernel's problem and, for each, a ragged
/// one: M, N and K odd, so off every tile and K % 16 != 0.
fn check_listed_gemm_checks(out: &Path, table: &DispatchTable) {
    let listed = Command::new("python3")
        .arg(out.join("python/check.py"))
        .arg("--list")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    for e in table.gemm_entries() {
        let g = e.problem;
        let odd = |x: usize| x | 1;
        let ragged = Gemm {
            m: odd(g.m / 2 + 13),
            n: odd(g.n / 2 + 7),
            k: odd(g.k / 2 + 5),
        };
        let r = &e.rule;
        assert!(
            !ragged.m.is_multiple_of(r.block_m as usize)
                && !ragged.n.is_multiple_of(r.block_n as usize)
                && !ragged.k.is_multiple_of(16)
        );
        assert!(
            text.contains(&format!("\ngemm {g} tuned\ngemm {ragged} ragged\n")),
            "{text}"
        );
    }
    assert!(text.starts_with("attention 1,8,512,64 tuned\n"), "{text}");
}

/// The GPU check says clearly why it cannot run: no export folder, or (here) no torch with a
/// CUDA GPU; it exits 2 either way.
fn check_script_refuses_without_a_gpu(out: &Path) {
    let script = out.join("python/check.py");
    let run = |args: &[&str]| {
        Command::new("python3")
            .arg(&script)
            .args(args)
            .output()
            .unwrap()
    };
    let missing = run(&["/no/such/export"]);
    assert_eq!(missing.status.code(), Some(2));
    let text = String::from_utf8_lossy(&missing.stderr).to_string();
    assert!(
        text.contains("check: /no/such/export holds no dispatch.json"),
        "{text}"
    );
    let gpu = Command::new("python3")
        .args([
            "-c",
            "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if gpu {
        eprintln!("SKIPPED: torch sees a GPU here: check.py's refusal without one was not run");
        return;
    }
    let refused = run(&[]);
    let text = String::from_utf8_lossy(&refused.stderr).to_string();
    assert_eq!(refused.status.code(), Some(2), "{text}");
    assert!(
        text.starts_with("check: needs PyTorch") || text.starts_with("check: no CUDA GPU"),
        "{text}"
    );
}

/// The choice the table's rules make, computed here: the exact problem, else the nearest
/// (evotune's warm-start distance; ties to the faster) among the kernels whose rule admits it.
fn expected_choice(table: &DispatchTable, p: &Attention) -> Value {
    let tuned = |e: &Entry| {
        let s = e.problem;
        Attention {
            batch: s.b,
            heads: s.h,
            seq_len: s.s,
            head_dim: s.d,
            causal: s.causal,
            kv_heads: s.kv_heads,
            kv_len: s.kv_len,
        }
    };
    let grid = |a: &Accepts| serde_json::json!(a.grid(p, 132));
    if let Some(e) = table.entries.iter().find(|e| tuned(e) == *p) {
        return serde_json::json!([e.id, true, e.grid]);
    }
    let best = table
        .entries
        .iter()
        .filter(|e| e.accepts.reuse && e.accepts.check(p).is_ok())
        .min_by(|a, b| {
            let d =
                |e: &Entry| evotune::warm::distance(&Problem::Sdpa(*p), &Problem::Sdpa(tuned(e)));
            d(a).total_cmp(&d(b))
                .then(a.tuned.kernel_p50_us.total_cmp(&b.tuned.kernel_p50_us))
        });
    match best {
        Some(e) => serde_json::json!([e.id, false, grid(&e.accepts)]),
        None => serde_json::json!(["none"]),
    }
}

#[test]
fn a_database_of_gemm_rows_alone_exports_a_table_of_gemm_kernels_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let (problem, sets) = GEMMS[1];
    gemm_tune(dir.path(), &db, problem, 20.0, 0, sets);
    let out = dir.path().join("exported");
    let (stdout, stderr) = export(&db, &out, &dir.path().join("cache"));
    assert!(
        stdout.contains("exported 1 kernel (0 attention, 1 GEMM) of replay (sm_90a)"),
        "{stdout}\n{stderr}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("dispatch.json")).unwrap()).unwrap();
    assert_eq!(json["entries"], serde_json::json!([]));
    assert_eq!(json["gemm"]["entries"][0]["id"], "gemm_m1024_n1024_k4096");
    let table = DispatchTable::read(&out.join("dispatch.json")).unwrap();
    check_gemm_entry(&out, &table.gemm_entries()[0], &db);
    let header = std::fs::read_to_string(out.join("dispatch.h")).unwrap();
    assert!(
        header.contains("#define EVOTUNE_SDPA_KERNEL_COUNT 0\n"),
        "{header}"
    );
    if let Some(printed) = check_header(&out) {
        assert_eq!(printed, header_expected(&table), "dispatch.h's helpers");
    }
    let code = "import evotune_kernels as ek\nk = ek.load()\n\
                print(k.choose_gemm(ek.GemmProblem(1024, 1024, 4096)).entry['id'])\n\
                try:\n    k.choose(ek.Problem(2, 8, 512, 64))\n\
                except ek.NoKernel as e:\n    print(str(e).splitlines()[0])";
    if let Some(text) = python(&out, code) {
        assert_eq!(
            text,
            format!(
                "gemm_m1024_n1024_k4096\nno exported kernel can run 2,8,512,64 (table {}, \
                 replay, 0 kernels):\n",
                out.join("dispatch.json").display()
            )
        );
    }
}

#[test]
fn bad_input_exits_2_naming_the_flag_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let out = dir.path().join("exported");
    let fails = |args: &[&str], message: &str| {
        evotune()
            .arg("export")
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    };
    let (db_s, out_s) = (db.to_str().unwrap(), out.to_str().unwrap());
    fails(
        &["--db", db_s, "--out", out_s],
        &format!("--db {db_s}: no such file"),
    );
    evotune::db::Db::open(&db).unwrap(); // an empty database, schema only
    fails(
        &["--db", db_s, "--out", out_s],
        "has no fresh rows to export: it holds no rows",
    );
    let gemm_only = dir.path().join("gemm.db");
    tune(
        Path::new(SPACE),
        &dir.path().join("r0"),
        &gemm_only,
        "2,8,512,64",
        8,
    );
    add_broken_gemm_row(&gemm_only);
    let first = evotune::db::Db::open(&gemm_only).unwrap().all().unwrap()[0]
        .id
        .unwrap();
    evotune::db::Db::open(&gemm_only)
        .unwrap()
        .delete(&[first])
        .unwrap();
    evotune()
        .args([
            "export",
            "--db",
            gemm_only.to_str().unwrap(),
            "--out",
            out_s,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "skipped row 2 (gemm 4096,4096,128): ",
        ))
        .stderr(predicate::str::contains(
            "nothing exported: none of the 1 problems of replay",
        ));
    tune(
        Path::new(SPACE),
        &dir.path().join("r1"),
        &db,
        "2,8,512,64",
        8,
    );
    let mut other = evotune::db::Db::open(&db).unwrap().all().unwrap().remove(0);
    other.gpu = "NVIDIA H100 80GB HBM3".into();
    evotune::db::Db::open(&db).unwrap().insert(&other).unwrap();
    fails(&["--db", db_s, "--out", out_s], "--device is needed: ");
    fails(
        &["--db", db_s, "--out", out_s, "--device", "A100"],
        "(its fresh rows are of: NVIDIA H100 80GB HBM3, replay)",
    );
    let blocked = dir.path().join("a-file");
    std::fs::write(&blocked, "x").unwrap();
    let under_file = blocked.join("exported");
    fails(
        &[
            "--db",
            db_s,
            "--device",
            "replay",
            "--out",
            under_file.to_str().unwrap(),
        ],
        &format!("--out {}: cannot create", under_file.display()),
    );
    let busy = dir.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    fails(
        &[
            "--db",
            db_s,
            "--device",
            "replay",
            "--out",
            busy.to_str().unwrap(),
        ],
        "holds files and is not an evotune export (no dispatch.json)",
    );
    fails(
        &[
            "--db", db_s, "--device", "replay", "--out", out_s, "--arch", "sm_77",
        ],
        "--arch expects a target like sm_90a or sm_89, got 'sm_77'",
    );
    assert_eq!(
        std::fs::read_to_string(busy.join("notes.txt")).unwrap(),
        "mine"
    );
    let entries: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!out.exists(), "{entries:?}");
    assert!(
        entries.iter().all(|n| !n.starts_with('.')),
        "a temporary folder was left: {entries:?}"
    );
}
