//! Launch geometry of a candidate, from the derived values its search space computes.

use super::protocol::{KernelArgs, Launch, NO_CLUSTER};
use crate::error::{Error, Result};
use crate::space::{Point, SearchSpace, Value};

/// The derived values a space must define so that its kernels can be launched:
/// grid = (GRID_X, GRID_Y, GRID_Z), block = (THREADS, 1, 1), dynamic shared memory = SMEM_BYTES.
/// GRID_Z is optional (1 when absent), and so are the cluster dimensions CLUSTER_X, CLUSTER_Y,
/// CLUSTER_Z (1 each when absent: no cluster set at launch).
pub const LAUNCH_VALUES: [&str; 4] = ["GRID_X", "GRID_Y", "THREADS", "SMEM_BYTES"];

/// The launch of `point` (a point of `space`), from its derived values.
///
/// Fails, naming the space file, when a value is missing, not an integer, or out of range
/// (grid and block sizes must be positive, shared memory non-negative, all within `u32`).
/// The argument list is [`KernelArgs::Pointers`] unless the derived `ARGS` says otherwise:
/// "tensor_maps" (SDPA's boxes from `TMA_SWIZZLE`, `TMA_Q_ROWS` and `TMA_KV_ROWS`) or
/// "gemm_maps" (GEMM's from `TMA_SWIZZLE`, `TMA_A_ROWS` and `TMA_B_ROWS`, and the split-K
/// buffers from `WORKSPACE_FLOATS` and `COUNTERS`, none where it does not derive them). A grid
/// that is not a whole number of clusters is an error.
pub fn launch_for(space: &SearchSpace, point: &Point) -> Result<Launch> {
    let get = |name: &str, min: i64| derived_u32(space, point, name, min);
    let grid = [
        get("GRID_X", 1)?,
        get("GRID_Y", 1)?,
        optional(space, point, "GRID_Z")?,
    ];
    let cluster = [
        optional(space, point, "CLUSTER_X")?,
        optional(space, point, "CLUSTER_Y")?,
        optional(space, point, "CLUSTER_Z")?,
    ];
    check_clusters(space, point, grid, cluster)?;
    Ok(Launch {
        grid,
        block: [get("THREADS", 1)?, 1, 1],
        smem_bytes: get("SMEM_BYTES", 0)?,
        args: kernel_args(space, point)?,
        cluster,
    })
}

/// A derived value that is 1 when the space does not define it (at least 1 when it does).
fn optional(space: &SearchSpace, point: &Point, name: &str) -> Result<u32> {
    if point.derived.contains_key(name) {
        derived_u32(space, point, name, 1)
    } else {
        Ok(1)
    }
}

fn check_clusters(
    space: &SearchSpace,
    point: &Point,
    grid: [u32; 3],
    cluster: [u32; 3],
) -> Result<()> {
    if cluster == NO_CLUSTER || grid.iter().zip(cluster).all(|(g, c)| g % c == 0) {
        return Ok(());
    }
    Err(Error::Space {
        path: space.path.clone(),
        message: format!(
            "the grid {grid:?} at {} is not a whole number of clusters {cluster:?}",
            point.config
        ),
    })
}

/// A derived value that is 0 when the space does not define it.
fn optional_or_zero(space: &SearchSpace, point: &Point, name: &str) -> Result<u32> {
    if point.derived.contains_key(name) {
        derived_u32(space, point, name, 0)
    } else {
        Ok(0)
    }
}

fn kernel_args(space: &SearchSpace, point: &Point) -> Result<KernelArgs> {
    let get = |name: &str| derived_u32(space, point, name, 1);
    match point.derived.get("ARGS") {
        None => Ok(KernelArgs::Pointers),
        Some(Value::Choice(c)) if c == "pointers" => Ok(KernelArgs::Pointers),
        Some(Value::Choice(c)) if c == "tensor_maps" => Ok(KernelArgs::TensorMaps {
            swizzle: get("TMA_SWIZZLE")?,
            q_rows: get("TMA_Q_ROWS")?,
            kv_rows: get("TMA_KV_ROWS")?,
        }),
        Some(Value::Choice(c)) if c == "gemm_maps" => Ok(KernelArgs::GemmMaps {
            swizzle: get("TMA_SWIZZLE")?,
            a_rows: get("TMA_A_ROWS")?,
            b_rows: get("TMA_B_ROWS")?,
            workspace_floats: optional_or_zero(space, point, "WORKSPACE_FLOATS")?,
            counters: optional_or_zero(space, point, "COUNTERS")?,
        }),
        Some(other) => Err(Error::Space {
            path: space.path.clone(),
            message: format!(
                "derived ARGS = {other} at {}: expected \"pointers\", \"tensor_maps\" or \
                 \"gemm_maps\"",
                point.config
            ),
        }),
    }
}

fn derived_u32(space: &SearchSpace, point: &Point, name: &str, min: i64) -> Result<u32> {
    let fail = |message: String| Error::Space {
        path: space.path.clone(),
        message,
    };
    let value = point.derived.get(name).ok_or_else(|| {
        fail(format!(
            "has no derived value {name}; a kernel's launch needs {} in [derived]",
            LAUNCH_VALUES.join(", ")
        ))
    })?;
    let int = match value {
        Value::Int(i) => *i,
        other => return Err(fail(format!("derived {name} = {other} is not an integer"))),
    };
    if int < min || int > i64::from(u32::MAX) {
        return Err(fail(format!(
            "derived {name} = {int} at {} is out of range ({min}..={})",
            point.config,
            u32::MAX
        )));
    }
    Ok(int as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Shape;
    use crate::space::{parse, DeviceLimits};
    use std::path::Path;

    const SPACE: &str = r#"
name = "t"
template = "t.cu.tera"
kernel = "k"
[params.BLOCK_M]
values = [64, 128]
[derived]
GRID_X = "(S + BLOCK_M - 1) / BLOCK_M"
GRID_Y = "B * H"
THREADS = "BLOCK_M * 2"
SMEM_BYTES = "BLOCK_M * D"
[default]
BLOCK_M = 128
"#;

    fn point_of(text: &str, shape: &str) -> (SearchSpace, Point) {
        let space = parse(Path::new("t.toml"), text).unwrap();
        let shape = Shape::parse(shape).unwrap();
        let point = space
            .evaluate(&space.default, &shape, &DeviceLimits::hopper())
            .unwrap();
        (space, point)
    }

    #[test]
    fn geometry_comes_from_the_derived_values() {
        // S = 300 with 128-row tiles: 3 blocks along x; B·H = 16 along y; 128·64 bytes.
        let (space, point) = point_of(SPACE, "2,8,300,64");
        let launch = launch_for(&space, &point).unwrap();
        assert_eq!(
            launch,
            Launch {
                grid: [3, 16, 1],
                block: [256, 1, 1],
                smem_bytes: 8192,
                args: KernelArgs::Pointers,
                cluster: NO_CLUSTER,
            }
        );
    }

    #[test]
    fn cluster_dimensions_come_from_the_derived_values_and_divide_the_grid() {
        let text = SPACE.replace(
            "GRID_Y = \"B * H\"",
            "GRID_Y = \"B * H\"\nCLUSTER_Y = \"BLOCK_M / 32\"",
        );
        // B·H = 16 along y, clusters of 4 CTAs along y.
        let (space, point) = point_of(&text, "2,8,300,64");
        let launch = launch_for(&space, &point).unwrap();
        assert_eq!((launch.grid, launch.cluster), ([3, 16, 1], [1, 4, 1]));
        assert!(launch.has_cluster());
        // B·H = 6 is no whole number of clusters of 4.
        let (space, point) = point_of(&text, "2,3,300,64");
        let err = launch_for(&space, &point).unwrap_err().to_string();
        assert!(
            err.contains("not a whole number of clusters [1, 4, 1]"),
            "{err}"
        );
    }

    #[test]
    fn grid_z_is_one_unless_the_space_derives_it() {
        let text = SPACE.replace(
            "GRID_Y = \"B * H\"",
            "GRID_Y = \"B * H\"\nGRID_Z = \"BLOCK_M / 32\"",
        );
        let (space, point) = point_of(&text, "2,8,300,64");
        assert_eq!(launch_for(&space, &point).unwrap().grid, [3, 16, 4]);
        let zero = text.replace("BLOCK_M / 32", "BLOCK_M - 128");
        let (space, point) = point_of(&zero, "2,8,300,64");
        let err = launch_for(&space, &point).unwrap_err().to_string();
        assert!(err.contains("GRID_Z = 0"), "{err}");
    }

    #[test]
    fn tensor_map_arguments_come_with_their_boxes() {
        let text = SPACE.replace(
            "[default]",
            "ARGS = \"if(BLOCK_M > 64, \\\"tensor_maps\\\", \\\"pointers\\\")\"\nTMA_SWIZZLE = \"64\"\nTMA_Q_ROWS = \"BLOCK_M\"\nTMA_KV_ROWS = \"BLOCK_M / 2\"\n[default]",
        );
        let (space, point) = point_of(&text, "2,8,300,64");
        let launch = launch_for(&space, &point).unwrap();
        assert_eq!(
            launch.args,
            KernelArgs::TensorMaps {
                swizzle: 64,
                q_rows: 128,
                kv_rows: 64
            }
        );
        let bad = text.replace("\\\"pointers\\\"", "\\\"pointerz\\\"");
        let small = bad.replace("BLOCK_M = 128\n", "BLOCK_M = 64\n");
        let (space, point) = point_of(&small, "2,8,300,64");
        let err = launch_for(&space, &point).unwrap_err().to_string();
        assert!(err.contains("ARGS = pointerz"), "{err}");
    }

    #[test]
    fn gemm_map_arguments_come_with_their_boxes() {
        let text = SPACE.replace(
            "[default]",
            "ARGS = \"\\\"gemm_maps\\\"\"\nTMA_SWIZZLE = \"128\"\nTMA_A_ROWS = \"BLOCK_M\"\nTMA_B_ROWS = \"BLOCK_M * 2\"\n[default]",
        );
        let (space, point) = point_of(&text, "2,8,300,64");
        let launch = launch_for(&space, &point).unwrap();
        assert_eq!(
            launch.args,
            KernelArgs::GemmMaps {
                swizzle: 128,
                a_rows: 128,
                b_rows: 256,
                workspace_floats: 0,
                counters: 0,
            }
        );
        let split = text.replace(
            "[default]",
            "WORKSPACE_FLOATS = \"BLOCK_M * 4\"\nCOUNTERS = \"3\"\n[default]",
        );
        let (space, point) = point_of(&split, "2,8,300,64");
        let args = launch_for(&space, &point).unwrap().args;
        assert!(
            matches!(
                args,
                KernelArgs::GemmMaps {
                    workspace_floats: 512,
                    counters: 3,
                    ..
                }
            ),
            "{args:?}"
        );
        let missing = text.replace("TMA_B_ROWS = \"BLOCK_M * 2\"\n", "");
        let (space, point) = point_of(&missing, "2,8,300,64");
        let err = launch_for(&space, &point).unwrap_err().to_string();
        assert!(err.contains("no derived value TMA_B_ROWS"), "{err}");
    }

    #[test]
    fn a_missing_value_is_an_error_naming_it_and_the_file() {
        let text = SPACE.replace("SMEM_BYTES = \"BLOCK_M * D\"\n", "");
        let (space, point) = point_of(&text, "2,8,300,64");
        let err = launch_for(&space, &point).unwrap_err().to_string();
        assert!(err.contains("t.toml"), "{err}");
        assert!(err.contains("no derived value SMEM_BYTES"), "{err}");
    }

    #[test]
    fn a_zero_grid_or_a_boolean_is_rejected() {
        let text = SPACE.replace("GRID_Y = \"B * H\"", "GRID_Y = \"B * H - 16\"");
        let (space, point) = point_of(&text, "2,8,300,64");
        let err = launch_for(&space, &point).unwrap_err().to_string();
        assert!(
            err.contains("GRID_Y = 0") && err.contains("out of range"),
            "{err}"
        );
        let text = SPACE.replace("THREADS = \"BLOCK_M * 2\"", "THREADS = \"BLOCK_M > 2\"");
        let (space, point) = point_of(&text, "2,8,300,64");
        let err = launch_for(&space, &point).unwrap_err().to_string();
        assert!(err.contains("THREADS = true is not an integer"), "{err}");
    }
}
