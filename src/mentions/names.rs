//! People and organisations named in the text, found by the name tagger (when one is loaded)
//! and by title and speech-verb patterns, then merged into actors: "Barack Obama", "President
//! Obama" and "Obama" are one person; "Democratic Union Party (PYD)" is also "PYD".
//!
//! Places are left to the gazetteer: a place the tagger finds is where something happens far
//! more often than who takes a position.

use std::sync::LazyLock;

use regex::Regex;

use super::actors::{Actor, ActorKind, ActorSource, Gazetteer};
use super::matching::slug;
use crate::model::{Entity, EntityKind};
use crate::text::Sentence;

/// Titles and roles that come before a name and are not part of it.
pub const TITLES: &str = r"(?:Vice President|President|Prime Minister|Premier|Chancellor|Foreign Minister|Defen[cs]e Minister|Finance Minister|Interior Minister|Health Minister|Minister|Secretary of State|Defen[cs]e Secretary|Foreign Secretary|Home Secretary|Press Secretary|Secretary-General|Secretary General|Secretary|Senator|Sen\.?|Congressman|Congresswoman|Rep\.?|Representative|Governor|Gov\.?|Mayor|Lt\.? Gen\.?|Maj\.? Gen\.?|Brig\.? Gen\.?|Lieutenant General|Major General|Brigadier General|General|Gen\.?|Rear Admiral|Rear Adm\.?|Admiral|Adm\.?|Colonel|Col\.?|Lt\.? Col\.?|Major|Maj\.?|Captain|Capt\.?|Lieutenant|Lt\.?|Sergeant|Sgt\.?|Staff Sgt\.?|Army Sgt\.?|Pvt\.?|Air Chief Marshal|Air Marshal|Marshal|King|Queen|Prince|Princess|Crown Prince|Emir|Sultan|Pope|Ayatollah|Sheikh|Mullah|Imam|Rabbi|Rev\.?|Reverend|Father|Mr\.??|Mrs\.??|Ms\.??|Miss|Dr\.??|Professor|Prof\.?|Judge|Justice|Ambassador|Attorney General|District Attorney|Prosecutor|[Ss]pokesman|[Ss]pokeswoman|[Ss]pokesperson|[Cc]hairman|[Cc]hairwoman|[Cc]hair|Speaker|[Ll]eader|Commissioner|Commander|Director|Chief|Envoy|envoy|CEO|Chief Executive|Officer|Detective|Inspector|Superintendent|Sir|Lord|Lady|Dame)";

/// Lower-case particles inside names: "Bill de Blasio", "Mohammed bin Salman", "Ahmad Saddag
/// al-Dulaimi" (the Arabic article is written joined to the next word).
const PARTICLES: &[&str] = &["de", "da", "di", "du", "del", "della", "dos", "das", "van", "von", "der", "den", "ter", "le", "la", "bin", "ibn", "bint", "abu", "al", "el"];
const NAME: &str = r"((?:(?:de|van|von)\s+)?[A-Z][\p{L}'’\-]+(?:\s+(?:(?:de|da|di|du|del|dos|van|von|der|bin|ibn|bint|abu)\s+)?(?:(?:al|el)-[A-Z][\p{L}'’\-]+|[A-Z][\p{L}'’\-]+|[A-Z](?:\.|\b))){0,3})";

static TITLED_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b{TITLES}\s+{NAME}")).expect("TITLED_NAME is a valid regex")
});
static SPEAKER_NAME: LazyLock<Regex> = LazyLock::new(|| {
    let bare = r"([A-Z][\p{Ll}'’\-]+(?:\s+[A-Z](?:\.|\b))?\s+[A-Z][\p{Ll}'’\-]+)";
    Regex::new(&format!(r"{bare},?\s+(?:said|says|told|added)\b|\b(?:said|says)\s+{bare}"))
        .expect("SPEAKER_NAME is a valid regex")
});
static LEADING_TITLES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(?:(?:former|Former|then-|the|The)\s+)*(?:{TITLES}(?:\s+|$))+")).expect("LEADING_TITLES is a valid regex")
});
static INNER_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b{TITLES}\s+")).expect("INNER_TITLE is a valid regex")
});
static PARTICLE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s(?:(?:de|da|di|du|del|dos|van|von|der|bin|ibn|bint|abu)\s[A-Z][\p{L}'’\-]+|(?:al|el)-[A-Z][\p{L}'’\-]+)").expect("PARTICLE_AFTER is a valid regex")
});
/// A named person's family: "Foley's family", "the Somers family", "Brown's parents".
static FAMILY: LazyLock<Regex> = LazyLock::new(|| {
    let who = r"[A-Z][\p{L}'’\-]+(?:\s+[A-Z][\p{L}'’\-]+)?";
    Regex::new(&format!(r"\b(?:(?P<owner>{who})(?:'s|’s)\s+(?:family|families|parents|relatives)|[Tt]he\s+(?P<house>{who})\s+family)\b"))
        .expect("FAMILY is a valid regex")
});
/// Concrete groups that take positions in a story: "Kurdish intelligence officials", "former
/// Gawker interns", "Elders in Borno state", "seven other devotees", "Parents". A plural head
/// noun for people, with modifiers that make it identifiable (a name or adjective, a number,
/// "former", a place after "in" / "of" / "from"); generic hedges ("analysts", "experts",
/// "critics", "sources") have no head here and never become actors.
static GROUP: LazyLock<Regex> = LazyLock::new(|| {
    let cap = r"[A-Z][\p{L}.'’\-]*";
    let lower = r"(?:intelligence|security|army|military|police|government|opposition|border|health|party|union|rebel|surviving|incoming|other|senior|local|state|federal|religious|tribal|community|hospital|prison|Sunni|Shia|Shiite)";
    let quantity = r"(?:[Ff]ormer|[Mm]ultiple|[Dd]ozens of|[Hh]undreds of|[Tt]housands of|\d+|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten)";
    let head = r"(?:officials|officers|supporters|organisations|organizations|interns|ushers|parents|Parents|students|elders|Elders|devotees|lawmakers|legislators|MPs|senators|protesters|protestors|demonstrators|activists|residents|survivors|Survivors|villagers|workers|employees|veterans|relatives|doctors|teachers|members|commanders|clerics|diplomats|prosecutors|investigators|persons|authorities)";
    let place = r"(?:\s+(?:state|province|city|county|region|district))?";
    Regex::new(&format!(
        r"(?P<np>(?:{quantity}\s+)*(?:(?:{cap}|{lower})\s+){{0,3}}{head})\b(?P<pp>\s+(?:of|in|from)\s+(?:the\s+|an?\s+)?(?:(?:{cap}|[a-z]+)\s+){{0,4}}(?:{cap}|parliament){place})?"
    ))
    .expect("GROUP is a valid regex")
});

/// A news outlet named after what it is: "Kurdish news site Xendan", "the website al-Maalomah",
/// "the military newspaper Stars and Stripes". The tagger misses most of these names.
static OUTLET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    let word = r"(?:al-|el-)?[A-Z][\p{L}'’\-.]*";
    Regex::new(&format!(
        r"\b(?:news\s+(?:site|website|service|agency|outlet|channel|network|portal|wire)|website|newspaper|daily|weekly|broadcaster|channel|magazine|tabloid)\s+(?P<name>{word}(?:\s+(?:and\s+|of\s+|for\s+)?{word}){{0,4}})"
    ))
    .expect("OUTLET_NAME is a valid regex")
});

/// A country's ministry written in lower case, which the tagger misses: "Yemen's defence
/// ministry".
static OWNED_MINISTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<owner>[A-Z][\p{L}]+)(?:'s|’s)\s+(?P<body>(?:[a-z]+\s+){1,2}ministry)\b").expect("OWNED_MINISTRY is a valid regex")
});

/// Group heads that name nobody in particular without a modifier ("members said").
const BARE_GROUP_HEADS: &[&str] = &["parents", "survivors", "elders", "protesters", "relatives"];

/// Counts written as words ("seven other devotees").
const NUMBER_WORDS: &[&str] = &["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "twenty"];

/// Group heads that speak for the organisation or country named before them ("NASA officials").
const VOICE_HEADS: &[&str] = &["authorities", "officials", "commanders", "members", "leaders", "officers", "diplomats", "investigators", "prosecutors"];

/// The place part of a group ("in Borno state" in "Elders in Borno state in Nigeria's
/// north-east said"): cut at the first verb, then back to a capitalised word or a place noun
/// after one. `None` when no name is left.
fn place_phrase(raw: &str) -> Option<String> {
    let mut words: Vec<&str> = raw.split_whitespace().take_while(|w| !matches!(*w, "said" | "says" | "say" | "told" | "have" | "has" | "had" | "is" | "are" | "was" | "were" | "will" | "would")).collect();
    let place_noun = |w: &str| matches!(w, "state" | "province" | "city" | "county" | "region" | "district" | "parliament");
    let possessive = |w: &str| w.ends_with("'s") || w.ends_with("’s");
    while let Some(&last) = words.last() {
        let capitalised = last.chars().next().is_some_and(char::is_uppercase) && !possessive(last);
        let place_after_name = place_noun(last) && words.len() >= 2 && words[words.len() - 2].chars().next().is_some_and(char::is_uppercase);
        if capitalised || place_after_name || last == "parliament" {
            break;
        }
        words.pop();
    }
    (words.len() >= 2).then(|| words.join(" "))
}

static ACRONYM_AFTER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*\(\s*([A-Z][A-Za-z0-9&\-\.]{1,9})\s*\)").expect("ACRONYM_AFTER is a valid regex"));

/// Capitalised words that are never part of a person's name.
const NOT_NAMES: &[&str] = &[
    "The", "A", "An", "But", "And", "In", "On", "At", "After", "Before", "When", "While", "With", "This", "That",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October", "November", "December", "Today", "Both",
    "Other", "Instead", "Officials", "Reuters", "However", "He", "She", "It", "They", "We", "I", "His", "Her",
    "Meanwhile", "Yesterday", "Earlier", "Later", "Also", "Now", "Then", "Since", "During", "Despite", "For", "From",
    "By", "As", "If", "Under", "Last", "Several", "Many", "Some", "Although", "Though", "Because", "Whether", "Unlike",
    "Like", "Until", "Amid", "Among", "Following", "Including", "Asked", "Speaking", "Citing", "Even", "Only", "Just",
    "Neither", "Either", "Nor", "Yet", "So", "Or", "Not", "No", "Most", "All", "Such", "These", "Those", "Their", "Its",
    "Our", "My", "Your", "What", "Who", "Why", "How", "Where", "There", "Here", "Thus", "Still", "Already", "Indeed",
    "Moreover", "Furthermore", "Nevertheless", "Meanwhile,", "According",
];

/// The smallest tagger score for a name to be trusted.
pub const MIN_ENTITY_SCORE: f32 = 0.5;

/// Person and organisation actors named in `sentences`. `entities` are the tagger's spans per
/// sentence (relative to the sentence text), when a tagger ran. Names that are aliases of
/// `known` actors (the caller's, the gazetteer's) are left to them.
pub fn discover(sentences: &[Sentence], entities: Option<&[Vec<Entity>]>, known: &[Actor]) -> Vec<Actor> {
    let is_known = |name: &str| known.iter().any(|a| a.aliases.iter().any(|x| x == name));
    let mut people: Vec<String> = Vec::new();
    // (name, how the text wrote it with a title: "King Abdullah", "Col. Warren")
    let mut titled: Vec<(String, String)> = Vec::new();
    let mut organisations: Vec<(String, Option<String>)> = Vec::new(); // (name, acronym)
    let mut short_forms: Vec<(String, String)> = Vec::new(); // (organisation, the tagger's cut of it)
    for sentence in sentences {
        let text = sentence.text.as_str();
        if let Some(tagged) = entities.and_then(|e| e.get(sentence.index)) {
            for entity in tagged.iter().filter(|e| e.score >= MIN_ENTITY_SCORE) {
                let Some(raw) = text.get(entity.span.0..entity.span.1) else { continue };
                // "Benevolent Association", "Terrorism Command" tagged as people: a name that ends
                // in an organisation's head noun is an organisation.
                let kind = if entity.kind == EntityKind::Person && ends_in_organisation_noun(raw) { EntityKind::Organisation } else { entity.kind };
                match kind {
                    EntityKind::Person => {
                        // ... and a name's particle part after the span ("Sabah al-Jouburi").
                        let mut end = entity.span.1;
                        while let Some(more) = text.get(end..).and_then(|rest| PARTICLE_AFTER.find(rest)) {
                            end += more.end();
                        }
                        // ... and a given name left out of a one-word span ("CNN's Hala Gorani").
                        let start = if raw.contains(' ') { entity.span.0 } else { given_name_before(text, entity.span.0, known) };
                        let raw = text.get(start..end).unwrap_or(raw);
                        if let Some(name) = tidy_person(raw, known) {
                            titled.extend(titled_form(raw, &name).map(|form| (name.clone(), form)));
                            if !people.contains(&name) {
                                people.push(name);
                            }
                        }
                    }
                    EntityKind::Organisation => {
                        let Some((name, cuts)) = organisation_at(text, entity.span.0, entity.span.1) else { continue };
                        // The cut forms stay aliases: the text may use them alone ("the High
                        // Court", "the Interior Ministry").
                        add_short_forms(&mut short_forms, &name, cuts.into_iter().filter(|c| c.contains(' ') && !is_known(c)));
                        if is_known(&name) || is_known(&format!("the {name}")) {
                            continue;
                        }
                        let acronym = ACRONYM_AFTER.captures(&text[entity.span.1..]).and_then(|c| c.get(1)).map(|m| m.as_str().trim_end_matches('.').to_string());
                        match organisations.iter_mut().find(|(n, _)| *n == name) {
                            Some(entry) => {
                                if entry.1.is_none() {
                                    entry.1 = acronym;
                                }
                            }
                            None => organisations.push((name, acronym)),
                        }
                    }
                    EntityKind::Location => {}
                }
            }
        }
        for outlet in OUTLET_NAME.captures_iter(text).filter_map(|c| c.name("name")) {
            let name = tidy_organisation(outlet.as_str().trim_end_matches('.')).filter(|n| !is_known(n) && !NOT_NAMES.contains(&n.as_str()));
            if let Some(name) = name.filter(|n| !organisations.iter().any(|(o, _)| o == n)) {
                organisations.push((name, None));
            }
        }
        for owned in OWNED_MINISTRY.captures_iter(text) {
            let (Some(owner), Some(body)) = (owned.name("owner"), owned.name("body")) else { continue };
            let Some(adjective) = country_adjective(owner.as_str()) else { continue };
            let name = format!("{} {}", &text[owner.start()..body.start()].trim_end(), body.as_str());
            if is_known(&name) || organisations.iter().any(|(o, _)| *o == name) {
                continue;
            }
            add_short_forms(&mut short_forms, &name, adjective.map(|a| format!("{a} {}", body.as_str())));
            organisations.push((name, None));
        }
        let patterned = TITLED_NAME
            .captures_iter(text)
            .filter_map(|c| Some((c.get(1)?, c.get(0).map(|whole| whole.as_str()))))
            .chain(SPEAKER_NAME.captures_iter(text).filter_map(|c| Some((c.get(1).or_else(|| c.get(2))?, None))));
        for (found, whole) in patterned {
            if ends_in_organisation_noun(found.as_str()) {
                // "..., director of the Drug Policy Alliance, told": an organisation speaks.
                let Some((name, cuts)) = organisation_at(text, found.start(), found.end()).filter(|(n, _)| !is_known(n) && !is_known(&format!("the {n}"))) else { continue };
                add_short_forms(&mut short_forms, &name, cuts.into_iter().filter(|c| c.contains(' ') && !is_known(c)));
                if !organisations.iter().any(|(o, _)| *o == name) {
                    organisations.push((name, None));
                }
                continue;
            }
            let found = found.as_str();
            if let Some(name) = tidy_person(found, known) {
                titled.extend(whole.and_then(|w| titled_form(w, &name)).map(|form| (name.clone(), form)));
                if !people.contains(&name) {
                    people.push(name);
                }
            }
        }
    }
    let titled_names: Vec<&str> = titled.iter().map(|(name, _)| name.as_str()).collect();
    let mut actors = merge_people(people, &titled_names);
    actors.extend(families(sentences, known));
    // Report the titled forms too: a reader (and a coder's alias list) knows "King Abdullah".
    for (name, form) in titled {
        if let Some(person) = actors.iter_mut().find(|p| p.aliases.contains(&name)) {
            if !person.aliases.contains(&form) {
                person.aliases.push(form);
            }
        }
    }
    // An organisation whose acronym the tagger also found alone is one actor.
    let acronyms: Vec<String> = organisations.iter().filter_map(|(_, a)| a.clone()).collect();
    for (name, acronym) in organisations {
        let cut_of_another = short_forms.iter().any(|(full, cut)| *cut == name && *full != name);
        if cut_of_another || acronyms.contains(&name) || actors.iter().any(|a| a.aliases.contains(&name)) {
            continue;
        }
        let mut aliases = vec![name.clone()];
        aliases.extend(acronym.filter(|a| !is_known(a)));
        aliases.extend(short_forms.iter().filter(|(full, _)| *full == name).map(|(_, cut)| cut.clone()));
        actors.push(Actor { id: slug(&name), phrase: phrase_for_organisation(&name), name, kind: ActorKind::Organisation, source: ActorSource::Name, aliases });
    }
    let new_groups: Vec<Actor> = groups(sentences, known, &actors).into_iter().filter(|g| !actors.iter().any(|a| a.aliases.iter().any(|x| g.aliases.contains(x)))).collect();
    actors.extend(new_groups);
    actors
}

/// Concrete groups ([`GROUP`]), one actor per form the text uses; the form with its place
/// ("Security officials in Lebanon") is an alias of the short one.
fn groups(sentences: &[Sentence], known: &[Actor], others: &[Actor]) -> Vec<Actor> {
    let gazetteer = Gazetteer::builtin();
    let is_country_word = |word: &str| {
        gazetteer.adjectives.iter().any(|(adjective, _)| adjective == word)
            || known.iter().any(|a| a.kind == ActorKind::Country && a.aliases.iter().any(|x| x == word))
    };
    let mut found: Vec<Actor> = Vec::new();
    for sentence in sentences {
        for capture in GROUP.captures_iter(&sentence.text) {
            let Some(np) = capture.name("np") else { continue };
            let mut words: Vec<&str> = np.as_str().split_whitespace().collect();
            while words.len() > 1 && NOT_NAMES.contains(&words[0]) && !matches!(words[0], "Several" | "Many" | "Some" | "Other") {
                words.remove(0);
            }
            let Some(&head) = words.last() else { continue };
            let modifiers = &words[..words.len() - 1];
            let pp = capture.name("pp").and_then(|m| place_phrase(m.as_str()));
            if modifiers.is_empty() && pp.is_none() && !BARE_GROUP_HEADS.contains(&head.to_lowercase().as_str()) {
                continue;
            }
            // "Several senior U.S. officials", "NASA officials", "Boko Haram commanders": the
            // country or organisation itself speaks (affiliations::country_phrases, the name's
            // own mention), not a group of its own.
            let named: Vec<&str> = modifiers.iter().copied().filter(|w| w.chars().next().is_some_and(char::is_uppercase) && !NOT_NAMES.contains(w)).collect();
            let voice_of = |name: &str| is_country_word(name) || known.iter().chain(others).any(|a| a.kind != ActorKind::Person && a.aliases.iter().any(|x| x == name));
            // A descriptor makes it a group of its own ("former Iraqi army officers").
            let described = modifiers.iter().any(|w| w.chars().next().is_some_and(char::is_lowercase) && !matches!(*w, "senior" | "top" | "other" | "former" | "multiple" | "of" | "dozens" | "hundreds" | "thousands") && !NUMBER_WORDS.contains(w) && !w.chars().all(|c| c.is_ascii_digit()));
            if !named.is_empty() && pp.is_none() && !described && VOICE_HEADS.contains(&head) && voice_of(&named.join(" ")) {
                continue;
            }
            let short = words.join(" ");
            let mut aliases = vec![short.clone()];
            if let Some(pp) = pp {
                aliases.push(format!("{short} {pp}"));
            }
            // "multiple incoming students" and "incoming students" are one group.
            let same = |alias: &String| alias == &short || alias.ends_with(&format!(" {short}")) || short.ends_with(&format!(" {alias}"));
            match found.iter_mut().find(|g| g.aliases.iter().any(same)) {
                Some(group) => {
                    for alias in aliases {
                        if !group.aliases.contains(&alias) {
                            group.aliases.push(alias);
                        }
                    }
                }
                None => found.push(Actor { id: slug(&short), phrase: short.clone(), name: short, kind: ActorKind::Group, source: ActorSource::Name, aliases }),
            }
        }
    }
    found
}

/// Families of named people, one group per family name, with every form the text uses. A family
/// is a stance-holder of its own in hostage and victim stories ("Foley's family urged ...").
fn families(sentences: &[Sentence], known: &[Actor]) -> Vec<Actor> {
    let mut groups: Vec<Actor> = Vec::new();
    for sentence in sentences {
        for found in FAMILY.captures_iter(&sentence.text) {
            let Some(owner) = found.name("owner").or_else(|| found.name("house")) else { continue };
            let is_place = known.iter().any(|a| a.kind != ActorKind::Person && a.aliases.iter().any(|x| x == owner.as_str()));
            if is_place || NOT_NAMES.contains(&owner.as_str()) {
                continue;
            }
            let whole = found.get(0).map_or("", |m| m.as_str());
            let form = without_article(whole).to_string();
            let family_name = owner.as_str().split_whitespace().last().unwrap_or(owner.as_str()).to_string();
            match groups.iter_mut().find(|g| g.id == slug(&format!("{family_name} family"))) {
                Some(group) => {
                    if !group.aliases.contains(&form) {
                        group.aliases.push(form);
                    }
                }
                None => groups.push(Actor {
                    id: slug(&format!("{family_name} family")),
                    phrase: format!("the {family_name} family"),
                    name: form.clone(),
                    kind: ActorKind::Group,
                    source: ActorSource::Name,
                    aliases: vec![form],
                }),
            }
        }
    }
    groups
}

/// Head nouns of organisations' names ("the Drug Policy Alliance", "the Counter Terrorism
/// Command"): such names take "the".
const ORGANISATION_NOUNS: &[&str] = &[
    "Department", "Ministry", "Agency", "Office", "Commission", "Committee", "Council", "Court", "Bureau", "Observatory", "Association", "Union",
    "Party", "Alliance", "Coalition", "Institute", "Centre", "Center", "Army", "Police", "Service", "Authority", "Government", "Organization",
    "Organisation", "Network", "Front", "Movement", "Group", "Force", "Forces", "Command", "Post", "Times", "Journal", "Tribune", "Herald",
    "Gazette",
];

/// Whether a name's last word is an organisation's head noun ("Benevolent Association").
fn ends_in_organisation_noun(name: &str) -> bool {
    name.split_whitespace().last().map(|w| w.trim_end_matches(CLOSING_PUNCTUATION)).is_some_and(|w| ORGANISATION_NOUNS.contains(&w))
}

/// Organisations read better with "the" in a hypothesis ("the Pentagon supports ..."), except
/// acronyms and names that are already people-like ("Boko Haram", "Vice Media").
fn phrase_for_organisation(name: &str) -> String {
    let first = name.split_whitespace().next().unwrap_or("");
    let takes_the = ORGANISATION_NOUNS.iter().any(|w| name.split_whitespace().any(|x| x == *w));
    let acronym = name.chars().all(|c| c.is_uppercase() || !c.is_alphabetic());
    if takes_the && !acronym && first != "The" { format!("the {name}") } else { name.to_string() }
}

/// A person's name without titles, possessives and sentence words; `None` if nothing is left
/// or it names a known place.
pub fn tidy_person(raw: &str, known: &[Actor]) -> Option<String> {
    // Titles written in lower case ("rear admiral John Kirby") go with the capitalised ones.
    let raw = raw.trim().trim_end_matches(CLOSING_PUNCTUATION);
    let all: Vec<&str> = raw.split_whitespace().collect();
    let mut first_capital = all.iter().position(|w| w.chars().next().is_some_and(char::is_uppercase)).unwrap_or(0);
    if first_capital > 0 && is_particle(all[first_capital - 1]) {
        first_capital -= 1;
    }
    let raw = all[first_capital..].join(" ");
    let stripped = LEADING_TITLES.replace(&raw, "");
    // A role inside the span goes with everything before it: "Ministry spokesman Saad Maan
    // Ibrahim", "Army Col. Steve Warren", "Dera chief Gurmeet Ram Rahim Singh".
    let mut words: Vec<&str> = stripped.split_whitespace().collect();
    let function_word = |w: &str| matches!(w, "of" | "the" | "and" | "for" | "in" | "at" | "on" | "to" | "with" | "from" | "by");
    if let Some(role) = words.iter().rposition(|w| w.chars().next().is_some_and(char::is_lowercase) && !is_particle(w)).filter(|&i| !function_word(words[i])) {
        if words[role + 1..].iter().any(|w| w.chars().next().is_some_and(char::is_uppercase)) {
            words.drain(..=role);
        }
    }
    let rest = words.join(" ");
    if let Some(title) = INNER_TITLE.find_iter(&rest).last() {
        let after = &rest[title.end()..];
        let plausible = after.split_whitespace().any(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3);
        if title.start() > 0 && plausible && after.chars().next().is_some_and(char::is_uppercase) {
            words = after.split_whitespace().collect();
        }
    }
    while words.first().is_some_and(|w| NOT_NAMES.contains(w)) {
        words.remove(0);
    }
    while words.last().is_some_and(|w| NOT_NAMES.contains(w) || w.trim_end_matches('.').chars().count() == 1 || w.chars().next().is_some_and(char::is_lowercase) && !is_joined_particle(w)) {
        words.pop();
    }
    let joined = words.join(" ");
    let name = without_suffixes(joined.trim_end_matches(CLOSING_PUNCTUATION), POSSESSIVES).to_string();
    let capitalised = name.split_whitespace().find(|w| !is_particle(w)).and_then(|w| w.chars().next()).is_some_and(char::is_uppercase);
    // Names can end in "-ian" (Brian, Adrian): only known adjectives and "-ish" words go.
    let adjective = !name.contains(' ') && (name.ends_with("ish") || Gazetteer::builtin().adjectives.iter().any(|(a, _)| *a == name));
    let is_known_place = known.iter().any(|a| a.kind != ActorKind::Person && a.aliases.iter().any(|x| *x == name));
    if name.chars().count() < 3 || !capitalised || is_known_place || adjective {
        return None;
    }
    Some(name)
}

/// Where an organisation's name starts when the up to two capitalised words just before
/// `start` belong to it: not sentence words, titles, possessives or known places.
fn extend_left(text: &str, start: usize) -> usize {
    match text.get(..start).and_then(|before| before.strip_suffix(' ')) {
        Some(gap) => name_words_before(text, gap.len()).unwrap_or(start),
        None => start,
    }
}

/// Where up to two name-like words ending exactly at `end` start (capitalised, no sentence
/// word or title); `None` when the word before `end` is not one.
fn name_words_before(text: &str, end: usize) -> Option<usize> {
    let mut start = None;
    let mut end = end;
    for _ in 0..2 {
        let gap = text.get(..end)?;
        let word_start = gap.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let word = &gap[word_start..];
        let name_like = word.chars().next().is_some_and(char::is_uppercase)
            && word.chars().all(|c| c.is_alphabetic() || c == '-' || c == '.')
            && !NOT_NAMES.contains(&word)
            && !LEADING_TITLES.is_match(word);
        if !name_like {
            break;
        }
        start = Some(word_start);
        match gap[..word_start].strip_suffix(' ') {
            Some(rest) => end = rest.len(),
            None => break,
        }
    }
    start
}

/// An organisation's name around the span `start..end` the tagger or a pattern found, and the
/// shorter forms of it the text may also use alone. The tagger often cuts an organisation's first
/// word off ("Benevolent Association" in "Sergeants Benevolent Association") and leaves out its
/// owner ("Interior Ministry" in "Iraq's Interior Ministry"): both are taken back. A country's
/// possessive also gives the adjective form ("Iraqi Interior Ministry"), as readers write it.
fn organisation_at(text: &str, start: usize, end: usize) -> Option<(String, Vec<String>)> {
    // A span that opens inside a possessive ("s Benevolent Association" after "Patrolmen'")
    // starts after it.
    let start = match (text.get(..start), text.get(start..end)) {
        (Some(before), Some(span)) if before.ends_with(['\'', '’']) && span.starts_with("s ") => start + 2,
        _ => start,
    };
    let tagged = tidy_organisation(text.get(start..end)?);
    let extended = extend_left(text, start);
    let owned = with_owner(text, extended);
    let name = tidy_organisation(text.get(owned..end)?)?;
    let unowned = text.get(extended..end).and_then(tidy_organisation);
    let mut cuts: Vec<String> = Vec::new();
    for form in [unowned.clone(), tagged].into_iter().flatten() {
        if form != name && !cuts.contains(&form) {
            cuts.push(form);
        }
    }
    // The name as written with its describing compound ("Britain-based ..."), so that the
    // compound's place is not read as a mention of its own.
    if let Some(written) = text.get(owned..end).map(|t| without_suffixes(without_article(t.trim()), POSSESSIVES)).filter(|w| *w != name && w.ends_with(name.as_str())) {
        cuts.push(written.to_string());
    }
    if owned < extended {
        let owner = text.get(owned..extended).map(|o| without_suffixes(o.trim_end(), POSSESSIVES)).unwrap_or("");
        if let (Some(Some(adjective)), Some(rest)) = (country_adjective(owner), unowned) {
            cuts.push(format!("{adjective} {rest}"));
        }
    }
    Some((name, cuts))
}

/// For a country's name as the gazetteer knows it ("Iraq", "Yemen"), its adjective ("Iraqi"),
/// when it has one: `None` when `name` is no country, `Some(None)` for a country without one.
fn country_adjective(name: &str) -> Option<Option<&'static str>> {
    let gazetteer = Gazetteer::builtin();
    let country = gazetteer.actors.iter().find(|a| a.kind == ActorKind::Country && a.aliases.iter().any(|x| x == name))?;
    Some(gazetteer.adjectives.iter().find(|(_, id)| *id == country.id).map(|(a, _)| a.as_str()))
}

/// Record `forms` as short forms of the organisation `name`, each form once over all names.
fn add_short_forms(short_forms: &mut Vec<(String, String)>, name: &str, forms: impl IntoIterator<Item = String>) {
    for form in forms {
        if !short_forms.iter().any(|(_, c)| *c == form) {
            short_forms.push((name.to_string(), form));
        }
    }
}

/// Where a name starts when an owner stands right before it in the possessive: one or two
/// capitalised words ending in "'s" ("Iraq's", "Scotland Yard's", "Patrolmen's").
fn with_owner(text: &str, start: usize) -> usize {
    let owner_end = text.get(..start).and_then(|b| b.strip_suffix(' ')).and_then(|b| POSSESSIVES[..2].iter().find_map(|p| b.strip_suffix(p))).map(str::len);
    owner_end.and_then(|end| name_words_before(text, end)).unwrap_or(start)
}

/// Where a person's name starts when the one capitalised word right before `start` is a given
/// name the tagger left out: not a sentence word, title, possessive, place or adjective.
fn given_name_before(text: &str, start: usize, known: &[Actor]) -> usize {
    let Some(gap) = text.get(..start).and_then(|b| b.strip_suffix(' ')) else { return start };
    let word_start = gap.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let word = &gap[word_start..];
    let given = word.chars().next().is_some_and(char::is_uppercase)
        && word.chars().skip(1).all(|c| c.is_lowercase() || c == '-')
        && word.chars().count() >= 2
        && !NOT_NAMES.contains(&word)
        && !LEADING_TITLES.is_match(word)
        && !known.iter().any(|a| a.aliases.iter().any(|x| x == word))
        && !Gazetteer::builtin().adjectives.iter().any(|(a, _)| a == word)
        && !word.ends_with("ish");
    if given { word_start } else { start }
}

/// What may close a name span and is not part of it ("Richard Walton,").
const CLOSING_PUNCTUATION: [char; 7] = [',', ';', ':', ')', '"', '”', '“'];
/// Possessive endings, stripped in this order ("Putin's", "Reuters'").
const POSSESSIVES: &[&str] = &["'s", "’s", "'", "’"];

/// `text` without a leading "the " and then "The ".
fn without_article(text: &str) -> &str {
    ["the ", "The "].iter().fold(text, |rest, article| rest.strip_prefix(article).unwrap_or(rest))
}

/// `text` with each of `suffixes` stripped in turn where it ends with it.
fn without_suffixes<'a>(text: &'a str, suffixes: &[&str]) -> &'a str {
    suffixes.iter().fold(text, |rest, suffix| rest.strip_suffix(suffix).unwrap_or(rest))
}

/// `raw` as the text wrote it when it is `name` after titles only ("King Abdullah",
/// "Commander Richard Walton"); `None` when it is the name itself or has other words before it.
fn titled_form(raw: &str, name: &str) -> Option<String> {
    let form = without_suffixes(without_article(raw.trim().trim_end_matches(CLOSING_PUNCTUATION)), &["'s", "’s"]);
    let prefix = form.strip_suffix(name)?;
    let only_titles = !prefix.trim().is_empty() && LEADING_TITLES.find(prefix).is_some_and(|m| m.end() == prefix.len());
    only_titles.then(|| form.to_string())
}

/// Whether `alias` opens with a title ("King Abdullah", "Col. Warren").
pub fn starts_with_title(alias: &str) -> bool {
    LEADING_TITLES.find(alias).is_some_and(|m| m.end() > 0 && m.end() < alias.len())
}

/// The family name with its particles: "de Blasio", "bin Laden", "Putin".
fn surname(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let mut start = words.len().saturating_sub(1);
    while start > 0 && PARTICLES.contains(&words[start - 1]) {
        start -= 1;
    }
    words[start..].join(" ")
}

/// A particle written alone ("de", "bin") or joined to the next name ("al-Dulaimi").
fn is_particle(word: &str) -> bool {
    PARTICLES.contains(&word) || is_joined_particle(word)
}

/// "al-Dulaimi", "el-Sisi": the particle joined to a capitalised name.
fn is_joined_particle(word: &str) -> bool {
    word.split_once('-').is_some_and(|(particle, rest)| PARTICLES.contains(&particle) && rest.chars().next().is_some_and(char::is_uppercase))
}

/// Word endings of nationality and religion adjectives ("Kurdish", "Jordanian", "Sunni"), which
/// the tagger sometimes marks as organisations; and compounds that describe, not name.
const ADJECTIVE_ENDINGS: &[&str] = &["ish", "ian", "ese", "ean", "-affiliated", "-linked", "-led", "-backed", "-based", "-allied", "-born"];

fn tidy_organisation(raw: &str) -> Option<String> {
    // "Boko Haram group", "Isis forces", "Islamic State terror group": the name without the
    // generic noun and the word that describes it.
    let generic = [" group", " terror", " terrorist", " militant", " jihadist", " extremist", " rebel", " forces", " militants", " fighters", " regime", " militia", " officials", " of", " and"];
    let name = without_suffixes(without_suffixes(without_article(raw.trim()), POSSESSIVES), &generic);
    // "Britain-based Syrian Observatory for Human Rights", "Iran-backed Hezbollah": the
    // describing compound is not part of the name.
    let name = match name.split_once(' ') {
        Some((first, rest)) if first.contains('-') && ADJECTIVE_ENDINGS.iter().any(|e| e.starts_with('-') && first.ends_with(e)) && rest.chars().next().is_some_and(char::is_uppercase) => rest,
        _ => name,
    };
    // "al-Maalomah": the Arabic article is written joined and in lower case.
    let capitalised = name.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()) || name.split_whitespace().next().is_some_and(is_joined_particle);
    let one_word = !name.contains(' ');
    let adjective = one_word && (ADJECTIVE_ENDINGS.iter().any(|e| name.ends_with(e)) || Gazetteer::builtin().adjectives.iter().any(|(a, _)| a == name));
    // "Arab news" (of "the Arab news service Mashahead") describes an outlet, it does not name one.
    let description = name.ends_with(" news");
    // "Al" (of "Al Jazeera", the tagger's span cut short) is a particle, not a name.
    let particle = PARTICLES.iter().any(|p| p.eq_ignore_ascii_case(name));
    (capitalised && !adjective && !description && !particle && name.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !NOT_NAMES.contains(&name)).then(|| name.to_string())
}

/// Merge person names: longest first, so a bare surname ("Putin") and a titled short form join
/// the full name that ends with it. Among names of one length, those the text gives a title
/// come first: of relatives who share a family name, the bare name goes to the one with an
/// office ("President Barack Obama", not "first lady Michelle Obama" named before him).
fn merge_people(mut names: Vec<String>, titled: &[&str]) -> Vec<Actor> {
    names.sort_by_key(|n| (std::cmp::Reverse(n.split_whitespace().count()), !titled.contains(&n.as_str())));
    let mut people: Vec<Actor> = Vec::new();
    for name in names {
        let surname = surname(&name);
        // A bare family name joins the person who has it; a longer name only a person whose
        // name holds all its words in order ("Rahim Singh" in "Gurmeet Ram Rahim Singh"), so
        // that relatives ("Omar Haddad", "Samir Haddad") stay apart.
        let within = |p: &Actor| {
            let mut full = p.name.split_whitespace();
            name.split_whitespace().all(|word| full.any(|w| w == word))
        };
        let joins = |p: &Actor| {
            p.aliases.contains(&name) || (name == surname && (p.aliases.contains(&surname) || p.name.split_whitespace().next() == Some(name.as_str()))) || (name != surname && within(p)) || (p.name == surname || p.name.ends_with(&format!(" {surname}"))) && name.split_whitespace().count() > 1 && p.name.starts_with(name.split_whitespace().next().unwrap_or(""))
        };
        if let Some(person) = people.iter_mut().find(|p| joins(p)) {
            if !person.aliases.contains(&name) {
                person.aliases.push(name);
            }
            continue;
        }
        let mut aliases = vec![name.clone()];
        // Relatives share a family name ("Luke Somers", "his sister Lucy Somers"): the bare
        // name stays with the person named first, the story's subject as a rule.
        let surname_taken = people.iter().any(|p| p.aliases.contains(&surname));
        if surname != name && surname.chars().count() >= 3 && !surname_taken {
            aliases.push(surname);
        }
        people.push(Actor { id: slug(&name), phrase: name.clone(), name, kind: ActorKind::Person, source: ActorSource::Name, aliases });
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::sentences;

    #[test]
    fn names_ending_in_an_organisation_noun_are_organisations() {
        let text = "\u{201c}I think it\u{2019}s sad,\u{201d} countered Sergeants Benevolent Association President Ed Mullins. Gabriel Sayegh, the state director of the Drug Policy Alliance, told Vice.";
        let split = sentences(text);
        let tagged = vec![vec![entity(&split[0].text, "Benevolent Association", EntityKind::Person), entity(&split[0].text, "Ed Mullins", EntityKind::Person)], vec![]];
        let actors = discover(&split, Some(&tagged), &Gazetteer::builtin().actors);
        let kinds: Vec<(&str, ActorKind)> = actors.iter().map(|a| (a.name.as_str(), a.kind)).collect();
        assert!(kinds.contains(&("Sergeants Benevolent Association", ActorKind::Organisation)), "{kinds:?}");
        assert!(kinds.contains(&("Drug Policy Alliance", ActorKind::Organisation)), "{kinds:?}");
        assert!(!kinds.iter().any(|(name, kind)| *kind == ActorKind::Person && (name.contains("Association") || name.contains("Alliance"))), "{kinds:?}");
    }

    #[test]
    fn concrete_groups_are_actors_and_hedges_and_voices_are_not() {
        let text = "Multiple sources, including Kurdish intelligence officials and former Iraqi army officers, told the paper he died. \
                    Elders in Borno state in Nigeria\u{2019}s north-east have said the talks are a fraud. \
                    Analysts said the deal was weak. Several senior U.S. officials said it was not. NASA officials said the crater was small. \
                    Parents and surviving students said police took them. Multiple incoming students complained, and incoming students left.";
        let split = sentences(text);
        let actors = discover(&split, None, &Gazetteer::builtin().actors);
        let groups: Vec<&Vec<String>> = actors.iter().filter(|a| a.kind == ActorKind::Group).map(|a| &a.aliases).collect();
        let has = |alias: &str| groups.iter().any(|g| g.iter().any(|x| x == alias));
        for alias in ["Kurdish intelligence officials", "former Iraqi army officers", "Elders in Borno state", "Parents", "surviving students"] {
            assert!(has(alias), "{alias} in {groups:?}");
        }
        assert!(!groups.iter().flat_map(|g| g.iter()).any(|x| x.contains("Analysts") || x.contains("U.S.") || x.contains("NASA")), "{groups:?}");
        assert_eq!(groups.iter().filter(|g| g.iter().any(|x| x.ends_with("incoming students"))).count(), 1, "{groups:?}");
    }

    #[test]
    fn a_group_place_stops_before_the_verb() {
        assert_eq!(place_phrase("in Borno state in Nigeria\u{2019}s").as_deref(), Some("in Borno state"));
        assert_eq!(place_phrase("in Lebanon said on Tuesday").as_deref(), Some("in Lebanon"));
        assert_eq!(place_phrase("of an Iraqi army regiment in Saqlawiya").as_deref(), Some("of an Iraqi army regiment in Saqlawiya"));
        assert_eq!(place_phrase("of the"), None);
    }

    fn entity(text: &str, phrase: &str, kind: EntityKind) -> Entity {
        let start = text.find(phrase).unwrap();
        Entity { span: (start, start + phrase.len()), kind, score: 0.9 }
    }

    #[test]
    fn finds_titled_people_and_merges_surnames_without_a_tagger() {
        let text = "Russian President Vladimir Putin met President George W Bush on Monday. Putin said Bush was wrong. \
                    ''No,'' said Sergei Lavrov. Angela Merkel told reporters nothing. Former President Jimmy Carter agreed.";
        let people = discover(&sentences(text), None, &Gazetteer::builtin().actors);
        let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
        for expected in ["Vladimir Putin", "George W Bush", "Sergei Lavrov", "Angela Merkel", "Jimmy Carter"] {
            assert!(names.contains(&expected), "{expected} in {names:?}");
        }
        let dotted = discover(&sentences("Former President George H. W. Bush agreed."), None, &[]);
        assert_eq!(dotted[0].name, "George H. W. Bush");
        let putin = people.iter().find(|p| p.name == "Vladimir Putin").unwrap();
        assert!(putin.aliases.contains(&"Putin".to_string()));
        assert_eq!(putin.kind, ActorKind::Person);
    }

    #[test]
    fn tagged_names_become_people_and_organisations() {
        let text = "Pentagon spokesman Rear Adm. John Kirby said the Democratic Union Party (PYD) was wrong. Kirby added that the PYD and Vice Media disagreed.";
        let split = sentences(text);
        let first = &split[0].text;
        let second = &split[1].text;
        let tagged = vec![
            vec![entity(first, "Pentagon", EntityKind::Organisation), entity(first, "Rear Adm. John Kirby", EntityKind::Person), entity(first, "Democratic Union Party", EntityKind::Organisation)],
            vec![entity(second, "Kirby", EntityKind::Person), entity(second, "PYD", EntityKind::Organisation), entity(second, "Vice Media", EntityKind::Organisation)],
        ];
        let actors = discover(&split, Some(&tagged), &Gazetteer::builtin().actors);
        let names: Vec<&str> = actors.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["John Kirby", "Democratic Union Party", "Vice Media"], "the Pentagon is the gazetteer's");
        assert_eq!(actors[0].aliases, vec!["John Kirby", "Kirby", "Rear Adm. John Kirby"]);
        assert_eq!(actors[1].aliases, vec!["Democratic Union Party", "PYD"]);
        assert_eq!(actors[1].phrase, "the Democratic Union Party");
        assert_eq!(actors[2].kind, ActorKind::Organisation);
    }

    #[test]
    fn places_and_lowercase_spans_are_not_people() {
        let text = "The talks in Washington said nothing. President Monday was not a person.";
        assert!(discover(&sentences(text), None, &Gazetteer::builtin().actors).is_empty());
        assert_eq!(tidy_person("the president", &[]), None);
        assert_eq!(tidy_person("Sen. Lindsey Graham's", &[]).as_deref(), Some("Lindsey Graham"));
        for adjective in ["Kurdish", "Jordanian", "ISIS-affiliated", "American"] {
            assert_eq!(tidy_organisation(adjective), None, "{adjective}");
        }
        assert_eq!(tidy_organisation("the Taliban").as_deref(), Some("Taliban"));
        assert_eq!(tidy_organisation("Boko Haram group").as_deref(), Some("Boko Haram"));
        assert_eq!(tidy_organisation("Al"), None, "a particle the tagger cut off 'Al Jazeera'");
        assert_eq!(tidy_organisation("Al Jazeera").as_deref(), Some("Al Jazeera"));
        assert_eq!(tidy_person("Justice K Kannan of", &[]).as_deref(), Some("K Kannan"));
        assert_eq!(tidy_person("rear admiral John Kirby", &[]).as_deref(), Some("John Kirby"));
    }

    #[test]
    fn relatives_stay_apart_and_short_forms_join() {
        let people = merge_people(vec!["Omar Haddad".into(), "Samir Haddad".into(), "Haddad".into(), "Gurmeet Ram Rahim Singh".into(), "Rahim Singh".into(), "Samir".into()], &[]);
        let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["Gurmeet Ram Rahim Singh", "Omar Haddad", "Samir Haddad"]);
        assert!(people[0].aliases.contains(&"Rahim Singh".to_string()));
        assert!(people[2].aliases.contains(&"Samir".to_string()), "a first name alone joins its person");
        // The relative with an office gets the bare family name, though named second.
        let people = merge_people(vec!["Michelle Obama".into(), "Barack Obama".into(), "Obama".into()], &["Barack Obama"]);
        let holder = people.iter().find(|p| p.aliases.contains(&"Obama".to_string())).map(|p| p.name.as_str());
        assert_eq!(holder, Some("Barack Obama"));
    }

    #[test]
    fn relatives_sharing_a_family_name_are_both_found() {
        let text = "Luke Somers was held for a year. Lucy Somers, his sister, told reporters he was killed. Somers was 33.";
        let split = sentences(text);
        let tagged = vec![vec![entity(&split[0].text, "Luke Somers", EntityKind::Person)], vec![entity(&split[1].text, "Lucy Somers", EntityKind::Person)], vec![]];
        let actors = discover(&split, Some(&tagged), &Gazetteer::builtin().actors);
        let aliases: Vec<&Vec<String>> = actors.iter().map(|a| &a.aliases).collect();
        assert_eq!(aliases, vec![&vec!["Luke Somers".to_string(), "Somers".to_string()], &vec!["Lucy Somers".to_string()]]);
    }

    #[test]
    fn organisation_names_take_back_their_owner_and_lose_descriptions() {
        let text = "Iraq\u{2019}s Interior Ministry said she was not his wife. Pat Lynch, president of the Patrolmen's Benevolent Association, said nothing. \
                    It matched the Britain-based Syrian Observatory for Human Rights. A U.S.-led coalition struck.";
        let split = sentences(text);
        let tagged = vec![
            vec![entity(&split[0].text, "Interior Ministry", EntityKind::Organisation)],
            // The tagger's span opens after the apostrophe.
            vec![entity(&split[1].text, "s Benevolent Association", EntityKind::Organisation)],
            vec![entity(&split[2].text, "Britain-based Syrian Observatory for Human Rights", EntityKind::Organisation)],
            vec![entity(&split[3].text, "U.S.-led coalition", EntityKind::Organisation)],
        ];
        let actors = discover(&split, Some(&tagged), &Gazetteer::builtin().actors);
        let find = |name: &str| actors.iter().find(|a| a.name == name).map(|a| a.aliases.clone());
        let ministry = find("Iraq\u{2019}s Interior Ministry").expect("the owner is part of the name");
        assert!(ministry.contains(&"Interior Ministry".to_string()) && ministry.contains(&"Iraqi Interior Ministry".to_string()), "{ministry:?}");
        assert!(find("Patrolmen's Benevolent Association").is_some(), "{actors:?}");
        let observatory = find("Syrian Observatory for Human Rights").expect("'Britain-based' describes, it does not name");
        assert!(observatory.contains(&"Britain-based Syrian Observatory for Human Rights".to_string()));
        assert!(find("U.S.-led coalition").is_some(), "a compound before a common noun stays: {actors:?}");
    }

    #[test]
    fn outlets_named_after_what_they_are_and_given_names_the_tagger_left_out() {
        let text = "Kurdish news site Xendan reported the symptoms. The Arab news service Mashahead posted a video. \
                    The military newspaper Stars and Stripes reported it. CNN's Hala Gorani tweeted. Brian Stelter agreed.";
        let split = sentences(text);
        let tagged = vec![
            vec![],
            vec![entity(&split[1].text, "news", EntityKind::Organisation)],
            vec![],
            vec![entity(&split[3].text, "CNN", EntityKind::Organisation), entity(&split[3].text, "Gorani", EntityKind::Person)],
            vec![entity(&split[4].text, "Stelter", EntityKind::Person)],
        ];
        let actors = discover(&split, Some(&tagged), &Gazetteer::builtin().actors);
        let names: Vec<&str> = actors.iter().map(|a| a.name.as_str()).collect();
        for name in ["Xendan", "Mashahead", "Stars and Stripes", "Hala Gorani", "Brian Stelter"] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        assert!(!names.iter().any(|n| n.ends_with("news")), "{names:?}");
    }

    #[test]
    fn names_news_writes_in_lower_case() {
        let text = "Al Sabah and the website al-Maalomah reported it. According to Yemen's defence ministry, the raid worked. \
                    Arms were supplied by Kurdish authorities in the north. Lebanese authorities detained her.";
        let actors = discover(&sentences(text), None, &Gazetteer::builtin().actors);
        let find = |name: &str| actors.iter().find(|a| a.name == name);
        assert!(find("al-Maalomah").is_some_and(|a| a.kind == ActorKind::Organisation), "{actors:?}");
        let ministry = find("Yemen's defence ministry").expect("a country's ministry in lower case");
        assert!(ministry.aliases.contains(&"Yemeni defence ministry".to_string()), "{ministry:?}");
        assert!(actors.iter().any(|a| a.kind == ActorKind::Group && a.aliases.contains(&"Kurdish authorities".to_string())), "{actors:?}");
        assert!(!actors.iter().any(|a| a.aliases.iter().any(|x| x.starts_with("Lebanese"))), "a country's authorities are the country: {actors:?}");
    }

    #[test]
    fn families_are_groups_with_every_form_the_text_uses() {
        let text = "James Foley's family urged patience. The Foley family said it would not pay. The Somers family asked for privacy. The Washington family stayed.";
        let actors = discover(&sentences(text), None, &Gazetteer::builtin().actors);
        let groups: Vec<&Actor> = actors.iter().filter(|a| a.kind == ActorKind::Group).collect();
        assert_eq!(groups.len(), 2, "{groups:?}");
        assert_eq!(groups[0].aliases, vec!["James Foley's family", "Foley family"]);
        assert_eq!(groups[1].name, "Somers family");
    }

    #[test]
    fn names_keep_their_particles_and_lose_roles_and_punctuation() {
        for (raw, expected) in [
            ("Ahmad Saddag al-Dulaimi", "Ahmad Saddag al-Dulaimi"),
            ("Mayor de Blasio", "de Blasio"),
            ("Crown Prince Mohammed bin Salman", "Mohammed bin Salman"),
            ("Richard Walton,", "Richard Walton"),
            ("Ministry spokesman Saad Maan Ibrahim", "Saad Maan Ibrahim"),
            ("Dera Sacha Sauda chief Gurmeet Ram Rahim Singh", "Gurmeet Ram Rahim Singh"),
            ("Army Col. Steve Warren", "Steve Warren"),
            ("Martin Luther King Jr.", "Martin Luther King Jr."),
            ("John Major", "John Major"),
        ] {
            assert_eq!(tidy_person(raw, &[]).as_deref(), Some(expected), "{raw}");
        }
        assert_eq!(tidy_person("Chairman of the Joint Chiefs of Staff", &[]), None, "a title, not a name");
        assert_eq!(surname("Bill de Blasio"), "de Blasio");
        assert_eq!(surname("Vladimir Putin"), "Putin");
    }

    #[test]
    fn titled_forms_particles_and_cut_organisations_are_reported() {
        let text = "Mayor Bill de Blasio backed the plan, and King Abdullah agreed. The Sergeants Benevolent Association objected, said Sabah al-Jouburi.";
        let split = sentences(text);
        let first = &split[0].text;
        let second = &split[1].text;
        let tagged = vec![
            vec![entity(first, "Bill de Blasio", EntityKind::Person), entity(first, "Abdullah", EntityKind::Person)],
            vec![entity(second, "Benevolent Association", EntityKind::Organisation), entity(second, "Sabah", EntityKind::Person)],
        ];
        let actors = discover(&split, Some(&tagged), &[]);
        let find = |name: &str| actors.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("{name} in {actors:?}"));
        assert!(find("Bill de Blasio").aliases.contains(&"de Blasio".to_string()));
        assert!(find("Bill de Blasio").aliases.contains(&"Mayor Bill de Blasio".to_string()));
        assert!(find("Abdullah").aliases.contains(&"King Abdullah".to_string()));
        assert_eq!(find("Sergeants Benevolent Association").kind, ActorKind::Organisation);
        find("Sabah al-Jouburi");
        assert_eq!(titled_form("Pentagon spokesman John Kirby", "John Kirby"), None, "not only titles");
    }
}
