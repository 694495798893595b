//! The name tagger: a token-classification head (transformers' `BertForTokenClassification`:
//! a linear layer over every token's hidden state) on the shared encoder, tagging people,
//! organisations and places in IOB2. Spans come back as byte offsets into each text.

use candle_core::{D, DType, Module};
use candle_nn::{Linear, linear};

use super::encoder::{self, LoadedEncoder};
use super::scorer::ModelOptions;
use crate::error::{Error, Result};

/// What a tagged span names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A person.
    Person,
    /// An organisation (companies, agencies, parties, armed groups, governments by name).
    Organisation,
    /// A place (countries, cities, regions).
    Location,
}

impl EntityKind {
    fn from_label(label: &str) -> Option<EntityKind> {
        match label {
            "PER" => Some(EntityKind::Person),
            "ORG" => Some(EntityKind::Organisation),
            "LOC" => Some(EntityKind::Location),
            _ => None,
        }
    }
}

/// A tagged name in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Byte offsets into the text.
    pub span: (usize, usize),
    /// What it names.
    pub kind: EntityKind,
    /// Mean probability of the span's tags.
    pub score: f32,
}

/// A loaded name tagger.
pub struct Tagger {
    encoder: LoadedEncoder,
    classifier: Linear,
    /// (is_begin, kind) per label index; `None` for O.
    labels: Vec<Option<(bool, EntityKind)>>,
    options: ModelOptions,
}

impl Tagger {
    /// Load a token-classification model whose `id2label` uses IOB2 tags over PER, ORG and LOC
    /// (other types are ignored).
    pub fn load(spec: &str, options: ModelOptions) -> Result<Tagger> {
        let (encoder, weights) = LoadedEncoder::load(spec, &options)?;
        let labels: Vec<Option<(bool, EntityKind)>> = encoder
            .labels
            .iter()
            .map(|l| {
                let (prefix, kind) = l.split_once('-')?;
                Some((prefix == "B", EntityKind::from_label(kind)?))
            })
            .collect();
        if labels.iter().all(Option::is_none) {
            return Err(Error::model(&encoder.files.id, "id2label has no B-/I- tags over PER, ORG or LOC: not a name tagger"));
        }
        let classifier = linear(encoder.shape.hidden_size, labels.len(), weights.pp("classifier"))
            .map_err(|e| Error::model(&encoder.files.id, format!("no token-classification head: {e}")))?;
        Ok(Tagger { encoder, classifier, labels, options })
    }

    /// Where the tagger came from.
    pub fn id(&self) -> &str {
        &self.encoder.files.id
    }

    /// Names in each text, in order.
    pub fn tag(&self, texts: &[&str]) -> Result<Vec<Vec<Entity>>> {
        let encodings = self.encoder.encode(texts)?;
        let mut out = vec![Vec::new(); texts.len()];
        encoder::batched(&self.encoder, &encodings, &self.options, |batch, rows, hidden, _| {
            let probs = candle_nn::ops::softmax(&self.classifier.forward(&hidden)?, D::Minus1)?.to_dtype(DType::F32)?.to_vec3::<f32>()?;
            for ((&index, encoding), probs) in batch.iter().zip(rows).zip(probs) {
                out[index] = self.decode(texts[index], encoding, &probs);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Word-level IOB2 decoding. A word's tag is its first sub-token's; a word glued to the
    /// previous one with no space ("U" "." "S" "."; "Obama" "'" "s") continues its span, and
    /// possessives and punctuation are trimmed off the ends.
    fn decode(&self, text: &str, encoding: &tokenizers::Encoding, probs: &[Vec<f32>]) -> Vec<Entity> {
        let offsets = encoding.get_offsets();
        let words = encoding.get_word_ids();
        let mut entities: Vec<Entity> = Vec::new();
        let mut open: Option<(usize, usize, EntityKind, Vec<f32>)> = None;
        let mut previous_word = None;
        for (position, word) in words.iter().enumerate() {
            let Some(word) = word else { continue };
            let (start, end) = offsets[position];
            if previous_word == Some(*word) {
                if let Some(span) = open.as_mut() {
                    span.1 = span.1.max(end);
                }
                continue;
            }
            previous_word = Some(*word);
            let row = &probs[position];
            let (best, p) = row.iter().enumerate().fold((0, f32::MIN), |acc, (i, &p)| if p > acc.1 { (i, p) } else { acc });
            let glued = open.as_ref().is_some_and(|span| span.1 == start);
            match (self.labels.get(best).copied().flatten(), open.as_mut()) {
                (Some((false, kind)), Some(span)) if span.2 == kind => {
                    span.1 = end;
                    span.3.push(p);
                }
                (_, Some(span)) if glued => {
                    span.1 = end;
                }
                (Some((_, kind)), _) => {
                    if let Some(span) = open.take() {
                        entities.extend(finish(text, span));
                    }
                    open = Some((start, end, kind, vec![p]));
                }
                (None, _) => {
                    if let Some(span) = open.take() {
                        entities.extend(finish(text, span));
                    }
                }
            }
        }
        if let Some(span) = open.take() {
            entities.extend(finish(text, span));
        }
        entities
    }
}

/// Trim possessives and surrounding punctuation; drop spans with no letter.
fn finish(text: &str, (start, end, kind, scores): (usize, usize, EntityKind, Vec<f32>)) -> Option<Entity> {
    let slice = &text[start..end];
    let body = slice.trim_start_matches(|c: char| !c.is_alphanumeric());
    let leading = slice.len() - body.len();
    let mut body = body;
    loop {
        let before = body.len();
        body = body.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '.');
        for suffix in ["'s", "\u{2019}s", "'", "\u{2019}"] {
            if let Some(stripped) = body.strip_suffix(suffix) {
                body = stripped;
                break;
            }
        }
        // Keep the closing dot of an abbreviation ("U.S."), drop a sentence's full stop.
        if body.ends_with('.') && !body[..body.len() - 1].contains('.') {
            body = &body[..body.len() - 1];
        }
        if body.len() == before {
            break;
        }
    }
    if !body.chars().any(char::is_alphabetic) {
        return None;
    }
    let s = start + leading;
    let score = scores.iter().sum::<f32>() / scores.len().max(1) as f32;
    Some(Entity { span: (s, s + body.len()), kind, score })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_lose_possessives_and_punctuation_but_keep_abbreviations() {
        let text = "\"Obama's\" aides met U.S. officials.";
        let obama = finish(text, (0, 9, EntityKind::Person, vec![0.9])).unwrap();
        assert_eq!(&text[obama.span.0..obama.span.1], "Obama");
        let us = finish(text, (20, 24, EntityKind::Location, vec![0.8, 0.6])).unwrap();
        assert_eq!(&text[us.span.0..us.span.1], "U.S.");
        assert!((us.score - 0.7).abs() < 1e-6);
        let end = finish("Putin.", (0, 6, EntityKind::Person, vec![1.0])).unwrap();
        assert_eq!(end.span, (0, 5));
        assert!(finish("--", (0, 2, EntityKind::Person, vec![1.0])).is_none());
    }
}
