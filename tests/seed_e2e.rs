//! End to end on the seed article (../shared/articles/kennebunkport-2007) with the trained
//! default model: the json's topics, no actors given (actors are discovered).
//!
//! Two tests: the pipeline must link every explicit gold row (actor, topic) to its gold
//! evidence (text, mention and claim stages; checked in CI), and the model must then label at
//! least 5 of the 6 explicit rows right with no opposite label on any gold row, explicit or
//! implicit (the acceptance bar of the pipeline issue; `make acceptance` prints the table).

mod common;

use serde::Deserialize;
use standpoint::mentions::Topic;
use standpoint::model::ModelOptions;
use standpoint::stance::StanceLabel;
use standpoint::{Article, Options, Pipeline};

#[derive(Deserialize)]
struct Seed {
    id: String,
    topics: Vec<Topic>,
    actors: Vec<GoldActor>,
    gold: Vec<GoldRow>,
}

#[derive(Deserialize)]
struct GoldActor {
    id: String,
    name: String,
    aliases: Vec<String>,
}

#[derive(Deserialize)]
struct GoldRow {
    actor: String,
    topic: String,
    stance: StanceLabel,
    explicit: bool,
}

#[derive(Deserialize)]
struct GoldEvidence {
    actor: String,
    topic: String,
    explicit: bool,
    evidence: Vec<String>,
}

fn seed() -> Option<(String, String)> {
    let shared = common::require(common::shared(), "../shared")?;
    let dir = shared.join("articles");
    Some((std::fs::read_to_string(dir.join("kennebunkport-2007.txt")).ok()?, std::fs::read_to_string(dir.join("kennebunkport-2007.json")).ok()?))
}

#[test]
fn seed_article_links_every_explicit_gold_row_to_its_evidence() {
    let Some((text, json)) = seed() else { return };
    let Some(model) = common::require(common::default_model(), "the default model") else { return };
    let seed: Seed = serde_json::from_str(&json).unwrap();
    let gold_evidence: Vec<GoldEvidence> = serde_json::from_value(serde_json::from_str::<serde_json::Value>(&json).unwrap()["gold"].clone()).unwrap();
    let pipeline = Pipeline::load(&model.display().to_string(), ModelOptions::default()).unwrap();
    let article = Article { id: Some(seed.id.clone()), text, ..Article::default() };
    let report = pipeline.analyze(&article, &Options { topics: seed.topics.clone(), ..Options::default() }).unwrap();
    for gold in gold_evidence.iter().filter(|g| g.explicit) {
        let actor = seed.actors.iter().find(|a| a.id == gold.actor).unwrap();
        let ours = report.mentions.actors.iter().find(|a| a.name == actor.name || actor.aliases.iter().any(|g| *g == a.name));
        let ours = ours.unwrap_or_else(|| panic!("actor {} not found", gold.actor));
        let row = report.table.iter().find(|r| r.actor == ours.id && r.topic == gold.topic);
        let row = row.unwrap_or_else(|| panic!("no table row for {}/{}", gold.actor, gold.topic));
        let linked = gold.evidence.iter().filter(|e| row.evidence.iter().any(|x| x.text == **e)).count();
        eprintln!("{}/{}: {linked} of {} gold evidence sentences linked, {} sentences in the row", gold.actor, gold.topic, gold.evidence.len(), row.sentences);
        assert!(linked >= 1, "{}/{}: none of its gold evidence is linked", gold.actor, gold.topic);
    }
}

#[test]
fn seed_article_gold_rows() {
    let Some((text, json)) = seed() else { return };
    let Some(model) = common::require(common::default_model(), "the default model") else { return };
    let seed: Seed = serde_json::from_str(&json).unwrap();
    let pipeline = Pipeline::load(&model.display().to_string(), ModelOptions::default()).unwrap();
    let article = Article { id: Some(seed.id.clone()), text, ..Article::default() };
    let options = Options { topics: seed.topics.clone(), ..Options::default() };
    check_seed_table(&seed, &pipeline.analyze(&article, &options).unwrap());
}

/// The same bar through the default pack with the shipped models (tagger and embedder), as a
/// user who gives no topics meets it: the pack's topic ids are the gold file's.
#[test]
fn seed_article_gold_rows_through_the_default_pack() {
    let Some((text, json)) = seed() else { return };
    let set = standpoint::pipeline::ModelSet::shipped(&common::root());
    let ready = set.tagger.is_some() && set.embedder.is_some();
    let Some(set) = common::require(ready.then_some(set), "the shipped models with the base encoder") else { return };
    let seed: Seed = serde_json::from_str(&json).unwrap();
    let pipeline = Pipeline::load_set(&set, ModelOptions::default()).unwrap();
    let article = Article { id: Some(seed.id.clone()), text, ..Article::default() };
    check_seed_table(&seed, &pipeline.analyze(&article, &Options { sentiment: false, ..Options::default() }).unwrap());
}

/// At least 5 of the 6 explicit gold rows right, and no gold row (explicit or implicit) with the
/// opposite label.
fn check_seed_table(seed: &Seed, report: &standpoint::report::Report) {
    // Our discovered actor for each gold actor: the one whose name is among the gold aliases.
    let ours = |gold_id: &str| -> Option<String> {
        let gold = seed.actors.iter().find(|a| a.id == gold_id)?;
        report
            .mentions
            .actors
            .iter()
            .find(|a| a.name == gold.name || gold.aliases.iter().any(|g| *g == a.name))
            .map(|a| a.id.clone())
    };

    let (mut explicit_right, mut explicit_total, mut opposite) = (0, 0, Vec::new());
    for gold in &seed.gold {
        let row = ours(&gold.actor).and_then(|id| report.table.iter().find(|r| r.actor == id && r.topic == gold.topic));
        let got = row.map(|r| r.label);
        let verdict = match got {
            Some(label) if label == gold.stance => "right",
            Some(StanceLabel::Favor) if gold.stance == StanceLabel::Against => "OPPOSITE",
            Some(StanceLabel::Against) if gold.stance == StanceLabel::Favor => "OPPOSITE",
            Some(_) => "wrong",
            None => "missing",
        };
        eprintln!(
            "{:5} {:15} {:34} gold {:8} got {:8} score {:+.2} -> {verdict}",
            if gold.explicit { "expl" } else { "impl" },
            gold.actor,
            gold.topic,
            gold.stance.as_str(),
            got.map_or("-", |l| l.as_str()),
            row.map_or(0.0, |r| r.score)
        );
        if gold.explicit {
            explicit_total += 1;
            explicit_right += usize::from(verdict == "right");
        }
        // The bar forbids an opposite label on any gold row, explicit or implicit.
        if verdict == "OPPOSITE" {
            opposite.push(format!("{}/{}", gold.actor, gold.topic));
        }
    }
    eprintln!("explicit gold rows right: {explicit_right}/{explicit_total}");
    assert_eq!(explicit_total, 6);
    assert!(explicit_right >= 5, "only {explicit_right}/6 explicit gold rows right");
    assert!(opposite.is_empty(), "opposite labels on {opposite:?}");
}

/// The example article (examples/trade-summit.txt) against the rows a reader gives it
/// (tests/fixtures/example-gold.jsonl), with the shipped models and its topics: every gold row
/// gets its label.
#[test]
fn example_article_rows_are_what_a_reader_says() {
    let set = standpoint::pipeline::ModelSet::shipped(&common::root());
    let ready = set.tagger.is_some() && set.embedder.is_some();
    let Some(set) = common::require(ready.then_some(set), "the shipped models with the base encoder") else { return };
    let pipeline = Pipeline::load_set(&set, ModelOptions::default()).unwrap();
    let gold = standpoint::eval::gold::read(&common::fixture("example-gold.jsonl")).unwrap();
    let base = Options { sentiment: false, ..Options::default() };
    let report = standpoint::eval::run(&pipeline, &gold, &base, standpoint::eval::EvalConfig::default(), |_, _| {}).unwrap();
    eprintln!("{}", report.to_text(true));
    assert_eq!(report.summary.counts.tp, report.summary.gold_rows, "every gold row of the example right");
}
