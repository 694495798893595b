//! Topic-phrase vectors kept on disk between runs. Embedding a pack's labels and aliases (712
//! phrases in the default pack) costs about half a second on two cores, which a one-shot
//! `standpoint analyze` would otherwise pay on every call; the vectors depend only on the
//! embedder and the phrase, so they are computed once per embedder and read back after.
//!
//! One file per embedder, named by a fingerprint of its files and options: a header, then
//! records `[text length u32][text][dim × f32][crc32 u32]`, little-endian, appended as new
//! phrases are embedded. Reading stops at the first record that does not check out (a torn
//! append, a foreign file), so a damaged cache costs a recomputation, never a wrong vector.
//! Only phrases are stored, never article text.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use super::loading::{ModelFiles, Weights};
use super::scorer::ModelOptions;

const MAGIC: &[u8; 8] = b"SPVEC01\n";
/// Longest phrase stored (longer texts are embedded but not kept).
const MAX_TEXT_BYTES: usize = 4096;

/// The on-disk vectors of one embedder.
#[derive(Debug, Clone)]
pub struct PhraseCache {
    path: PathBuf,
    dim: usize,
}

impl PhraseCache {
    /// The cache file for the embedder with these files and options, under `dir`.
    pub fn new(dir: &Path, files: &ModelFiles, options: &ModelOptions, dim: usize) -> PhraseCache {
        PhraseCache { path: dir.join(format!("phrases-{}.bin", fingerprint(files, options, dim))), dim }
    }

    /// Where the vectors are kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every intact record (empty when the file is missing or unreadable).
    pub fn read(&self) -> HashMap<String, Vec<f32>> {
        let mut out = HashMap::new();
        let Ok(bytes) = fs::read(&self.path) else { return out };
        if bytes.len() < MAGIC.len() + 4 || &bytes[..MAGIC.len()] != MAGIC || read_u32(&bytes, MAGIC.len()) != Some(self.dim as u32) {
            return out;
        }
        let mut at = MAGIC.len() + 4;
        while let Some((text, vector, next)) = self.record(&bytes, at) {
            out.insert(text, vector);
            at = next;
        }
        out
    }

    fn record(&self, bytes: &[u8], at: usize) -> Option<(String, Vec<f32>, usize)> {
        let len = read_u32(bytes, at)? as usize;
        if len > MAX_TEXT_BYTES {
            return None;
        }
        let text_start = at + 4;
        let floats_start = text_start + len;
        let crc_start = floats_start + 4 * self.dim;
        let body = bytes.get(text_start..crc_start)?;
        if read_u32(bytes, crc_start)? != crc32fast::hash(body) {
            return None;
        }
        let text = std::str::from_utf8(&body[..len]).ok()?.to_string();
        let vector = body[len..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        Some((text, vector, crc_start + 4))
    }

    /// Add these vectors. A new file is written whole and renamed into place; an existing one
    /// is appended to in one write, so concurrent runs at worst lose each other's additions.
    pub fn append(&self, entries: &[(&str, &[f32])]) -> std::io::Result<()> {
        let mut records = Vec::new();
        for (text, vector) in entries.iter().filter(|(t, v)| t.len() <= MAX_TEXT_BYTES && v.len() == self.dim) {
            records.extend_from_slice(&(text.len() as u32).to_le_bytes());
            let body_start = records.len();
            records.extend_from_slice(text.as_bytes());
            for x in *vector {
                records.extend_from_slice(&x.to_le_bytes());
            }
            let crc = crc32fast::hash(&records[body_start..]);
            records.extend_from_slice(&crc.to_le_bytes());
        }
        if records.is_empty() {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)?;
        }
        if fs::metadata(&self.path).map(|m| m.len() > 0).unwrap_or(false) {
            let mut file = OpenOptions::new().append(true).open(&self.path)?;
            return file.write_all(&records);
        }
        let temporary = self.path.with_extension(format!("tmp{}", std::process::id()));
        let mut whole = Vec::with_capacity(MAGIC.len() + 4 + records.len());
        whole.extend_from_slice(MAGIC);
        whole.extend_from_slice(&(self.dim as u32).to_le_bytes());
        whole.extend_from_slice(&records);
        fs::write(&temporary, &whole)?;
        fs::rename(&temporary, &self.path).inspect_err(|_| {
            let _ = fs::remove_file(&temporary);
        })
    }
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// What the vectors depend on: the model's name, config, tokenizer and weights (by size and
/// modification time, as build tools judge freshness, rather than hashing 90 MB per run), the
/// dtype and kernels they were computed with, and the vector size.
fn fingerprint(files: &ModelFiles, options: &ModelOptions, dim: usize) -> String {
    let mut hash = Sha256::new();
    hash.update(MAGIC);
    hash.update(files.id.as_bytes());
    hash.update(files.revision.as_bytes());
    hash.update(fs::read(&files.config).unwrap_or_default());
    let weights: Vec<&Path> = match &files.weights {
        Weights::Full(path) => vec![path],
        Weights::Lora { base, adapter, config } => vec![base, adapter, config],
    };
    for path in std::iter::once(files.tokenizer.as_path()).chain(weights) {
        hash.update(path.display().to_string().as_bytes());
        if let Ok(meta) = fs::metadata(path) {
            hash.update(meta.len().to_le_bytes());
            let modified = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
            hash.update(modified.to_le_bytes());
        }
    }
    hash.update(options.dtype.as_bytes());
    hash.update(format!("{:?}", options.kernels).as_bytes());
    hash.update((dim as u64).to_le_bytes());
    hex::encode(&hash.finalize()[..8])
}

/// The default cache directory: `$XDG_CACHE_HOME/standpoint`, else the platform's cache
/// directory (`~/.cache/standpoint` on Linux); `None` where there is no home.
pub fn default_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()).map(PathBuf::from).or_else(dirs::cache_dir).map(|d| d.join("standpoint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path) -> PhraseCache {
        PhraseCache { path: dir.join("phrases-test.bin"), dim: 3 }
    }

    #[test]
    fn vectors_round_trip_and_appends_add_to_them() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache(dir.path());
        assert!(cache.read().is_empty(), "a missing file is an empty cache");
        cache.append(&[("missile defence", &[0.5, -0.25, 1.0]), ("tariffs", &[0.0, 1.0, 0.0])]).unwrap();
        cache.append(&[("Iran sanctions", &[1.0, 0.0, 0.0])]).unwrap();
        let read = cache.read();
        assert_eq!(read.len(), 3);
        assert_eq!(read["missile defence"], vec![0.5, -0.25, 1.0]);
        assert_eq!(read["Iran sanctions"], vec![1.0, 0.0, 0.0]);
    }

    #[test]
    fn a_torn_or_corrupt_record_ends_the_read_without_a_wrong_vector() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache(dir.path());
        cache.append(&[("first", &[1.0, 2.0, 3.0]), ("second", &[4.0, 5.0, 6.0])]).unwrap();
        let mut bytes = fs::read(cache.path()).unwrap();
        // Flip a byte of the second vector: its checksum no longer matches.
        let last = bytes.len() - 6;
        bytes[last] ^= 0xff;
        fs::write(cache.path(), &bytes).unwrap();
        let read = cache.read();
        assert_eq!(read.len(), 1);
        assert_eq!(read["first"], vec![1.0, 2.0, 3.0]);
        // A torn tail (half a record) is skipped the same way.
        bytes.truncate(bytes.len() - 10);
        fs::write(cache.path(), &bytes).unwrap();
        assert_eq!(cache.read().len(), 1);
    }

    #[test]
    fn a_file_of_another_size_or_format_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        cache(dir.path()).append(&[("x", &[1.0, 2.0, 3.0])]).unwrap();
        let other = PhraseCache { path: dir.path().join("phrases-test.bin"), dim: 4 };
        assert!(other.read().is_empty());
        fs::write(dir.path().join("phrases-test.bin"), b"not a cache at all").unwrap();
        assert!(cache(dir.path()).read().is_empty());
    }
}
