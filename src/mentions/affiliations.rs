//! Who speaks for whom. A person named with a role in an organisation or a country's
//! government ("Pentagon spokesman John Kirby", "Jordanian Foreign Minister Nasser Judeh",
//! "Kirby, a spokesman for the Pentagon,") speaks for it: wherever that person states a
//! position, the organisation is asked about it too, as the actor-stance conventions count it.
//! Also here: "the Iraqi government" and "Jordanian officials" are mentions of the country.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::actors::{Actor, ActorKind, Gazetteer};
use super::matching::{find_phrase, overlaps};
use super::topics::{TopicLink, TopicMention};
use super::{ActorLink, ActorMention};
use crate::text::Sentence;

/// A person who speaks for an organisation or country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Affiliation {
    /// The person's actor id.
    pub person: String,
    /// The organisation's (or country's) actor id.
    pub organisation: String,
}

/// Roles that speak for the organisation they are named with.
const ROLES: &[&str] = &[
    "spokesman", "spokeswoman", "spokesperson", "secretary", "minister", "president", "chairman", "chairwoman", "chair",
    "co-chair", "director", "chief", "head", "commissioner", "leader", "commander", "ambassador", "envoy", "counsel",
    "ceo", "prosecutor", "official", "governor", "mayor", "premier", "king", "queen", "emir", "chancellor", "sultan",
    "monarch", "negotiator", "representative",
];

/// Words allowed between an organisation and a person besides roles: title words and the
/// parts of a role ("press", "Foreign", "Rear Adm.").
static TITLE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Z][\p{L}.\-]*|press|deputy|former|senior|top|acting|general|interim|foreign|defen[cs]e|interior|health|finance|justice|communications|security)$").expect("TITLE_WORD is a valid regex")
});

/// Roles that name who speaks for an organisation in an apposition ("a spokesman for the
/// Pentagon", "Anbar's police chief"); shared by the three apposition patterns below.
const APPOSITIVE_ROLES: &str = "spokesman|spokeswoman|spokesperson|director|chief|head|chairman|chairwoman|leader|commander|secretary|minister|president|official|counsel";

/// ", a spokesman for the" / ", the ministry's spokesman," after a person.
static APPOSITIVE_ROLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^,\s+(?:a|an|the)?\s*(?:[\w\-]+\s+){{0,2}}?(?:{APPOSITIVE_ROLES})\s+(?:for|of|at|to)\s+(?:the\s+)?$")).expect("APPOSITIVE_ROLE is a valid regex")
});

/// "a spokesperson for the" / "the ministry's spokesman for" right before an organisation that a
/// comma and a person's name follow ("a spokesperson for the Iraqi health ministry, Ahmed
/// Rudaini").
static ROLE_BEFORE_ORGANISATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?:^|\s)(?:a|an|the)\s+(?:[\w\-]+\s+){{0,2}}?(?:{APPOSITIVE_ROLES})\s+(?:for|of|at|to)\s+(?:the\s+)?$")).expect("ROLE_BEFORE_ORGANISATION is a valid regex")
});

/// "'s police chief" / "'s spokesman" right after an organisation that follows a person and a
/// comma ("al-Dulaimi, Anbar's police chief").
static POSSESSIVE_ROLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(?:'s|\x{{2019}}s)\s+(?:[\w\-]+\s+){{0,2}}?(?:{APPOSITIVE_ROLES})\b")).expect("POSSESSIVE_ROLE is a valid regex")
});

/// Nouns that make "<country adjective> X" the country's government, or its armed forces
/// ("Ugandan troops" act for Uganda).
const GOVERNMENT_NOUNS: &[&str] = &["government", "authorities", "officials", "leadership", "regime", "administration", "military", "troops", "forces", "soldiers"];

/// "the Iraqi government", "Jordanian officials": mentions of the country, outside topic
/// phrases and quotes.
pub fn country_phrases(sentences: &[Sentence], topics: &[TopicMention], quotes: &[Vec<(usize, usize)>]) -> Vec<ActorMention> {
    let gazetteer = Gazetteer::builtin();
    let mut found = Vec::new();
    for sentence in sentences {
        let offset = sentence.span.0;
        for (adjective, country) in &gazetteer.adjectives {
            for noun in GOVERNMENT_NOUNS {
                let phrase = format!("{adjective} {noun}");
                for span in find_phrase(&sentence.text, &phrase, false) {
                    let absolute = (offset + span.0, offset + span.1);
                    let in_topic = topics.iter().any(|t| t.sentence == sentence.index && t.link == TopicLink::Alias && overlaps(t.span, absolute));
                    if in_topic {
                        continue;
                    }
                    let in_quote = quotes.get(sentence.index).is_some_and(|q| q.iter().any(|s| overlaps(*s, span)));
                    found.push(ActorMention { actor: country.clone(), sentence: sentence.index, span: absolute, link: ActorLink::Alias, in_quote });
                }
            }
        }
    }
    found
}

/// Affiliations stated in the text: an organisation (or a country, by name or adjective) right
/// before a role and a person's name, or a role "for"/"of" an organisation right after it.
pub fn find(text: &str, sentences: &[Sentence], catalog: &[Actor], mentions: &[ActorMention]) -> Vec<Affiliation> {
    let gazetteer = Gazetteer::builtin();
    let kind_of = |id: &str| catalog.iter().find(|a| a.id == id).map(|a| a.kind);
    let speaks_for = |kind: Option<ActorKind>| matches!(kind, Some(ActorKind::Organisation | ActorKind::Country | ActorKind::Other));
    let mut found: Vec<Affiliation> = Vec::new();
    let mut add = |person: &str, organisation: &str| {
        if person != organisation && !found.iter().any(|f| f.person == person) {
            found.push(Affiliation { person: person.to_string(), organisation: organisation.to_string() });
        }
    };
    for sentence in sentences {
        let here: Vec<&ActorMention> = mentions.iter().filter(|m| m.sentence == sentence.index && m.link == ActorLink::Alias).collect();
        for person in here.iter().filter(|m| kind_of(&m.actor) == Some(ActorKind::Person)) {
            // Before: "<Org>['s] <title words with a role> <Person>".
            let before = &text[sentence.span.0..person.span.0];
            let words: Vec<&str> = before.split_whitespace().collect();
            let mut taken = 0;
            let mut has_role = false;
            for word in words.iter().rev() {
                let bare = word.trim_end_matches(',').to_lowercase();
                if ROLES.contains(&bare.as_str()) {
                    has_role = true;
                } else if !TITLE_WORD.is_match(word) {
                    break;
                }
                taken += 1;
                if taken == 5 {
                    break;
                }
            }
            if has_role {
                // Find the organisation mention or country adjective the title run starts at.
                let run_start = words.len() - taken;
                for cut in run_start..words.len() {
                    let head: String = words[..=cut].join(" ");
                    let head_end = sentence.span.0 + byte_end_of_words(before, cut + 1);
                    let joined = |m: &&&ActorMention| m.span.1 == head_end || text.get(m.span.1..head_end).is_some_and(|gap| matches!(gap.trim(), "'s" | "’s"));
                    let organisation = here.iter().find(|m| speaks_for(kind_of(&m.actor)) && joined(m));
                    if let Some(org) = organisation {
                        add(&person.actor, &org.actor);
                        break;
                    }
                    let last = head.rsplit(' ').next().unwrap_or("");
                    if let Some((_, country)) = gazetteer.adjectives.iter().find(|(adjective, _)| adjective == last) {
                        if catalog.iter().any(|a| a.id == *country) {
                            add(&person.actor, country);
                            break;
                        }
                    }
                }
            }
            // After: "<Person>, a spokesman for the <Org>"; "<Person>, <Org>'s police chief";
            // "<Role> <Person>, of <Org>" (a role before the name, the organisation after it).
            let after_start = person.span.1;
            let after_end = sentence.span.1;
            for org in here.iter().filter(|m| speaks_for(kind_of(&m.actor)) && m.span.0 > after_start && m.span.0 <= after_end) {
                let gap = &text[after_start..org.span.0];
                let after_org = &text[org.span.1..sentence.span.1];
                let possessive_role = matches!(gap.trim(), "," | ", the") && POSSESSIVE_ROLE.is_match(after_org);
                let of_after_role = has_role && matches!(gap.trim(), ", of" | ", of the" | "of" | "of the");
                if APPOSITIVE_ROLE.is_match(gap) || possessive_role || of_after_role {
                    add(&person.actor, &org.actor);
                    break;
                }
            }
            // Before, with a comma: "a spokesperson for the <Org>, <Person>".
            for org in here.iter().filter(|m| speaks_for(kind_of(&m.actor)) && m.span.1 <= person.span.0 && m.span.0 >= sentence.span.0) {
                let gap = &text[org.span.1..person.span.0];
                let titles_only = gap.trim_start().starts_with(',') && gap.trim_start()[1..].split_whitespace().all(|w| TITLE_WORD.is_match(w) && w.chars().next().is_some_and(char::is_uppercase));
                if titles_only && ROLE_BEFORE_ORGANISATION.is_match(&text[sentence.span.0..org.span.0]) {
                    add(&person.actor, &org.actor);
                    break;
                }
            }
        }
    }
    found
}

/// The byte offset just after the first `n` whitespace-separated words of `text`.
fn byte_end_of_words(text: &str, n: usize) -> usize {
    let mut count = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if in_word {
                count += 1;
                if count == n {
                    return i;
                }
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use crate::mentions::{self, Topic};
    use crate::text::sentences;

    fn affiliations(text: &str) -> Vec<(String, String)> {
        let m = mentions::find(text, &sentences(text), &[], &[], true);
        m.affiliations.into_iter().map(|a| (a.person, a.organisation)).collect()
    }

    #[test]
    fn organisation_and_role_before_a_name() {
        let found = affiliations("Pentagon spokesman Rear Adm. John Kirby said the strikes continue.");
        assert_eq!(found, vec![("john-kirby".to_string(), "pentagon".to_string())]);
    }

    #[test]
    fn country_adjective_and_role_before_a_name() {
        let found = affiliations("Jordanian Foreign Minister Nasser Judeh said Jordan would respond.");
        assert_eq!(found, vec![("nasser-judeh".to_string(), "jordan".to_string())]);
    }

    #[test]
    fn role_for_an_organisation_after_a_name() {
        let found = affiliations("Col. Steve Warren, a spokesman for the Pentagon, said nothing.");
        assert_eq!(found, vec![("steve-warren".to_string(), "pentagon".to_string())]);
    }

    #[test]
    fn appositions_around_a_name() {
        let found = affiliations("But a spokesperson for the World Health Organization, Dr. Ahmed Rudaini, said the reports were false.");
        assert_eq!(found, vec![("ahmed-rudaini".to_string(), "world-health-organization".to_string())]);
        let found = affiliations("In a statement Commander Richard Walton, of the Pentagon, said nothing.");
        assert_eq!(found, vec![("richard-walton".to_string(), "pentagon".to_string())]);
        let found = affiliations("On Monday Gen. Ahmad Saddag al-Dulaimi, the World Health Organization's regional chief, said it was unfounded.");
        assert_eq!(found, vec![("ahmad-saddag-al-dulaimi".to_string(), "world-health-organization".to_string())]);
    }

    #[test]
    fn a_researcher_of_an_institute_does_not_speak_for_it() {
        assert!(affiliations("\"I would expect meteorites,\" Peter Jenniskens, of the SETI Institute, said.").is_empty());
    }

    #[test]
    fn a_title_alone_is_no_affiliation() {
        assert!(affiliations("Sen. Lindsey Graham said Qatar is watching them.").is_empty());
    }

    #[test]
    fn government_phrases_name_the_country_and_speakers_carry_their_organisation() {
        let text = "The Jordanian government denied it. Pentagon spokesman John Kirby said the raid worked. Kirby said it would go on.";
        let topics = vec![Topic::parse_spec("the raid=raid").unwrap()];
        let m = mentions::find(text, &sentences(text), &[], &topics, true);
        assert_eq!(m.holders(0), vec!["jordan"]);
        assert_eq!(m.holders(2), vec!["john-kirby", "pentagon"], "Kirby speaks for the Pentagon");
        let text = "Ugandan troops led the raid.";
        let m = mentions::find(text, &sentences(text), &[], &topics, true);
        assert_eq!(m.holders(0), vec!["uganda"], "a country's troops act for it");
    }
}
