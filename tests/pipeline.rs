//! The whole pipeline on the tiny fixture model: plumbing, schema and renderers. (The tiny
//! model's numbers are random; the seed test checks real stances with the trained model.)

mod common;

use standpoint::mentions::{Actor, Topic};
use standpoint::model::ModelOptions;
use standpoint::report::render::{Format, render};
use standpoint::{Article, Options, Pipeline, Report};

fn pipeline() -> Pipeline {
    Pipeline::load(&common::fixture("tiny-bert").display().to_string(), ModelOptions::default()).unwrap()
}

fn example() -> Article {
    let text = std::fs::read_to_string(common::root().join("examples/trade-summit.txt")).unwrap();
    Article { id: Some("example-1".into()), title: Some("Lisbon summit".into()), date: Some("2026-05-12".into()), text }
}

#[test]
fn example_article_gives_a_consistent_report() {
    let article = example();
    let report = pipeline().analyze(&article, &Options::default()).unwrap();
    assert_eq!(report.schema_version, standpoint::report::SCHEMA_VERSION);
    assert_eq!(report.article.id, "example-1");
    for sentence in &report.sentences {
        assert_eq!(&article.text[sentence.span.0..sentence.span.1], sentence.text);
    }
    assert!(report.sentences.iter().all(|s| !s.text.contains("Related Stories") && !s.text.contains("Share this")));
    let actor_ids: Vec<&str> = report.mentions.actors.iter().map(|a| a.id.as_str()).collect();
    for id in ["anna-keller", "louis-marchand", "united-states", "china", "france"] {
        assert!(actor_ids.contains(&id), "{id} missing from {actor_ids:?}");
    }
    let keys: Vec<(&str, &str)> = report.table.iter().map(|r| (r.actor.as_str(), r.topic.as_str())).collect();
    assert!(keys.contains(&("anna-keller", "trade-tariffs")), "{keys:?}");
    assert!(keys.contains(&("china", "climate-agreement")), "{keys:?}");
    for row in &report.table {
        assert!((-1.0..=1.0).contains(&row.score) && (0.0..=1.0).contains(&row.confidence), "{row:?}");
        assert_eq!(row.sentences, row.evidence.len());
        for e in &row.evidence {
            assert_eq!(&article.text[e.span.0..e.span.1], e.text);
        }
    }
    assert!(report.timings.unique_pairs <= report.timings.pairs && report.timings.pairs > 0);
    assert!(!report.sentiment.is_empty());
}

#[test]
fn report_round_trips_through_json() {
    let report = pipeline().analyze(&example(), &Options::default()).unwrap();
    let json = render(&report, Format::Json).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn markdown_and_csv_have_one_line_per_row() {
    let report = pipeline().analyze(&example(), &Options::default()).unwrap();
    let md = render(&report, Format::Markdown).unwrap();
    assert!(md.contains("| actor | topic | stance |"));
    let csv = render(&report, Format::Csv).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(reader.records().count(), report.table.len());
}

#[test]
fn batch_analysis_equals_one_by_one() {
    let pipeline = pipeline();
    let a = example();
    let b = Article::from_text("President Louis Marchand said France opposes tariffs. He wants a free trade deal.");
    let items = vec![(a.clone(), Options::default()), (Article::from_text("  "), Options::default()), (b.clone(), Options::default())];
    let batch = pipeline.analyze_batch(&items).unwrap();
    assert_eq!(batch[1].as_ref().unwrap_err().code(), "empty_text");
    for (got, article) in [(&batch[0], &a), (&batch[2], &b)] {
        let single = pipeline.analyze(article, &Options::default()).unwrap();
        let got = got.as_ref().unwrap();
        assert_eq!(got.table.len(), single.table.len());
        for (x, y) in got.stances.iter().zip(&single.stances) {
            assert!((x.favor - y.favor).abs() < 1e-4 && (x.against - y.against).abs() < 1e-4);
        }
    }
}

#[test]
fn caller_actors_and_topics_only() {
    let article = Article::from_text("Mayor Jane Roe said the city backs the bike lanes. Critics disagree.");
    let options = Options {
        actors: vec![Actor::parse_spec("Jane Roe=Roe,Mayor Jane Roe").unwrap()],
        topics: vec![Topic::parse_spec("new bike lanes=bike lanes").unwrap()],
        discover_actors: false,
        ..Options::default()
    };
    let report = pipeline().analyze(&article, &options).unwrap();
    assert_eq!(report.table.len(), 1);
    assert_eq!(report.table[0].actor, "jane-roe");
    assert_eq!(report.table[0].topic, "new-bike-lanes");
}

#[test]
fn hypotheses_longer_than_the_model_allows_are_truncated_not_fatal() {
    // The tiny model has 64 positions; this topic label alone is longer.
    let label = "a very long topic label that goes on and on ".repeat(6);
    let options = Options { topics: vec![Topic { id: "long".into(), label, aliases: vec!["bike lanes".into()] }], ..Options::default() };
    let report = pipeline().analyze(&Article::from_text("Mayor Jane Roe said the city backs the bike lanes."), &options).unwrap();
    assert_eq!(report.table.len(), 1);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let pipeline = pipeline();
    let cases = [
        (Article::from_text(""), Options::default(), "empty_text"),
        (Article::from_text("Share this\nTweet\n"), Options::default(), "empty_text"),
        (Article::from_text("x".repeat(2_000_001)), Options::default(), "invalid_input"),
        (Article::from_text("Fine text here."), Options { pack: Some("nope".into()), ..Options::default() }, "unknown_pack"),
    ];
    for (article, options, code) in cases {
        let err = pipeline.analyze(&article, &options).unwrap_err();
        assert_eq!(err.code(), code, "{err}");
        assert_eq!(err.to_json()["error"]["code"], code);
    }
}
