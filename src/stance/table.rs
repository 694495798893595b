//! The stance table: one row per (actor, topic), aggregated over the sentences that link them.
//!
//! Each sentence counts by how opinionated it is (1 - P(neutral)) and by how it is tied to the
//! topic (an alias in the sentence, a topic carried from context, a topic close in meaning:
//! [`CONTEXT_WEIGHT`], [`MEANING_WEIGHT`]):
//! - `score` = weighted mean of P(favor) - P(against), in [-1, 1];
//! - `label` = favor / against when the strongest sentence is opinionated (at least
//!   [`MIN_STRENGTH`]) and |score| exceeds [`MIN_NET`]; neutral otherwise;
//! - `confidence` = the chance that the row is right: the raw confidence (weighted mean
//!   probability of the label over the evidence; mean P(neutral) for neutral rows) through a
//!   per-label calibration line ([`CALIBRATION`]).
//!
//! The weights, thresholds and calibration lines were chosen on the actor-stance dev set by
//! `scripts/calibrate_table.py` (micro-F1 over its grid; calibration lines least-squares on
//! whether each row is right); README, "Accuracy on real news", has the figures.

use serde::{Deserialize, Serialize};

use super::{SentenceSentiment, SentenceStance, StanceLabel};
use crate::mentions::{Mentions, TopicLink};
use crate::text::Sentence;

/// Weight of a sentence whose topic was carried from context rather than named (with the
/// stage-6 model trained without dev-set templates, the dev set chose full weight).
pub const CONTEXT_WEIGHT: f32 = 1.0;
/// Weight of a sentence linked to the topic by meaning (sentence embeddings) alone.
pub const MEANING_WEIGHT: f32 = 0.5;
/// The strongest sentence must be at least this opinionated for a favor/against row.
pub const MIN_STRENGTH: f32 = 0.05;
/// |score| must exceed this for favor/against.
pub const MIN_NET: f32 = 0.0;

/// Per label (favor, against, neutral): confidence = slope * raw + intercept, clipped to
/// [0.01, 0.99]. A neutral row says "no stance was found", which on the dev set is seldom the
/// annotated "explicitly neutral", so its calibrated confidence is low.
pub const CALIBRATION: [(f32, f32); 3] = [(0.3395, 0.3248), (0.0140, 0.4525), (4.7792, -4.5870)];

/// The calibrated confidence of a row with this label and raw confidence.
pub fn calibrate(label: StanceLabel, raw: f32) -> f32 {
    let (slope, intercept) = match label {
        StanceLabel::Favor => CALIBRATION[0],
        StanceLabel::Against => CALIBRATION[1],
        StanceLabel::Neutral => CALIBRATION[2],
    };
    (slope * raw + intercept).clamp(0.01, 0.99)
}

/// |mean P(positive) - P(negative)| needed to call sentiment toward an actor positive/negative.
pub const SENTIMENT_MIN: f32 = 0.2;

/// A sentence that supports a table row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// The sentence index.
    pub sentence: usize,
    /// The sentence text.
    pub text: String,
    /// Byte span in the original text.
    pub span: (usize, usize),
    /// P(favor) in this sentence.
    pub favor: f32,
    /// P(against) in this sentence.
    pub against: f32,
    /// P(no stance) in this sentence.
    pub neutral: f32,
    /// Alias or context link to the topic.
    pub link: TopicLink,
}

/// One actor's aggregated stance on one topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TableRow {
    /// Actor id.
    pub actor: String,
    /// Actor's display name.
    pub actor_name: String,
    /// Topic id.
    pub topic: String,
    /// Topic label.
    pub topic_label: String,
    /// favor / against / neutral.
    pub label: StanceLabel,
    /// Net stance in [-1, 1].
    pub score: f32,
    /// The chance that `label` is right, calibrated on annotated news (see [`calibrate`]).
    pub confidence: f32,
    /// Number of sentences linking actor and topic.
    pub sentences: usize,
    /// The sentences, most opinionated first.
    pub evidence: Vec<Evidence>,
}

/// Sentiment toward an actor across the article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ActorSentiment {
    /// Actor id.
    pub actor: String,
    /// Actor's display name.
    pub actor_name: String,
    /// Mean P(positive) - P(negative), in [-1, 1].
    pub score: f32,
    /// positive / negative / neutral.
    pub label: String,
    /// Number of sentences.
    pub sentences: usize,
}

fn weight(stance: &SentenceStance) -> f32 {
    let link = match stance.link {
        TopicLink::Alias => 1.0,
        TopicLink::Context => CONTEXT_WEIGHT,
        TopicLink::Meaning => MEANING_WEIGHT,
    };
    link * (1.0 - stance.neutral).max(0.0)
}

/// Aggregate sentence stances into table rows, ordered by actor then topic as first seen.
pub fn aggregate(stances: &[SentenceStance], sentences: &[Sentence], mentions: &Mentions) -> Vec<TableRow> {
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for s in stances {
        if !keys.contains(&(s.actor.as_str(), s.topic.as_str())) {
            keys.push((s.actor.as_str(), s.topic.as_str()));
        }
    }
    keys.into_iter()
        .map(|(actor, topic)| {
            let group: Vec<&SentenceStance> = stances.iter().filter(|s| s.actor == actor && s.topic == topic).collect();
            row(actor, topic, &group, sentences, mentions)
        })
        .collect()
}

fn row(actor: &str, topic: &str, group: &[&SentenceStance], sentences: &[Sentence], mentions: &Mentions) -> TableRow {
    let total: f32 = group.iter().map(|s| weight(s)).sum();
    let score = if total > 0.0 { group.iter().map(|s| weight(s) * (s.favor - s.against)).sum::<f32>() / total } else { 0.0 };
    let strength = group.iter().map(|s| weight(s)).fold(0.0f32, f32::max);
    let label = if strength < MIN_STRENGTH || score.abs() <= MIN_NET {
        StanceLabel::Neutral
    } else if score > 0.0 {
        StanceLabel::Favor
    } else {
        StanceLabel::Against
    };
    let probability = |s: &SentenceStance| match label {
        StanceLabel::Favor => s.favor,
        StanceLabel::Against => s.against,
        StanceLabel::Neutral => s.neutral,
    };
    let raw = match label {
        StanceLabel::Neutral => group.iter().map(|s| s.neutral).sum::<f32>() / group.len().max(1) as f32,
        _ if total > 0.0 => group.iter().map(|s| weight(s) * probability(s)).sum::<f32>() / total,
        _ => 0.0,
    };
    let confidence = calibrate(label, raw);
    let mut evidence: Vec<Evidence> = group
        .iter()
        .filter_map(|s| {
            let sentence = sentences.get(s.sentence)?;
            Some(Evidence { sentence: s.sentence, text: sentence.text.clone(), span: sentence.span, favor: s.favor, against: s.against, neutral: s.neutral, link: s.link })
        })
        .collect();
    evidence.sort_by(|a, b| (1.0 - b.neutral).total_cmp(&(1.0 - a.neutral)).then(a.sentence.cmp(&b.sentence)));
    let actor_name = mentions.actor(actor).map_or_else(|| actor.to_string(), |a| a.name.clone());
    let topic_label = mentions.topics.iter().find(|t| t.id == topic).map_or_else(|| topic.to_string(), |t| t.label.clone());
    TableRow { actor: actor.into(), actor_name, topic: topic.into(), topic_label, label, score, confidence, sentences: group.len(), evidence }
}

/// Sentiment toward each actor over its sentences.
pub fn aggregate_sentiment(scores: &[SentenceSentiment], mentions: &Mentions) -> Vec<ActorSentiment> {
    mentions
        .actors
        .iter()
        .filter_map(|actor| {
            let mine: Vec<&SentenceSentiment> = scores.iter().filter(|s| s.actor == actor.id).collect();
            if mine.is_empty() {
                return None;
            }
            let score = mine.iter().map(|s| s.positive - s.negative).sum::<f32>() / mine.len() as f32;
            let label = if score >= SENTIMENT_MIN { "positive" } else if score <= -SENTIMENT_MIN { "negative" } else { "neutral" };
            Some(ActorSentiment { actor: actor.id.clone(), actor_name: actor.name.clone(), score, label: label.into(), sentences: mine.len() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Probabilities;

    fn stance(sentence: usize, e: f32, n: f32, c: f32, link: TopicLink) -> SentenceStance {
        SentenceStance::new(sentence, "putin", "shield", link, Probabilities { entailment: e, neutral: n, contradiction: c }, None, false)
    }

    fn sentences(n: usize) -> Vec<Sentence> {
        (0..n).map(|i| Sentence { index: i, span: (i * 10, i * 10 + 9), paragraph: 0, text: format!("Sentence {i}.") }).collect()
    }

    #[test]
    fn opinionated_sentences_outweigh_neutral_ones() {
        let stances = vec![stance(0, 0.05, 0.15, 0.8, TopicLink::Alias), stance(1, 0.1, 0.8, 0.1, TopicLink::Alias)];
        let rows = aggregate(&stances, &sentences(2), &Mentions::default());
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.label, StanceLabel::Against);
        // weights 0.85 and 0.2: (0.85 * -0.75 + 0.2 * 0) / 1.05
        assert!((row.score - (-0.6071)).abs() < 1e-3, "{}", row.score);
        assert_eq!(row.sentences, 2);
        assert_eq!(row.evidence[0].sentence, 0, "most opinionated first");
        // raw: (0.85 * 0.8 + 0.2 * 0.1) / 1.05, then the calibration line.
        let raw = (0.85 * 0.8 + 0.2 * 0.1) / 1.05;
        assert!((row.confidence - calibrate(StanceLabel::Against, raw)).abs() < 1e-5, "{}", row.confidence);
    }

    #[test]
    fn weak_or_mixed_evidence_is_neutral() {
        if MIN_STRENGTH > 0.0 {
            let (e, c) = (MIN_STRENGTH * 0.3, MIN_STRENGTH * 0.2);
            let weak = vec![stance(0, e, 1.0 - e - c, c, TopicLink::Alias)];
            assert_eq!(aggregate(&weak, &sentences(1), &Mentions::default())[0].label, StanceLabel::Neutral);
        }
        let mixed = vec![stance(0, 0.8, 0.1, 0.1, TopicLink::Alias), stance(1, 0.1, 0.1, 0.8, TopicLink::Alias)];
        let row = &aggregate(&mixed, &sentences(2), &Mentions::default())[0];
        assert_eq!(row.label, StanceLabel::Neutral);
        assert!(row.score.abs() < 1e-6);
    }

    #[test]
    fn weaker_links_count_less() {
        assert!(MEANING_WEIGHT < 1.0 && CONTEXT_WEIGHT >= MEANING_WEIGHT);
        let stances = vec![stance(0, 0.9, 0.05, 0.05, TopicLink::Meaning), stance(1, 0.05, 0.05, 0.9, TopicLink::Alias)];
        let row = &aggregate(&stances, &sentences(2), &Mentions::default())[0];
        assert_eq!(row.label, StanceLabel::Against);
    }

    #[test]
    fn calibration_stays_inside_the_unit_interval_and_rises_with_the_model() {
        for label in [StanceLabel::Favor, StanceLabel::Against, StanceLabel::Neutral] {
            let (low, high) = (calibrate(label, 0.0), calibrate(label, 1.0));
            assert!((0.01..=0.99).contains(&low) && (0.01..=0.99).contains(&high));
            assert!(high >= low, "{label:?}");
        }
    }
}
