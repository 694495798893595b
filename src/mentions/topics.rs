//! Topics: the issues stances are about. They come from TOML topic packs (`models/topics/`)
//! or from the caller, and a sentence is about a topic when one of its aliases appears in it,
//! or, with lower weight, when it continues a sentence that named the topic.

use serde::{Deserialize, Serialize};

use super::matching::{find_phrase, longest_non_overlapping, slug};
use crate::error::{Error, Result};
use crate::text::Sentence;

/// An issue actors can be for or against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Topic {
    /// Stable id, e.g. `iran-sanctions`.
    pub id: String,
    /// The phrase hypotheses use: "{actor} supports {label}."
    pub label: String,
    /// Phrases that mark a sentence as being about this topic (case-insensitive).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// A named set of topics, loaded from TOML.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
pub struct TopicPack {
    /// The pack's name (`--pack NAME`).
    pub name: String,
    /// One line on what the pack covers.
    #[serde(default)]
    pub description: String,
    /// The topics.
    #[serde(rename = "topic")]
    pub topics: Vec<Topic>,
}

/// Packs compiled into the binary, so it works from any directory.
const BUILTIN_PACKS: &[(&str, &str)] =
    &[("world-affairs", include_str!("../../models/topics/world-affairs.toml"))];

impl TopicPack {
    /// Parse a pack from TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self> {
        let pack: TopicPack = toml::from_str(text)
            .map_err(|e| Error::InvalidInput(format!("topic pack {origin}: {e}")))?;
        for topic in &pack.topics {
            if topic.id.trim().is_empty() || topic.label.trim().is_empty() {
                return Err(Error::InvalidInput(format!("topic pack {origin}: a topic has an empty id or label")));
            }
        }
        Ok(pack)
    }

    /// The packs shipped with Standpoint.
    pub fn builtin() -> Result<Vec<TopicPack>> {
        BUILTIN_PACKS.iter().map(|(name, text)| TopicPack::from_toml(text, name)).collect()
    }

    /// A built-in pack by name, or a pack file by path.
    pub fn find(name_or_path: &str) -> Result<TopicPack> {
        let path = std::path::Path::new(name_or_path);
        if name_or_path.ends_with(".toml") {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            return TopicPack::from_toml(&text, name_or_path);
        }
        let packs = TopicPack::builtin()?;
        let known = packs.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
        packs
            .into_iter()
            .find(|p| p.name == name_or_path)
            .ok_or_else(|| Error::UnknownPack { name: name_or_path.to_string(), known })
    }
}

impl Topic {
    /// Parse a caller's topic spec: `"label=alias,alias"` or just `"label"` (its own alias).
    pub fn parse_spec(spec: &str) -> Result<Topic> {
        let (label, aliases) = match spec.split_once('=') {
            Some((label, aliases)) => (label.trim(), aliases.split(',').map(str::trim).filter(|a| !a.is_empty()).collect()),
            None => (spec.trim(), Vec::new()),
        };
        if label.is_empty() {
            return Err(Error::InvalidInput(format!("topic {spec:?} has an empty label; write \"label=alias,alias\"")));
        }
        let mut aliases: Vec<String> = aliases.into_iter().map(String::from).collect();
        if aliases.is_empty() {
            aliases.push(label.to_string());
        }
        Ok(Topic { id: slug(label), label: label.to_string(), aliases })
    }
}

/// How a sentence came to be linked to a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopicLink {
    /// One of the topic's aliases appears in the sentence.
    Alias,
    /// The sentence continues one that named the topic (same paragraph, or "it"/"this").
    Context,
    /// The sentence's embedding is close to the topic's ([`MEANING_THRESHOLD`]).
    Meaning,
}

/// Cosine similarity between a sentence and a topic (label and aliases embedded) at which the
/// sentence is about the topic without naming it. Chosen on the actor-stance dev set (see
/// README, "Accuracy on real news").
pub const MEANING_THRESHOLD: f32 = 0.65;

/// A topic found in a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TopicMention {
    /// The topic's id.
    pub topic: String,
    /// The sentence index.
    pub sentence: usize,
    /// Byte span in the original text (the alias), or the whole sentence for context links.
    pub span: (usize, usize),
    /// How it was linked.
    pub link: TopicLink,
}

/// How many sentences back a word that refers back ("it", "the claim") can reach for its topic.
const ANAPHORA_REACH: usize = 3;

/// Words that refer back to something named just before.
const ANAPHORA: &[&str] = &["it", "this", "these", "the plan", "the proposal", "the idea", "the move"];

/// Refusals to comment refer back too: "The Pentagon would not comment on specific cases" is
/// about the claim just reported, and declining to comment is a position the stance table
/// records (neutral).
const COMMENT_REFUSALS: &[&str] = &[
    "declined to comment",
    "refused to comment",
    "would not comment",
    "will not comment",
    "do not comment",
    "does not comment",
    "did not comment",
    "no comment",
    "declined to discuss",
    "would not discuss",
    "declined to confirm",
    "not confirm",
    "not immediately confirm",
    "not independently confirm",
    "neither confirm nor deny",
    "declined to elaborate",
];

/// Find topic mentions in every sentence, then carry topics into continuing sentences.
pub fn find(sentences: &[Sentence], topics: &[Topic]) -> Vec<TopicMention> {
    find_with(sentences, topics, None, MEANING_THRESHOLD)
}

/// [`find`], and with `similarity` (`[sentence][topic]` cosine) a sentence that names no alias
/// of a topic is still about it when its similarity reaches `threshold` (by default
/// [`MEANING_THRESHOLD`]).
pub fn find_with(sentences: &[Sentence], topics: &[Topic], similarity: Option<&[Vec<f32>]>, threshold: f32) -> Vec<TopicMention> {
    let mut mentions = Vec::new();
    // (paragraph, index, topics) of the last sentence that named or carried a topic.
    let mut previous: Option<(usize, usize, Vec<String>)> = None;
    for sentence in sentences {
        let mut candidates = Vec::new();
        for topic in topics {
            for alias in &topic.aliases {
                for span in find_phrase(&sentence.text, alias, true) {
                    candidates.push((span, topic.id.clone()));
                }
            }
        }
        let direct = longest_non_overlapping(candidates);
        let mut here: Vec<String> = Vec::new();
        for ((start, end), topic) in direct {
            if !here.contains(&topic) {
                here.push(topic.clone());
            }
            let offset = sentence.span.0;
            mentions.push(TopicMention { topic, sentence: sentence.index, span: (offset + start, offset + end), link: TopicLink::Alias });
        }
        let carry_from = here.clone();
        if let Some(row) = similarity.and_then(|s| s.get(sentence.index)) {
            for (topic, score) in topics.iter().zip(row) {
                if *score >= threshold && !here.contains(&topic.id) {
                    mentions.push(TopicMention { topic: topic.id.clone(), sentence: sentence.index, span: sentence.span, link: TopicLink::Meaning });
                    here.push(topic.id.clone());
                }
            }
        }
        // Only topics a sentence names (or carries on) are carried into the next one.
        let mut carried_on = carry_from.clone();
        if carry_from.is_empty() {
            if let Some((paragraph, at, carried)) = &previous {
                let refers_back = ANAPHORA.iter().chain(COMMENT_REFUSALS).any(|w| !find_phrase(&sentence.text, w, true).is_empty());
                let next = *at + 1 == sentence.index;
                if next && *paragraph == sentence.paragraph || refers_back && *at + ANAPHORA_REACH >= sentence.index {
                    for topic in carried.iter().filter(|t| !here.contains(t)) {
                        mentions.push(TopicMention { topic: topic.clone(), sentence: sentence.index, span: sentence.span, link: TopicLink::Context });
                    }
                    carried_on = carried.clone();
                }
            }
        }
        if !carried_on.is_empty() {
            previous = Some((sentence.paragraph, sentence.index, carried_on));
        }
    }
    mentions
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::sentences;

    #[test]
    fn builtin_pack_loads_and_covers_the_seed_issues() {
        let pack = TopicPack::find("world-affairs").unwrap();
        for id in ["us-missile-shield-eastern-europe", "missile-defense-cooperation", "iran-sanctions", "iran-nuclear-program"] {
            assert!(pack.topics.iter().any(|t| t.id == id), "{id} missing");
        }
        assert!(pack.topics.len() >= 60, "a broad default pack: {} topics", pack.topics.len());
        let mut ids: Vec<&str> = pack.topics.iter().map(|t| t.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), pack.topics.len(), "topic ids are unique");
    }

    #[test]
    fn unknown_pack_is_a_clear_error() {
        let err = TopicPack::find("no-such-pack").unwrap_err();
        assert_eq!(err.code(), "unknown_pack");
        assert!(err.to_string().contains("world-affairs"));
    }

    #[test]
    fn parses_caller_specs() {
        let topic = Topic::parse_spec("the carbon tax=carbon tax, CO2 levy").unwrap();
        assert_eq!(topic.id, "the-carbon-tax");
        assert_eq!(topic.aliases, vec!["carbon tax", "CO2 levy"]);
        assert_eq!(Topic::parse_spec("tariffs").unwrap().aliases, vec!["tariffs"]);
        assert!(Topic::parse_spec(" =x").is_err());
    }

    #[test]
    fn aliases_and_context_links() {
        let text = "Paris backs the carbon tax. The minister said more was needed.\n\nIt was costly, critics said.\n\nRain fell.";
        let topics = vec![Topic::parse_spec("the carbon tax=carbon tax").unwrap()];
        let found = find(&sentences(text), &topics);
        let links: Vec<(usize, TopicLink)> = found.iter().map(|m| (m.sentence, m.link)).collect();
        assert_eq!(links, vec![(0, TopicLink::Alias), (1, TopicLink::Context), (2, TopicLink::Context)]);
        assert_eq!(&text[found[0].span.0..found[0].span.1], "carbon tax");
    }

    #[test]
    fn a_word_that_refers_back_reaches_a_few_sentences() {
        // "it" two sentences after the topic, across paragraphs, is still about it; five
        // sentences on, it is not.
        let text = "Paris backs the carbon tax.\n\nThe minister spoke.\n\nIt is fair, she said.\n\nRain fell.\n\nSnow fell.\n\nWind blew.\n\nIt was cold.";
        assert_eq!(links(text, "the carbon tax=carbon tax"), vec![(0, TopicLink::Alias), (2, TopicLink::Context)]);
    }

    #[test]
    fn a_refusal_to_comment_is_about_the_topic_just_reported() {
        let text = "Officials said the detainees had resumed contact with militants.\n\nThe weather was fine.\n\nThe Pentagon would not comment on specific cases.";
        assert_eq!(links(text, "the report=resumed contact"), vec![(0, TopicLink::Alias), (2, TopicLink::Context)]);
        let text = "Officials said the detainees had resumed contact with militants.\n\nThe Pentagon could not immediately confirm the reports.";
        assert_eq!(links(text, "the report=resumed contact"), vec![(0, TopicLink::Alias), (1, TopicLink::Context)]);
    }

    /// (sentence, link) of every topic mention of one topic given as a caller spec.
    fn links(text: &str, spec: &str) -> Vec<(usize, TopicLink)> {
        let topics = vec![Topic::parse_spec(spec).unwrap()];
        find(&sentences(text), &topics).iter().map(|m| (m.sentence, m.link)).collect()
    }
}
