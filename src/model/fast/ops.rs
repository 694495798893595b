//! The fast path's layers as candle custom ops, so they compose with candle tensors: a dense
//! layer with its bias (and optionally GELU) fused, a dense layer fused with the residual add
//! and LayerNorm that follow it, and attention over packed sequences. Each holds its small
//! parameters (the packed weight, biases, norms) itself and takes only activations as inputs.
//! CPU and f32 only: the reference path serves CUDA and half precision.

use std::sync::Arc;

use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Shape, bail};

use super::int8::{self, QuantizedMatrix};
use super::kernels::{self, PackedMatrix, Sequences, Start};

/// The contiguous f32 data behind a CPU tensor.
pub(super) fn slice<'a>(storage: &'a CpuStorage, layout: &Layout, what: &str) -> candle_core::Result<&'a [f32]> {
    let CpuStorage::F32(data) = storage else { bail!("{what}: the fast path runs in f32 only") };
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => bail!("{what}: the fast path needs contiguous tensors"),
    }
}

/// `[rows, cols]` of a 2-D layout.
fn dims2(layout: &Layout, what: &str) -> candle_core::Result<(usize, usize)> {
    match layout.dims() {
        &[rows, cols] => Ok((rows, cols)),
        dims => bail!("{what}: expected a matrix, got shape {dims:?}"),
    }
}

/// A LoRA adapter's update to one dense layer, kept apart from the (shared) base weight:
/// `x · downᵀ · upᵀ`, `down` being `A` (`[r, in]`) and `up` being `scale · B` (`[out, r]`).
pub struct LowRank {
    /// `A`, packed.
    pub down: PackedMatrix,
    /// `scale · B`, packed.
    pub up: PackedMatrix,
}

/// The number format a dense layer's products run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 throughout.
    F32,
    /// int8 weights and activations, i32 sums ([`int8`]).
    Int8,
    /// bf16 weights and activations, f32 sums, on AMX ([`super::bf16`]).
    Bf16,
}

/// A dense layer's weight, laid out for its kernel (shared between models that hold the same
/// one).
pub enum Weight {
    /// f32, packed for the microkernel.
    F32(Arc<PackedMatrix>),
    /// int8 per output channel (`--kernels int8`).
    Int8(Arc<QuantizedMatrix>),
    /// bf16 for AMX (`--kernels int8` where the CPU has AMX-BF16).
    #[cfg(target_arch = "x86_64")]
    Bf16(Arc<super::bf16::Bf16Matrix>),
}

impl Weight {
    /// Output columns.
    pub fn n(&self) -> usize {
        match self {
            Weight::F32(w) => w.n(),
            Weight::Int8(w) => w.n(),
            #[cfg(target_arch = "x86_64")]
            Weight::Bf16(w) => w.n(),
        }
    }

    /// Inputs.
    pub fn k(&self) -> usize {
        match self {
            Weight::F32(w) => w.k(),
            Weight::Int8(w) => w.k(),
            #[cfg(target_arch = "x86_64")]
            Weight::Bf16(w) => w.k(),
        }
    }
}

/// A dense layer's parameters: `x · Wᵀ + bias`, plus a LoRA update when there is one.
pub struct Projection {
    /// `W`.
    pub weight: Weight,
    /// A LoRA update applied at run time, if any.
    pub lora: Option<LowRank>,
    /// `[n]`.
    pub bias: Vec<f32>,
}

impl Projection {
    /// `[m, n]` rows of `x · Wᵀ + bias (+ x · Aᵀ · Bᵀ)` for an `[m, k]` input, plus `residual`
    /// when given: the output starts as the bias (or residual + bias) and the microkernel
    /// accumulates onto it.
    fn apply(&self, x: &CpuStorage, x_layout: &Layout, residual: Option<&[f32]>, gelu: bool) -> candle_core::Result<(Vec<f32>, usize, usize)> {
        let (m, k) = dims2(x_layout, "dense input")?;
        let n = self.weight.n();
        if k != self.weight.k() {
            bail!("dense: input [{m}, {k}] does not fit weight [{n}, {}]", self.weight.k());
        }
        let start = match residual {
            Some(residual) if residual.len() == m * n => Start::ResidualBias(residual, &self.bias),
            Some(residual) => bail!("dense: residual of {} values for an [{m}, {n}] output", residual.len()),
            None => Start::Bias(&self.bias),
        };
        let x = slice(x, x_layout, "dense input")?;
        // GELU goes into the matmul's tiles unless a LoRA update still has to be added first.
        let fused_gelu = gelu && self.lora.is_none();
        let mut out = match &self.weight {
            Weight::F32(weight) => kernels::dense(start, fused_gelu, x, m, weight),
            Weight::Int8(weight) => int8::dense_quantized(start, fused_gelu, x, m, weight),
            #[cfg(target_arch = "x86_64")]
            Weight::Bf16(weight) => super::bf16::dense_bf16(start, fused_gelu, x, m, weight),
        };
        if let Some(lora) = &self.lora {
            let mut low = vec![0f32; m * lora.down.n()];
            kernels::matmul_packed(&mut low, x, m, &lora.down);
            kernels::matmul_packed(&mut out, &low, m, &lora.up);
        }
        if gelu && !fused_gelu {
            kernels::gelu_in_place(&mut out, n);
        }
        Ok((out, m, n))
    }
}

/// `x[tokens, k] · Wᵀ + bias`, then GELU when `gelu`.
pub struct Dense {
    /// The layer's parameters.
    pub projection: Projection,
    /// Apply exact-erf GELU to the result.
    pub gelu: bool,
}

impl CustomOp1 for Dense {
    fn name(&self) -> &'static str {
        if self.gelu { "fast-dense-gelu" } else { "fast-dense" }
    }

    fn cpu_fwd(&self, x: &CpuStorage, x_layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (out, m, n) = self.projection.apply(x, x_layout, None, self.gelu)?;
        Ok((CpuStorage::F32(out), Shape::from((m, n))))
    }
}

/// `LayerNorm(residual + x[tokens, k] · Wᵀ + bias)`: the output projection, the residual add
/// and the norm of a post-norm block in one pass over the result.
pub struct DenseAddNorm {
    /// The layer's parameters.
    pub projection: Projection,
    /// LayerNorm weight `[n]`.
    pub gamma: Vec<f32>,
    /// LayerNorm bias `[n]`.
    pub beta: Vec<f32>,
    /// LayerNorm epsilon.
    pub eps: f32,
}

impl CustomOp2 for DenseAddNorm {
    fn name(&self) -> &'static str {
        "fast-dense-add-norm"
    }

    fn cpu_fwd(&self, x: &CpuStorage, x_layout: &Layout, residual: &CpuStorage, residual_layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let ((m, k), (rm, rn)) = (dims2(x_layout, "dense input")?, dims2(residual_layout, "residual")?);
        let n = self.projection.weight.n();
        if (rm, rn) != (m, n) {
            bail!("dense-add-norm: input [{m}, {k}], weight [{n}, {}], residual [{rm}, {rn}] do not fit", self.projection.weight.k());
        }
        let (mut out, m, n) = self.projection.apply(x, x_layout, Some(slice(residual, residual_layout, "residual")?), false)?;
        kernels::layer_norm_in_place(&mut out, &self.gamma, &self.beta, self.eps);
        Ok((CpuStorage::F32(out), Shape::from((m, n))))
    }
}

/// Self-attention over packed sequences from a `[tokens, 3 · hidden]` QKV matrix (see
/// [`kernels::varlen_attention`]).
pub struct VarlenAttention<'a> {
    /// Where each sequence's rows are.
    pub sequences: &'a Sequences,
    /// Number of heads.
    pub heads: usize,
    /// Compute only each sequence's first-token row.
    pub first_only: bool,
}

impl CustomOp1 for VarlenAttention<'_> {
    fn name(&self) -> &'static str {
        "fast-varlen-attention"
    }

    fn cpu_fwd(&self, qkv: &CpuStorage, layout: &Layout) -> candle_core::Result<(CpuStorage, Shape)> {
        let (tokens, width) = dims2(layout, "qkv")?;
        if tokens != self.sequences.tokens() || width % 3 != 0 || (width / 3) % self.heads != 0 {
            bail!("attention: qkv [{tokens}, {width}] does not fit {} packed tokens and {} heads", self.sequences.tokens(), self.heads);
        }
        let hidden = width / 3;
        let context = kernels::varlen_attention(slice(qkv, layout, "qkv")?, self.sequences, hidden, self.heads, self.first_only);
        let rows = context.len() / hidden;
        Ok((CpuStorage::F32(context), Shape::from((rows, hidden))))
    }
}
