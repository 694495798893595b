//! Stage 6, stances: per-sentence stance and sentiment from the model's probabilities, and
//! their aggregation into the actor x topic [`table`].

pub mod table;

use serde::{Deserialize, Serialize};

use crate::mentions::TopicLink;
use crate::model::Probabilities;

pub use table::{ActorSentiment, Evidence, TableRow, aggregate, aggregate_sentiment};

/// A stance label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StanceLabel {
    /// For the topic.
    Favor,
    /// Against the topic.
    Against,
    /// No stance, or mixed.
    Neutral,
}

impl StanceLabel {
    /// "favor", "against", "neutral".
    pub fn as_str(self) -> &'static str {
        match self {
            StanceLabel::Favor => "favor",
            StanceLabel::Against => "against",
            StanceLabel::Neutral => "neutral",
        }
    }
}

/// One actor's stance on one topic in one sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SentenceStance {
    /// The sentence index.
    pub sentence: usize,
    /// The actor id.
    pub actor: String,
    /// The topic id.
    pub topic: String,
    /// P(favor): the "supports" hypothesis is entailed.
    pub favor: f32,
    /// P(against): it is contradicted (or, for binary models, "opposes" is entailed).
    pub against: f32,
    /// P(no stance).
    pub neutral: f32,
    /// The most probable of the three.
    pub label: StanceLabel,
    /// Whether the topic is named in the sentence or carried from context.
    pub link: TopicLink,
}

impl SentenceStance {
    /// From the model's probabilities for "{actor} supports {topic}" and, when asked, for
    /// "{actor} opposes {topic}" (`opposes`). A 3-way model's two answers are averaged (favor =
    /// mean of P(entailed | supports) and P(contradicted | opposes)), which cancels much of the
    /// model's bias toward one phrasing; a binary model (`binary`) only says P(entailed).
    pub fn new(sentence: usize, actor: &str, topic: &str, link: TopicLink, supports: Probabilities, opposes: Option<Probabilities>, binary: bool) -> Self {
        let (favor, against, neutral) = match (opposes, binary) {
            (None, _) => (supports.entailment, supports.contradiction, supports.neutral),
            (Some(opposes), false) => (
                (supports.entailment + opposes.contradiction) / 2.0,
                (supports.contradiction + opposes.entailment) / 2.0,
                (supports.neutral + opposes.neutral) / 2.0,
            ),
            (Some(opposes), true) => {
                let favor = supports.entailment * (1.0 - opposes.entailment);
                let against = opposes.entailment * (1.0 - supports.entailment);
                (favor, against, (1.0 - favor - against).max(0.0))
            }
        };
        let label = if favor >= against && favor >= neutral {
            StanceLabel::Favor
        } else if against >= neutral {
            StanceLabel::Against
        } else {
            StanceLabel::Neutral
        };
        SentenceStance { sentence, actor: actor.to_string(), topic: topic.to_string(), favor, against, neutral, label, link }
    }
}

/// The stances organisations take through the people who speak for them ("Pentagon spokesman
/// John Kirby said ..."): each affiliated person's sentence stance, as the organisation's, where
/// the organisation has none of its own in that sentence.
pub fn spoken_for(stances: &[SentenceStance], mentions: &crate::mentions::Mentions) -> Vec<SentenceStance> {
    let mut derived: Vec<SentenceStance> = Vec::new();
    for affiliation in &mentions.affiliations {
        for stance in stances.iter().filter(|s| s.actor == affiliation.person) {
            let taken = |s: &SentenceStance| s.actor == affiliation.organisation && s.sentence == stance.sentence && s.topic == stance.topic;
            if !stances.iter().any(taken) && !derived.iter().any(taken) {
                derived.push(SentenceStance { actor: affiliation.organisation.clone(), ..stance.clone() });
            }
        }
    }
    derived
}

/// Sentiment toward an actor in one sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SentenceSentiment {
    /// The sentence index.
    pub sentence: usize,
    /// The actor id.
    pub actor: String,
    /// P(positive about the actor).
    pub positive: f32,
    /// P(negative about the actor).
    pub negative: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(e: f32, n: f32, c: f32) -> Probabilities {
        Probabilities { entailment: e, neutral: n, contradiction: c }
    }

    #[test]
    fn three_way_maps_entailment_to_favor_and_contradiction_to_against() {
        let s = SentenceStance::new(0, "a", "t", TopicLink::Alias, p(0.1, 0.2, 0.7), None, false);
        assert_eq!((s.favor, s.against, s.neutral, s.label), (0.1, 0.7, 0.2, StanceLabel::Against));
        let s = SentenceStance::new(0, "a", "t", TopicLink::Alias, p(0.2, 0.5, 0.3), None, false);
        assert_eq!(s.label, StanceLabel::Neutral);
    }

    #[test]
    fn both_phrasings_of_a_three_way_model_are_averaged() {
        // "supports" says entailed 0.6; "opposes" says contradicted 0.8.
        let s = SentenceStance::new(0, "a", "t", TopicLink::Alias, p(0.6, 0.3, 0.1), Some(p(0.1, 0.1, 0.8)), false);
        assert!((s.favor - 0.7).abs() < 1e-6 && (s.against - 0.1).abs() < 1e-6 && (s.neutral - 0.2).abs() < 1e-6);
        assert_eq!(s.label, StanceLabel::Favor);
    }

    #[test]
    fn binary_models_use_supports_and_opposes() {
        let s = SentenceStance::new(0, "a", "t", TopicLink::Alias, p(0.9, 0.1, 0.0), Some(p(0.1, 0.9, 0.0)), true);
        assert_eq!(s.label, StanceLabel::Favor);
        assert!((s.favor + s.against + s.neutral - 1.0).abs() < 1e-6);
    }
}
