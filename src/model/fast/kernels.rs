//! The fused CPU kernels of the fast path, on plain `f32` slices: a pre-packed matmul whose
//! AVX2 / AVX-512 microkernel accumulates onto the bias (and the residual) already in place,
//! bias + GELU, residual + LayerNorm, and attention over unpadded sequences. Each elementwise
//! kernel is written once as scalar code that LLVM vectorises, and compiled twice: for AVX2 +
//! FMA (picked at run time) and for the baseline target, so one binary runs everywhere. GELU
//! and attention, the two that cost most after the matmuls, also have AVX-512 forms written
//! with intrinsics (LLVM vectorises the scalar code to 256 bits only).
//!
//! Why not candle's own ops: candle's GELU and exp are scalar and single-threaded, its attention
//! runs one small gemm per (row, head) over padded tokens, every op allocates its output, and
//! gemm packs the weight on every call (costly when a batch is one short pair).

use super::team::{self, SharedOut};

/// `f(row)` for every `cols`-wide row of `data`, rows split over the team.
#[inline(always)]
fn each_row(data: &mut [f32], cols: usize, f: impl Fn(&mut [f32]) + Sync) {
    // One short pair's rows are not worth a second thread.
    team::split_rows(data, cols, min_rows(cols), |_, rows| rows.chunks_exact_mut(cols.max(1)).for_each(&f));
}

/// Rows per task for an elementwise kernel over `cols`-wide rows: about 16k values, below
/// which waking a second thread costs more than it saves.
fn min_rows(cols: usize) -> usize {
    (16_384 / cols.max(1)).max(1)
}

/// A weight matrix `W[n, k]` (a linear layer's `[out, in]`) laid out once, at load, as the
/// right-hand side of `x · Wᵀ` in panels of [`PANEL`] output columns: panel `p` holds
/// `Wᵀ[0..k, 16p..16p + 16]` row by row (zero-padded past `n`). The microkernel then reads each
/// panel front to back, which is what ONNX Runtime's MLAS gains by pre-packing, and no call
/// packs anything.
#[derive(Debug, Clone)]
pub struct PackedMatrix {
    k: usize,
    n: usize,
    panels: Vec<f32>,
}

/// Output columns per panel: two AVX2 registers.
pub const PANEL: usize = 16;
/// Rows per microkernel call: 6 rows × 2 registers = 12 accumulators of the 16 AVX2 registers.
const ROWS: usize = 6;
/// Rows per call of the AVX-512 microkernel: 12 rows × 1 register (a panel row is one 512-bit
/// register), enough independent accumulators to keep two FMA units busy.
const ROWS_AVX512: usize = 12;
/// Rows per cache block: a block of the left-hand side stays in L2 while every panel passes.
const BLOCK_ROWS: usize = 48;

impl PackedMatrix {
    /// Pack a row-major `[n, k]` weight (`out` rows of `in` values).
    pub fn from_out_in(weight: &[f32], n: usize, k: usize) -> PackedMatrix {
        assert_eq!(weight.len(), n * k, "weight of {n} x {k}");
        let count = n.div_ceil(PANEL);
        let mut panels = vec![0f32; count * k * PANEL];
        for (p, panel) in panels.chunks_exact_mut(k * PANEL).enumerate() {
            for (kk, row) in panel.chunks_exact_mut(PANEL).enumerate() {
                for (j, slot) in row.iter_mut().enumerate() {
                    let column = p * PANEL + j;
                    if column < n {
                        *slot = weight[column * k + kk];
                    }
                }
            }
        }
        PackedMatrix { k, n, panels }
    }

    /// Inner dimension (inputs).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Output columns.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Whether this is `weight` (`[n, k]`) packed.
    pub fn holds(&self, weight: &[f32]) -> bool {
        weight.len() == self.n * self.k
            && weight.chunks_exact(self.k.max(1)).enumerate().all(|(column, row)| {
                let panel = self.panel(column / PANEL);
                row.iter().enumerate().all(|(kk, &v)| panel[kk * PANEL + column % PANEL].to_bits() == v.to_bits())
            })
    }

    fn panel(&self, p: usize) -> &[f32] {
        &self.panels[p * self.k * PANEL..(p + 1) * self.k * PANEL]
    }
}

/// What a matmul's output tile holds before the products are added to it.
#[derive(Clone, Copy)]
pub enum Start<'a> {
    /// What `dst` already holds.
    Accumulate,
    /// The bias, on every row.
    Bias(&'a [f32]),
    /// `residual + bias`, row by row (`residual` is `[m, n]`).
    ResidualBias(&'a [f32], &'a [f32]),
}

/// The two ends of one matmul task's tile: what it starts from and, optionally, GELU once
/// every product is in. Each task prepares and finishes its own rows and columns, so neither
/// needs a pass (and a region) of its own, and the tile is still in cache.
#[derive(Clone, Copy)]
pub(super) struct TileEnds<'a> {
    pub start: Start<'a>,
    pub gelu: bool,
}

impl TileEnds<'_> {
    /// Write the start values of `rows` × `columns` of the `[m, n]` output at `out`.
    ///
    /// # Safety
    /// `out` holds `[m, n]` values (initialised or not when `start` is not `Accumulate`), the
    /// tile belongs to the caller alone, and `start`'s slices fit `[m, n]`.
    pub(super) unsafe fn begin(&self, out: *mut f32, rows: std::ops::Range<usize>, columns: std::ops::Range<usize>, n: usize) {
        for row in rows {
            // SAFETY: forwarded; the row's columns lie inside `out`.
            let dst = unsafe { out.add(row * n + columns.start) };
            match self.start {
                Start::Accumulate => {}
                // SAFETY: as above; `bias` holds `n` values.
                Start::Bias(bias) => unsafe { std::ptr::copy_nonoverlapping(bias[columns.clone()].as_ptr(), dst, columns.len()) },
                Start::ResidualBias(residual, bias) => {
                    for (j, (r, b)) in residual[row * n..][columns.clone()].iter().zip(&bias[columns.clone()]).enumerate() {
                        // SAFETY: as above.
                        unsafe { dst.add(j).write(r + b) };
                    }
                }
            }
        }
    }

    /// Apply the epilogue to the finished tile.
    ///
    /// # Safety
    /// As [`TileEnds::begin`], with the tile initialised.
    pub(super) unsafe fn end(&self, out: *mut f32, rows: std::ops::Range<usize>, columns: std::ops::Range<usize>, n: usize) {
        if !self.gelu {
            return;
        }
        for row in rows {
            // SAFETY: forwarded; the tile is initialised and this task's alone.
            let values = unsafe { std::slice::from_raw_parts_mut(out.add(row * n + columns.start), columns.len()) };
            gelu_slice(values);
        }
    }
}

/// An output buffer of `len` values made by `fill`, which must write every one of them (through
/// the pointer it is given) before it returns.
pub(super) fn new_output(len: usize, fill: impl FnOnce(*mut f32)) -> Vec<f32> {
    let mut out: Vec<f32> = Vec::with_capacity(len);
    fill(out.spare_capacity_mut().as_mut_ptr().cast());
    // SAFETY: `fill` wrote all `len` values (its contract); f32 has no invalid bit patterns.
    unsafe { out.set_len(len) };
    out
}

/// The task split every matmul kernel shares (f32, int8, bf16): the `[m, n]` output at `out`
/// in tiles of `block_rows` rows × a group of panels, groups made of whole steps of
/// `panel_step` panels (a kernel that takes two panels a call keeps its pairs whole). With many
/// rows a task takes whole rows of panels; with few, the panels are split too, so that one
/// short sequence still keeps every thread busy. Each task starts its tile (`ends.begin`),
/// lets `tile(out, rows, panels)` add the products, and finishes it (`ends.end`).
pub(super) fn for_each_tile(
    out: *mut f32,
    ends: TileEnds,
    (m, n): (usize, usize),
    block_rows: usize,
    panel_step: usize,
    tile: impl Fn(*mut f32, std::ops::Range<usize>, std::ops::Range<usize>) + Sync,
) {
    if m == 0 || n == 0 {
        return;
    }
    let team = team::global();
    let threads = team.threads();
    let row_blocks = m.div_ceil(block_rows);
    let panels = n.div_ceil(PANEL);
    let steps = panels.div_ceil(panel_step);
    let groups = if row_blocks >= 2 * threads { 1 } else { (2 * threads).min(steps) };
    let out = SharedOut(out);
    team.run(row_blocks * groups, |task| {
        let out = out;
        let (block, group) = (task / groups, task % groups);
        let rows = block * block_rows..((block + 1) * block_rows).min(m);
        let first = panel_step * (group * steps / groups);
        let last = (panel_step * ((group + 1) * steps / groups)).min(panels);
        let columns = first * PANEL..(last * PANEL).min(n);
        // SAFETY: this task's tile lies inside the `[m, n]` output and is its alone (the
        // caller's contract for `out`).
        unsafe { ends.begin(out.0, rows.clone(), columns.clone(), n) };
        tile(out.0, rows.clone(), first..last);
        // SAFETY: as above; every product is in.
        unsafe { ends.end(out.0, rows, columns, n) };
    });
}

/// `x[m, k] · Wᵀ` started from `start` (GELU after when `gelu`), as a new `[m, n]` buffer.
pub fn dense(start: Start, gelu: bool, lhs: &[f32], m: usize, weight: &PackedMatrix) -> Vec<f32> {
    assert!(!matches!(start, Start::Accumulate), "a new buffer needs a start");
    let n = weight.n;
    new_output(m * n, |out| matmul_tiles(out, TileEnds { start, gelu }, lhs, m, weight))
}

/// `dst[m, n] += lhs[m, k] · Wᵀ` with `W` pre-packed; `dst` usually holds the bias (and the
/// residual) already, so they come for free. Work is split over row blocks when there are
/// many rows, and over panels too when there are few (one short sequence).
pub fn matmul_packed(dst: &mut [f32], lhs: &[f32], m: usize, weight: &PackedMatrix) {
    assert!(dst.len() == m * weight.n, "matmul shapes: dst {} for {m}x{}", dst.len(), weight.n);
    matmul_tiles(dst.as_mut_ptr(), TileEnds { start: Start::Accumulate, gelu: false }, lhs, m, weight);
}

/// The task split of [`matmul_packed`] and [`dense`]: `out` holds `[m, n]` values (initialised
/// unless `ends` starts them).
fn matmul_tiles(out: *mut f32, ends: TileEnds, lhs: &[f32], m: usize, weight: &PackedMatrix) {
    let (k, n) = (weight.k, weight.n);
    assert!(lhs.len() == m * k, "matmul shapes: lhs {} for {m}x{k}x{n}", lhs.len());
    let rows_per_call = rows_per_call();
    #[cfg(target_arch = "x86_64")]
    let wide = has_avx512();
    #[cfg(not(target_arch = "x86_64"))]
    let wide = false;
    for_each_tile(out, ends, (m, n), BLOCK_ROWS, 1, |out, rows, panels| {
        let mut p = panels.start;
        while p < panels.end {
            // Two panels at once where the AVX-512 kernel can take them.
            let pair = wide && p + 1 < panels.end;
            let columns = PANEL.min(n - p * PANEL);
            let mut row = rows.start;
            while row < rows.end {
                let count = rows_per_call.min(rows.end - row);
                let (a, c) = (lhs.as_ptr().wrapping_add(row * k), out.wrapping_add(row * n + p * PANEL));
                // SAFETY: rows `row..row + count` and columns `16p..16p + columns` (and the next
                // panel's, when paired) lie inside `dst` ([m, n]) and belong to this task alone;
                // `lhs` holds `m` rows of `k`.
                unsafe {
                    #[cfg(target_arch = "x86_64")]
                    if pair {
                        let next = PANEL.min(n - (p + 1) * PANEL);
                        microkernel_pair(count, k, a, weight.panel(p), weight.panel(p + 1), c, n, next);
                        row += count;
                        continue;
                    }
                    microkernel(count, k, a, weight.panel(p), c, n, columns);
                }
                row += count;
            }
            p += if pair { 2 } else { 1 };
        }
    });
}

/// Rows the microkernel takes per call on this CPU.
fn rows_per_call() -> usize {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        return ROWS_AVX512;
    }
    ROWS
}

/// `kernel::<R>(args)` for `R = rows`, one arm per listed row count and the last for anything
/// above: the microkernels take their row count as a const parameter, so that their
/// accumulators are a fixed-size array the compiler keeps in registers.
macro_rules! for_rows {
    ($rows:expr, $kernel:ident $args:tt, [$($r:literal)*] else $last:literal) => {
        match $rows {
            $($r => $kernel::<$r> $args,)*
            _ => $kernel::<$last> $args,
        }
    };
}
pub(super) use for_rows;

/// `c[rows, columns] += a[rows, k] · panel[k, 16]` (`a` and `c` row-major with strides `k`
/// and `ldc`), for `rows` ≤ [`rows_per_call`].
///
/// # Safety
/// `a` must hold `rows` rows of `k` values and `c` `rows` rows of at least `columns` values at
/// stride `ldc`.
unsafe fn microkernel(rows: usize, k: usize, a: *const f32, panel: &[f32], c: *mut f32, ldc: usize, columns: usize) {
    // SAFETY: forwarded from the caller; each SIMD kernel runs only where the CPU has its
    // instructions.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            return for_rows!(rows, microkernel_avx512(k, a, panel, c, ldc, columns), [1 2 3 4 5 6 7 8 9 10 11] else 12);
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            return for_rows!(rows, microkernel_avx2(k, a, panel, c, ldc, columns), [1 2 3 4 5] else 6);
        }
        for_rows!(rows, microkernel_portable(k, a, panel, c, ldc, columns), [1 2 3 4 5] else 6)
    }
}

/// Two neighbouring panels, `c[rows, 16 + columns] += a[rows, k] · [first | second]`, on
/// AVX-512: each broadcast of `a` feeds two FMAs, so loads stay below the FMA rate.
///
/// # Safety
/// As [`microkernel`], with `c` holding `16 + columns` values per row; the CPU has AVX-512F.
#[cfg(target_arch = "x86_64")]
unsafe fn microkernel_pair(rows: usize, k: usize, a: *const f32, first: &[f32], second: &[f32], c: *mut f32, ldc: usize, columns: usize) {
    // SAFETY: forwarded from the caller.
    unsafe { for_rows!(rows, microkernel_avx512_pair(k, a, first, second, c, ldc, columns), [1 2 3 4 5 6 7 8 9 10 11] else 12) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn microkernel_avx512_pair<const R: usize>(k: usize, a: *const f32, first: &[f32], second: &[f32], c: *mut f32, ldc: usize, columns: usize) {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees the extents of `a` and `c`; each panel holds `k` rows of 16.
    unsafe {
        let (b0, b1) = (first.as_ptr(), second.as_ptr());
        let mut acc = [[_mm512_setzero_ps(); 2]; R];
        for kk in 0..k {
            let w0 = _mm512_loadu_ps(b0.add(kk * PANEL));
            let w1 = _mm512_loadu_ps(b1.add(kk * PANEL));
            for (r, acc) in acc.iter_mut().enumerate() {
                let x = _mm512_set1_ps(*a.add(r * k + kk));
                acc[0] = _mm512_fmadd_ps(x, w0, acc[0]);
                acc[1] = _mm512_fmadd_ps(x, w1, acc[1]);
            }
        }
        let mask: __mmask16 = if columns >= PANEL { u16::MAX } else { (1u16 << columns) - 1 };
        for (r, acc) in acc.iter().enumerate() {
            let row = c.add(r * ldc);
            _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), acc[0]));
            let row = row.add(PANEL);
            _mm512_mask_storeu_ps(row, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, row), acc[1]));
        }
    }
}

/// The tile on AVX-512: a panel row is one register, so each of up to 12 rows keeps one
/// accumulator; partial panels are stored through a mask.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn microkernel_avx512<const R: usize>(k: usize, a: *const f32, panel: &[f32], c: *mut f32, ldc: usize, columns: usize) {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees the extents of `a` and `c`; `panel` holds `k` rows of 16.
    unsafe {
        let b = panel.as_ptr();
        let mut acc = [_mm512_setzero_ps(); R];
        for kk in 0..k {
            let w = _mm512_loadu_ps(b.add(kk * PANEL));
            for (r, acc) in acc.iter_mut().enumerate() {
                *acc = _mm512_fmadd_ps(_mm512_set1_ps(*a.add(r * k + kk)), w, *acc);
            }
        }
        let mask: __mmask16 = if columns >= PANEL { u16::MAX } else { (1u16 << columns) - 1 };
        for (r, acc) in acc.iter().enumerate() {
            let row = c.add(r * ldc);
            _mm512_mask_storeu_ps(row, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, row), *acc));
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn microkernel_avx2<const R: usize>(k: usize, a: *const f32, panel: &[f32], c: *mut f32, ldc: usize, columns: usize) {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees the extents of `a` and `c`; `panel` holds `k` rows of 16.
    unsafe {
        let b = panel.as_ptr();
        let mut acc = [[_mm256_setzero_ps(); 2]; R];
        for kk in 0..k {
            let b0 = _mm256_loadu_ps(b.add(kk * PANEL));
            let b1 = _mm256_loadu_ps(b.add(kk * PANEL + 8));
            for (r, acc) in acc.iter_mut().enumerate() {
                let x = _mm256_broadcast_ss(&*a.add(r * k + kk));
                acc[0] = _mm256_fmadd_ps(x, b0, acc[0]);
                acc[1] = _mm256_fmadd_ps(x, b1, acc[1]);
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let row = c.add(r * ldc);
            if columns == PANEL {
                _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), acc[0]));
                _mm256_storeu_ps(row.add(8), _mm256_add_ps(_mm256_loadu_ps(row.add(8)), acc[1]));
            } else {
                let mut tile = [0f32; PANEL];
                _mm256_storeu_ps(tile.as_mut_ptr(), acc[0]);
                _mm256_storeu_ps(tile.as_mut_ptr().add(8), acc[1]);
                for (j, value) in tile.iter().take(columns).enumerate() {
                    *row.add(j) += value;
                }
            }
        }
    }
}

/// The same tile in portable code (vectorised for whatever the baseline target has).
unsafe fn microkernel_portable<const R: usize>(k: usize, a: *const f32, panel: &[f32], c: *mut f32, ldc: usize, columns: usize) {
    let mut acc = [[0f32; PANEL]; R];
    for (kk, b) in panel.chunks_exact(PANEL).take(k).enumerate() {
        for (r, acc) in acc.iter_mut().enumerate() {
            // SAFETY: the caller guarantees `a` holds R rows of `k` values.
            let x = unsafe { *a.add(r * k + kk) };
            for (slot, w) in acc.iter_mut().zip(b) {
                *slot += x * w;
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        for (j, value) in acc.iter().take(columns).enumerate() {
            // SAFETY: the caller guarantees `c` holds R rows of `columns` values at stride `ldc`.
            unsafe { *c.add(r * ldc + j) += value };
        }
    }
}

/// Exact-erf GELU in place, `x · Φ(x)`, on every element.
pub fn gelu_in_place(data: &mut [f32], cols: usize) {
    each_row(data, cols, gelu_slice);
}

/// GELU on one run of values, with the widest kernel the CPU has.
fn gelu_slice(values: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if has_avx512() {
        // SAFETY: the CPU has AVX-512F.
        return unsafe { gelu_row_avx512(values) };
    }
    gelu_row(values);
}

/// LayerNorm of every `gamma.len()`-wide row in place.
pub fn layer_norm_in_place(data: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    each_row(data, gamma.len(), |row| layer_norm_row(row, gamma, beta, eps));
}

macro_rules! multiversion {
    ($(#[$doc:meta])* fn $name:ident / $generic:ident / $avx2:ident ($($arg:ident : $ty:ty),*) $body:block) => {
        #[inline(always)]
        fn $generic($($arg: $ty),*) $body

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn $avx2($($arg: $ty),*) { $generic($($arg),*) }

        $(#[$doc])*
        pub fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            if has_avx2() {
                // SAFETY: the CPU has AVX2 and FMA (checked at run time).
                return unsafe { $avx2($($arg),*) };
            }
            $generic($($arg),*)
        }
    };
}

/// Whether the CPU runs the AVX-512 microkernel (checked once; `STANDPOINT_NO_AVX512` set to
/// anything turns it off, to compare or to work around a slow AVX-512 unit).
#[cfg(target_arch = "x86_64")]
fn has_avx512() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| is_x86_feature_detected!("avx512f") && std::env::var_os("STANDPOINT_NO_AVX512").is_none())
}

#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
}

/// `e^x` to within 2 ulp for `x` in [-87, 88] (Cephes' `expf`: range reduction by powers of
/// two, a degree-6 polynomial), branch-free so loops over it vectorise.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // Adding 1.5 · 2^23 rounds to the nearest integer in the float unit, no branch.
    const ROUNDER: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let n = (x * LOG2E + ROUNDER) - ROUNDER;
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = 1.987_569_1e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5.000_000_1e-1;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// `erf(x)` to within 2e-7 (Abramowitz and Stegun 7.1.26), branch-free.
#[inline(always)]
pub fn erf(x: f32) -> f32 {
    let a = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let poly = ((((1.061_405_4 * t - 1.453_152_1) * t + 1.421_413_8) * t - 0.284_496_72) * t + 0.254_829_6) * t;
    let y = 1.0 - poly * exp(-a * a);
    y.copysign(x)
}

multiversion! {
    /// GELU with the exact erf form, `0.5 · x · (1 + erf(x / √2))`, in place.
    fn gelu_row / gelu_row_generic / gelu_row_avx2 (row: &mut [f32]) {
        for v in row.iter_mut() {
            let x = *v;
            *v = 0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2));
        }
    }
}

/// [`gelu_row`] sixteen lanes at a time with AVX-512: the same erf (Abramowitz and Stegun
/// 7.1.26) and the same Cephes `exp`, written with intrinsics because LLVM vectorises the
/// scalar form only to 256 bits; `1 / (1 + p·a)` by a reciprocal estimate and one Newton
/// step (about 23 bits), `2^n` by `scalef`.
///
/// # Safety
/// The CPU has AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn gelu_row_avx512(row: &mut [f32]) {
    use std::arch::x86_64::*;
    let set = _mm512_set1_ps;
    let one = set(1.0);
    let sign = _mm512_set1_epi32(i32::MIN);
    let gelu = |x: __m512| -> __m512 {
        let z = _mm512_mul_ps(x, set(std::f32::consts::FRAC_1_SQRT_2));
        // erf is 1 to f32 precision well before 10; the bound keeps infinities finite below.
        let a = _mm512_min_ps(_mm512_abs_ps(z), set(10.0));
        let d = _mm512_fmadd_ps(set(0.327_591_1), a, one);
        let t = _mm512_rcp14_ps(d);
        let t = _mm512_mul_ps(t, _mm512_fnmadd_ps(d, t, set(2.0)));
        let poly = _mm512_fmadd_ps(set(1.061_405_4), t, set(-1.453_152_1));
        let poly = _mm512_fmadd_ps(poly, t, set(1.421_413_8));
        let poly = _mm512_fmadd_ps(poly, t, set(-0.284_496_72));
        let poly = _mm512_fmadd_ps(poly, t, set(0.254_829_6));
        let poly = _mm512_mul_ps(poly, t);
        // e^(-a²), as `exp`: n = round(v · log2 e), r = v - n · ln 2 (in two parts).
        let v = _mm512_max_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), a), a), set(-87.0));
        let n = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(_mm512_mul_ps(v, set(std::f32::consts::LOG2_E)));
        let r = _mm512_fnmadd_ps(n, set(0.693_359_4), v);
        let r = _mm512_fnmadd_ps(n, set(-2.121_944_4e-4), r);
        let p = _mm512_fmadd_ps(set(1.987_569_1e-4), r, set(1.398_199_9e-3));
        let p = _mm512_fmadd_ps(p, r, set(8.333_452e-3));
        let p = _mm512_fmadd_ps(p, r, set(4.166_579_6e-2));
        let p = _mm512_fmadd_ps(p, r, set(1.666_666_5e-1));
        let p = _mm512_fmadd_ps(p, r, set(5.000_000_1e-1));
        let e = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, one));
        let e = _mm512_scalef_ps(e, n);
        let erf = _mm512_fnmadd_ps(poly, e, one);
        let erf = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(erf), _mm512_and_si512(_mm512_castps_si512(z), sign)));
        _mm512_mul_ps(_mm512_mul_ps(set(0.5), x), _mm512_add_ps(one, erf))
    };
    let mut chunks = row.chunks_exact_mut(16);
    for chunk in &mut chunks {
        // SAFETY: `chunk` holds 16 floats.
        unsafe { _mm512_storeu_ps(chunk.as_mut_ptr(), gelu(_mm512_loadu_ps(chunk.as_ptr()))) };
    }
    let tail = chunks.into_remainder();
    if !tail.is_empty() {
        let mask: __mmask16 = (1u16 << tail.len()) - 1;
        // SAFETY: the mask covers the tail's `len() < 16` floats only.
        unsafe { _mm512_mask_storeu_ps(tail.as_mut_ptr(), mask, gelu(_mm512_maskz_loadu_ps(mask, tail.as_ptr()))) };
    }
}

/// Sum with eight independent lanes, so the loop vectorises without reassociating floats
/// behind the compiler's back.
#[inline(always)]
fn lane_sum(values: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += f(v);
        }
    }
    lanes.iter().sum::<f32>() + tail.iter().map(|&v| f(v)).sum::<f32>()
}

/// The largest value (`-inf` for none), with eight independent lanes so that it vectorises
/// (a fold over `f32::max` runs one compare at a time).
#[inline(always)]
fn lane_max(values: &[f32]) -> f32 {
    let mut lanes = [f32::NEG_INFINITY; 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane = if v > *lane { v } else { *lane };
        }
    }
    lanes.iter().chain(tail).fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m })
}

multiversion! {
    /// LayerNorm of one row in place: mean and variance in two passes (as PyTorch does).
    fn layer_norm_row / layer_norm_row_generic / layer_norm_row_avx2 (row: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
        let width = row.len() as f32;
        let mean = lane_sum(row, |v| v) / width;
        let variance = lane_sum(row, |v| (v - mean) * (v - mean)) / width;
        let scale = 1.0 / (variance + eps).sqrt();
        for ((v, g), b) in row.iter_mut().zip(gamma).zip(beta) {
            *v = (*v - mean) * scale * g + b;
        }
    }
}

/// Softmax of one row of scores in place. Inlined into [`attend`], which is compiled for AVX2.
#[inline(always)]
fn softmax_row(row: &mut [f32]) {
    let max = lane_max(row);
    for v in row.iter_mut() {
        *v = exp(*v - max);
    }
    let total = lane_sum(row, |v| v);
    let inverse = 1.0 / total;
    for v in row.iter_mut() {
        *v *= inverse;
    }
}

/// `dst += a · x`. Inlined into [`attend`], which is compiled for AVX2.
#[inline(always)]
fn axpy(dst: &mut [f32], a: f32, x: &[f32]) {
    for (d, v) in dst.iter_mut().zip(x) {
        *d += a * v;
    }
}

multiversion! {
    /// One head of one sequence: `out[i] = softmax(q_i · Kᵀ · scale) · V` for the first
    /// `out.len() / head` rows of `rows`, reading Q, K and V at column offsets of the packed
    /// `qkv` (row stride `stride`). One dispatch per (sequence, head), so the inner loops inline.
    fn attend / attend_generic / attend_avx2 (out: &mut [f32], qkv: &[f32], rows: std::ops::Range<usize>, stride: usize, key_at: usize, value_at: usize, query_at: usize, head: usize, scale: f32) {
        // 32 floats: four AVX2 registers that accumulate side by side, so the adds do not wait
        // on one another.
        const SPAN: usize = 32;
        let len = rows.len();
        // Keys transposed to [head, width] (width: len rounded up to whole groups, zero-padded),
        // so 32 scores at a time accumulate in four registers over the head dimension.
        let width = len.div_ceil(SPAN) * SPAN;
        let mut keys = vec![0f32; head * width];
        for (j, row) in rows.clone().enumerate() {
            for (d, &v) in qkv[row * stride + key_at..][..head].iter().enumerate() {
                keys[d * width + j] = v;
            }
        }
        let mut scores = vec![0f32; width];
        for (i, o) in out.chunks_exact_mut(head).enumerate() {
            let q = &qkv[(rows.start + i) * stride + query_at..][..head];
            for (span, chunk) in scores.chunks_exact_mut(SPAN).enumerate() {
                let mut acc = [0f32; SPAN];
                for (d, &qd) in q.iter().enumerate() {
                    if let Some(k) = keys[d * width + span * SPAN..].first_chunk::<SPAN>() {
                        for l in 0..SPAN {
                            acc[l] += qd * k[l];
                        }
                    }
                }
                for (c, a) in chunk.iter_mut().zip(acc) {
                    *c = a * scale;
                }
            }
            let scores = &mut scores[..len];
            softmax_row(scores);
            if head % SPAN == 0 {
                // 32 output dimensions at a time, in four registers, accumulated over the keys.
                for (span, chunk) in o.chunks_exact_mut(SPAN).enumerate() {
                    let mut acc = [0f32; SPAN];
                    for (j, &p) in scores.iter().enumerate() {
                        if let Some(v) = qkv[(rows.start + j) * stride + value_at + span * SPAN..].first_chunk::<SPAN>() {
                            for l in 0..SPAN {
                                acc[l] += p * v[l];
                            }
                        }
                    }
                    chunk.copy_from_slice(&acc);
                }
            } else {
                for (j, &p) in scores.iter().enumerate() {
                    axpy(o, p, &qkv[(rows.start + j) * stride + value_at..][..head]);
                }
            }
        }
    }
}

/// [`attend`] on AVX-512, for heads of a multiple of 16 dimensions: scores and outputs in
/// tiles of up to 8 queries × 16 keys (or 16 output dimensions), eight accumulators side by
/// side so the FMAs do not wait on each other, and keys padded only to the next 16.
///
/// `scratch` is working space, reused between calls (its contents do not matter).
///
/// # Safety
/// The CPU has AVX-512F; `head % 16 == 0`; the arguments are as [`attend`]'s.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn attend_avx512(out: &mut [f32], scratch: &mut Vec<f32>, qkv: &[f32], rows: std::ops::Range<usize>, stride: usize, key_at: usize, value_at: usize, query_at: usize, head: usize, scale: f32) {
    const LANES: usize = 16;
    const QUERIES: usize = 8;
    let len = rows.len();
    let width = len.div_ceil(LANES) * LANES;
    // Every value of both is written before it is read: the gathers fill padding lanes with
    // zeros, and each score row is written whole.
    scratch.resize(head * width + QUERIES * width, 0.0);
    let (keys, scores) = scratch.split_at_mut(head * width);
    // Transposed 16 keys at a time by gathers down the columns of `qkv`.
    let key_rows = &qkv[rows.start * stride..rows.end * stride];
    // SAFETY: every gathered index is `j · stride + key_at + d` for a row `j < len` (lanes past
    // `len` are masked off) and `d < head`, so inside `key_rows`; stores stay inside `keys`.
    unsafe {
        use std::arch::x86_64::*;
        let lanes = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(stride as i32));
        for span in (0..width).step_by(LANES) {
            let mask: __mmask16 = if len - span >= LANES { u16::MAX } else { (1u16 << (len - span)) - 1 };
            let base = key_rows.as_ptr().add(span * stride + key_at);
            for d in 0..head {
                let column = _mm512_mask_i32gather_ps::<4>(_mm512_setzero_ps(), mask, lanes, base.add(d));
                _mm512_storeu_ps(keys.as_mut_ptr().add(d * width + span), column);
            }
        }
    }
    let queries = out.len() / head;
    let mut first = 0;
    while first < queries {
        let count = QUERIES.min(queries - first);
        let tile = ScoreTile { qkv, keys, width, stride, query_row: (rows.start + first) * stride + query_at, head, scale };
        // SAFETY: forwarded; `scores` holds `count` rows of `width`.
        unsafe { for_rows!(count, score_tile(&tile, scores), [1 2 3 4 5 6 7] else 8) };
        for row in scores.chunks_exact_mut(width).take(count) {
            softmax_row(&mut row[..len]);
        }
        let tile = ValueTile { qkv, scores, width, len, stride, value_row: rows.start * stride + value_at, head };
        // SAFETY: forwarded; `out` holds `queries` rows of `head`.
        unsafe { for_rows!(count, value_tile(&tile, &mut out[first * head..(first + count) * head]), [1 2 3 4 5 6 7] else 8) };
        first += count;
    }
}

/// The inputs of one tile of attention scores (see [`attend_avx512`]).
#[cfg(target_arch = "x86_64")]
struct ScoreTile<'a> {
    qkv: &'a [f32],
    /// Keys transposed, `[head, width]`.
    keys: &'a [f32],
    width: usize,
    stride: usize,
    /// Where the tile's first query starts in `qkv`.
    query_row: usize,
    head: usize,
    scale: f32,
}

/// `scores[q, 0..width] = scale · query_q · Kᵀ` for `R` queries.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn score_tile<const R: usize>(tile: &ScoreTile, scores: &mut [f32]) {
    use std::arch::x86_64::*;
    let ScoreTile { qkv, keys, width, stride, query_row, head, scale } = *tile;
    let queries: [&[f32]; R] = std::array::from_fn(|q| &qkv[query_row + q * stride..][..head]);
    for span in (0..width).step_by(16) {
        let mut acc = [_mm512_setzero_ps(); R];
        for d in 0..head {
            // SAFETY: `keys` holds `head` rows of `width`, and `span + 16 <= width`.
            let k = unsafe { _mm512_loadu_ps(keys.as_ptr().add(d * width + span)) };
            for (acc, query) in acc.iter_mut().zip(&queries) {
                *acc = _mm512_fmadd_ps(_mm512_set1_ps(query[d]), k, *acc);
            }
        }
        for (q, acc) in acc.iter().enumerate() {
            // SAFETY: `scores` holds at least `R` rows of `width`.
            unsafe { _mm512_storeu_ps(scores.as_mut_ptr().add(q * width + span), _mm512_mul_ps(*acc, _mm512_set1_ps(scale))) };
        }
    }
}

/// The inputs of one tile of attention outputs (see [`attend_avx512`]).
#[cfg(target_arch = "x86_64")]
struct ValueTile<'a> {
    qkv: &'a [f32],
    /// Softmaxed scores, rows of `width` of which the first `len` count.
    scores: &'a [f32],
    width: usize,
    len: usize,
    stride: usize,
    /// Where the sequence's first value starts in `qkv`.
    value_row: usize,
    head: usize,
}

/// `out[q, 0..head] = scores_q · V` for `R` queries.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn value_tile<const R: usize>(tile: &ValueTile, out: &mut [f32]) {
    use std::arch::x86_64::*;
    let ValueTile { qkv, scores, width, len, stride, value_row, head } = *tile;
    for dims in (0..head).step_by(16) {
        let mut acc = [_mm512_setzero_ps(); R];
        for j in 0..len {
            let values = &qkv[value_row + j * stride + dims..][..16];
            // SAFETY: `values` holds 16 floats.
            let v = unsafe { _mm512_loadu_ps(values.as_ptr()) };
            for (q, acc) in acc.iter_mut().enumerate() {
                *acc = _mm512_fmadd_ps(_mm512_set1_ps(scores[q * width + j]), v, *acc);
            }
        }
        for (q, acc) in acc.iter().enumerate() {
            let row = &mut out[q * head + dims..][..16];
            // SAFETY: `row` holds 16 floats.
            unsafe { _mm512_storeu_ps(row.as_mut_ptr(), *acc) };
        }
    }
}

/// Where each packed sequence's tokens are: sequence `s` holds rows `offsets[s]..offsets[s+1]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequences {
    offsets: Vec<usize>,
}

impl Sequences {
    /// From sequence lengths, in packing order.
    pub fn from_lengths(lengths: impl IntoIterator<Item = usize>) -> Sequences {
        let mut offsets = vec![0];
        for length in lengths {
            offsets.push(offsets[offsets.len() - 1] + length);
        }
        Sequences { offsets }
    }

    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Tokens over all sequences.
    pub fn tokens(&self) -> usize {
        self.offsets[self.offsets.len() - 1]
    }

    /// Packed rows of sequence `s`.
    pub fn rows(&self, s: usize) -> std::ops::Range<usize> {
        self.offsets[s]..self.offsets[s + 1]
    }

    /// The packed row of each sequence's first token.
    pub fn first_rows(&self) -> Vec<usize> {
        self.offsets[..self.len()].to_vec()
    }
}

/// Multi-head self-attention over packed, unpadded sequences: `qkv` is `[tokens, 3 · hidden]`
/// (queries, keys, values side by side, biases already added), the result `[queries, hidden]`
/// where the queries are every token, or only each sequence's first token when `first_only`
/// (the classifier's last layer needs no other row). No token attends across sequences, so no
/// mask and no padding are needed.
pub fn varlen_attention(qkv: &[f32], sequences: &Sequences, hidden: usize, heads: usize, first_only: bool) -> Vec<f32> {
    let head = hidden / heads;
    let scale = 1.0 / (head as f32).sqrt();
    let stride = 3 * hidden;
    let queries = |s: usize| if first_only { sequences.rows(s).len().min(1) } else { sequences.rows(s).len() };
    let mut starts = Vec::with_capacity(sequences.len());
    let mut total = 0;
    for s in 0..sequences.len() {
        starts.push(total);
        total += queries(s);
    }
    let mut context = vec![0f32; total * hidden];
    let out = SharedOut(context.as_mut_ptr());
    #[cfg(target_arch = "x86_64")]
    let wide = has_avx512() && head % 16 == 0;
    thread_local! {
        /// Each thread's attention working space (the block of one task, and the AVX-512
        /// kernel's keys and scores), kept between tasks instead of allocated per task.
        static SCRATCH: std::cell::RefCell<(Vec<f32>, Vec<f32>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    }
    // One task per (sequence, head); each writes its head's columns of its sequence's rows.
    team::global().run(sequences.len() * heads, |task| {
        let out = out;
        let (s, h) = (task / heads, task % heads);
        SCRATCH.with_borrow_mut(|(block, scratch)| {
            block.clear();
            block.resize(queries(s) * head, 0.0);
            let (rows, key_at, value_at, query_at) = (sequences.rows(s), hidden + h * head, 2 * hidden + h * head, h * head);
            #[cfg(target_arch = "x86_64")]
            if wide {
                // SAFETY: the CPU has AVX-512F and `head % 16 == 0` (`wide`).
                unsafe { attend_avx512(block, scratch, qkv, rows.clone(), stride, key_at, value_at, query_at, head, scale) };
            } else {
                attend(block, qkv, rows.clone(), stride, key_at, value_at, query_at, head, scale);
            }
            #[cfg(not(target_arch = "x86_64"))]
            attend(block, qkv, rows, stride, key_at, value_at, query_at, head, scale);
            for (i, values) in block.chunks_exact(head).enumerate() {
                // SAFETY: row `starts[s] + i`, columns `h · head..(h + 1) · head` of `context`
                // belong to this task alone; `context` outlives the region.
                unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), out.0.add((starts[s] + i) * hidden + h * head), head) };
            }
        });
    });
    context
}

#[cfg(test)]
mod tests {
    use super::*;

    /// erf by its Maclaurin series, in f64: exact to ~1e-13 for |x| <= 4.5.
    fn erf_reference(x: f64) -> f64 {
        let mut sum = 0.0;
        let mut term = x;
        for n in 0..120 {
            sum += term / (2 * n + 1) as f64;
            term *= -x * x / (n + 1) as f64;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn exp_is_within_a_few_ulp_over_the_range_softmax_and_gelu_use() {
        for i in -8700..=8800 {
            let x = i as f32 / 100.0;
            let (fast, exact) = (exp(x) as f64, (x as f64).exp());
            assert!(((fast - exact) / exact).abs() < 3e-7, "exp({x}) = {fast}, want {exact}");
        }
        assert_eq!(exp(-1000.0), exp(-87.0));
        assert!(exp(1000.0).is_finite());
    }

    #[test]
    fn erf_is_within_2e_7() {
        for i in -450..=450 {
            let x = i as f32 / 100.0;
            let want = erf_reference(x as f64);
            assert!((erf(x) as f64 - want).abs() < 3e-7, "erf({x}) = {}, want {want}", erf(x));
        }
        assert_eq!((erf(10.0), erf(-10.0)), (1.0, -1.0));
    }

    #[test]
    fn gelu_matches_the_erf_definition_on_both_code_paths() {
        let values: Vec<f32> = (-630..=630).map(|i| i as f32 / 100.0).collect();
        let want: Vec<f64> = values.iter().map(|&x| 0.5 * x as f64 * (1.0 + erf_reference(x as f64 / 2f64.sqrt()))).collect();
        let mut fast = values.clone();
        gelu_row(&mut fast);
        let mut generic = values.clone();
        gelu_row_generic(&mut generic);
        for ((f, g), w) in fast.iter().zip(&generic).zip(&want) {
            assert!((*f as f64 - w).abs() < 1e-6 && (*g as f64 - w).abs() < 1e-6, "{f} {g} vs {w}");
        }
        // The AVX-512 form, over whole registers and a ragged tail.
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            let mut wide = values[..1251].to_vec();
            // SAFETY: the CPU has AVX-512F.
            unsafe { gelu_row_avx512(&mut wide) };
            for (f, w) in wide.iter().zip(&want) {
                assert!((*f as f64 - w).abs() < 1e-6, "{f} vs {w}");
            }
            let mut extremes = [f32::INFINITY, 1e30, -1e30, 0.0];
            // SAFETY: as above.
            unsafe { gelu_row_avx512(&mut extremes) };
            assert_eq!(extremes, [f32::INFINITY, 1e30, 0.0, 0.0]);
        }
    }

    #[test]
    fn layer_norm_matches_the_textbook_formula() {
        let row: Vec<f32> = (0..37).map(|i| ((i * 7919) % 101) as f32 / 10.0 - 5.0).collect();
        let gamma: Vec<f32> = (0..37).map(|i| 1.0 + i as f32 / 50.0).collect();
        let beta: Vec<f32> = (0..37).map(|i| i as f32 / 100.0).collect();
        let mean = row.iter().map(|&v| v as f64).sum::<f64>() / 37.0;
        let var = row.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / 37.0;
        let mut fast = row.clone();
        layer_norm_row(&mut fast, &gamma, &beta, 1e-12);
        for (i, v) in fast.iter().enumerate() {
            let want = (row[i] as f64 - mean) / (var + 1e-12).sqrt() * gamma[i] as f64 + beta[i] as f64;
            assert!((*v as f64 - want).abs() < 1e-5, "{i}: {v} vs {want}");
        }
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let mut row = vec![1.0, 3.0, -2.0, 0.5, 100.0, -100.0, 2.0, 2.0, 7.0];
        softmax_row(&mut row);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(row[4] > 0.99 && row[5] >= 0.0 && row[5] < 1e-30);
    }

    /// Attention over padded batches the plain way, one sequence at a time, in f64.
    fn attention_reference(qkv: &[f32], lengths: &[usize], hidden: usize, heads: usize) -> Vec<f64> {
        let head = hidden / heads;
        let mut out = Vec::new();
        let mut start = 0;
        for &len in lengths {
            let at = |row: usize, part: usize, h: usize, d: usize| qkv[(start + row) * 3 * hidden + part * hidden + h * head + d] as f64;
            for i in 0..len {
                let mut row_out = vec![0f64; hidden];
                for h in 0..heads {
                    let scores: Vec<f64> = (0..len).map(|j| (0..head).map(|d| at(i, 0, h, d) * at(j, 1, h, d)).sum::<f64>() / (head as f64).sqrt()).collect();
                    let max = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                    let total: f64 = weights.iter().sum();
                    for d in 0..head {
                        row_out[h * head + d] = (0..len).map(|j| weights[j] / total * at(j, 2, h, d)).sum();
                    }
                }
                out.extend(row_out);
            }
            start += len;
        }
        out
    }

    #[test]
    fn varlen_attention_matches_per_sequence_attention_and_keeps_sequences_apart() {
        // Heads of 4 take the AVX2 / portable kernel; heads of 32 the AVX-512 one where the CPU
        // has it, with sequences across its 16-key and 8-query tile edges.
        for (hidden, heads, lengths) in [(12, 3, vec![1usize, 5, 2, 9]), (64, 2, vec![1, 16, 17, 9, 33, 8])] {
            let tokens: usize = lengths.iter().sum();
            let qkv: Vec<f32> = (0..tokens * 3 * hidden).map(|i| (((i * 2654435761) % 1000) as f32 / 250.0) - 2.0).collect();
            let sequences = Sequences::from_lengths(lengths.iter().copied());
            let fast = varlen_attention(&qkv, &sequences, hidden, heads, false);
            let want = attention_reference(&qkv, &lengths, hidden, heads);
            assert_eq!(fast.len(), want.len());
            for (f, w) in fast.iter().zip(&want) {
                assert!((*f as f64 - w).abs() < 1e-5, "hidden {hidden}: {f} vs {w}");
            }
            // First tokens only: the rows at each sequence's start.
            let firsts = varlen_attention(&qkv, &sequences, hidden, heads, true);
            for (s, row) in sequences.first_rows().into_iter().enumerate() {
                assert_eq!(&firsts[s * hidden..(s + 1) * hidden], &fast[row * hidden..(row + 1) * hidden]);
            }
        }
    }

    #[test]
    fn packed_matmul_matches_the_naive_product_at_ragged_sizes() {
        for &(m, k, n) in &[(1, 1, 1), (5, 7, 3), (6, 16, 16), (7, 33, 17), (12, 5, 33), (13, 50, 50), (41, 384, 48), (97, 20, 35), (200, 9, 64)] {
            let lhs: Vec<f32> = (0..m * k).map(|i| ((i * 37) % 23) as f32 / 10.0 - 1.0).collect();
            let weight: Vec<f32> = (0..n * k).map(|i| 1.0 - ((i * 11) % 19) as f32 / 9.0).collect();
            let bias: Vec<f32> = (0..n).map(|j| j as f32).collect();
            let residual: Vec<f32> = (0..m * n).map(|i| ((i * 13) % 7) as f32 - 3.0).collect();
            let packed = PackedMatrix::from_out_in(&weight, n, k);
            // Onto what the buffer holds; from the bias; from residual + bias; with GELU.
            let mut dst: Vec<f32> = (0..m).flat_map(|_| bias.iter().copied()).collect();
            matmul_packed(&mut dst, &lhs, m, &packed);
            let from_bias = dense(Start::Bias(&bias), false, &lhs, m, &packed);
            let from_residual = dense(Start::ResidualBias(&residual, &bias), false, &lhs, m, &packed);
            let with_gelu = dense(Start::Bias(&bias), true, &lhs, m, &packed);
            for i in 0..m {
                for j in 0..n {
                    let want = bias[j] + (0..k).map(|l| lhs[i * k + l] * weight[j * k + l]).sum::<f32>();
                    let close = |got: f32, want: f32| (got - want).abs() < 1e-3 * (1.0 + want.abs());
                    let at = i * n + j;
                    assert!(close(dst[at], want), "{m}x{k}x{n} at ({i}, {j}): {} vs {want}", dst[at]);
                    assert_eq!(from_bias[at], dst[at]);
                    assert!(close(from_residual[at], want + residual[at]), "residual at ({i}, {j})");
                    let mut gelu = [want];
                    gelu_row_generic(&mut gelu);
                    assert!(close(with_gelu[at], gelu[0]), "GELU at ({i}, {j}): {} vs {}", with_gelu[at], gelu[0]);
                }
            }
            // The portable kernel gives the same tile.
            let mut portable = vec![0f32; m.min(6) * n.min(16)];
            let mut avx = portable.clone();
            unsafe {
                microkernel_portable::<1>(k, lhs.as_ptr(), packed.panel(0), portable.as_mut_ptr(), n.min(16), n.min(16));
                microkernel(1, k, lhs.as_ptr(), packed.panel(0), avx.as_mut_ptr(), n.min(16), n.min(16));
            }
            for (p, a) in portable.iter().zip(&avx) {
                assert!((p - a).abs() < 1e-3 * (1.0 + p.abs()));
            }
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn every_simd_microkernel_the_cpu_has_gives_the_portable_tile() {
        let (k, n) = (37, 29);
        let rows = 12;
        let lhs: Vec<f32> = (0..rows * k).map(|i| ((i * 29) % 31) as f32 / 8.0 - 2.0).collect();
        let weight: Vec<f32> = (0..n * k).map(|i| ((i * 13) % 17) as f32 / 6.0 - 1.5).collect();
        let packed = PackedMatrix::from_out_in(&weight, n, k);
        let second = n - PANEL;
        let tile = |kernel: &dyn Fn(*mut f32)| {
            let mut out = vec![0.5f32; rows * n];
            kernel(out.as_mut_ptr());
            out
        };
        // SAFETY (all below): `lhs` holds 12 rows of k, each output 12 rows of n; the SIMD
        // kernels run only where the CPU has them.
        let want = tile(&|c| unsafe {
            microkernel_portable::<12>(k, lhs.as_ptr(), packed.panel(0), c, n, PANEL);
            microkernel_portable::<12>(k, lhs.as_ptr(), packed.panel(1), c.add(PANEL), n, second);
        });
        let mut got = Vec::new();
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            got.push(("avx2", tile(&|c| unsafe {
                for start in [0, 6] {
                    microkernel_avx2::<6>(k, lhs.as_ptr().add(start * k), packed.panel(0), c.add(start * n), n, PANEL);
                    microkernel_avx2::<6>(k, lhs.as_ptr().add(start * k), packed.panel(1), c.add(start * n + PANEL), n, second);
                }
            })));
        }
        if is_x86_feature_detected!("avx512f") {
            got.push(("avx512", tile(&|c| unsafe {
                microkernel_avx512::<12>(k, lhs.as_ptr(), packed.panel(0), c, n, PANEL);
                microkernel_avx512::<12>(k, lhs.as_ptr(), packed.panel(1), c.add(PANEL), n, second);
            })));
            got.push(("avx512 pair", tile(&|c| unsafe { microkernel_avx512_pair::<12>(k, lhs.as_ptr(), packed.panel(0), packed.panel(1), c, n, second) })));
        }
        for (name, out) in got {
            for (i, (w, g)) in want.iter().zip(&out).enumerate() {
                assert!((w - g).abs() < 1e-4 * (1.0 + w.abs()), "{name} at {i}: {g} vs {w}");
            }
        }
    }
}
