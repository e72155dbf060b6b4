//! Every valid point of the sdpa_fp8 space renders, and no two render the same kernel source:
//! the compile test (tests/cli.rs) compiles a sample of the points; this covers all of them
//! without NVRTC.

use evotune::shape::Shape;
use evotune::space::{self, DeviceLimits};
use evotune::template::Template;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;

#[test]
fn every_valid_sdpa_fp8_point_renders_a_distinct_kernel() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let space = space::load(&root.join("search_spaces/sdpa_fp8.toml")).unwrap();
    let shape = Shape::parse("2,8,512,64").unwrap();
    let limits = DeviceLimits::hopper();
    let template = Template::for_space(&space).unwrap();
    let points = space.valid_points(&shape, &limits).unwrap();
    assert!(points.len() > 30_000, "{} valid points", points.len());
    let mut seen: HashMap<u64, usize> = HashMap::new();
    for (i, point) in points.iter().enumerate() {
        let source = template
            .render(&space, point, &shape, &limits)
            .unwrap_or_else(|e| panic!("{:?}: {e}", point.config));
        let mut hasher = DefaultHasher::new();
        source.hash(&mut hasher);
        if let Some(j) = seen.insert(hasher.finish(), i) {
            panic!(
                "two valid points render one kernel:\n{:?}\n{:?}",
                points[j].config, point.config
            );
        }
    }
}
