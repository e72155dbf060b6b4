//! The record of a baseline timed in-project on the GPU: the measurement with the device and the
//! clocks read during it, and how its output compared with the reference.

use crate::artifacts::{BaselineRecord, Validation};
use crate::gpu::{Gpu, Measurement};
use crate::op::ProblemSpec;

/// A baseline timed in-project with the timing protocol on `gpu` and checked as `validation`
/// says: the record with the device and the clocks read during the measurement.
pub(super) fn record(
    baseline: &str,
    implementation: &str,
    problem: impl Into<ProblemSpec>,
    gpu: &Gpu,
    m: Measurement,
    validation: Validation,
) -> BaselineRecord {
    let mut record =
        BaselineRecord::measured(baseline, implementation, problem, Some(m.kernel), m.call);
    record.warm_kernel_time = m.warm;
    record.device = Some(gpu.describe());
    record.validation = Some(validation);
    record.sm_clock_mhz = m.clock.sm_mhz;
    record.throttle_reasons = m.clock.throttle_reasons;
    record
}
