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
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        if std::env::var_os("STANDPOINT_NO_AMX").is_some() || std::env::var_os("STANDPOINT_NO_AVX512").is_some() {
            return false;
        }
        let features = std::arch::x86_64::__cpuid_count(7, 0);
        let (tile, int8) = ((features.edx >> 24) & 1 == 1, (features.edx >> 25) & 1 == 1);
        // ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA; 0 means granted (or already held).
        const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
        const XFEATURE_XTILEDATA: libc::c_long = 18;
        // SAFETY: a plain syscall with integer arguments.
        tile && int8 && unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) } == 0
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

    /// `sums[32 × 32]` (rows of 32 i32) = `a[rows, k] · panels`: up to two blocks of 16 rows
    /// (`a` rows at `stride` bytes) times one or two panels (`first`, `second`), `k / 64` tile
    /// steps. Rows and columns past those asked for hold garbage.
    ///
    /// # Safety
    /// `a` holds `16 · blocks` readable rows of `k` bytes at `stride`; each panel holds `k / 4`
    /// groups of 64 bytes; `k % 64 == 0`.
    pub(super) unsafe fn multiply(&self, a: *const u8, stride: usize, blocks: usize, first: *const i8, second: Option<*const i8>, k: usize, sums: &mut [i32; 1024]) {
        // SAFETY: the caller's contract covers every address read; the stores write `sums`
        // (32 rows of 128 bytes).
        unsafe {
            asm!("tilezero tmm0", "tilezero tmm1", "tilezero tmm2", "tilezero tmm3", options(nostack, nomem));
            for step in 0..k / TILE_K {
                let (a0, b0) = (a.add(step * TILE_K), first.add(step * TILE_ROWS * TILE_K));
                asm!("tileloadd tmm4, [{a} + {s}*1]", "tileloadd tmm6, [{b} + {w}*1]", "tdpbusd tmm0, tmm4, tmm6",
                     a = in(reg) a0, s = in(reg) stride, b = in(reg) b0, w = in(reg) TILE_K, options(nostack, readonly));
                if let Some(second) = second {
                    asm!("tileloadd tmm7, [{b} + {w}*1]", "tdpbusd tmm1, tmm4, tmm7",
                         b = in(reg) second.add(step * TILE_ROWS * TILE_K), w = in(reg) TILE_K, options(nostack, readonly));
                }
                if blocks == 2 {
                    asm!("tileloadd tmm5, [{a} + {s}*1]", "tdpbusd tmm2, tmm5, tmm6",
                         a = in(reg) a0.add(TILE_ROWS * stride), s = in(reg) stride, options(nostack, readonly));
                    if second.is_some() {
                        asm!("tdpbusd tmm3, tmm5, tmm7", options(nostack, nomem));
                    }
                }
            }
            let out = sums.as_mut_ptr();
            let row: usize = 32 * 4;
            asm!("tilestored [{o} + {s}*1], tmm0", "tilestored [{r} + {s}*1], tmm1", "tilestored [{d} + {s}*1], tmm2", "tilestored [{e} + {s}*1], tmm3",
                 o = in(reg) out, r = in(reg) out.add(16), d = in(reg) out.add(16 * 32), e = in(reg) out.add(16 * 32 + 16), s = in(reg) row, options(nostack));
        }
    }
}

impl Drop for Tiles {
    fn drop(&mut self) {
        // SAFETY: releases the configuration `configure` loaded on this thread.
        unsafe { asm!("tilerelease", options(nostack, nomem)) };
    }
}
