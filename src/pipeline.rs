//! The one library call every shell uses: [`Pipeline::analyze`] takes an article and options and
//! returns a [`Report`]. [`Pipeline::analyze_batch`] does the same for many articles, scoring
//! all their pairs together so the model runs full batches.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::claims::{self, Claim, Question, Templates};
use crate::error::{Error, Result};
use crate::mentions::{self, Actor, Topic, TopicPack};
use crate::model::{Embedder, Entity, ModelOptions, Probabilities, Scorer, Tagger, embedder::cosine};
use crate::report::{ArticleMeta, Report, SCHEMA_VERSION, Timings};
use crate::stance::{self, SentenceSentiment, SentenceStance};
use crate::text;

/// The topic pack used when the caller names neither a pack nor topics.
pub const DEFAULT_PACK: &str = "world-affairs";

/// Templates used when a model directory ships none (the default model's own file).
const FALLBACK_TEMPLATES: &str = include_str!("../models/standpoint-nli-minilm/templates.toml");

/// A news article.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Article {
    /// Caller's id; a content hash is used when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// Headline.
    #[serde(default)]
    pub title: Option<String>,
    /// Publication date (ISO 8601 recommended).
    #[serde(default)]
    pub date: Option<String>,
    /// The text, as published.
    pub text: String,
}

impl Article {
    /// An article with only text.
    pub fn from_text(text: impl Into<String>) -> Article {
        Article { text: text.into(), ..Article::default() }
    }

    /// The caller's id, or `sha256:` and 16 hex digits of the text.
    pub fn key(&self) -> String {
        match &self.id {
            Some(id) if !id.trim().is_empty() => id.clone(),
            _ => format!("sha256:{}", &hex::encode(Sha256::digest(self.text.as_bytes()))[..16]),
        }
    }
}

/// Bounds that keep one request from taking the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Bytes of text.
    pub max_text_bytes: usize,
    /// Sentences after splitting.
    pub max_sentences: usize,
    /// Caller-given actors.
    pub max_actors: usize,
    /// Topics after resolving the pack and caller topics.
    pub max_topics: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_text_bytes: 1_000_000, max_sentences: 2_000, max_actors: 200, max_topics: 200 }
    }
}

/// What to look for in an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// A built-in topic pack name, or a path to a pack `.toml`.
    #[serde(default)]
    pub pack: Option<String>,
    /// Topics named by the caller (added to the pack's).
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// Actors named by the caller, trusted first.
    #[serde(default)]
    pub actors: Vec<Actor>,
    /// Also find actors through the gazetteer and person names in the text.
    #[serde(default = "yes")]
    pub discover_actors: bool,
    /// Also score sentiment toward each actor.
    #[serde(default = "yes")]
    pub sentiment: bool,
    /// Ask both "supports" and "opposes" for every stance and average the answers (twice the
    /// stance pairs; more accurate, see the model card). Binary models always ask both.
    #[serde(default = "yes")]
    pub both_phrasings: bool,
    /// Cosine similarity at which a sentence is about a topic it does not name (sentence
    /// embeddings; needs an embedder). Above 1 turns linking by meaning off.
    #[serde(default = "meaning_threshold")]
    pub topic_similarity: f32,
    /// Size bounds.
    #[serde(default)]
    pub limits: Limits,
}

fn meaning_threshold() -> f32 {
    mentions::topics::MEANING_THRESHOLD
}

fn yes() -> bool {
    true
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pack: None,
            topics: Vec::new(),
            actors: Vec::new(),
            discover_actors: true,
            sentiment: true,
            both_phrasings: true,
            topic_similarity: meaning_threshold(),
            limits: Limits::default(),
        }
    }
}

impl Options {
    /// The topics to look for: the pack's (the default pack when nothing is named) plus the
    /// caller's; a caller topic with a pack topic's id replaces it.
    pub fn resolve_topics(&self) -> Result<Vec<Topic>> {
        let pack_name = match (&self.pack, self.topics.is_empty()) {
            (Some(name), _) => Some(name.as_str()),
            (None, true) => Some(DEFAULT_PACK),
            (None, false) => None,
        };
        let mut topics = match pack_name {
            Some(name) => TopicPack::find(name)?.topics,
            None => Vec::new(),
        };
        for topic in &self.topics {
            if topic.label.trim().is_empty() || topic.id.trim().is_empty() {
                return Err(Error::InvalidInput("a topic has an empty id or label".into()));
            }
            topics.retain(|t| t.id != topic.id);
            topics.push(topic.clone());
        }
        if topics.len() > self.limits.max_topics {
            return Err(Error::InvalidInput(format!("{} topics; at most {} are allowed", topics.len(), self.limits.max_topics)));
        }
        Ok(topics)
    }
}

/// Which models a pipeline loads: the stance cross-encoder, and optionally the name tagger and
/// the sentence embedder (directories or hub ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSet {
    /// The cross-encoder.
    pub stance: String,
    /// The name tagger, if any.
    pub tagger: Option<String>,
    /// The sentence embedder, if any.
    pub embedder: Option<String>,
}

/// Where the shipped models live under the repository (or install) root.
pub const SHIPPED_STANCE: &str = "models/standpoint-nli-minilm";
/// The shipped name tagger: a LoRA adapter over the base encoder.
pub const SHIPPED_TAGGER: &str = "models/standpoint-ner-minilm";
/// The base encoder, fetched by `scripts/fetch-base-model`; also the sentence embedder.
pub const SHIPPED_BASE: &str = "models/base/all-MiniLM-L6-v2";

impl ModelSet {
    /// The models shipped under `root`: the stance model always, the tagger and the embedder when
    /// the base encoder they need has been fetched.
    pub fn shipped(root: &std::path::Path) -> ModelSet {
        let base_ready = root.join(SHIPPED_BASE).join("model.safetensors").is_file();
        let tagger = root.join(SHIPPED_TAGGER);
        ModelSet {
            stance: root.join(SHIPPED_STANCE).display().to_string(),
            tagger: (base_ready && tagger.join("adapter_model.safetensors").is_file()).then(|| tagger.display().to_string()),
            embedder: base_ready.then(|| root.join(SHIPPED_BASE).display().to_string()),
        }
    }
}

/// A loaded model plus its hypothesis templates: everything needed to analyse articles. The
/// name tagger and the sentence embedder are optional: without them actors come from the
/// gazetteer and name patterns, and topics from their aliases only.
pub struct Pipeline {
    scorer: Scorer,
    templates: Templates,
    tagger: Option<Tagger>,
    embedder: Option<Embedder>,
}

/// An article taken through every stage before the model: its pairs are ready to score.
/// Shells that schedule model work themselves (the service's inference queue, the batch
/// runner) call [`Pipeline::prepare`], score [`PreparedArticle::pairs`], then
/// [`Pipeline::finish`].
pub struct PreparedArticle {
    meta: ArticleMeta,
    sentences: Vec<text::Sentence>,
    mentions: mentions::Mentions,
    claims: Vec<Claim>,
    counter_hypotheses: Vec<Option<String>>,
    started: Instant,
}

impl Pipeline {
    /// Load the model at `model` (directory or hub id) and its templates.
    pub fn load(model: &str, options: ModelOptions) -> Result<Pipeline> {
        Pipeline::from_scorer(Scorer::load(model, options)?)
    }

    /// Load every model of `set`.
    pub fn load_set(set: &ModelSet, options: ModelOptions) -> Result<Pipeline> {
        let mut pipeline = Pipeline::load(&set.stance, options.clone())?;
        if let Some(tagger) = &set.tagger {
            pipeline = pipeline.with_tagger(Tagger::load(tagger, options.clone())?);
        }
        if let Some(embedder) = &set.embedder {
            pipeline = pipeline.with_embedder(Embedder::load(embedder, options)?);
        }
        Ok(pipeline)
    }

    /// Wrap an already-loaded scorer.
    pub fn from_scorer(scorer: Scorer) -> Result<Pipeline> {
        let templates = match scorer.templates_path() {
            Some(path) => Templates::load(path)?,
            None => Templates::from_toml(FALLBACK_TEMPLATES).map_err(|m| Error::model("built-in templates", m))?,
        };
        Ok(Pipeline { scorer, templates, tagger: None, embedder: None })
    }

    /// Find people and organisations with this name tagger too.
    pub fn with_tagger(mut self, tagger: Tagger) -> Pipeline {
        self.tagger = Some(tagger);
        self
    }

    /// Link sentences to topics by meaning with this sentence embedder too.
    pub fn with_embedder(mut self, embedder: Embedder) -> Pipeline {
        self.embedder = Some(embedder);
        self
    }

    /// Keep the embedder's topic-phrase vectors in `dir` between runs (see
    /// [`crate::model::phrase_cache`]); nothing changes without an embedder.
    pub fn with_phrase_cache(mut self, dir: &std::path::Path) -> Pipeline {
        self.embedder = self.embedder.map(|e| e.with_disk_cache(dir));
        self
    }

    /// The name tagger, when one is loaded.
    pub fn tagger(&self) -> Option<&Tagger> {
        self.tagger.as_ref()
    }

    /// The sentence embedder, when one is loaded.
    pub fn embedder(&self) -> Option<&Embedder> {
        self.embedder.as_ref()
    }

    /// The scorer (for model info and benchmarks).
    pub fn scorer(&self) -> &Scorer {
        &self.scorer
    }

    /// The hypothesis templates in use.
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// Analyse one article.
    pub fn analyze(&self, article: &Article, options: &Options) -> Result<Report> {
        let prepared = self.prepare(article, options)?;
        let (probabilities, stats) = self.scorer.score(&prepared.pairs())?;
        Ok(self.finish(prepared, &probabilities, stats.millis, stats.unique_pairs, stats.batches))
    }

    /// Analyse many articles, scoring all their pairs in shared batches. Each article gets its
    /// own result: one bad article does not fail the others.
    pub fn analyze_batch(&self, items: &[(Article, Options)]) -> Result<Vec<Result<Report>>> {
        let prepared: Vec<Result<PreparedArticle>> = items.iter().map(|(a, o)| self.prepare(a, o)).collect();
        let mut all_pairs: Vec<(&str, &str)> = Vec::new();
        for p in prepared.iter().flatten() {
            all_pairs.extend(p.pairs());
        }
        let (probabilities, stats) = self.scorer.score(&all_pairs)?;
        let mut offset = 0;
        let total_pairs = all_pairs.len().max(1) as f64;
        Ok(prepared
            .into_iter()
            .map(|p| {
                let p = p?;
                let n = p.pair_count();
                let share = stats.millis * n as f64 / total_pairs;
                let report = self.finish(p, &probabilities[offset..offset + n], share, n, stats.batches);
                offset += n;
                Ok(report)
            })
            .collect())
    }

    /// Every stage before the model: validate, split, find mentions, build claims.
    pub fn prepare(&self, article: &Article, options: &Options) -> Result<PreparedArticle> {
        let started = Instant::now();
        let limits = &options.limits;
        if article.text.len() > limits.max_text_bytes {
            return Err(Error::InvalidInput(format!("the text has {} bytes; at most {} are allowed", article.text.len(), limits.max_text_bytes)));
        }
        if article.text.trim().is_empty() {
            return Err(Error::EmptyText("no text was given".into()));
        }
        if options.actors.len() > limits.max_actors {
            return Err(Error::InvalidInput(format!("{} actors; at most {} are allowed", options.actors.len(), limits.max_actors)));
        }
        if let Some(actor) = options.actors.iter().find(|a| a.name.trim().is_empty() || a.aliases.iter().all(|x| x.trim().is_empty())) {
            return Err(Error::InvalidInput(format!("actor {:?} has no name or aliases", actor.id)));
        }
        let topics = options.resolve_topics()?;
        let sentences = text::sentences(&article.text);
        if sentences.is_empty() {
            return Err(Error::EmptyText("no sentences were left after removing page furniture".into()));
        }
        if sentences.len() > limits.max_sentences {
            return Err(Error::InvalidInput(format!("{} sentences; at most {} are allowed", sentences.len(), limits.max_sentences)));
        }
        let texts: Vec<&str> = sentences.iter().map(|s| s.text.as_str()).collect();
        let entities: Option<Vec<Vec<Entity>>> = match (&self.tagger, options.discover_actors) {
            (Some(tagger), true) => Some(tagger.tag(&texts)?),
            _ => None,
        };
        let similarity = match &self.embedder {
            Some(embedder) if !topics.is_empty() && options.topic_similarity <= 1.0 => Some(topic_similarity(embedder, &texts, &topics)?),
            _ => None,
        };
        let signals = mentions::Signals { entities: entities.as_deref(), topic_similarity: similarity.as_deref(), meaning_threshold: options.topic_similarity };
        let found = mentions::find_with(&article.text, &sentences, &options.actors, &topics, options.discover_actors, signals);
        let claims = claims::build(&sentences, &found, &self.templates, options.sentiment);
        // "opposes" is asked too when wanted, and always of a binary entailment model.
        let ask_opposes = options.both_phrasings || self.scorer.labels().is_binary();
        let counter_hypotheses = claims
            .iter()
            .map(|c| match (&c.question, ask_opposes) {
                (Question::Stance { topic, .. }, true) => {
                    let label = found.topics.iter().find(|t| t.id == *topic).map_or(topic.as_str(), |t| t.label.as_str());
                    Some(self.templates.opposition(&c.actor_name, label))
                }
                _ => None,
            })
            .collect();
        let meta = ArticleMeta { id: article.key(), title: article.title.clone(), date: article.date.clone() };
        Ok(PreparedArticle { meta, sentences, mentions: found, claims, counter_hypotheses, started })
    }

    /// Every stage after the model. `probabilities` are those of [`PreparedArticle::pairs`], in
    /// order; the cost figures go into the report's timings.
    pub fn finish(&self, prepared: PreparedArticle, probabilities: &[Probabilities], scoring_ms: f64, unique_pairs: usize, batches: usize) -> Report {
        let pairs = prepared.pair_count();
        let PreparedArticle { meta, sentences, mentions, claims, counter_hypotheses, started } = prepared;
        let mut stances = Vec::new();
        let mut sentence_sentiment = Vec::new();
        let mut counters = probabilities[claims.len()..].iter();
        let binary = self.scorer.labels().is_binary();
        for ((claim, probs), counter) in claims.iter().zip(probabilities).zip(&counter_hypotheses) {
            let counter = counter.as_ref().and_then(|_| counters.next().copied());
            match &claim.question {
                Question::Stance { topic, link } => {
                    stances.push(SentenceStance::new(claim.sentence, &claim.actor, topic, *link, *probs, counter, binary));
                }
                Question::Sentiment => sentence_sentiment.push(SentenceSentiment {
                    sentence: claim.sentence,
                    actor: claim.actor.clone(),
                    positive: probs.entailment,
                    negative: probs.contradiction,
                }),
            }
        }
        stances.extend(stance::spoken_for(&stances, &mentions));
        let table = stance::aggregate(&stances, &sentences, &mentions);
        let sentiment = stance::aggregate_sentiment(&sentence_sentiment, &mentions);
        let timings = Timings {
            total_ms: started.elapsed().as_secs_f64() * 1000.0,
            scoring_ms,
            pairs,
            unique_pairs,
            batches,
        };
        Report {
            schema_version: SCHEMA_VERSION.into(),
            model: self.scorer.info().clone(),
            article: meta,
            sentences,
            mentions,
            stances,
            sentence_sentiment,
            sentiment,
            table,
            timings,
        }
    }
}

/// `[sentence][topic]`: each sentence's cosine to the closest of the topic's label and aliases.
fn topic_similarity(embedder: &Embedder, sentences: &[&str], topics: &[Topic]) -> Result<Vec<Vec<f32>>> {
    let sentence_vectors = embedder.embed(sentences)?;
    let mut phrases: Vec<&str> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    for (index, topic) in topics.iter().enumerate() {
        for phrase in std::iter::once(&topic.label).chain(&topic.aliases) {
            phrases.push(phrase);
            owner.push(index);
        }
    }
    let phrase_vectors = embedder.embed_cached(&phrases)?;
    Ok(sentence_vectors
        .iter()
        .map(|s| {
            let mut best = vec![f32::MIN; topics.len()];
            for (vector, &topic) in phrase_vectors.iter().zip(&owner) {
                best[topic] = best[topic].max(cosine(s, vector));
            }
            best
        })
        .collect())
}

impl PreparedArticle {
    /// The (premise, hypothesis) pairs to score: every claim, then a binary model's "opposes"
    /// counter-questions in claim order.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut pairs: Vec<(&str, &str)> = self.claims.iter().map(|c| (c.premise.as_str(), c.hypothesis.as_str())).collect();
        for (claim, counter) in self.claims.iter().zip(&self.counter_hypotheses) {
            if let Some(hypothesis) = counter {
                pairs.push((claim.premise.as_str(), hypothesis.as_str()));
            }
        }
        pairs
    }

    /// How many pairs [`PreparedArticle::pairs`] yields, without building them.
    pub fn pair_count(&self) -> usize {
        self.claims.len() + self.counter_hypotheses.iter().flatten().count()
    }

    /// The article's id in the report.
    pub fn id(&self) -> &str {
        &self.meta.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pack_when_nothing_named() {
        let topics = Options::default().resolve_topics().unwrap();
        assert!(topics.iter().any(|t| t.id == "iran-sanctions"));
    }

    #[test]
    fn caller_topics_alone_skip_the_default_pack() {
        let options = Options { topics: vec![Topic::parse_spec("tariffs").unwrap()], ..Options::default() };
        assert_eq!(options.resolve_topics().unwrap().len(), 1);
    }

    #[test]
    fn too_many_topics_is_invalid_input() {
        let topics = (0..5).map(|i| Topic::parse_spec(&format!("t{i}")).unwrap()).collect();
        let options = Options { topics, limits: Limits { max_topics: 3, ..Limits::default() }, ..Options::default() };
        assert_eq!(options.resolve_topics().unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn article_keys_fall_back_to_a_content_hash() {
        let a = Article::from_text("Some text.");
        assert!(a.key().starts_with("sha256:"));
        assert_eq!(a.key(), Article::from_text("Some text.").key());
        assert_eq!(Article { id: Some("x1".into()), ..a }.key(), "x1");
    }
}
