//! Actors: who can hold a stance. Three sources, in order of trust:
//! 1. actors the caller names, with aliases;
//! 2. the built-in gazetteer (`models/gazetteer.toml`): countries with their capitals and
//!    governments as metonyms (Moscow -> Russia), demonyms ("the Russians"), international bodies;
//! 3. people and organisations named in the text ([`super::names`]: the name tagger, titles,
//!    speech verbs), merged so that a later surname ("Putin") is the same person.
//!
//! Pronouns (he/she) are resolved to the last person named, in [`super::resolve_pronouns`].

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::matching::slug;
use crate::error::{Error, Result};

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
    /// A concrete group of people ("Foley's family", "Hong Kong protesters").
    Group,
    /// Named by the caller without a kind.
    Other,
}

impl ActorKind {
    /// From a caller's word: person, country, organisation (or organization), group; anything
    /// else is `Other`.
    pub fn from_word(word: Option<&str>) -> ActorKind {
        match word {
            Some("person") => ActorKind::Person,
            Some("country") => ActorKind::Country,
            Some("organisation" | "organization") => ActorKind::Organisation,
            Some("group") => ActorKind::Group,
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
    #[serde(default)]
    adjectives: Vec<String>,
}

/// The built-in list of countries and organisations.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    /// All entries as actors.
    pub actors: Vec<Actor>,
    /// (adjective, actor id): "Jordanian" -> `jordan`. Never a mention alone; used to tie a
    /// titled person ("Jordanian Foreign Minister ...") or "the Iraqi government" to a country.
    pub adjectives: Vec<(String, String)>,
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
        let adjectives = file
            .country
            .iter()
            .flat_map(|entry| entry.adjectives.iter().map(|a| (a.clone(), slug(&entry.name))))
            .collect();
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
        Ok(Gazetteer { actors, adjectives })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(!us.aliases.iter().any(|a| a.contains("Pentagon")), "the Pentagon is an actor of its own");
        assert!(gazetteer.actors.iter().any(|a| a.id == "pentagon" && a.kind == ActorKind::Organisation));
        assert!(gazetteer.adjectives.contains(&("Jordanian".to_string(), "jordan".to_string())));
        let mut ids: Vec<&str> = gazetteer.actors.iter().map(|a| a.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "gazetteer ids are unique");
    }

    #[test]
    fn caller_specs() {
        let actor = Actor::parse_spec("Vladimir Putin=Putin, the Russian president").unwrap();
        assert_eq!(actor.id, "vladimir-putin");
        assert_eq!(actor.aliases, vec!["Vladimir Putin", "Putin", "the Russian president"]);
        assert!(Actor::parse_spec("=x").is_err());
    }
}
