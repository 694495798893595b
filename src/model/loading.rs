//! Finding a model's files: a local directory, or a hub id resolved through hf-hub (the local
//! cache first, so an offline machine with a warm cache works), and merging a PEFT LoRA adapter
//! into its base weights.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_nn::var_builder::SimpleBackend;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Where a model comes from, as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// A directory on disk.
    Directory(PathBuf),
    /// A hub repository id (`org/name`) and revision.
    Hub {
        /// e.g. `sentence-transformers/all-MiniLM-L6-v2`.
        id: String,
        /// Branch, tag or commit.
        revision: String,
    },
}

impl ModelSource {
    /// An existing directory wins; otherwise `org/name` is a hub id.
    pub fn parse(spec: &str, revision: Option<&str>) -> Result<ModelSource> {
        let path = Path::new(spec);
        if path.is_dir() {
            return Ok(ModelSource::Directory(path.to_path_buf()));
        }
        let looks_like_id = spec.split('/').count() == 2 && !spec.starts_with('.') && !spec.starts_with('/') && !spec.contains('\\');
        if looks_like_id {
            return Ok(ModelSource::Hub { id: spec.to_string(), revision: revision.unwrap_or("main").to_string() });
        }
        Err(Error::model(spec, "no such directory, and not a hub id of the form org/name"))
    }
}

/// The weights of a model: one file, or a LoRA adapter over a base.
#[derive(Debug, Clone)]
pub enum Weights {
    /// `model.safetensors` with every tensor.
    Full(PathBuf),
    /// A PEFT LoRA adapter (`adapter_model.safetensors`) over the base model's safetensors.
    Lora {
        /// The base model's `model.safetensors`.
        base: PathBuf,
        /// `adapter_model.safetensors`.
        adapter: PathBuf,
        /// `adapter_config.json`.
        config: PathBuf,
    },
}

/// The files a cross-encoder needs, resolved on disk.
#[derive(Debug, Clone)]
pub struct ModelFiles {
    /// How the user named the model (directory or hub id).
    pub id: String,
    /// Hub revision, or "local".
    pub revision: String,
    /// `config.json` with `id2label`.
    pub config: PathBuf,
    /// `tokenizer.json`.
    pub tokenizer: PathBuf,
    /// `templates.toml` when the model ships one.
    pub templates: Option<PathBuf>,
    /// The weights.
    pub weights: Weights,
}

#[derive(Deserialize)]
struct AdapterConfig {
    base_model_name_or_path: Option<String>,
    r: usize,
    lora_alpha: f64,
    #[serde(default)]
    use_rslora: bool,
    #[serde(default)]
    use_dora: bool,
}

impl ModelFiles {
    /// Resolve the files of `source`. `base_dir` overrides where a LoRA adapter's base is found.
    pub fn resolve(source: &ModelSource, base_dir: Option<&Path>) -> Result<ModelFiles> {
        match source {
            ModelSource::Directory(dir) => Self::from_directory(dir, base_dir),
            ModelSource::Hub { id, revision } => Self::from_hub(id, revision),
        }
    }

    /// A local directory holding `config.json`, `tokenizer.json` and either `model.safetensors`
    /// or a PEFT adapter.
    pub fn from_directory(dir: &Path, base_dir: Option<&Path>) -> Result<ModelFiles> {
        let need = |name: &str| -> Result<PathBuf> {
            let path = dir.join(name);
            if path.is_file() { Ok(path) } else { Err(Error::model(dir.display(), format!("{name} is missing"))) }
        };
        let config = need("config.json")?;
        let tokenizer = need("tokenizer.json")?;
        let templates = Some(dir.join("templates.toml")).filter(|p| p.is_file());
        let weights = if dir.join("model.safetensors").is_file() {
            Weights::Full(dir.join("model.safetensors"))
        } else if dir.join("adapter_model.safetensors").is_file() {
            let adapter_config = need("adapter_config.json")?;
            let base = find_base(dir, &adapter_config, base_dir)?;
            Weights::Lora { base, adapter: dir.join("adapter_model.safetensors"), config: adapter_config }
        } else {
            return Err(Error::model(dir.display(), "no weights: neither model.safetensors nor adapter_model.safetensors"));
        };
        Ok(ModelFiles { id: dir.display().to_string(), revision: "local".into(), config, tokenizer, templates, weights })
    }

    #[cfg(feature = "hub")]
    fn from_hub(id: &str, revision: &str) -> Result<ModelFiles> {
        let dir = hub::snapshot(id, revision)?;
        let mut files = Self::from_directory(&dir, None)?;
        files.id = id.to_string();
        files.revision = revision.to_string();
        Ok(files)
    }

    #[cfg(not(feature = "hub"))]
    fn from_hub(id: &str, _revision: &str) -> Result<ModelFiles> {
        Err(Error::model(id, "this build has no hub support (cargo feature `hub`); pass a model directory"))
    }

    /// sha256 of the weights file(s), hex; adapters hash adapter then base.
    pub fn sha256(&self) -> Result<String> {
        let mut hasher = Sha256::new();
        let paths: Vec<&PathBuf> = match &self.weights {
            Weights::Full(path) => vec![path],
            Weights::Lora { base, adapter, .. } => vec![adapter, base],
        };
        for path in paths {
            let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(path, e))?;
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// All tensors, with a LoRA adapter merged in, under transformers' names without a `bert.`
    /// prefix (`embeddings.*`, `encoder.*`, `pooler.*`, `classifier.*`).
    pub fn load_tensors(&self, device: &Device) -> Result<HashMap<String, Tensor>> {
        match &self.weights {
            Weights::Full(path) => Ok(normalise_names(load_safetensors(path, device)?)),
            Weights::Lora { base, adapter, config } => {
                let (scale, adapter_tensors) = read_adapter(config, adapter, device)?;
                let base_tensors = normalise_names(load_safetensors(base, device)?);
                merge_lora(base_tensors, adapter_tensors, scale).map_err(|message| Error::model(adapter.display(), message))
            }
        }
    }

    /// The weights as a [`VarBuilder`] that reads each tensor from the file when it is asked for
    /// (one positioned read straight into the tensor's memory), instead of all of them up front:
    /// a loader that copies tensors into its own layout (the fast path) then never holds the
    /// file, a full set of tensors and its own copy at once. A LoRA adapter is kept apart: each
    /// adapted layer gets `<module>.lora_down` (`A`, `[r, in]`) and `<module>.lora_up`
    /// (`scale · B`, `[out, r]`) beside its untouched base weight, which is then the very one
    /// another model on the same base holds. Names resolve as [`ModelFiles::load_tensors`] gives
    /// them, with or without a `bert.` prefix.
    pub fn lazy_weights(&self, dtype: DType, device: &Device) -> Result<VarBuilder<'static>> {
        let (base, extra) = match &self.weights {
            Weights::Full(path) => (path, HashMap::new()),
            Weights::Lora { base, adapter, config } => {
                let (scale, adapter_tensors) = read_adapter(config, adapter, device)?;
                let (pairs, whole) = parse_adapter(adapter_tensors).map_err(|message| Error::model(adapter.display(), message))?;
                let mut extra: HashMap<String, Tensor> = whole;
                for (module, (a, b)) in pairs {
                    let up = b.affine(scale, 0.0).map_err(|e| Error::model(adapter.display(), format!("{module}: {e}")))?;
                    extra.insert(format!("{module}.lora_down"), a);
                    extra.insert(format!("{module}.lora_up"), up);
                }
                (base, extra)
            }
        };
        let file = TensorFile::open(base)?;
        Ok(VarBuilder::from_backend(Box::new(LazyWeights { extra, file }), dtype, device.clone()))
    }

    /// The base model directory name a LoRA adapter declares, if any.
    pub fn declared_base(adapter_config: &Path) -> Option<String> {
        let text = std::fs::read_to_string(adapter_config).ok()?;
        serde_json::from_str::<AdapterConfig>(&text).ok()?.base_model_name_or_path
    }
}

/// Where an adapter's base lives: the override, `$STANDPOINT_BASE_DIR`, `<models>/base/<name>`
/// beside the adapter directory, or (with the hub feature) the hub.
fn find_base(dir: &Path, adapter_config: &Path, base_dir: Option<&Path>) -> Result<PathBuf> {
    let declared = ModelFiles::declared_base(adapter_config);
    let short_name = declared.as_deref().and_then(|d| d.rsplit('/').next()).unwrap_or("base");
    let mut candidates: Vec<PathBuf> = Vec::new();
    candidates.extend(base_dir.map(Path::to_path_buf));
    candidates.extend(std::env::var_os("STANDPOINT_BASE_DIR").map(PathBuf::from));
    if let Some(parent) = dir.parent() {
        candidates.push(parent.join("base").join(short_name));
    }
    for candidate in &candidates {
        if candidate.join("model.safetensors").is_file() {
            return Ok(candidate.join("model.safetensors"));
        }
    }
    #[cfg(feature = "hub")]
    if let Some(id) = declared.as_deref().filter(|d| d.split('/').count() == 2) {
        if let Ok(snapshot) = hub::snapshot(id, "main") {
            return Ok(snapshot.join("model.safetensors"));
        }
    }
    Err(Error::model(
        dir.display(),
        format!(
            "the LoRA adapter's base model ({}) was not found; looked in {}. Run scripts/fetch-base-model or set STANDPOINT_BASE_DIR",
            declared.as_deref().unwrap_or("undeclared"),
            candidates.iter().map(|c| c.display().to_string()).collect::<Vec<_>>().join(", ")
        ),
    ))
}

fn load_safetensors(path: &Path, device: &Device) -> Result<HashMap<String, Tensor>> {
    let tensors = candle_core::safetensors::load(path, device)
        .map_err(|e| Error::model(path.display(), format!("cannot read safetensors: {e}")))?;
    // Weights may be stored as f16/bf16; the model runs in f32.
    tensors
        .into_iter()
        .map(|(name, tensor)| Ok((name, tensor.to_dtype(DType::F32)?)))
        .collect()
}

/// Drop the `bert.` / PEFT `base_model.model.` prefixes so base and adapter names line up.
fn normalise_names(tensors: HashMap<String, Tensor>) -> HashMap<String, Tensor> {
    tensors.into_iter().map(|(name, tensor)| (strip_prefixes(&name).to_string(), tensor)).collect()
}

fn strip_prefixes(name: &str) -> &str {
    let name = name.strip_prefix("base_model.model.").unwrap_or(name);
    name.strip_prefix("bert.").unwrap_or(name)
}

/// A LoRA adapter's scale (from `adapter_config.json`) and its tensors.
fn read_adapter(config: &Path, adapter: &Path, device: &Device) -> Result<(f64, HashMap<String, Tensor>)> {
    let text = std::fs::read_to_string(config).map_err(|e| Error::io(config, e))?;
    let adapter_config: AdapterConfig = serde_json::from_str(&text).map_err(|e| Error::model(config.display(), format!("adapter_config.json: {e}")))?;
    if adapter_config.use_dora {
        return Err(Error::model(config.display(), "DoRA adapters are not supported"));
    }
    let scale = if adapter_config.use_rslora { adapter_config.lora_alpha / (adapter_config.r as f64).sqrt() } else { adapter_config.lora_alpha / adapter_config.r as f64 };
    Ok((scale, load_safetensors(adapter, device)?))
}

/// One tensor's place in a safetensors file.
struct Entry {
    /// Name as stored.
    stored: String,
    dtype: DType,
    shape: Vec<usize>,
    /// Byte range from the start of the data section.
    start: u64,
    end: u64,
}

/// A safetensors file read one tensor at a time: the header is parsed once, each tensor is read
/// with a positioned read into memory the tensor then owns (no copy of the file in memory).
struct TensorFile {
    path: PathBuf,
    file: std::sync::Mutex<std::fs::File>,
    data_start: u64,
    /// Normalised name → entry.
    entries: HashMap<String, Entry>,
}

#[derive(Deserialize)]
struct HeaderEntry {
    dtype: String,
    shape: Vec<usize>,
    data_offsets: (u64, u64),
}

impl TensorFile {
    fn open(path: &Path) -> Result<TensorFile> {
        use std::io::Read;
        let bad = |message: String| Error::model(path.display(), format!("not a safetensors file: {message}"));
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut length = [0u8; 8];
        file.read_exact(&mut length).map_err(|e| Error::io(path, e))?;
        let length = u64::from_le_bytes(length);
        if length > 100_000_000 {
            return Err(bad(format!("a header of {length} bytes")));
        }
        let mut header = vec![0u8; length as usize];
        file.read_exact(&mut header).map_err(|e| Error::io(path, e))?;
        let header: HashMap<String, serde_json::Value> = serde_json::from_slice(&header).map_err(|e| bad(e.to_string()))?;
        let mut entries = HashMap::new();
        for (name, value) in header {
            if name == "__metadata__" {
                continue;
            }
            let entry: HeaderEntry = serde_json::from_value(value).map_err(|e| bad(format!("{name}: {e}")))?;
            let dtype = match entry.dtype.as_str() {
                "F32" => DType::F32,
                "F16" => DType::F16,
                "BF16" => DType::BF16,
                "F64" => DType::F64,
                "I64" => DType::I64,
                "U32" => DType::U32,
                "U8" => DType::U8,
                // Not a weight the models read; asking for it is an error then.
                _ => continue,
            };
            let (start, end) = entry.data_offsets;
            if end < start || end - start != (entry.shape.iter().product::<usize>() * dtype.size_in_bytes()) as u64 {
                return Err(bad(format!("{name}: offsets {start}..{end} do not fit shape {:?} of {}", entry.shape, entry.dtype)));
            }
            entries.insert(strip_prefixes(&name).to_string(), Entry { stored: name, dtype, shape: entry.shape, start, end });
        }
        Ok(TensorFile { path: path.to_path_buf(), file: std::sync::Mutex::new(file), data_start: 8 + length, entries })
    }

    fn load(&self, entry: &Entry, device: &Device) -> candle_core::Result<Tensor> {
        use std::io::{Read, Seek, SeekFrom};
        let failed = |e: std::io::Error| candle_core::Error::Msg(format!("{}: reading {}: {e}", self.path.display(), entry.stored));
        let mut file = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        file.seek(SeekFrom::Start(self.data_start + entry.start)).map_err(failed)?;
        let bytes = (entry.end - entry.start) as usize;
        if entry.dtype == DType::F32 {
            // Straight into the f32 buffer the tensor will own.
            let mut values = vec![0f32; bytes / 4];
            // SAFETY: `values` is `bytes` bytes of plain f32s; any bit pattern is a valid f32.
            let raw = unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), bytes) };
            file.read_exact(raw).map_err(failed)?;
            if cfg!(target_endian = "big") {
                values.iter_mut().for_each(|v| *v = f32::from_bits(u32::from_le(v.to_bits())));
            }
            return Tensor::from_vec(values, entry.shape.as_slice(), device);
        }
        let mut raw = vec![0u8; bytes];
        file.read_exact(&mut raw).map_err(failed)?;
        Tensor::from_raw_buffer(&raw, entry.dtype, &entry.shape, device)
    }
}

/// [`ModelFiles::lazy_weights`]' backend: adapter tensors in memory, base tensors read from the
/// file on demand, both under normalised names.
struct LazyWeights {
    extra: HashMap<String, Tensor>,
    file: TensorFile,
}

impl SimpleBackend for LazyWeights {
    fn get(&self, shape: candle_core::Shape, name: &str, _: candle_nn::Init, dtype: DType, device: &Device) -> candle_core::Result<Tensor> {
        let tensor = self.get_unchecked(name, dtype, device)?;
        if tensor.shape() != &shape {
            candle_core::bail!("{name}: shape {:?} where {:?} was expected", tensor.dims(), shape.dims());
        }
        Ok(tensor)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, device: &Device) -> candle_core::Result<Tensor> {
        let key = strip_prefixes(name);
        let tensor = match (self.extra.get(key), self.file.entries.get(key)) {
            (Some(tensor), _) => tensor.to_device(device)?,
            (None, Some(entry)) => self.file.load(entry, device)?,
            (None, None) => candle_core::bail!("cannot find tensor {name}"),
        };
        tensor.to_dtype(dtype)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        let key = strip_prefixes(name);
        self.extra.contains_key(key) || self.file.entries.contains_key(key)
    }
}

/// The adapter's low-rank pairs by module, and the tensors it saves in full (pooler,
/// classifier) by their base names.
type ParsedAdapter = (HashMap<String, (Tensor, Tensor)>, HashMap<String, Tensor>);

fn parse_adapter(adapter: HashMap<String, Tensor>) -> std::result::Result<ParsedAdapter, String> {
    let mut halves: HashMap<String, (Option<Tensor>, Option<Tensor>)> = HashMap::new();
    let mut whole = HashMap::new();
    for (name, tensor) in adapter {
        let name = strip_prefixes(&name).to_string();
        if let Some(module) = name.strip_suffix(".lora_A.weight") {
            halves.entry(module.to_string()).or_default().0 = Some(tensor);
        } else if let Some(module) = name.strip_suffix(".lora_B.weight") {
            halves.entry(module.to_string()).or_default().1 = Some(tensor);
        } else if name.contains("lora_") {
            return Err(format!("unsupported adapter tensor {name}"));
        } else {
            whole.insert(name.replace(".modules_to_save.default", "").replace(".original_module", ""), tensor);
        }
    }
    let mut pairs = HashMap::new();
    for (module, (a, b)) in halves {
        let (Some(a), Some(b)) = (a, b) else { return Err(format!("{module}: lora_A or lora_B is missing")) };
        pairs.insert(module, (a, b));
    }
    if pairs.is_empty() {
        return Err("the adapter has no LoRA weights".into());
    }
    Ok((pairs, whole))
}

/// `W += scale * B @ A` for every `*.lora_A.weight` / `*.lora_B.weight` pair; other adapter
/// tensors (the pooler and classifier PEFT saves in full) replace the base's.
pub fn merge_lora(mut base: HashMap<String, Tensor>, adapter: HashMap<String, Tensor>, scale: f64) -> std::result::Result<HashMap<String, Tensor>, String> {
    let (pairs, whole) = parse_adapter(adapter)?;
    base.extend(whole);
    for (module, (a, b)) in pairs {
        let key = format!("{module}.weight");
        let weight = base.get(&key).ok_or_else(|| format!("adapter targets {key}, which the base does not have"))?;
        let delta = b.matmul(&a).and_then(|d| d.affine(scale, 0.0)).map_err(|e| format!("{module}: {e}"))?;
        if delta.dims() != weight.dims() {
            return Err(format!("{module}: adapter shape {:?} does not fit weight {:?}", delta.dims(), weight.dims()));
        }
        let updated = (weight + delta).map_err(|e| format!("{module}: {e}"))?;
        base.insert(key, updated);
    }
    Ok(base)
}

#[cfg(feature = "hub")]
pub mod hub {
    //! Hub downloads through hf-hub's sync API, with the local cache (`$HF_HOME/hub`, or
    //! `$HF_HUB_CACHE`) read first so that offline machines with a warm cache work.

    use std::path::PathBuf;

    use hf_hub::{Cache, Repo, RepoType, api::sync::ApiBuilder};

    use crate::error::{Error, Result};

    const FILES: &[&str] = &["config.json", "tokenizer.json", "model.safetensors"];
    const OPTIONAL: &[&str] = &["templates.toml", "adapter_config.json", "adapter_model.safetensors"];

    /// The hub cache directory: `$HF_HUB_CACHE`, `$HF_HOME/hub`, or hf-hub's default.
    pub fn cache() -> Cache {
        if let Some(dir) = std::env::var_os("HF_HUB_CACHE") {
            return Cache::new(PathBuf::from(dir));
        }
        Cache::from_env()
    }

    /// A local directory with the model's files: from the cache when all are there (always when
    /// `HF_HUB_OFFLINE=1`), else downloaded.
    pub fn snapshot(id: &str, revision: &str) -> Result<PathBuf> {
        let repo = Repo::with_revision(id.to_string(), RepoType::Model, revision.to_string());
        let cached = cache().repo(repo.clone());
        let has = |name: &str| cached.get(name);
        let adapter = has("adapter_model.safetensors").is_some();
        let complete = has("config.json").is_some() && has("tokenizer.json").is_some() && (adapter || has("model.safetensors").is_some());
        if complete {
            let config = has("config.json").ok_or_else(|| Error::model(id, "cache lost config.json"))?;
            return config.parent().map(PathBuf::from).ok_or_else(|| Error::model(id, "bad cache path"));
        }
        if std::env::var("HF_HUB_OFFLINE").is_ok_and(|v| v == "1") {
            return Err(Error::model(id, format!("not in the local hub cache ({}) and HF_HUB_OFFLINE=1", cache().path().display())));
        }
        let api = ApiBuilder::from_cache(cache()).build().map_err(|e| Error::model(id, format!("hub client: {e}")))?;
        let remote = api.repo(repo);
        let mut dir = None;
        for name in FILES {
            match remote.get(name) {
                Ok(path) => dir = path.parent().map(PathBuf::from),
                Err(e) if *name == "model.safetensors" => {
                    // An adapter-only repository has no full weights.
                    if remote.get("adapter_model.safetensors").is_err() {
                        return Err(Error::model(id, format!("cannot download {name}: {e}")));
                    }
                }
                Err(e) => return Err(Error::model(id, format!("cannot download {name}: {e}"))),
            }
        }
        for name in OPTIONAL {
            let _ = remote.get(name); // optional files: absence is fine
        }
        dir.ok_or_else(|| Error::model(id, "download gave no files"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_sources() {
        assert!(matches!(ModelSource::parse("org/model", None).unwrap(), ModelSource::Hub { revision, .. } if revision == "main"));
        assert!(matches!(ModelSource::parse(env!("CARGO_MANIFEST_DIR"), None).unwrap(), ModelSource::Directory(_)));
        assert!(ModelSource::parse("./missing-dir", None).is_err());
        assert!(ModelSource::parse("a/b/c", None).is_err());
    }

    #[test]
    fn directory_without_weights_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), "{}").unwrap();
        std::fs::write(dir.path().join("tokenizer.json"), "{}").unwrap();
        let err = ModelFiles::from_directory(dir.path(), None).unwrap_err();
        assert!(err.to_string().contains("no weights"), "{err}");
        std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
        let err = ModelFiles::from_directory(dir.path(), None).unwrap_err();
        assert!(err.to_string().contains("tokenizer.json is missing"), "{err}");
    }

    #[test]
    fn lora_merge_adds_scaled_low_rank_update() {
        let device = Device::Cpu;
        let mut base = HashMap::new();
        base.insert("encoder.layer.0.attention.self.query.weight".to_string(), Tensor::zeros((2, 3), DType::F32, &device).unwrap());
        let mut adapter = HashMap::new();
        let a = Tensor::new(&[[1f32, 2., 3.]], &device).unwrap(); // r=1 x in=3
        let b = Tensor::new(&[[1f32], [10.]], &device).unwrap(); // out=2 x r=1
        adapter.insert("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight".to_string(), a);
        adapter.insert("base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight".to_string(), b);
        adapter.insert("base_model.model.classifier.weight".to_string(), Tensor::ones((3, 2), DType::F32, &device).unwrap());
        let merged = merge_lora(base, adapter, 2.0).unwrap();
        let q = merged["encoder.layer.0.attention.self.query.weight"].to_vec2::<f32>().unwrap();
        assert_eq!(q, vec![vec![2., 4., 6.], vec![20., 40., 60.]]);
        assert!(merged.contains_key("classifier.weight"));
    }

    #[test]
    fn lora_merge_rejects_mismatches() {
        let device = Device::Cpu;
        let mut adapter = HashMap::new();
        adapter.insert("x.lora_A.weight".to_string(), Tensor::zeros((1, 3), DType::F32, &device).unwrap());
        adapter.insert("x.lora_B.weight".to_string(), Tensor::zeros((2, 1), DType::F32, &device).unwrap());
        let err = merge_lora(HashMap::new(), adapter, 1.0).unwrap_err();
        assert!(err.contains("x.weight"), "{err}");
    }
}
