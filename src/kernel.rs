//! A kernel of a search space at one problem: the CUDA source its template renders, the compile
//! job that builds it and the geometry it is launched with. The tuner, `bench`, `render`, the
//! compile test and the export all build their kernels here.

use crate::compile::Job;
use crate::error::Result;
use crate::eval::{launch_for, Launch};
use crate::op::Problem;
use crate::shape::Shape;
use crate::space::{DeviceLimits, Point, SearchSpace};
use crate::template::Template;

/// What a space's kernels are built from at one problem (SDPA's [`Shape`] unless said) on one
/// device.
pub struct Kernels<'a, P: Problem = Shape> {
    space: &'a SearchSpace,
    template: &'a Template,
    shape: &'a P,
    limits: &'a DeviceLimits,
}

impl<P: Problem> Clone for Kernels<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P: Problem> Copy for Kernels<'_, P> {}

/// One kernel: the job that compiles it and how it is launched.
#[derive(Debug, Clone)]
pub struct Kernel {
    /// Its compile job, labelled by its config.
    pub job: Job,
    /// Its grid, block and arguments.
    pub launch: Launch,
}

impl<'a, P: Problem> Kernels<'a, P> {
    /// The kernels of `space` (rendered by `template`) at `shape` on a device with `limits`.
    pub fn new(
        space: &'a SearchSpace,
        template: &'a Template,
        shape: &'a P,
        limits: &'a DeviceLimits,
    ) -> Self {
        Kernels {
            space,
            template,
            shape,
            limits,
        }
    }

    /// The CUDA source of `point`.
    pub fn source(&self, point: &Point) -> Result<String> {
        self.template
            .render(self.space, point, self.shape, self.limits)
    }

    /// The compile job of `point`.
    pub fn job(&self, point: &Point) -> Result<Job> {
        Ok(Job {
            label: point.config.to_string(),
            kernel: self.space.kernel.clone(),
            source: self.source(point)?,
        })
    }

    /// The compile job and the launch of `point`.
    pub fn kernel(&self, point: &Point) -> Result<Kernel> {
        Ok(Kernel {
            launch: launch_for(self.space, point)?,
            job: self.job(point)?,
        })
    }
}
