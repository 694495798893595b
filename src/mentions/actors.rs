//! Actors: who can hold a stance. Three sources, in order of trust:
//! 1. actors the caller names, with aliases;
//! 2. the built-in gazetteer (`models/gazetteer.toml`): countries with their capitals and
//!    governments as metonyms (Moscow -> Russia), demonyms ("the Russians"), international bodies;
//! 3. person names found in the text after a title ("Russian President Vladimir Putin") or
//!    next to a speech verb ("said Sergei Lavrov"); a later surname ("Putin") is the same person.
//!
//! Pronouns (he/she) are resolved to the last person named, in [`super::resolve_pronouns`].

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::matching::slug;
use crate::error::{Error, Result};
use crate::text::Sentence;

/// What kind of stance-holder an actor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// A named person.
    Person,
    /// A country or its government.
    Country,
    /// An organisation or international body.
    Organisation,
    /// Named by the caller without a kind.
    Other,
}

impl ActorKind {
    /// From a caller's word: person, country, organisation (or organization); anything else
    /// is `Other`.
    pub fn from_word(word: Option<&str>) -> ActorKind {
        match word {
            Some("person") => ActorKind::Person,
            Some("country") => ActorKind::Country,
            Some("organisation" | "organization") => ActorKind::Organisation,
            _ => ActorKind::Other,
        }
    }
}

/// Where an actor came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActorSource {
    /// Given by the caller.
    Caller,
    /// The built-in gazetteer.
    Gazetteer,
    /// A person name found in the text.
    Name,
}

/// A stance-holder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Actor {
    /// Stable id, e.g. `vladimir-putin`.
    pub id: String,
    /// Canonical name, e.g. "Vladimir Putin".
    pub name: String,
    /// How hypotheses name the actor, e.g. "the United States".
    pub phrase: String,
    /// Person, country, organisation.
    pub kind: ActorKind,
    /// Where it came from.
    pub source: ActorSource,
    /// Every string that names it in text (case-sensitive).
    pub aliases: Vec<String>,
}

impl Actor {
    /// Parse a caller's actor spec: `"Name=alias,alias"` or just `"Name"`.
    pub fn parse_spec(spec: &str) -> Result<Actor> {
        let (name, aliases) = match spec.split_once('=') {
            Some((name, aliases)) => (name.trim(), aliases.split(',').map(str::trim).filter(|a| !a.is_empty()).map(String::from).collect()),
            None => (spec.trim(), Vec::new()),
        };
        if name.is_empty() {
            return Err(Error::InvalidInput(format!("actor {spec:?} has an empty name; write \"Name=alias,alias\"")));
        }
        Ok(Actor::caller(name, aliases, ActorKind::Other))
    }

    /// An actor the caller names.
    pub fn caller(name: &str, mut aliases: Vec<String>, kind: ActorKind) -> Actor {
        if !aliases.iter().any(|a| a == name) {
            aliases.insert(0, name.to_string());
        }
        Actor { id: slug(name), name: name.to_string(), phrase: name.to_string(), kind, source: ActorSource::Caller, aliases }
    }
}

#[derive(Debug, Deserialize)]
struct GazetteerFile {
    #[serde(default)]
    country: Vec<GazetteerEntry>,
    #[serde(default)]
    organisation: Vec<GazetteerEntry>,
}

#[derive(Debug, Deserialize)]
struct GazetteerEntry {
    name: String,
    phrase: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    people: Vec<String>,
    capital: Option<String>,
    #[serde(default)]
    government: Vec<String>,
}

/// The built-in list of countries and organisations.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    /// All entries as actors.
    pub actors: Vec<Actor>,
}

impl Gazetteer {
    /// The gazetteer compiled into the binary.
    pub fn builtin() -> &'static Gazetteer {
        static BUILTIN: LazyLock<Gazetteer> = LazyLock::new(|| {
            // The file is compiled in and checked by a unit test: a parse failure is a build bug.
            Gazetteer::from_toml(include_str!("../../models/gazetteer.toml")).expect("built-in gazetteer parses")
        });
        &BUILTIN
    }

    /// Parse a gazetteer from TOML text.
    pub fn from_toml(text: &str) -> Result<Gazetteer> {
        let file: GazetteerFile = toml::from_str(text).map_err(|e| Error::InvalidInput(format!("gazetteer: {e}")))?;
        let convert = |entry: GazetteerEntry, kind: ActorKind| {
            let mut aliases = vec![entry.name.clone()];
            aliases.extend(entry.aliases);
            aliases.extend(entry.people.iter().map(|p| format!("the {p}")));
            aliases.extend(entry.capital);
            aliases.extend(entry.government);
            Actor {
                id: slug(&entry.name),
                phrase: entry.phrase.unwrap_or_else(|| entry.name.clone()),
                name: entry.name,
                kind,
                source: ActorSource::Gazetteer,
                aliases,
            }
        };
        let mut actors: Vec<Actor> = file.country.into_iter().map(|e| convert(e, ActorKind::Country)).collect();
        actors.extend(file.organisation.into_iter().map(|e| convert(e, ActorKind::Organisation)));
        Ok(Gazetteer { actors })
    }
}

const TITLES: &str = r"(?:Vice President|President|Prime Minister|Premier|Chancellor|Foreign Minister|Defen[cs]e Minister|Finance Minister|Interior Minister|Minister|Secretary of State|Defen[cs]e Secretary|Secretary-General|Secretary General|Secretary|Senator|Sen\.|Congressman|Congresswoman|Rep\.|Representative|Governor|Gov\.|Mayor|General|Gen\.|Admiral|Adm\.|Colonel|Col\.|King|Queen|Prince|Princess|Pope|Ayatollah|Sheikh|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Judge|Justice|Ambassador|[Ss]pokesman|[Ss]pokeswoman|[Cc]hairman|[Cc]hairwoman|Speaker|[Ll]eader|Commissioner|Envoy|envoy)";
const NAME: &str = r"([A-Z][\p{Ll}'’\-]+(?:\s+(?:[A-Z][\p{Ll}'’\-]+|[A-Z](?:\.|\b))){0,3})";

static TITLED_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b{TITLES}\s+{NAME}")).expect("TITLED_NAME is a valid regex")
});
static SPEAKER_NAME: LazyLock<Regex> = LazyLock::new(|| {
    let bare = r"([A-Z][\p{Ll}'’\-]+(?:\s+[A-Z](?:\.|\b))?\s+[A-Z][\p{Ll}'’\-]+)";
    Regex::new(&format!(r"{bare},?\s+(?:said|says|told|added)\b|\b(?:said|says)\s+{bare}"))
        .expect("SPEAKER_NAME is a valid regex")
});

/// Capitalised words that are never part of a person's name.
const NOT_NAMES: &[&str] = &[
    "The", "A", "An", "But", "And", "In", "On", "At", "After", "Before", "When", "While", "With", "This", "That",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December", "Today", "Both",
    "Other", "Instead", "Officials", "Reuters", "However",
];

/// Person names in the sentences, merged so that "Bush" and "George W Bush" are one person.
pub fn discover_people(sentences: &[Sentence], known: &[Actor]) -> Vec<Actor> {
    let mut names: Vec<String> = Vec::new();
    for sentence in sentences {
        let text = sentence.text.as_str();
        let found = TITLED_NAME.captures_iter(text).filter_map(|c| c.get(1)).chain(
            SPEAKER_NAME.captures_iter(text).filter_map(|c| c.get(1).or_else(|| c.get(2))),
        );
        for name in found {
            if let Some(name) = tidy_name(name.as_str(), known) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    // Longest names first, so a bare surname joins the full name that ends with it.
    names.sort_by_key(|n| std::cmp::Reverse(n.split_whitespace().count()));
    let mut people: Vec<Actor> = Vec::new();
    for name in names {
        let surname = name.split_whitespace().last().unwrap_or(&name).to_string();
        if let Some(person) = people.iter_mut().find(|p| p.aliases.contains(&surname) || p.aliases.contains(&name)) {
            if !person.aliases.contains(&name) {
                person.aliases.push(name);
            }
            continue;
        }
        let mut aliases = vec![name.clone()];
        if surname != name {
            aliases.push(surname);
        }
        people.push(Actor { id: slug(&name), phrase: name.clone(), name, kind: ActorKind::Person, source: ActorSource::Name, aliases });
    }
    people
}

fn tidy_name(raw: &str, known: &[Actor]) -> Option<String> {
    let mut words: Vec<&str> = raw.split_whitespace().collect();
    while words.first().is_some_and(|w| NOT_NAMES.contains(w)) {
        words.remove(0);
    }
    while words.last().is_some_and(|w| NOT_NAMES.contains(w) || w.trim_end_matches('.').len() == 1) {
        words.pop();
    }
    let mut name = words.join(" ");
    for suffix in ["'s", "’s", "'", "’"] {
        if let Some(stripped) = name.strip_suffix(suffix) {
            name = stripped.to_string();
        }
    }
    let is_known_place = known.iter().any(|a| a.kind != ActorKind::Person && a.aliases.iter().any(|x| *x == name));
    if name.len() < 3 || words.is_empty() || is_known_place {
        return None;
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::sentences;

    #[test]
    fn gazetteer_parses_with_metonyms_and_demonyms() {
        let gazetteer = Gazetteer::builtin();
        assert!(gazetteer.actors.len() > 60);
        let russia = gazetteer.actors.iter().find(|a| a.id == "russia").unwrap();
        for alias in ["Moscow", "the Russians", "the Kremlin"] {
            assert!(russia.aliases.iter().any(|a| a == alias), "{alias}");
        }
        assert!(!russia.aliases.iter().any(|a| a == "Russian"), "an adjective is not an actor");
        let us = gazetteer.actors.iter().find(|a| a.id == "united-states").unwrap();
        assert_eq!(us.phrase, "the United States");
        assert!(us.aliases.iter().any(|a| a == "Washington"));
    }

    #[test]
    fn finds_titled_people_and_merges_surnames() {
        let text = "Russian President Vladimir Putin met President George W Bush on Monday. Putin said Bush was wrong. \
                    ''No,'' said Sergei Lavrov. Angela Merkel told reporters nothing. Former President Jimmy Carter agreed.";
        let people = discover_people(&sentences(text), &Gazetteer::builtin().actors);
        let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
        assert!(names.contains(&"Vladimir Putin"), "{names:?}");
        assert!(names.contains(&"George W Bush"), "{names:?}");
        assert!(names.contains(&"Sergei Lavrov"), "{names:?}");
        assert!(names.contains(&"Angela Merkel"), "{names:?}");
        assert!(names.contains(&"Jimmy Carter"), "{names:?}");
        let dotted = discover_people(&sentences("Former President George H. W. Bush agreed."), &[]);
        assert_eq!(dotted[0].name, "George H. W. Bush");
        let putin = people.iter().find(|p| p.name == "Vladimir Putin").unwrap();
        assert!(putin.aliases.contains(&"Putin".to_string()));
        assert_eq!(putin.kind, ActorKind::Person);
    }

    #[test]
    fn places_after_titles_are_not_people() {
        let text = "The talks in Washington said nothing. President Monday was not a person.";
        let people = discover_people(&sentences(text), &Gazetteer::builtin().actors);
        assert!(people.is_empty(), "{people:?}");
    }

    #[test]
    fn caller_specs() {
        let actor = Actor::parse_spec("Vladimir Putin=Putin, the Russian president").unwrap();
        assert_eq!(actor.id, "vladimir-putin");
        assert_eq!(actor.aliases, vec!["Vladimir Putin", "Putin", "the Russian president"]);
        assert!(Actor::parse_spec("=x").is_err());
    }
}
