//! The launch description on the wire and in records: old records (without a cluster, without
//! the GEMM's split-K buffers) still read, and what is absent is not written either.

use super::*;

/// A launch as records written before clusters and split K hold it.
const OLD_GEMM_LAUNCH: &str = r#"{"grid":[132,1,1],"block":[384,1,1],"smem_bytes":200000,
    "args":{"kind":"gemm_maps","swizzle":128,"a_rows":128,"b_rows":128}}"#;

#[test]
fn an_old_launch_reads_as_no_cluster_and_no_split_buffers() {
    let launch: Launch = serde_json::from_str(OLD_GEMM_LAUNCH).unwrap();
    assert_eq!(launch.cluster, NO_CLUSTER);
    assert!(!launch.has_cluster());
    assert_eq!(
        launch.args,
        KernelArgs::GemmMaps {
            swizzle: 128,
            a_rows: 128,
            b_rows: 128,
            workspace_floats: 0,
            counters: 0,
        }
    );
    let pointers: Launch =
        serde_json::from_str(r#"{"grid":[8,16,1],"block":[128,1,1],"smem_bytes":0}"#).unwrap();
    assert_eq!(
        (pointers.cluster, pointers.args),
        (NO_CLUSTER, KernelArgs::Pointers)
    );
}

#[test]
fn a_launch_without_cluster_or_split_is_written_as_before() {
    let launch: Launch = serde_json::from_str(OLD_GEMM_LAUNCH).unwrap();
    let text = serde_json::to_string(&launch).unwrap();
    assert!(!text.contains("cluster"), "{text}");
    assert!(
        !text.contains("workspace") && !text.contains("counters"),
        "{text}"
    );
    let old: serde_json::Value = serde_json::from_str(OLD_GEMM_LAUNCH).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        old
    );
}

#[test]
fn a_cluster_and_split_buffers_round_trip() {
    let launch = Launch {
        grid: [264, 1, 1],
        block: [384, 1, 1],
        smem_bytes: 200_016,
        args: KernelArgs::GemmMaps {
            swizzle: 128,
            a_rows: 64,
            b_rows: 128,
            workspace_floats: 4 * 64 * 128 * 128,
            counters: 128,
        },
        cluster: [2, 1, 1],
    };
    assert!(launch.has_cluster());
    let text = serde_json::to_string(&launch).unwrap();
    assert!(text.contains(r#""cluster":[2,1,1]"#), "{text}");
    assert!(text.contains(r#""workspace_floats":4194304"#), "{text}");
    assert_eq!(serde_json::from_str::<Launch>(&text).unwrap(), launch);
}
