//! Stage 4, claims: the questions the model is asked. For every sentence and every
//! (stance-holder, topic) it links, one hypothesis such as "Vladimir Putin supports the planned
//! US missile shield." For every (sentence, actor), one sentiment hypothesis. The phrasing comes
//! from the model's `templates.toml`, the same file its training data was built from. Within a
//! sentence, clause boundaries decide which topics an actor named only in a concession is asked
//! about, and drop a third party's concession from the premise (see `Scope`).

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::mentions::matching::find_phrase;
use crate::mentions::{Actor, ActorLink, Mentions, TopicLink};
use crate::text::clauses::{self, Clause};
use crate::text::{Sentence, capitalise};

/// The hypothesis templates that ship with a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Templates {
    /// "{actor} supports {topic}."
    pub supports: String,
    /// "{actor} opposes {topic}." (asked separately of binary entailment models)
    pub opposes: String,
    /// Ways to put a text in an actor's mouth; the first frames carried-over quotes.
    pub speech_forms: Vec<String>,
    /// "The text is positive about {target}."
    pub positive: String,
}

#[derive(Deserialize)]
struct TemplatesFile {
    stance: StanceTemplates,
    speech: SpeechTemplates,
    sentiment: SentimentTemplates,
}

#[derive(Deserialize)]
struct StanceTemplates {
    supports: String,
    opposes: String,
}

#[derive(Deserialize)]
struct SpeechTemplates {
    forms: Vec<String>,
}

#[derive(Deserialize)]
struct SentimentTemplates {
    positive: String,
}

impl Templates {
    /// Read `templates.toml` from a model directory.
    pub fn load(path: &Path) -> Result<Templates> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Templates::from_toml(&text).map_err(|message| Error::model(path.display(), message))
    }

    /// Parse templates from TOML text, checking their placeholders.
    pub fn from_toml(text: &str) -> std::result::Result<Templates, String> {
        let file: TemplatesFile = toml::from_str(text).map_err(|e| format!("templates.toml: {e}"))?;
        let templates = Templates { supports: file.stance.supports, opposes: file.stance.opposes, speech_forms: file.speech.forms, positive: file.sentiment.positive };
        for (name, template) in [("supports", &templates.supports), ("opposes", &templates.opposes)] {
            if !template.contains("{actor}") || !template.contains("{topic}") {
                return Err(format!("stance.{name} needs {{actor}} and {{topic}}"));
            }
        }
        if !templates.positive.contains("{target}") {
            return Err("sentiment.positive needs {target}".into());
        }
        if templates.speech_forms.iter().any(|f| !f.contains("{actor}") || !f.contains("{text}")) || templates.speech_forms.is_empty() {
            return Err("speech.forms need {actor} and {text}".into());
        }
        Ok(templates)
    }

    /// "Vladimir Putin supports tougher sanctions against Iran."
    pub fn stance(&self, actor: &str, topic: &str) -> String {
        capitalise(&self.supports.replace("{actor}", actor).replace("{topic}", topic))
    }

    /// "Vladimir Putin opposes tougher sanctions against Iran."
    pub fn opposition(&self, actor: &str, topic: &str) -> String {
        capitalise(&self.opposes.replace("{actor}", actor).replace("{topic}", topic))
    }

    /// "The text is positive about Vladimir Putin."
    pub fn sentiment(&self, target: &str) -> String {
        capitalise(&self.positive.replace("{target}", target))
    }

    /// "Vladimir Putin said: ..." for quoted speech whose speaker was named earlier.
    pub fn speech(&self, actor: &str, text: &str) -> String {
        self.speech_forms[0].replace("{actor}", actor).replace("{text}", text)
    }
}

/// What a claim asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// Does the actor support the topic? `link` says how the sentence is tied to the topic.
    Stance {
        /// The topic id.
        topic: String,
        /// Alias in the sentence, or carried from context.
        link: TopicLink,
    },
    /// Is the sentence positive or negative about the actor?
    Sentiment,
}

/// One (premise, hypothesis) pair for the model, with what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The sentence index.
    pub sentence: usize,
    /// The actor id.
    pub actor: String,
    /// How the hypothesis names the actor: as this sentence does ("Bush"), or by its phrase
    /// where the premise has the name written in (pronouns, carried quotes).
    pub actor_name: String,
    /// What is asked.
    pub question: Question,
    /// The premise: the sentence, or the quote framed as its speaker's words.
    pub premise: String,
    /// The hypothesis.
    pub hypothesis: String,
}

/// Where in a sentence each stance-holder and topic is named, by clause (see
/// [`crate::text::clauses`]), so that a third party's concession neither speaks for the
/// sentence's subject nor reaches a topic it is not about.
struct Scope<'a> {
    text: &'a str,
    clauses: Vec<Clause>,
    /// (actor id, clause) for each mention outside quotes.
    actors: Vec<(&'a str, usize)>,
    /// (topic id, clause) for each alias mention.
    topics: Vec<(&'a str, usize)>,
}

impl<'a> Scope<'a> {
    fn new(sentence: &'a Sentence, mentions: &'a Mentions) -> Self {
        let clauses = clauses::clauses(&sentence.text);
        let offset = sentence.span.0;
        let at = |span: (usize, usize)| span.0.checked_sub(offset).and_then(|start| clauses::clause_at(&clauses, start));
        let actors = mentions
            .actor_mentions
            .iter()
            .filter(|m| m.sentence == sentence.index && !m.in_quote && m.link != ActorLink::Speaker)
            .filter_map(|m| Some((m.actor.as_str(), at(m.span)?)))
            .collect();
        let topics = mentions
            .topic_mentions
            .iter()
            .filter(|m| m.sentence == sentence.index && m.link == TopicLink::Alias)
            .filter_map(|m| Some((m.topic.as_str(), at(m.span)?)))
            .collect();
        Scope { text: &sentence.text, clauses, actors, topics }
    }

    fn clauses_naming(&self, actor: &str) -> Vec<usize> {
        self.actors.iter().filter(|(id, _)| *id == actor).map(|(_, clause)| *clause).collect()
    }

    /// Whether the sentence can state `actor`'s stance on `topic`. An actor named only in
    /// concessive clauses ("..., despite Russia's objections") objects to what the clause it
    /// qualifies is about, not to a topic elsewhere in the sentence. Topics carried from
    /// context, and speakers of quotes, are not restricted.
    fn links(&self, actor: &str, topic: &str, link: TopicLink) -> bool {
        let own = self.clauses_naming(actor);
        if link != TopicLink::Alias || own.is_empty() || own.iter().any(|&c| !self.clauses[c].concessive) {
            return true;
        }
        let reach: Vec<usize> = own.iter().flat_map(|&c| std::iter::once(c).chain(clauses::attached_to(&self.clauses, c))).collect();
        self.topics.iter().any(|(id, clause)| *id == topic && reach.contains(clause))
    }

    /// The sentence as a premise about `actor` and `topic`: without concessive clauses that
    /// give another actor's position and name neither this actor nor the topic, so that
    /// "despite Russia's objections" is not read as Bush's stance.
    fn premise(&self, actor: &str, topic: &str) -> String {
        let drop: Vec<usize> = (0..self.clauses.len())
            .filter(|&c| self.clauses[c].concessive)
            .filter(|&c| self.actors.iter().any(|(id, at)| *at == c && *id != actor))
            .filter(|&c| !self.actors.iter().any(|(id, at)| *at == c && *id == actor))
            .filter(|&c| !self.topics.iter().any(|(id, at)| *at == c && *id == topic))
            .collect();
        if drop.is_empty() || drop.len() == self.clauses.len() { self.text.to_string() } else { clauses::without(self.text, &self.clauses, &drop) }
    }
}

/// Build every claim of an article.
pub fn build(sentences: &[Sentence], mentions: &Mentions, templates: &Templates, with_sentiment: bool) -> Vec<Claim> {
    let mut claims = Vec::new();
    for sentence in sentences {
        let holders = mentions.holders(sentence.index);
        if holders.is_empty() {
            continue;
        }
        let topics = mentions.topics_of(sentence.index);
        let scope = Scope::new(sentence, mentions);
        for actor_id in holders {
            let Some(actor) = mentions.actor(actor_id) else { continue };
            if !mentions.names_in(sentence.index, actor_id) {
                // An organisation present only through the person who speaks for it takes that
                // person's stance (Pipeline::finish), not a question of its own.
                continue;
            }
            if mentions.held_by_its_speaker(sentence, actor_id) {
                // The person who speaks for it holds the stance, and it takes theirs.
                continue;
            }
            let speaker = mentions.carried_speaker(sentence.index) == Some(actor_id);
            // The model reads the name as the sentence writes it: "Bush supports ..." for a
            // sentence that says "Bush", not "George W Bush supports ...".
            let name = named_as(mentions, sentence, actor_id).unwrap_or(&actor.phrase).to_string();
            // Stances are asked of who speaks or acts in the sentence, not of whom it names in
            // passing ("...seeking Russia's support"); sentiment is asked of every actor named.
            let stance_topics: &[(&str, TopicLink)] = if mentions.in_holder_position(sentence, actor_id) { &topics } else { &[] };
            for (topic_id, link) in stance_topics {
                let Some(topic) = mentions.topics.iter().find(|t| t.id == *topic_id) else { continue };
                if !scope.links(actor_id, topic_id, *link) {
                    continue;
                }
                // A person the topic is about ("the report that Baghdadi was killed") takes a
                // position on it only by speaking; elsewhere they are its subject matter.
                if mentions.topic_is_about(actor_id, topic_id) && !mentions.speaks_in(sentence, actor_id) {
                    continue;
                }
                let premise = if speaker {
                    templates.speech(&actor.phrase, &sentence.text)
                } else {
                    let premise = scope.premise(actor_id, topic_id);
                    match pronoun_of(mentions, sentence, actor_id) {
                        Some(pronoun) => name_the_pronoun(&premise, &pronoun, actor),
                        None => premise,
                    }
                };
                claims.push(Claim {
                    sentence: sentence.index,
                    actor: actor_id.to_string(),
                    actor_name: name.clone(),
                    question: Question::Stance { topic: topic.id.clone(), link: *link },
                    premise,
                    hypothesis: templates.stance(&name, &topic.label),
                });
            }
            if with_sentiment {
                claims.push(Claim {
                    sentence: sentence.index,
                    actor: actor_id.to_string(),
                    actor_name: name.clone(),
                    question: Question::Sentiment,
                    premise: sentence.text.clone(),
                    hypothesis: templates.sentiment(&name),
                });
            }
        }
    }
    claims
}

/// The text by which a sentence names `actor` (its first alias mention outside quotes), if any.
fn named_as<'a>(mentions: &Mentions, sentence: &'a Sentence, actor: &str) -> Option<&'a str> {
    let mention = mentions.actor_mentions.iter().find(|m| m.sentence == sentence.index && m.actor == actor && !m.in_quote && m.link == ActorLink::Alias)?;
    sentence.text.get(mention.span.0.checked_sub(sentence.span.0)?..mention.span.1.checked_sub(sentence.span.0)?)
}

/// The pronoun by which a sentence refers to `actor`, when it names the actor no other way.
fn pronoun_of(mentions: &Mentions, sentence: &Sentence, actor: &str) -> Option<String> {
    let here: Vec<_> = mentions.actor_mentions.iter().filter(|m| m.sentence == sentence.index && m.actor == actor && !m.in_quote).collect();
    if here.iter().any(|m| m.link != ActorLink::Pronoun) {
        return None;
    }
    let m = here.first()?;
    sentence.text.get(m.span.0.checked_sub(sentence.span.0)?..m.span.1.checked_sub(sentence.span.0)?).map(str::to_string)
}

/// The premise with the resolved pronoun written as the actor's name, so that the model reads
/// "Louis Marchand said France supports tariffs" for "He said France supports tariffs": the first
/// occurrence of the pronoun outside quotes; "her" is left alone (object or possessive?).
pub fn name_the_pronoun(premise: &str, pronoun: &str, actor: &Actor) -> String {
    // The name as the hypothesis writes it, so premise and hypothesis name the actor alike.
    let short = actor.phrase.clone();
    let replacement = match pronoun {
        "He" | "She" | "he" | "she" | "him" | "Him" => short,
        "His" | "his" | "Her" => format!("{short}'s"),
        // A definite description ("The government", "the group", "Police").
        _ if pronoun.starts_with("the ") || pronoun.starts_with("The ") || pronoun == "Police" => short,
        _ => return premise.to_string(),
    };
    let quotes = crate::mentions::quotes::quote_spans(premise);
    let Some((start, end)) = find_phrase(premise, pronoun, false).into_iter().find(|span| !quotes.iter().any(|q| q.0 <= span.0 && span.1 <= q.1)) else {
        return premise.to_string();
    };
    let mut rewritten = String::with_capacity(premise.len() + replacement.len());
    rewritten.push_str(&premise[..start]);
    rewritten.push_str(&if start == 0 { capitalise(&replacement) } else { replacement });
    rewritten.push_str(&premise[end..]);
    rewritten
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mentions::{self, Topic};
    use crate::text::sentences;

    fn templates() -> Templates {
        Templates::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/standpoint-nli-minilm/templates.toml")).unwrap()
    }

    #[test]
    fn shipped_templates_load() {
        let t = templates();
        assert_eq!(t.stance("the United States", "tariffs"), "The United States supports tariffs.");
        assert_eq!(t.sentiment("Vladimir Putin"), "The text is positive about Vladimir Putin.");
    }

    #[test]
    fn bad_templates_are_rejected() {
        let err = Templates::from_toml("[stance]\nsupports='{actor} likes it'\nopposes='{actor} hates {topic}'\n[speech]\nforms=['{actor}: {text}']\n[sentiment]\npositive='{target}'").unwrap_err();
        assert!(err.contains("{topic}"), "{err}");
    }

    #[test]
    fn one_stance_pair_per_holder_and_topic_and_quotes_framed() {
        let text = "President Vladimir Putin and Chancellor Angela Merkel discussed tariffs. \
                    ''We oppose the tariffs,'' Putin said. ''They hurt everyone.''";
        let sentences = sentences(text);
        let topics = vec![Topic::parse_spec("import tariffs=tariffs").unwrap()];
        let found = mentions::find(text, &sentences, &[], &topics, true);
        let claims = build(&sentences, &found, &templates(), false);
        let pairs: Vec<(usize, &str)> = claims.iter().map(|c| (c.sentence, c.actor.as_str())).collect();
        assert_eq!(pairs, vec![(0, "angela-merkel"), (0, "vladimir-putin"), (1, "vladimir-putin"), (2, "vladimir-putin")]);
        assert_eq!(claims[0].hypothesis, "Angela Merkel supports import tariffs.");
        assert_eq!(claims[3].premise, "Vladimir Putin said: ''They hurt everyone.''");
        assert!(matches!(claims[3].question, Question::Stance { link: TopicLink::Context, .. }));
    }

    #[test]
    fn a_person_the_topic_is_about_holds_a_stance_only_by_speaking() {
        let text = "President Omar Haddad was killed in the airstrike, officials said. \
                    President Omar Haddad's death was reported by state television. \
                    Interior Minister Samir Khalil said reports that Haddad was killed were false. \
                    Haddad said on Monday that the reports he was killed were lies.";
        let sentences = sentences(text);
        let topics = vec![Topic::parse_spec("the report that Omar Haddad was killed=killed").unwrap()];
        let found = mentions::find(text, &sentences, &[], &topics, true);
        let claims = build(&sentences, &found, &templates(), false);
        let asked: Vec<(usize, &str)> = claims.iter().map(|c| (c.sentence, c.actor.as_str())).collect();
        assert!(!asked.contains(&(0, "omar-haddad")), "killed is what happened to him: {asked:?}");
        assert!(asked.contains(&(2, "samir-khalil")), "{asked:?}");
        assert!(asked.contains(&(3, "omar-haddad")), "he speaks: {asked:?}");
    }

    #[test]
    fn a_third_party_concession_is_scoped_to_its_clause() {
        let text = "Chancellor Anna Lund praised the counter-proposal, but insisted that the pipeline must still go ahead, despite Norway's objections.";
        let sentences = sentences(text);
        let topics = vec![Topic::parse_spec("the pipeline=pipeline").unwrap(), Topic::parse_spec("the counter-proposal=counter-proposal").unwrap()];
        let found = mentions::find(text, &sentences, &[], &topics, true);
        let claims = build(&sentences, &found, &templates(), false);
        let asked: Vec<(&str, &str, &str)> = claims
            .iter()
            .map(|c| match &c.question {
                Question::Stance { topic, .. } => (c.actor.as_str(), topic.as_str(), c.premise.as_str()),
                Question::Sentiment => unreachable!(),
            })
            .collect();
        let lund_pipeline = "Chancellor Anna Lund praised the counter-proposal, but insisted that the pipeline must still go ahead.";
        assert_eq!(
            asked,
            vec![
                ("anna-lund", "the-counter-proposal", lund_pipeline),
                ("anna-lund", "the-pipeline", lund_pipeline),
                // Norway objects to what its clause qualifies (the pipeline), not to the proposal.
                ("norway", "the-pipeline", text),
            ]
        );
    }

    #[test]
    fn resolved_pronouns_are_written_as_names() {
        let text = "President Louis Marchand met Keller. He said France supports tariffs.";
        let sentences = sentences(text);
        let topics = vec![Topic::parse_spec("import tariffs=tariffs").unwrap()];
        let found = mentions::find(text, &sentences, &[], &topics, true);
        let claims = build(&sentences, &found, &templates(), false);
        let marchand = claims.iter().find(|c| c.sentence == 1 && c.actor == "louis-marchand").expect("Marchand is asked about tariffs");
        assert_eq!(marchand.premise, "Louis Marchand said France supports tariffs.");
        let france = claims.iter().find(|c| c.sentence == 1 && c.actor == "france").unwrap();
        assert_eq!(france.premise, "He said France supports tariffs.", "only the pronoun's own actor reads the name");
    }

    #[test]
    fn possessives_and_quotes_when_naming_pronouns() {
        let actor = Actor { id: "x".into(), name: "Ana Torres".into(), phrase: "Ana Torres".into(), kind: crate::mentions::ActorKind::Person, source: crate::mentions::ActorSource::Name, aliases: vec!["Ana Torres".into(), "Torres".into()] };
        assert_eq!(name_the_pronoun("His plan, ''he'' said, failed.", "His", &actor), "Ana Torres's plan, ''he'' said, failed.");
        assert_eq!(name_the_pronoun("''He lied,'' she said.", "she", &actor), "''He lied,'' Ana Torres said.");
        assert_eq!(name_the_pronoun("They told her no.", "her", &actor), "They told her no.");
        assert_eq!(name_the_pronoun("In a statement, the ministry advised calm.", "the ministry", &actor), "In a statement, Ana Torres advised calm.");
    }

    #[test]
    fn sentiment_pairs_per_actor_and_sentence() {
        let text = "President Vladimir Putin smiled.";
        let sentences = sentences(text);
        let found = mentions::find(text, &sentences, &[], &[], true);
        let claims = build(&sentences, &found, &templates(), true);
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].question, Question::Sentiment);
    }
}
