//! Intel AMX for the int8 layers, where the CPU has it (Sapphire Rapids and later Xeons): the
//! same u8 × i8 → i32 products as the VNNI kernel ([`super::int8`]), sixteen rows × 64 inputs
//! × sixteen columns per instruction instead of one row × 4 inputs × sixteen columns. Integer
//! sums are exact, so the results are bit for bit those of the VNNI kernel (a unit test holds
//! them equal) and the int8 accuracy check stands unchanged.
//!
//! The weight panels [`super::int8::QuantizedMatrix`] already holds are the layout `TDPBUSD`
//! reads for its right-hand tile (per group of four inputs, 16 columns × 4 bytes), so nothing is
//! packed twice. Linux hands AMX's 8 KB register state to a process only on request
//! (`arch_prctl(ARCH_REQ_XCOMP_PERM)`); where that, the CPU or the inputs' width (a multiple of
//! 64) says no, the VNNI kernel runs. `STANDPOINT_NO_AMX=1` turns AMX off.
//!
//! Stable Rust has no AMX intrinsics, so the few instructions are inline assembly.

use std::arch::asm;

/// Rows and input bytes of one tile.
pub(super) const TILE_ROWS: usize = 16;
/// Inputs per tile step (64 bytes a row).
pub(super) const TILE_K: usize = 64;

/// Whether AMX int8 runs here: CPUID says AMX-TILE and AMX-INT8, the kernel grants the state,
/// and it is not turned off (checked once).
pub(super) fn available() -> bool {
    granted() && cpuid_edx_bit(25)
}

/// Whether AMX-BF16 runs here (as [`available`], for bf16 × bf16 → f32).
pub(super) fn available_bf16() -> bool {
    granted() && cpuid_edx_bit(22)
}

/// Bit `bit` of CPUID leaf 7's EDX.
fn cpuid_edx_bit(bit: u32) -> bool {
    (std::arch::x86_64::__cpuid_count(7, 0).edx >> bit) & 1 == 1
}

/// AMX-TILE is present, Linux grants its state to this process, and it is not turned off
/// (checked once).
fn granted() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        if std::env::var_os("STANDPOINT_NO_AMX").is_some() || std::env::var_os("STANDPOINT_NO_AVX512").is_some() {
            return false;
        }
        // ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA; 0 means granted (or already held).
        const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
        const XFEATURE_XTILEDATA: libc::c_long = 18;
        // SAFETY: a plain syscall with integer arguments.
        cpuid_edx_bit(24) && unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) } == 0
    })
}

/// The tile configuration every call uses: palette 1, tiles 0 to 7 of 16 rows × 64 bytes.
#[repr(C, align(64))]
struct Config([u8; 64]);

const CONFIG: Config = {
    let mut bytes = [0u8; 64];
    bytes[0] = 1;
    let mut t = 0;
    while t < 8 {
        bytes[16 + 2 * t] = TILE_K as u8;
        bytes[48 + t] = TILE_ROWS as u8;
        t += 1;
    }
    Config(bytes)
};

/// The tile loop both products share, `$op` being the multiply-accumulate instruction: tiles 0
/// to 3 accumulate (rows 0-15 / 16-31 × panel one / two), 4 and 5 hold rows of `a`, 6 and 7
/// the panels; each step moves 64 bytes along `a`'s rows and 16 rows of 64 bytes down a panel.
macro_rules! tile_product {
    ($op:literal, $a:expr, $stride:expr, $blocks:expr, $first:expr, $second:expr, $steps:expr, $out:expr) => {{
        let (a, stride, blocks, first, second, steps, out): (*const u8, usize, usize, *const u8, Option<*const u8>, usize, *mut u8) = ($a, $stride, $blocks, $first, $second, $steps, $out);
        asm!("tilezero tmm0", "tilezero tmm1", "tilezero tmm2", "tilezero tmm3", options(nostack, nomem));
        for step in 0..steps {
            let (a0, b0) = (a.add(step * TILE_K), first.add(step * TILE_ROWS * TILE_K));
            asm!("tileloadd tmm4, [{a} + {s}*1]", "tileloadd tmm6, [{b} + {w}*1]", concat!($op, " tmm0, tmm4, tmm6"),
                 a = in(reg) a0, s = in(reg) stride, b = in(reg) b0, w = in(reg) TILE_K, options(nostack, readonly));
            if let Some(second) = second {
                asm!("tileloadd tmm7, [{b} + {w}*1]", concat!($op, " tmm1, tmm4, tmm7"),
                     b = in(reg) second.add(step * TILE_ROWS * TILE_K), w = in(reg) TILE_K, options(nostack, readonly));
            }
            if blocks == 2 {
                asm!("tileloadd tmm5, [{a} + {s}*1]", concat!($op, " tmm2, tmm5, tmm6"),
                     a = in(reg) a0.add(TILE_ROWS * stride), s = in(reg) stride, options(nostack, readonly));
                if second.is_some() {
                    asm!(concat!($op, " tmm3, tmm5, tmm7"), options(nostack, nomem));
                }
            }
        }
        // 32 rows of 32 four-byte sums: tiles 0 and 1 side by side, 2 and 3 below.
        let row: usize = 32 * 4;
        asm!("tilestored [{o} + {s}*1], tmm0", "tilestored [{r} + {s}*1], tmm1", "tilestored [{d} + {s}*1], tmm2", "tilestored [{e} + {s}*1], tmm3",
             o = in(reg) out, r = in(reg) out.add(16 * 4), d = in(reg) out.add(16 * row), e = in(reg) out.add(16 * row + 16 * 4), s = in(reg) row, options(nostack));
    }};
}

/// Holds this thread's tile configuration while it lives (a matmul task); released on drop,
/// so the thread carries no AMX state between tasks.
pub(super) struct Tiles(());

impl Tiles {
    /// Configure the tiles on this thread.
    ///
    /// # Safety
    /// [`available`] returned true.
    pub(super) unsafe fn configure() -> Tiles {
        // SAFETY: AMX is present and granted (the caller's contract); CONFIG is 64 aligned bytes.
        unsafe { asm!("ldtilecfg [{0}]", in(reg) CONFIG.0.as_ptr(), options(nostack, readonly)) };
        Tiles(())
    }

    /// `sums[32 × 32]` (rows of 32 i32) = `a[rows, k] · panels` in u8 × i8: up to two blocks
    /// of 16 rows (`a` rows at `stride` bytes) times one or two panels (`first`, `second`),
    /// `k / 64` tile steps. Rows and columns past those asked for hold garbage.
    ///
    /// # Safety
    /// `a` holds `16 · blocks` readable rows of `k` bytes at `stride`; each panel holds `k / 4`
    /// groups of 64 bytes; `k % 64 == 0`.
    pub(super) unsafe fn multiply(&self, a: *const u8, stride: usize, blocks: usize, first: *const i8, second: Option<*const i8>, k: usize, sums: &mut [i32; 1024]) {
        // SAFETY: forwarded.
        unsafe { tile_product!("tdpbusd", a, stride, blocks, first.cast::<u8>(), second.map(|p| p.cast::<u8>()), k / TILE_K, sums.as_mut_ptr().cast::<u8>()) }
    }

    /// `sums[32 × 32]` (rows of 32 f32) = `a[rows, k] · panels` in bf16 × bf16 with f32 sums,
    /// as [`Tiles::multiply`]: `a` rows of `k` bf16 at `stride` bytes, panels of `k / 2` rows
    /// of 16 column pairs (64 bytes), `k / 32` tile steps.
    ///
    /// # Safety
    /// As [`Tiles::multiply`], with `k % 32 == 0` and `k · 2` bytes a row.
    pub(super) unsafe fn multiply_bf16(&self, a: *const u16, stride: usize, blocks: usize, first: *const u16, second: Option<*const u16>, k: usize, sums: &mut [f32; 1024]) {
        // SAFETY: forwarded.
        unsafe { tile_product!("tdpbf16ps", a.cast::<u8>(), stride, blocks, first.cast::<u8>(), second.map(|p| p.cast::<u8>()), k / (TILE_K / 2), sums.as_mut_ptr().cast::<u8>()) }
    }
}

impl Drop for Tiles {
    fn drop(&mut self) {
        // SAFETY: releases the configuration `configure` loaded on this thread.
        unsafe { asm!("tilerelease", options(nostack, nomem)) };
    }
}
