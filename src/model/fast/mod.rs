//! The fast CPU path for BERT-family encoders: the same arithmetic as [`super::arch`]'s BERT,
//! DistilBERT and RoBERTa, laid out for two CPU cores instead of for generality.
//!
//! - **Varlen packing.** A batch's tokens are packed into one `[tokens, hidden]` matrix with
//!   the padding left out; every dense layer runs once over it, and attention runs per
//!   sequence, so padding costs nothing and no mask is needed.
//! - **Fused ops** ([`ops`], candle custom ops over [`kernels`]): one QKV matmul with its bias;
//!   output projection + bias + residual + LayerNorm in one op; intermediate matmul + bias +
//!   exact-erf GELU (vectorised) in one op. Weights are packed once at load into the panels an
//!   AVX2 microkernel reads, which accumulates onto the bias (and residual) already in place.
//! - **Threads that stay awake** ([`team`]): every kernel splits its work over the calling
//!   thread and workers that spin between the pass's short parallel regions, where rayon's
//!   would park.
//! - **First tokens only at the end.** A classifier reads only `[CLS]`, so its last layer
//!   computes attention, the feed-forward and the norms for those rows alone.
//! - **Weights read once, shared.** Tensors are read one at a time from the file as they are
//!   packed ([`crate::model::ModelFiles::lazy_weights`]); a LoRA adapter runs
//!   apart from its base (`x · Wᵀ + x · Aᵀ · Bᵀ`), so the name tagger and the sentence embedder
//!   hold one copy of the base encoder ([`shared`]).
//!
//! It runs where it is exact to the reference: BERT, DistilBERT and RoBERTa / XLM-R with GELU
//! (erf), f32, on the CPU. Everything else (CUDA, half precision, other activations and
//! architectures, `--kernels reference`) runs the reference path, and parity tests hold the two
//! together.

#[cfg(target_arch = "x86_64")]
mod amx;
#[cfg(target_arch = "x86_64")]
pub mod bf16;
pub mod int8;
pub mod kernels;
pub mod ops;
pub mod shared;
pub mod team;

use std::sync::Arc;

use candle_core::{DType, Device, Tensor};
use candle_nn::{Activation, VarBuilder};

use self::kernels::{PackedMatrix, Sequences};
use self::ops::{Dense, DenseAddNorm, LowRank, Precision, Projection, VarlenAttention, Weight};
use super::arch::block::Names;
use super::arch::{Batch, Encoder, SequenceClassifier, TanhHead, bert, distilbert, under};
use crate::error::{Error, Result};

/// Which implementation runs the encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kernels {
    /// The fast CPU path where the model allows it (BERT, DistilBERT, RoBERTa / XLM-R; f32;
    /// CPU), else the reference.
    Fast,
    /// candle's stock ops everywhere (the reference the fast path is tested against).
    Reference,
    /// The default: the fast path with Q, K, V and the intermediate layer in int8 ([`int8`]),
    /// on CPUs with AVX-512 VNNI, and on AMX with the FFN output in bf16 too ([`bf16`]);
    /// elsewhere the same as `fast`. Both passed the speed issue's accuracy bar (labels equal to
    /// f32 on 99.2% of the dev set's pairs, dev metrics within 0.5 point).
    #[default]
    Int8,
}

/// What the fast path needs of a BERT-family checkpoint: its sizes and where its tensors are.
/// BERT, DistilBERT and RoBERTa differ only in names, segment and position embeddings and the
/// classification head.
pub struct Spec {
    hidden: usize,
    intermediate: usize,
    heads: usize,
    layers: usize,
    vocab: usize,
    positions: usize,
    /// Rows of the segment (token type) embedding; DistilBERT has none.
    segments: Option<usize>,
    /// Whether the segment ids select the row (BERT); RoBERTa always adds row 0.
    segment_ids: bool,
    /// Where position ids start: 0, or `pad_token_id + 1` for RoBERTa.
    position_offset: usize,
    eps: f64,
    /// Where the encoder sits in a `*ForSequenceClassification` checkpoint.
    root: &'static str,
    /// Where the blocks are under the root.
    stack: &'static str,
    names: &'static Names,
    head: HeadKind,
    /// Q, K, V and the intermediate layer in int8.
    int8: bool,
    /// The FFN output projection in bf16 (on AMX).
    bf16: bool,
}

/// The classification head an architecture defines over the first token.
#[derive(Clone, Copy)]
enum HeadKind {
    /// BERT: pooler (dense, tanh), then `classifier`.
    Pooler,
    /// DistilBERT: `pre_classifier`, ReLU, then `classifier`.
    PreClassifier,
    /// RoBERTa: `classifier.dense`, tanh, then `classifier.out_proj`.
    ClassificationHead,
}

/// The sizes BERT and RoBERTa configs share, with each architecture's defaults applied where a
/// field is missing (as `arch::bert::Config` and `arch::roberta::Config` do).
#[derive(serde::Deserialize)]
struct BertLikeConfig {
    hidden_size: usize,
    intermediate_size: usize,
    num_attention_heads: usize,
    num_hidden_layers: usize,
    vocab_size: usize,
    max_position_embeddings: usize,
    #[serde(default)]
    hidden_act: Activation,
    type_vocab_size: Option<usize>,
    layer_norm_eps: Option<f64>,
    pad_token_id: Option<u32>,
}

impl Spec {
    /// The spec of `config_json`, if the fast path computes that model exactly: BERT,
    /// DistilBERT or RoBERTa / XLM-R with GELU in its exact (erf) form.
    pub fn from_config(config_json: &str) -> Option<Spec> {
        let model_type = serde_json::from_str::<serde_json::Value>(config_json).ok()?.get("model_type")?.as_str()?.to_owned();
        match model_type.as_str() {
            "bert" | "roberta" | "xlm-roberta" => {
                // One config shape; RoBERTa differs in defaults, positions, segments and head.
                let is_bert = model_type == "bert";
                let c: BertLikeConfig = serde_json::from_str(config_json).ok()?;
                (c.hidden_act == Activation::Gelu).then_some(Spec {
                    hidden: c.hidden_size,
                    intermediate: c.intermediate_size,
                    heads: c.num_attention_heads,
                    layers: c.num_hidden_layers,
                    vocab: c.vocab_size,
                    positions: c.max_position_embeddings,
                    segments: Some(c.type_vocab_size.unwrap_or(if is_bert { 2 } else { 1 })),
                    segment_ids: is_bert,
                    position_offset: if is_bert { 0 } else { c.pad_token_id.unwrap_or(1) as usize + 1 },
                    eps: c.layer_norm_eps.unwrap_or(if is_bert { 1e-12 } else { 1e-5 }),
                    root: if is_bert { "bert" } else { "roberta" },
                    stack: "encoder.layer",
                    names: &bert::NAMES,
                    head: if is_bert { HeadKind::Pooler } else { HeadKind::ClassificationHead },
                    int8: false,
                    bf16: false,
                })
            }
            "distilbert" => {
                let c: distilbert::Config = serde_json::from_str(config_json).ok()?;
                (c.activation == Activation::Gelu).then_some(Spec {
                    hidden: c.dim,
                    intermediate: c.hidden_dim,
                    heads: c.n_heads,
                    layers: c.n_layers,
                    vocab: c.vocab_size,
                    positions: c.max_position_embeddings,
                    segments: None,
                    segment_ids: false,
                    position_offset: 0,
                    eps: distilbert::EPS,
                    root: "distilbert",
                    stack: "transformer.layer",
                    names: &distilbert::NAMES,
                    head: HeadKind::PreClassifier,
                    int8: false,
                    bf16: false,
                })
            }
            _ => None,
        }
    }
}

/// The spec of `config_json` when `kernels` asks for the fast path and it can run the model:
/// f32 on the CPU, an architecture and activation it computes exactly.
pub fn spec_for(kernels: Kernels, config_json: &str, dtype: DType, device: &Device) -> Option<Spec> {
    let spec = (kernels != Kernels::Reference && dtype == DType::F32 && matches!(device, Device::Cpu)).then(|| Spec::from_config(config_json)).flatten()?;
    let int8 = kernels == Kernels::Int8 && int8::available();
    // bf16 output projections come with int8 where AMX runs them (the int8 accuracy check
    // covers the two together).
    #[cfg(target_arch = "x86_64")]
    let bf16 = int8 && bf16::available();
    #[cfg(not(target_arch = "x86_64"))]
    let bf16 = false;
    Some(Spec { int8, bf16, ..spec })
}

/// One post-norm block, each dense layer packed for the microkernel (Q, K and V as one).
struct Block {
    qkv: Dense,
    attention_out: DenseAddNorm,
    intermediate: Dense,
    output: DenseAddNorm,
    heads: usize,
}

/// A linear layer as stored: `[out, in]` weight, row-major, its bias, and the LoRA factors
/// beside it when the adapter was loaded apart (`A` `[r, in]`, `scale · B` `[out, r]`).
struct Linear {
    weight: Vec<f32>,
    bias: Vec<f32>,
    lora: Option<(Vec<f32>, Vec<f32>, usize)>,
}

fn linear(vb: &VarBuilder, inputs: usize, outputs: usize) -> Result<Linear> {
    let weight = vb.get((outputs, inputs), "weight")?.flatten_all()?.to_vec1::<f32>()?;
    let bias = vb.get(outputs, "bias")?.to_vec1::<f32>()?;
    let lora = if vb.contains_tensor("lora_down") {
        let down = vb.get_unchecked("lora_down")?;
        let (rank, down_inputs) = down.dims2()?;
        if down_inputs != inputs {
            return Err(Error::InvalidInput(format!("LoRA factor A is [{rank}, {down_inputs}] for a layer of {inputs} inputs")));
        }
        let up = vb.get((outputs, rank), "lora_up")?.flatten_all()?.to_vec1::<f32>()?;
        Some((down.flatten_all()?.to_vec1::<f32>()?, up, rank))
    } else {
        None
    };
    Ok(Linear { weight, bias, lora })
}

impl Linear {
    /// Laid out for its kernel (int8 when `int8`); the base weight shared with any model that
    /// holds it too.
    fn projection(self, inputs: usize, outputs: usize, precision: Precision) -> Projection {
        let lora = self.lora.as_ref().map(|(down, up, rank)| LowRank { down: PackedMatrix::from_out_in(down, *rank, inputs), up: PackedMatrix::from_out_in(up, outputs, *rank) });
        Projection { weight: shared::weight(&self.weight, outputs, inputs, precision), lora, bias: self.bias }
    }
}

fn norm(vb: &VarBuilder, width: usize, eps: f64) -> Result<(Vec<f32>, Vec<f32>, f32)> {
    Ok((vb.get(width, "weight")?.to_vec1::<f32>()?, vb.get(width, "bias")?.to_vec1::<f32>()?, eps as f32))
}

fn dense_add_norm(dense: &VarBuilder, norm_vb: &VarBuilder, inputs: usize, outputs: usize, eps: f64, precision: Precision) -> Result<DenseAddNorm> {
    let projection = linear(dense, inputs, outputs)?.projection(inputs, outputs, precision);
    let (gamma, beta, eps) = norm(norm_vb, outputs, eps)?;
    Ok(DenseAddNorm { projection, gamma, beta, eps })
}

/// Q, K and V as one `[3 · hidden, hidden]` layer. Their LoRA updates, if any, stack the same
/// way: the `A`s one above the other, the `B`s block-diagonal (a zero block where a projection
/// has none), so one low-rank pass serves all three.
fn packed_qkv(parts: [Linear; 3], hidden: usize, precision: Precision) -> Dense {
    let weight: Vec<f32> = parts.iter().flat_map(|p| p.weight.iter().copied()).collect();
    let bias: Vec<f32> = parts.iter().flat_map(|p| p.bias.iter().copied()).collect();
    let ranks: Vec<usize> = parts.iter().map(|p| p.lora.as_ref().map_or(0, |l| l.2)).collect();
    let total: usize = ranks.iter().sum();
    let lora = (total > 0).then(|| {
        let mut down = Vec::with_capacity(total * hidden);
        let mut up = vec![0f32; 3 * hidden * total];
        let mut column = 0;
        for (part, (p, &rank)) in parts.iter().zip(&ranks).enumerate() {
            if let Some((a, b, _)) = &p.lora {
                down.extend_from_slice(a);
                for row in 0..hidden {
                    up[(part * hidden + row) * total + column..][..rank].copy_from_slice(&b[row * rank..(row + 1) * rank]);
                }
            }
            column += rank;
        }
        LowRank { down: PackedMatrix::from_out_in(&down, total, hidden), up: PackedMatrix::from_out_in(&up, 3 * hidden, total) }
    });
    Dense { projection: Projection { weight: shared::weight(&weight, 3 * hidden, hidden, precision), lora, bias }, gelu: false }
}

impl Block {
    fn load(vb: VarBuilder, spec: &Spec) -> Result<Block> {
        let (hidden, inner, eps, names) = (spec.hidden, spec.intermediate, spec.eps, spec.names);
        let q = linear(&vb.pp(names.query), hidden, hidden)?;
        let k = linear(&vb.pp(names.key), hidden, hidden)?;
        let v = linear(&vb.pp(names.value), hidden, hidden)?;
        let inner_precision = if spec.int8 { Precision::Int8 } else { Precision::F32 };
        // The output projections stay f32 in int8 mode (see `int8`); the FFN's runs in bf16 on
        // AMX (`bf16`; the attention output's in bf16 too failed the accuracy bar).
        let output_precision = if spec.bf16 { Precision::Bf16 } else { Precision::F32 };
        Ok(Block {
            qkv: packed_qkv([q, k, v], hidden, inner_precision),
            attention_out: dense_add_norm(&vb.pp(names.attention_out), &vb.pp(names.attention_norm), hidden, hidden, eps, Precision::F32)?,
            intermediate: Dense { projection: linear(&vb.pp(names.intermediate), hidden, inner)?.projection(hidden, inner, inner_precision), gelu: true },
            output: dense_add_norm(&vb.pp(names.output), &vb.pp(names.output_norm), inner, hidden, eps, output_precision)?,
            heads: spec.heads,
        })
    }

    /// `[tokens, hidden]` in; `[tokens, hidden]` out, or `[sequences, hidden]` (first tokens)
    /// when `first_only`.
    fn forward(&self, x: &Tensor, sequences: &Sequences, first_rows: &Tensor, first_only: bool) -> Result<Tensor> {
        let qkv = x.apply_op1_no_bwd(&self.qkv)?;
        let context = qkv.apply_op1_no_bwd(&VarlenAttention { sequences, heads: self.heads, first_only })?;
        let residual = if first_only { x.index_select(first_rows, 0)? } else { x.clone() };
        let x = context.apply_op2_no_bwd(&residual, &self.attention_out)?;
        let inner = x.apply_op1_no_bwd(&self.intermediate)?;
        Ok(inner.apply_op2_no_bwd(&x, &self.output)?)
    }
}

/// The values of a contiguous f32 CPU tensor's storage.
fn values<'a>(storage: &'a candle_core::Storage, layout: &candle_core::Layout) -> Result<&'a [f32]> {
    match storage {
        candle_core::Storage::Cpu(cpu) => Ok(ops::slice(cpu, layout, "embedding table")?),
        _ => Err(Error::InvalidInput("the fast path reads CPU tensors only".into())),
    }
}

/// Held while a fast forward pass runs (see [`FastBert::packed`]).
static ONE_PASS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A BERT-family encoder (BERT, DistilBERT, RoBERTa / XLM-R) on the fast CPU path.
pub struct FastBert {
    words: Arc<Tensor>,
    positions: Arc<Tensor>,
    segments: Option<Arc<Tensor>>,
    segment_ids: bool,
    position_offset: usize,
    norm: (Vec<f32>, Vec<f32>, f32),
    blocks: Vec<Block>,
    hidden: usize,
}

impl FastBert {
    /// Load from weights under the architecture's prefix (`bert.`, `distilbert.`, `roberta.`)
    /// or bare.
    pub fn load(vb: VarBuilder, spec: &Spec) -> Result<FastBert> {
        let root = under(&vb, spec.root, "embeddings.word_embeddings.weight");
        let embeddings = root.pp("embeddings");
        let hidden = spec.hidden;
        // Kept as the tensors the loader read (no copy): the word table alone is 47 MB for MiniLM.
        let table = |name: &str, rows: usize| -> Result<Arc<Tensor>> { shared::table(embeddings.pp(name).get((rows, hidden), "weight")?) };
        let blocks = (0..spec.layers).map(|i| Block::load(root.pp(spec.stack).pp(i), spec)).collect::<Result<_>>()?;
        Ok(FastBert {
            words: table("word_embeddings", spec.vocab)?,
            positions: table("position_embeddings", spec.positions)?,
            segments: spec.segments.map(|rows| table("token_type_embeddings", rows)).transpose()?,
            segment_ids: spec.segment_ids,
            position_offset: spec.position_offset,
            norm: norm(&embeddings.pp("LayerNorm"), hidden, spec.eps)?,
            blocks,
            hidden,
        })
    }

    /// The batch's real tokens, packed: `(token id, segment id, position)` per token, and where
    /// each row's tokens went.
    fn pack(batch: &Batch) -> Result<(Vec<(u32, u32, usize)>, Sequences)> {
        let ids = batch.input_ids.to_vec2::<u32>()?;
        let types = batch.token_type_ids.to_vec2::<u32>()?;
        let mask = batch.attention_mask.to_vec2::<u32>()?;
        let mut tokens = Vec::new();
        let mut lengths = Vec::with_capacity(ids.len());
        for ((ids, types), mask) in ids.iter().zip(&types).zip(&mask) {
            let before = tokens.len();
            // BERT numbers positions from the row's start whatever the mask says.
            tokens.extend(ids.iter().zip(types).zip(mask).enumerate().filter(|(_, (_, m))| **m != 0).map(|(p, ((&i, &t), _))| (i, t, p)));
            if tokens.len() == before {
                return Err(Error::InvalidInput("a batch row has no tokens (its attention mask is all zero)".into()));
            }
            lengths.push(tokens.len() - before);
        }
        Ok((tokens, Sequences::from_lengths(lengths)))
    }

    /// Word + position + segment embeddings, normalised: `[tokens, hidden]`.
    fn embed(&self, tokens: &[(u32, u32, usize)]) -> Result<Tensor> {
        let hidden = self.hidden;
        let (words, words_layout) = self.words.storage_and_layout();
        let segments_guard = self.segments.as_ref().map(|t| t.storage_and_layout());
        let (positions, positions_layout) = self.positions.storage_and_layout();
        let (words, positions) = (values(&words, words_layout)?, values(&positions, positions_layout)?);
        // Without segment embeddings (DistilBERT) every token adds a zero row.
        let zeros = vec![0f32; hidden];
        let segments: &[f32] = match &segments_guard {
            Some((storage, layout)) => values(storage, layout)?,
            None => &zeros,
        };
        let row = |table: &[f32], index: usize, what: &str| -> Result<std::ops::Range<usize>> {
            let range = index * hidden..(index + 1) * hidden;
            if range.end > table.len() {
                return Err(Error::InvalidInput(format!("{what} {index} is outside the model's embedding table ({} rows)", table.len() / hidden)));
            }
            Ok(range)
        };
        let rows: Vec<_> = tokens
            .iter()
            .map(|&(id, segment, position)| {
                // RoBERTa adds its one segment row whatever side a token is on; DistilBERT a zero row.
                let segment = if self.segment_ids { segment as usize } else { 0 };
                let position = position + self.position_offset;
                Ok((row(words, id as usize, "token id")?, row(segments, segment, "segment id")?, row(positions, position, "position")?))
            })
            .collect::<Result<_>>()?;
        let mut x = vec![0f32; tokens.len() * hidden];
        let (gamma, beta, eps) = (&self.norm.0, &self.norm.1, self.norm.2);
        team::split_rows(&mut x, hidden, 64, |first, out| {
            for (out, (w, s, p)) in out.chunks_exact_mut(hidden).zip(&rows[first..]) {
                for (((o, a), b), c) in out.iter_mut().zip(&words[w.clone()]).zip(&segments[s.clone()]).zip(&positions[p.clone()]) {
                    *o = a + b + c;
                }
            }
        });
        kernels::layer_norm_in_place(&mut x, gamma, beta, eps);
        Ok(Tensor::from_vec(x, (tokens.len(), hidden), &Device::Cpu)?)
    }

    /// Packed hidden states `[tokens, hidden]`, or `[sequences, hidden]` (first tokens) when
    /// `first_only`.
    fn packed(&self, batch: &Batch, first_only: bool) -> Result<(Tensor, Sequences)> {
        // The pass's kernels split their work over [`team`], whose threads spin between the
        // pass's ~80 parallel regions instead of parking.
        //
        // One pass at a time in the process: each already uses every core, so passes side by
        // side (the service runs the tagger and embedder of several requests while it scores
        // others) only interleave, and every one of them would hold its activations meanwhile.
        // A caller that is a rayon pool thread is not made to wait: blocked there, it could
        // hold up rayon work the running pass waits for (candle's own ops use that pool).
        let _one_at_a_time = rayon::current_thread_index().is_none().then(|| ONE_PASS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        self.packed_unlocked(batch, first_only)
    }

    fn packed_unlocked(&self, batch: &Batch, first_only: bool) -> Result<(Tensor, Sequences)> {
        let (tokens, sequences) = Self::pack(batch)?;
        if sequences.tokens() == 0 {
            return Err(Error::InvalidInput("the batch holds no tokens".into()));
        }
        let first_rows: Vec<u32> = sequences.first_rows().into_iter().map(|r| r as u32).collect();
        let first_rows = Tensor::new(first_rows.as_slice(), &Device::Cpu)?;
        let mut x = self.embed(&tokens)?;
        let last = self.blocks.len().saturating_sub(1);
        for (i, block) in self.blocks.iter().enumerate() {
            let first = first_only && i == last;
            x = block.forward(&x, &sequences, &first_rows, first)?;
        }
        if first_only && self.blocks.is_empty() {
            x = x.index_select(&first_rows, 0)?;
        }
        Ok((x, sequences))
    }
}

impl Encoder for FastBert {
    fn hidden_states(&self, batch: &Batch) -> Result<Tensor> {
        let (batch_size, width) = batch.input_ids.dims2()?;
        let mask = batch.attention_mask.to_vec2::<u32>()?;
        let (packed, _) = self.packed(batch, false)?;
        let packed = packed.to_vec2::<f32>()?;
        // Back to the padded layout the heads read; padding rows are zero.
        let mut padded = vec![0f32; batch_size * width * self.hidden];
        let mut next = packed.iter();
        for (b, row_mask) in mask.iter().enumerate() {
            for (p, &m) in row_mask.iter().enumerate() {
                if m != 0 {
                    if let Some(values) = next.next() {
                        padded[(b * width + p) * self.hidden..][..self.hidden].copy_from_slice(values);
                    }
                }
            }
        }
        Ok(Tensor::from_vec(padded, (batch_size, width, self.hidden), &Device::Cpu)?)
    }
}

/// `BertForSequenceClassification`, `DistilBertForSequenceClassification` and
/// `(XLM)RobertaForSequenceClassification` on the fast path: the head reads the first-token rows
/// the last layer computed alone.
pub struct FastBertClassifier {
    encoder: FastBert,
    head: Head,
}

enum Head {
    Pooler(TanhHead),
    PreClassifier { pre: candle_nn::Linear, out: candle_nn::Linear },
}

impl FastBertClassifier {
    /// Load the encoder and the architecture's head (`bert.pooler.dense` and `classifier`, or
    /// `pre_classifier` and `classifier`).
    pub fn load(vb: VarBuilder, spec: &Spec, num_labels: usize) -> Result<FastBertClassifier> {
        let root = under(&vb, spec.root, "embeddings.word_embeddings.weight");
        let head = match spec.head {
            HeadKind::Pooler => Head::Pooler(TanhHead::load(spec.hidden, num_labels, root.pp("pooler").pp("dense"), vb.pp("classifier"))?),
            HeadKind::ClassificationHead => Head::Pooler(TanhHead::classification_head(spec.hidden, num_labels, &vb)?),
            HeadKind::PreClassifier => Head::PreClassifier {
                pre: candle_nn::linear(spec.hidden, spec.hidden, vb.pp("pre_classifier"))?,
                out: candle_nn::linear(spec.hidden, num_labels, vb.pp("classifier"))?,
            },
        };
        Ok(FastBertClassifier { encoder: FastBert::load(vb.clone(), spec)?, head })
    }
}

impl SequenceClassifier for FastBertClassifier {
    fn logits(&self, batch: &Batch) -> Result<Tensor> {
        let (first, _) = self.encoder.packed(batch, true)?;
        match &self.head {
            Head::Pooler(head) => head.forward_first(&first),
            Head::PreClassifier { pre, out } => {
                use candle_core::Module;
                Ok(out.forward(&pre.forward(&first)?.relu()?)?)
            }
        }
    }

    fn kernels(&self) -> &'static str {
        let Some(block) = self.encoder.blocks.first() else { return "fast" };
        match (&block.qkv.projection.weight, &block.output.projection.weight) {
            #[cfg(target_arch = "x86_64")]
            (Weight::Int8(_), Weight::Bf16(_)) => "fast-int8-amx",
            (Weight::Int8(_), _) => "fast-int8",
            _ => "fast",
        }
    }
}
