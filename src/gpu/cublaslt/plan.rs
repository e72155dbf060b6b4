//! One cublasLtMatmul planned once: the descriptors (each destroyed with the plan), the first
//! algorithm cuBLASLt's heuristic offers for them, and the call that enqueues it.

use crate::error::{Error, Result};
use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublaslt::result::{self as lt, CublasError};
use cudarc::cublaslt::sys::{
    self, cublasComputeType_t, cublasLtMatmulAlgoConfigAttributes_t as AlgoAttr,
    cublasLtMatmulDescAttributes_t as DescAttr, cublasLtMatmulHeuristicResult_t, cudaDataType,
};
use std::ffi::c_void;
use std::mem::size_of;

/// A failed cuBLASLt call as evotune's error, naming the call and the status.
pub fn lt_err(call: &'static str) -> impl FnOnce(CublasError) -> Error {
    move |e| Error::Cuda {
        call: call.into(),
        name: format!("{:?}", e.0),
    }
}

/// One operand in cuBLASLt's column-major terms: element type, rows, columns, leading dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operand {
    /// Element type.
    pub dtype: cudaDataType,
    /// Rows (column-major).
    pub rows: u64,
    /// Columns.
    pub cols: u64,
    /// Elements between the starts of two columns.
    pub ld: i64,
}

/// D = alpha·op(A)·op(B) + bias, column-major, C = D, beta = 0: what one plan computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatmulSpec {
    /// A, as stored; op(A) = Aᵀ (cuBLASLt's FP8 kernels take A transposed).
    pub a: Operand,
    /// B, as stored; op(B) = B.
    pub b: Operand,
    /// D (and C, unread with beta = 0).
    pub d: Operand,
    /// The bias's element type; its device pointer (one value per row of D).
    pub bias: (cudaDataType, u64),
    /// Device pointers to A's and B's f32 scales (FP8 operands), or none.
    pub scales: Option<(u64, u64)>,
}

/// What the heuristic chose, as cuBLASLt numbers it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chosen {
    /// CUBLASLT_ALGO_CONFIG_ID.
    pub algo_id: i32,
    /// CUBLASLT_ALGO_CONFIG_TILE_ID.
    pub tile_id: u32,
    /// CUBLASLT_ALGO_CONFIG_STAGES_ID.
    pub stages_id: u32,
    /// CUBLASLT_ALGO_CONFIG_SPLITK_NUM.
    pub split_k: i32,
    /// Workspace the algorithm asks for, bytes.
    pub workspace: usize,
}

impl Chosen {
    /// "algorithm 66 (tile id 23, stages id 0, split-K 1, workspace 0 B)".
    pub fn describe(&self) -> String {
        format!(
            "algorithm {} (tile id {}, stages id {}, split-K {}, workspace {} B)",
            self.algo_id, self.tile_id, self.stages_id, self.split_k, self.workspace
        )
    }
}

/// A handle, the descriptors of one matmul and its algorithm, ready to enqueue.
pub struct Plan {
    handle: Handle,
    desc: Desc,
    layouts: [Layout; 3],
    algo: sys::cublasLtMatmulAlgo_t,
    /// What the heuristic chose.
    pub chosen: Chosen,
}

impl Plan {
    /// Creates the descriptors of `spec` and asks the heuristic for its first algorithm that
    /// fits `workspace` bytes; none is an error (CUBLAS_STATUS_NOT_SUPPORTED).
    pub fn new(spec: &MatmulSpec, workspace: usize) -> Result<Plan> {
        let handle = Handle(lt::create_handle().map_err(lt_err("cublasLtCreate"))?);
        let desc = Desc::new(spec)?;
        let layouts = [spec.a, spec.b, spec.d].map(Layout::new);
        let [a, b, d] = layouts;
        let layouts = [a?, b?, d?];
        let pref = Pref::new(workspace)?;
        // SAFETY: the handle, the descriptors and the preference are live (owned here).
        let heuristic = unsafe {
            lt::get_matmul_algo_heuristic(
                handle.0,
                desc.0,
                layouts[0].0,
                layouts[1].0,
                layouts[2].0,
                layouts[2].0,
                pref.0,
            )
        }
        .map_err(lt_err("cublasLtMatmulAlgoGetHeuristic"))?;
        Ok(Plan {
            chosen: chosen(&heuristic),
            algo: heuristic.algo,
            handle,
            desc,
            layouts,
        })
    }

    /// Enqueues D = alpha·op(A)·op(B) + bias on `stream` (no synchronization).
    ///
    /// # Safety
    /// `a`, `b` and `d` must address live device buffers of the plan's operands (element type,
    /// rows, columns and leading dimension), `workspace` at least `workspace_bytes` bytes, and
    /// the bias and scale pointers the plan was made with must still be live; all on `stream`'s
    /// context.
    pub unsafe fn enqueue(
        &self,
        stream: sys::cudaStream_t,
        (a, b, d): (u64, u64, u64),
        alpha: f32,
        (workspace, workspace_bytes): (u64, usize),
    ) -> Result<()> {
        let beta = 0f32;
        let [la, lb, ld] = &self.layouts;
        lt::matmul(
            self.handle.0,
            self.desc.0,
            (&alpha as *const f32).cast(),
            (&beta as *const f32).cast(),
            a as *const c_void,
            la.0,
            b as *const c_void,
            lb.0,
            d as *const c_void,
            ld.0,
            d as *mut c_void,
            ld.0,
            &self.algo,
            workspace as *mut c_void,
            workspace_bytes,
            stream,
        )
        .map_err(lt_err("cublasLtMatmul"))
    }
}

/// The numbers cuBLASLt gives the chosen algorithm (0 where it does not say).
fn chosen(h: &cublasLtMatmulHeuristicResult_t) -> Chosen {
    Chosen {
        algo_id: algo_attr(&h.algo, AlgoAttr::CUBLASLT_ALGO_CONFIG_ID),
        tile_id: algo_attr(&h.algo, AlgoAttr::CUBLASLT_ALGO_CONFIG_TILE_ID),
        stages_id: algo_attr(&h.algo, AlgoAttr::CUBLASLT_ALGO_CONFIG_STAGES_ID),
        split_k: algo_attr(&h.algo, AlgoAttr::CUBLASLT_ALGO_CONFIG_SPLITK_NUM),
        workspace: h.workspaceSize,
    }
}

/// One 32-bit attribute of an algorithm, or 0 when cuBLASLt does not give it.
fn algo_attr<T: Copy + Default>(algo: &sys::cublasLtMatmulAlgo_t, attr: AlgoAttr) -> T {
    let mut value = T::default();
    let mut written = 0usize;
    // SAFETY: `algo` is an initialized algorithm; cuBLASLt writes at most size_of::<T>() bytes
    // into `value` (the 32-bit attributes asked for here are that size).
    let status = unsafe {
        sys::cublasLtMatmulAlgoConfigGetAttribute(
            algo,
            attr,
            (&mut value as *mut T).cast(),
            size_of::<T>(),
            &mut written,
        )
    };
    match status.result() {
        Ok(()) => value,
        Err(_) => T::default(),
    }
}

/// cuBLASLt's version, e.g. "13.0.2" (from cublasLtGetVersion's major·10000 + minor·100 + patch).
pub fn version() -> String {
    // SAFETY: a plain query of the loaded library.
    let v = unsafe { sys::cublasLtGetVersion() };
    format!("{}.{}.{}", v / 10_000, v / 100 % 100, v % 100)
}

struct Handle(sys::cublasLtHandle_t);

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: created by cublasLtCreate and destroyed once, here.
        let _ = unsafe { lt::destroy_handle(self.0) };
    }
}

struct Desc(sys::cublasLtMatmulDesc_t);

impl Desc {
    /// fp32 compute and scale, TN, the BIAS epilogue, and the scale pointers when there are.
    fn new(spec: &MatmulSpec) -> Result<Desc> {
        let desc = Desc(
            lt::create_matmul_desc(
                cublasComputeType_t::CUBLAS_COMPUTE_32F,
                cudaDataType::CUDA_R_32F,
            )
            .map_err(lt_err("cublasLtMatmulDescCreate"))?,
        );
        desc.set(
            DescAttr::CUBLASLT_MATMUL_DESC_TRANSA,
            cublasOperation_t::CUBLAS_OP_T,
        )?;
        desc.set(
            DescAttr::CUBLASLT_MATMUL_DESC_TRANSB,
            cublasOperation_t::CUBLAS_OP_N,
        )?;
        let epilogue = sys::cublasLtEpilogue_t::CUBLASLT_EPILOGUE_BIAS;
        desc.set(DescAttr::CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue)?;
        desc.set(DescAttr::CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, spec.bias.0)?;
        desc.set(DescAttr::CUBLASLT_MATMUL_DESC_BIAS_POINTER, spec.bias.1)?;
        if let Some((a, b)) = spec.scales {
            desc.set(DescAttr::CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, a)?;
            desc.set(DescAttr::CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, b)?;
        }
        Ok(desc)
    }

    /// Sets `attr` to `value` (a 4-byte enum, or a device pointer as u64).
    fn set<T: Copy>(&self, attr: DescAttr, value: T) -> Result<()> {
        // SAFETY: the descriptor is live; cuBLASLt copies size_of::<T>() bytes from `value`,
        // which is the attribute's own type (int32 enums, 8-byte pointers).
        unsafe {
            lt::set_matmul_desc_attribute(self.0, attr, (&value as *const T).cast(), size_of::<T>())
        }
        .map_err(lt_err("cublasLtMatmulDescSetAttribute"))
    }
}

impl Drop for Desc {
    fn drop(&mut self) {
        // SAFETY: created by cublasLtMatmulDescCreate and destroyed once, here.
        let _ = unsafe { lt::destroy_matmul_desc(self.0) };
    }
}

struct Layout(sys::cublasLtMatrixLayout_t);

impl Layout {
    fn new(o: Operand) -> Result<Layout> {
        lt::create_matrix_layout(o.dtype, o.rows, o.cols, o.ld)
            .map(Layout)
            .map_err(lt_err("cublasLtMatrixLayoutCreate"))
    }
}

impl Drop for Layout {
    fn drop(&mut self) {
        // SAFETY: created by cublasLtMatrixLayoutCreate and destroyed once, here.
        let _ = unsafe { lt::destroy_matrix_layout(self.0) };
    }
}

struct Pref(sys::cublasLtMatmulPreference_t);

impl Pref {
    /// A preference that allows `workspace` bytes.
    fn new(workspace: usize) -> Result<Pref> {
        let pref =
            Pref(lt::create_matmul_pref().map_err(lt_err("cublasLtMatmulPreferenceCreate"))?);
        // SAFETY: the preference is live; cuBLASLt copies the u64 (size_t) byte count.
        unsafe {
            lt::set_matmul_pref_attribute(
                pref.0,
                sys::cublasLtMatmulPreferenceAttributes_t::CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                (&workspace as *const usize).cast(),
                size_of::<usize>(),
            )
        }
        .map_err(lt_err("cublasLtMatmulPreferenceSetAttribute"))?;
        Ok(pref)
    }
}

impl Drop for Pref {
    fn drop(&mut self) {
        // SAFETY: created by cublasLtMatmulPreferenceCreate and destroyed once, here.
        let _ = unsafe { lt::destroy_matmul_pref(self.0) };
    }
}
