//! int8 dense layers for CPUs with AVX-512 VNNI (`--kernels int8`): weights quantised once per
//! output channel (symmetric, i8), activations per token as they come (u8 with a zero point,
//! the form VNNI's u8 × i8 dot product takes), products summed in i32 and scaled back to f32
//! onto the bias already in the output.
//!
//! Which layers: Q, K, V and the intermediate (GELU) layer. The output projections stay f32:
//! the FFN's in int8 moved 1.9% of the dev set's labels in the fake-quantisation study
//! (`scripts/int8-study.py`), these four 0.6% (the bar is 1%). The attention output in int8
//! as well passed the study (99.4%) but kept only 98.87% of the dev pairs' labels in the
//! kernels: not kept. README, "Performance", has the figures.
//!
//! Where the CPU has AMX, the same products run on its tiles ([`super::amx`]), bit for bit,
//! and the FFN output runs in bf16 there ([`super::bf16`]).
//!
//! For `x ≈ sx · (qx − zx)` and `w_j ≈ sw_j · qw_j`: `x · w_j ≈ sx · sw_j · (Σ qx·qw_j − zx · Σ qw_j)`.

#[cfg(target_arch = "x86_64")]
use super::amx;
use super::team::{self, SharedOut};

use super::kernels::{self, PANEL, Start, TileEnds, for_rows};

/// Inputs per VNNI step: each 32-bit lane sums four u8 × i8 products.
const GROUP: usize = 4;
/// Rows per microkernel call (two panels each: 24 accumulators of the 32 registers).
const ROWS: usize = 12;
/// Rows per cache block.
const BLOCK_ROWS: usize = 48;
/// Rows of zeros past the last quantised row: two AMX tiles, so that a tile load never leaves
/// the buffer (what those rows give is not stored).
#[cfg(target_arch = "x86_64")]
const PAD_ROWS: usize = 2 * amx::TILE_ROWS;
#[cfg(not(target_arch = "x86_64"))]
const PAD_ROWS: usize = 0;

/// Whether the CPU has the instructions the int8 layers need (checked once; off, like the
/// AVX-512 microkernel, when `STANDPOINT_NO_AVX512` is set).
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| {
            is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vnni") && std::env::var_os("STANDPOINT_NO_AVX512").is_none()
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// A weight `W[n, k]` quantised per output channel and laid out in panels of [`PANEL`]
/// columns: for each group of four inputs, 16 columns × 4 bytes (one 512-bit register).
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedMatrix {
    k: usize,
    n: usize,
    /// `k` rounded up to whole groups.
    groups: usize,
    panels: Vec<i8>,
    /// `sw_j` per output column (padded to whole panels with 0).
    scales: Vec<f32>,
    /// `Σ_k qw_jk` per output column (padded with 0).
    sums: Vec<i32>,
}

impl QuantizedMatrix {
    /// Quantise a row-major `[n, k]` weight.
    pub fn from_out_in(weight: &[f32], n: usize, k: usize) -> QuantizedMatrix {
        assert_eq!(weight.len(), n * k, "weight of {n} x {k}");
        let groups = k.div_ceil(GROUP);
        let panels_count = n.div_ceil(PANEL);
        let mut scales = vec![0f32; panels_count * PANEL];
        let mut sums = vec![0i32; panels_count * PANEL];
        let mut panels = vec![0i8; panels_count * groups * PANEL * GROUP];
        for j in 0..n {
            let row = &weight[j * k..(j + 1) * k];
            let largest = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
            scales[j] = scale;
            let (panel, column) = (j / PANEL, j % PANEL);
            for (kk, &v) in row.iter().enumerate() {
                let q = (v / scale).round().clamp(-127.0, 127.0) as i8;
                sums[j] += i32::from(q);
                panels[((panel * groups + kk / GROUP) * PANEL + column) * GROUP + kk % GROUP] = q;
            }
        }
        QuantizedMatrix { k, n, groups, panels, scales, sums }
    }

    /// Inner dimension (inputs).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Output columns.
    pub fn n(&self) -> usize {
        self.n
    }

    fn panel(&self, p: usize) -> &[i8] {
        let size = self.groups * PANEL * GROUP;
        &self.panels[p * size..(p + 1) * size]
    }
}

/// Rows of `x[m, k]` as u8 with a scale and a zero point each, every row padded to whole
/// groups with its zero point (so padding contributes nothing).
struct QuantizedRows {
    values: Vec<u8>,
    scales: Vec<f32>,
    zeros: Vec<i32>,
    stride: usize,
}

fn quantize_rows(x: &[f32], m: usize, k: usize) -> QuantizedRows {
    let stride = k.div_ceil(GROUP) * GROUP;
    let mut values = vec![0u8; (m + PAD_ROWS) * stride];
    let mut scales = vec![0f32; m];
    let mut zeros = vec![0i32; m];
    let (scales_out, zeros_out) = (SharedOut(scales.as_mut_ptr()), SharedOut(zeros.as_mut_ptr()));
    team::split_rows(&mut values[..m * stride], stride, 16, |first, rows| {
        let (scales_out, zeros_out) = (scales_out, zeros_out);
        for (r, (out, row)) in rows.chunks_exact_mut(stride).zip(x[first * k..].chunks_exact(k)).enumerate() {
            // SAFETY: the int8 layers run only where the CPU has AVX-512 (`available`).
            #[cfg(target_arch = "x86_64")]
            let (step, z) = unsafe { quantize_row_avx512(row, out) };
            #[cfg(not(target_arch = "x86_64"))]
            let (step, z) = quantize_row(row, out);
            // SAFETY: row `first + r` belongs to this chunk alone; both vectors hold `m` values.
            unsafe {
                *scales_out.0.add(first + r) = step;
                *zeros_out.0.add(first + r) = z;
            }
        }
    });
    QuantizedRows { values, scales, zeros, stride }
}

/// The row's (min, max), widened to hold 0 (so the zero point is a whole step and 0 stays
/// exact), lane-wise so that it vectorises.
#[inline(always)]
fn range(row: &[f32]) -> (f32, f32) {
    const LANES: usize = 16;
    let (mut low, mut high) = ([0f32; LANES], [0f32; LANES]);
    let chunks = row.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for i in 0..LANES {
            low[i] = if chunk[i] < low[i] { chunk[i] } else { low[i] };
            high[i] = if chunk[i] > high[i] { chunk[i] } else { high[i] };
        }
    }
    let low = low.iter().chain(rest).fold(0f32, |a, &b| if b < a { b } else { a });
    let high = high.iter().chain(rest).fold(0f32, |a, &b| if b > a { b } else { a });
    (low, high)
}

/// The step and zero point of a row whose range is `(low, high)`.
#[inline(always)]
fn step_and_zero(low: f32, high: f32) -> (f32, f32) {
    let step = if high > low { (high - low) / 255.0 } else { 1.0 };
    (step, (-low / step).round().clamp(0.0, 255.0))
}

/// One value: `round(v / step + z)`, half away from zero (the values are not negative), clamped.
#[inline(always)]
fn quantize_value(v: f32, step: f32, z: f32) -> u8 {
    (v / step + z + 0.5).floor().clamp(0.0, 255.0) as u8
}

/// One row as u8 with a zero point: `out[..row.len()]` the values, the rest (padding) the zero
/// point; returns (step, zero point).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn quantize_row(row: &[f32], out: &mut [u8]) -> (f32, i32) {
    let (low, high) = range(row);
    let (step, z) = step_and_zero(low, high);
    for (q, &v) in out.iter_mut().zip(row) {
        *q = quantize_value(v, step, z);
    }
    out[row.len()..].fill(z as u8);
    (step, z as i32)
}

/// [`quantize_row`] with AVX-512: the same operations in the same order, 16 values at a time
/// (the compiler leaves the float-to-u8 conversion scalar otherwise).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
unsafe fn quantize_row_avx512(row: &[f32], out: &mut [u8]) -> (f32, i32) {
    use std::arch::x86_64::*;
    let (low, high) = range(row);
    let (step, z) = step_and_zero(low, high);
    let whole = row.len() / 16 * 16;
    // SAFETY: every load reads 16 values of `row` below `whole`, every store 16 bytes of `out`
    // (as long as `row` at least).
    unsafe {
        let (steps, zeros, half) = (_mm512_set1_ps(step), _mm512_set1_ps(z), _mm512_set1_ps(0.5));
        let (floor, ceiling) = (_mm512_setzero_ps(), _mm512_set1_ps(255.0));
        for at in (0..whole).step_by(16) {
            let x = _mm512_add_ps(_mm512_add_ps(_mm512_div_ps(_mm512_loadu_ps(row.as_ptr().add(at)), steps), zeros), half);
            let x = _mm512_min_ps(_mm512_max_ps(_mm512_roundscale_ps::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(x), floor), ceiling);
            _mm_storeu_si128(out.as_mut_ptr().add(at).cast(), _mm512_cvtusepi32_epi8(_mm512_cvttps_epi32(x)));
        }
    }
    for (q, &v) in out[whole..].iter_mut().zip(&row[whole..]) {
        *q = quantize_value(v, step, z);
    }
    out[row.len()..].fill(z as u8);
    (step, z as i32)
}

/// `dst[m, n] += lhs[m, k] · Wᵀ` through int8 (see the module docs). Panics where the CPU
/// lacks VNNI: callers check [`available`] when they choose these layers.
pub fn matmul_quantized(dst: &mut [f32], lhs: &[f32], m: usize, weight: &QuantizedMatrix) {
    assert!(dst.len() == m * weight.n, "matmul shapes: dst {} for {m}x{}", dst.len(), weight.n);
    matmul_tiles(dst.as_mut_ptr(), TileEnds { start: Start::Accumulate, gelu: false }, lhs, m, weight);
}

/// [`kernels::dense`] through int8: `x[m, k] · Wᵀ` started from `start` (GELU after when
/// `gelu`), as a new `[m, n]` buffer. Panics where the CPU lacks VNNI.
pub fn dense_quantized(start: Start, gelu: bool, lhs: &[f32], m: usize, weight: &QuantizedMatrix) -> Vec<f32> {
    assert!(!matches!(start, Start::Accumulate), "a new buffer needs a start");
    kernels::new_output(m * weight.n, |out| matmul_tiles(out, TileEnds { start, gelu }, lhs, m, weight))
}

/// The task split of [`matmul_quantized`] and [`dense_quantized`]: `out` holds `[m, n]`
/// values (initialised unless `ends` starts them).
fn matmul_tiles(out: *mut f32, ends: TileEnds, lhs: &[f32], m: usize, weight: &QuantizedMatrix) {
    matmul_tiles_on(out, ends, lhs, m, weight, true)
}

/// [`matmul_tiles`], with AMX used where it runs and `allow_amx` (false: VNNI only, which the
/// tests compare against).
fn matmul_tiles_on(out: *mut f32, ends: TileEnds, lhs: &[f32], m: usize, weight: &QuantizedMatrix, allow_amx: bool) {
    let (k, n) = (weight.k, weight.n);
    assert!(lhs.len() == m * k, "matmul shapes: lhs {} for {m}x{k}x{n}", lhs.len());
    assert!(available(), "int8 layers need AVX-512 VNNI");
    if m == 0 || n == 0 {
        return;
    }
    let rows_q = quantize_rows(lhs, m, k);
    #[cfg(target_arch = "x86_64")]
    let amx = allow_amx && amx::available() && k % amx::TILE_K == 0 && rows_q.stride == k;
    #[cfg(not(target_arch = "x86_64"))]
    let _ = allow_amx;
    // Whole pairs of panels per task, so every call but the last takes two.
    kernels::for_each_tile(out, ends, (m, n), BLOCK_ROWS, 2, |out, rows, panels| {
        // SAFETY: `amx` means AMX is present and granted.
        #[cfg(target_arch = "x86_64")]
        let tiles = amx.then(|| unsafe { amx::Tiles::configure() });
        let mut p = panels.start;
        while p < panels.end {
            let second = p + 1 < panels.end;
            let columns = (n - p * PANEL).min(if second { 2 * PANEL } else { PANEL });
            let mut row = rows.start;
            while row < rows.end {
                // AMX takes two tiles of 16 rows a call, VNNI twelve rows.
                #[cfg(target_arch = "x86_64")]
                let per_call = if tiles.is_some() { 2 * amx::TILE_ROWS } else { ROWS };
                #[cfg(not(target_arch = "x86_64"))]
                let per_call = ROWS;
                let count = per_call.min(rows.end - row);
                let tile = Tile {
                    a: rows_q.values[row * rows_q.stride..].as_ptr(),
                    stride: rows_q.stride,
                    scales: &rows_q.scales[row..row + count],
                    zeros: &rows_q.zeros[row..row + count],
                    c: out.wrapping_add(row * n + p * PANEL),
                    ldc: n,
                    columns,
                };
                // SAFETY: rows `row..row + count` and the tile's columns lie inside `dst` and
                // belong to this task alone; `available()` was checked above. For AMX:
                // `values` holds two tiles of rows past `m`, panels hold `k / 4` groups, and
                // `k % 64 == 0`.
                #[cfg(target_arch = "x86_64")]
                unsafe {
                    match &tiles {
                        Some(tiles) => {
                            let mut sums = [0i32; 1024];
                            let second_panel = second.then(|| weight.panel(p + 1).as_ptr());
                            tiles.multiply(tile.a, tile.stride, count.div_ceil(amx::TILE_ROWS), weight.panel(p).as_ptr(), second_panel, k, &mut sums);
                            store_sums(&tile, weight, p, second, &sums);
                        }
                        None => microkernel(count, &tile, weight, p, second),
                    }
                }
                row += count;
            }
            p += if second { 2 } else { 1 };
        }
    });
}

/// One call's rows: quantised inputs, their scales and zero points, and where the output goes.
struct Tile<'a> {
    a: *const u8,
    stride: usize,
    scales: &'a [f32],
    zeros: &'a [i32],
    c: *mut f32,
    ldc: usize,
    /// Output columns this call writes (up to 32: one or two panels).
    columns: usize,
}

#[cfg(target_arch = "x86_64")]
unsafe fn microkernel(rows: usize, tile: &Tile, weight: &QuantizedMatrix, p: usize, second: bool) {
    // SAFETY: forwarded from the caller.
    unsafe { for_rows!(rows, microkernel_vnni(tile, weight, p, second), [1 2 3 4 5 6 7 8 9 10 11] else 12) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vnni")]
unsafe fn microkernel_vnni<const R: usize>(tile: &Tile, weight: &QuantizedMatrix, p: usize, second: bool) {
    use std::arch::x86_64::*;
    // SAFETY: the caller guarantees the extents of the tile; panels hold `groups` rows of 64
    // bytes; the second panel is read only when it exists.
    unsafe {
        let b0 = weight.panel(p).as_ptr();
        let b1 = if second { weight.panel(p + 1).as_ptr() } else { b0 };
        let mut acc = [[_mm512_setzero_si512(); 2]; R];
        for g in 0..weight.groups {
            let w0 = _mm512_loadu_si512(b0.add(g * PANEL * GROUP).cast());
            let w1 = _mm512_loadu_si512(b1.add(g * PANEL * GROUP).cast());
            for (r, acc) in acc.iter_mut().enumerate() {
                let x = _mm512_set1_epi32(tile.a.add(r * tile.stride + g * GROUP).cast::<i32>().read_unaligned());
                acc[0] = _mm512_dpbusd_epi32(acc[0], x, w0);
                acc[1] = _mm512_dpbusd_epi32(acc[1], x, w1);
            }
        }
        let panels = if second { 2 } else { 1 };
        for (r, acc) in acc.iter().enumerate() {
            for (half, &sum) in acc.iter().enumerate().take(panels) {
                add_row_sums(tile, weight, r, p, half, sum);
            }
        }
    }
}

/// `c[r, 16 · half ..][..16] += sx_r · sw_j · (sum_j − zx_r · Σ qw_j)`: one row's i32 sums over
/// one panel, scaled back to f32 onto what the output holds (masked past `tile.columns`).
///
/// # Safety
/// As the microkernels': row `r` and the panel's columns of the tile lie inside the output.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn add_row_sums(tile: &Tile, weight: &QuantizedMatrix, r: usize, p: usize, half: usize, sum: std::arch::x86_64::__m512i) {
    use std::arch::x86_64::*;
    // SAFETY: forwarded from the caller; `sums` and `scales` are padded to whole panels.
    unsafe {
        let column = (p + half) * PANEL;
        let left = tile.columns - half * PANEL;
        let mask: __mmask16 = if left >= PANEL { u16::MAX } else { (1u16 << left) - 1 };
        let sums = _mm512_loadu_si512(weight.sums[column..].as_ptr().cast());
        let scales = _mm512_mul_ps(_mm512_set1_ps(tile.scales[r]), _mm512_loadu_ps(weight.scales[column..].as_ptr()));
        let exact = _mm512_sub_epi32(sum, _mm512_mullo_epi32(_mm512_set1_epi32(tile.zeros[r]), sums));
        let row = tile.c.add(r * tile.ldc + half * PANEL);
        let value = _mm512_fmadd_ps(_mm512_cvtepi32_ps(exact), scales, _mm512_maskz_loadu_ps(mask, row));
        _mm512_mask_storeu_ps(row, mask, value);
    }
}

/// The AMX block's sums (`[32, 32]`, see [`amx::Tiles::multiply`]) onto the tile's rows.
///
/// # Safety
/// As [`add_row_sums`], for every row of `tile`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn store_sums(tile: &Tile, weight: &QuantizedMatrix, p: usize, second: bool, sums: &[i32; 1024]) {
    use std::arch::x86_64::*;
    for r in 0..tile.scales.len() {
        for half in 0..if second { 2 } else { 1 } {
            // SAFETY: 16 values of row `r` (of 32) at column `16 · half`; forwarded.
            unsafe { add_row_sums(tile, weight, r, p, half, _mm512_loadu_si512(sums[r * 32 + half * PANEL..].as_ptr().cast())) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_matmul_is_close_to_f32_at_ragged_sizes() {
        if !available() {
            eprintln!("no AVX-512 VNNI on this CPU: nothing to test");
            return;
        }
        for &(m, k, n) in &[(1, 1, 1), (5, 7, 3), (12, 16, 16), (13, 33, 17), (41, 384, 48), (50, 37, 100)] {
            let lhs: Vec<f32> = (0..m * k).map(|i| ((i * 37) % 23) as f32 / 10.0 - 0.8).collect();
            let weight: Vec<f32> = (0..n * k).map(|i| 0.5 - ((i * 11) % 19) as f32 / 19.0).collect();
            let q = QuantizedMatrix::from_out_in(&weight, n, k);
            let mut dst = vec![1.0f32; m * n];
            matmul_quantized(&mut dst, &lhs, m, &q);
            for i in 0..m {
                for j in 0..n {
                    let want = 1.0 + (0..k).map(|l| lhs[i * k + l] * weight[j * k + l]).sum::<f32>();
                    let size: f32 = (0..k).map(|l| (lhs[i * k + l] * weight[j * k + l]).abs()).sum();
                    // Each factor is off by at most half a step: about 1% of the terms' size.
                    assert!((dst[i * n + j] - want).abs() <= 0.02 * size + 1e-4, "{m}x{k}x{n} at ({i}, {j}): {} vs {want}", dst[i * n + j]);
                }
            }
            // A new buffer started from residual + bias is the same sum; with GELU, its GELU.
            let (residual, bias) = (vec![0.75f32; m * n], vec![0.25f32; n]);
            let started = dense_quantized(Start::ResidualBias(&residual, &bias), false, &lhs, m, &q);
            assert_eq!(started, dst, "{m}x{k}x{n}");
            let mut gelu = dst.clone();
            kernels::gelu_in_place(&mut gelu, n);
            assert_eq!(dense_quantized(Start::Bias(&vec![1.0; n]), true, &lhs, m, &q), gelu, "{m}x{k}x{n}");
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn amx_gives_the_vnni_kernels_bits() {
        if !amx::available() {
            eprintln!("no AMX here: nothing to compare");
            return;
        }
        for &(m, k, n) in &[(1, 64, 16), (15, 64, 17), (16, 128, 32), (17, 384, 48), (33, 64, 100), (47, 384, 1), (49, 1536, 40), (100, 192, 33)] {
            let lhs: Vec<f32> = (0..m * k).map(|i| ((i * 37) % 23) as f32 / 10.0 - 0.8).collect();
            let weight: Vec<f32> = (0..n * k).map(|i| 0.5 - ((i * 11) % 19) as f32 / 19.0).collect();
            let q = QuantizedMatrix::from_out_in(&weight, n, k);
            let bias: Vec<f32> = (0..n).map(|j| j as f32 / 7.0).collect();
            let run = |allow_amx: bool| {
                let ends = TileEnds { start: Start::Bias(&bias), gelu: false };
                kernels::new_output(m * n, |out| matmul_tiles_on(out, ends, &lhs, m, &q, allow_amx))
            };
            let (with_amx, vnni) = (run(true), run(false));
            assert!(with_amx.iter().zip(&vnni).all(|(a, b)| a.to_bits() == b.to_bits()), "{m}x{k}x{n}");
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_avx512_row_quantiser_gives_the_portable_bytes() {
        if !available() {
            return;
        }
        for len in [1usize, 15, 16, 17, 384, 1536, 1537] {
            let row: Vec<f32> = (0..len).map(|i| ((i * 7919) % 1000) as f32 / 97.0 - 3.3).collect();
            let stride = len.div_ceil(GROUP) * GROUP;
            let (mut portable, mut wide) = (vec![0u8; stride], vec![0u8; stride]);
            let a = quantize_row(&row, &mut portable);
            // SAFETY: `available()` means AVX-512.
            let b = unsafe { quantize_row_avx512(&row, &mut wide) };
            assert_eq!((a, &portable), (b, &wide), "row of {len}");
        }
    }

    #[test]
    fn zero_and_constant_rows_stay_exact() {
        if !available() {
            return;
        }
        let (m, k, n) = (3, 8, 20);
        let mut lhs = vec![0f32; m * k];
        lhs[k..2 * k].fill(2.0);
        // Weights on the quantisation grid (±127 steps and 0), so only the activations round.
        let weight: Vec<f32> = (0..n * k).map(|i| [0.5, -0.5, 0.0][i % 3]).collect();
        let q = QuantizedMatrix::from_out_in(&weight, n, k);
        let mut dst = vec![0f32; m * n];
        matmul_quantized(&mut dst, &lhs, m, &q);
        for j in 0..n {
            assert_eq!(dst[j], 0.0, "a zero row gives exactly the bias");
            let want: f32 = (0..k).map(|l| 2.0 * weight[j * k + l]).sum();
            assert!((dst[n + j] - want).abs() < 1e-4, "{} vs {want}", dst[n + j]);
        }
    }
}
