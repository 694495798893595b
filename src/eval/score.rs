//! Scoring a system's tables against gold, as the actor-stance conventions define it.
//!
//! A system actor matches a gold actor when its name or any alias it reports equals one of the
//! gold aliases (after [`normalise_name`]). Triples (actor, topic, stance) are counted: the same
//! pair with the same stance is a true positive; a wrong stance on a gold pair is one false
//! positive and one false negative; a prediction for a pair gold lacks is a false positive
//! unless it is neutral with confidence below [`EXEMPT_NEUTRAL_BELOW`]; a gold row with no
//! prediction is a false negative.

use std::collections::HashMap;

use serde::Serialize;

use super::gold::GoldArticle;
use super::normalise_name;
use crate::report::Report;
use crate::stance::StanceLabel;

/// A neutral prediction on a pair gold lacks costs nothing below this confidence.
pub const EXEMPT_NEUTRAL_BELOW: f32 = 0.5;

const LABELS: [StanceLabel; 3] = [StanceLabel::Favor, StanceLabel::Against, StanceLabel::Neutral];

/// One row of a system's table, with what is needed to match it.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The system's actor name.
    pub actor_name: String,
    /// Every alias the system reports for the actor.
    pub actor_aliases: Vec<String>,
    /// Topic id.
    pub topic: String,
    /// Predicted stance.
    pub label: StanceLabel,
    /// Its confidence.
    pub confidence: f32,
}

/// The table rows of a report as predictions.
pub fn predictions(report: &Report) -> Vec<Prediction> {
    report
        .table
        .iter()
        .map(|row| {
            let actor = report.mentions.actor(&row.actor);
            Prediction {
                actor_name: actor.map_or_else(|| row.actor_name.clone(), |a| a.name.clone()),
                actor_aliases: actor.map(|a| a.aliases.clone()).unwrap_or_default(),
                topic: row.topic.clone(),
                label: row.label,
                confidence: row.confidence,
            }
        })
        .collect()
}

/// True/false positives and false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// False negatives.
    pub r#fn: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.r#fn += other.r#fn;
    }

    /// Precision (0 when nothing was predicted).
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// Recall (0 when gold is empty).
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.r#fn)
    }

    /// F1 (0 when precision and recall are both 0).
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The score of one article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleScore {
    /// Article id.
    pub id: String,
    /// Pooled counts.
    pub counts: Counts,
    /// Counts per gold/predicted label: favor, against, neutral.
    pub by_label: [Counts; 3],
    /// Gold rows.
    pub gold_rows: usize,
    /// Explicit gold rows, and how many were right.
    pub explicit: (usize, usize),
    /// Implicit gold rows, and how many were right.
    pub implicit: (usize, usize),
    /// Gold actors with at least one gold row, and how many got any predicted row.
    pub actors_with_rows: (usize, usize),
    /// Gold actors, and how many some system actor matched.
    pub actors_found: (usize, usize),
    /// `confusion[gold][predicted]`; gold index 3 = no gold row, predicted index 3 = no
    /// prediction. Exempt neutral predictions are left out.
    pub confusion: [[usize; 4]; 4],
    /// Predictions left out by the neutral exemption.
    pub exempt: usize,
    /// Every gold row with what the system said, for reading errors.
    pub rows: Vec<RowOutcome>,
}

/// A gold row (or a false-positive prediction) and the system's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowOutcome {
    /// The gold actor's canonical name, or the system's name for an unmatched actor.
    pub actor: String,
    /// Topic id.
    pub topic: String,
    /// Gold stance, if gold has the pair.
    pub gold: Option<StanceLabel>,
    /// Predicted stance, if the system gave one.
    pub predicted: Option<StanceLabel>,
    /// The prediction's confidence.
    pub confidence: Option<f32>,
    /// Whether the gold row is explicit.
    pub explicit: Option<bool>,
}

fn label_index(label: StanceLabel) -> usize {
    match label {
        StanceLabel::Favor => 0,
        StanceLabel::Against => 1,
        StanceLabel::Neutral => 2,
    }
}

/// Which gold actor a system actor is: the one its name matches, else the first one any of its
/// aliases matches.
fn match_actor(gold: &GoldArticle, name: &str, aliases: &[String]) -> Option<usize> {
    let gold_aliases: Vec<Vec<String>> = gold.actors.iter().map(|a| a.aliases.iter().map(|x| normalise_name(x)).collect()).collect();
    let name = normalise_name(name);
    if let Some(found) = gold_aliases.iter().position(|g| g.contains(&name)) {
        return Some(found);
    }
    let aliases: Vec<String> = aliases.iter().map(|a| normalise_name(a)).collect();
    gold_aliases.iter().position(|g| aliases.iter().any(|a| g.contains(a)))
}

/// Score one article's predictions. Found actors (`found_actors`: name and aliases of every
/// actor the system found, with or without rows) give the actor-finding recall.
pub fn score_article(gold: &GoldArticle, predictions: &[Prediction], found_actors: &[(String, Vec<String>)]) -> ArticleScore {
    // One prediction per (gold actor, topic): when several system actors match the same gold
    // actor, the most confident non-neutral answer stands for them.
    let mut matched: HashMap<(usize, &str), &Prediction> = HashMap::new();
    let mut unmatched: Vec<&Prediction> = Vec::new();
    for prediction in predictions {
        match match_actor(gold, &prediction.actor_name, &prediction.actor_aliases) {
            Some(actor) => {
                let key = (actor, prediction.topic.as_str());
                let better = |old: &Prediction| {
                    let rank = |p: &Prediction| (p.label != StanceLabel::Neutral, p.confidence);
                    rank(prediction).0 > rank(old).0 || (rank(prediction).0 == rank(old).0 && prediction.confidence > old.confidence)
                };
                if matched.get(&key).is_none_or(|old| better(old)) {
                    matched.insert(key, prediction);
                }
            }
            None => unmatched.push(prediction),
        }
    }

    let mut counts = Counts::default();
    let mut by_label = [Counts::default(); 3];
    let mut confusion = [[0usize; 4]; 4];
    let mut explicit = (0, 0);
    let mut implicit = (0, 0);
    let mut rows = Vec::new();
    let mut exempt = 0;
    let gold_index = |id: &str| gold.actors.iter().position(|a| a.id == id);
    for row in &gold.rows {
        let Some(actor) = gold_index(&row.actor) else { continue };
        let predicted = matched.get(&(actor, row.topic.as_str())).copied();
        let g = label_index(row.stance);
        let right = predicted.is_some_and(|p| p.label == row.stance);
        match predicted {
            Some(_) if right => {
                counts.tp += 1;
                by_label[g].tp += 1;
                confusion[g][g] += 1;
            }
            Some(p) => {
                counts.fp += 1;
                counts.r#fn += 1;
                by_label[label_index(p.label)].fp += 1;
                by_label[g].r#fn += 1;
                confusion[g][label_index(p.label)] += 1;
            }
            None => {
                counts.r#fn += 1;
                by_label[g].r#fn += 1;
                confusion[g][3] += 1;
            }
        }
        let tally = if row.explicit { &mut explicit } else { &mut implicit };
        tally.0 += 1;
        tally.1 += usize::from(right);
        rows.push(RowOutcome {
            actor: gold.actors[actor].name.clone(),
            topic: row.topic.clone(),
            gold: Some(row.stance),
            predicted: predicted.map(|p| p.label),
            confidence: predicted.map(|p| p.confidence),
            explicit: Some(row.explicit),
        });
    }
    let in_gold = |actor: usize, topic: &str| gold.rows.iter().any(|r| gold_index(&r.actor) == Some(actor) && r.topic == topic);
    let spurious = matched
        .iter()
        .filter(|((actor, topic), _)| !in_gold(*actor, topic))
        .map(|((actor, _), p)| (gold.actors[*actor].name.clone(), *p))
        .chain(unmatched.iter().map(|p| (p.actor_name.clone(), *p)));
    let mut spurious: Vec<(String, &Prediction)> = spurious.collect();
    spurious.sort_by(|a, b| (&a.0, &a.1.topic).cmp(&(&b.0, &b.1.topic)));
    for (actor, p) in spurious {
        if p.label == StanceLabel::Neutral && p.confidence < EXEMPT_NEUTRAL_BELOW {
            exempt += 1;
            continue;
        }
        counts.fp += 1;
        by_label[label_index(p.label)].fp += 1;
        confusion[3][label_index(p.label)] += 1;
        rows.push(RowOutcome { actor, topic: p.topic.clone(), gold: None, predicted: Some(p.label), confidence: Some(p.confidence), explicit: None });
    }

    let with_rows: Vec<usize> = (0..gold.actors.len()).filter(|&i| gold.rows.iter().any(|r| gold_index(&r.actor) == Some(i))).collect();
    let predicted_actors: Vec<usize> = matched.keys().map(|(actor, _)| *actor).collect();
    let actors_with_rows = (with_rows.len(), with_rows.iter().filter(|a| predicted_actors.contains(a)).count());
    let found: Vec<usize> = found_actors.iter().filter_map(|(name, aliases)| match_actor(gold, name, aliases)).collect();
    let actors_found = (gold.actors.len(), (0..gold.actors.len()).filter(|a| found.contains(a)).count());
    ArticleScore {
        id: gold.id.clone(),
        counts,
        by_label,
        gold_rows: gold.rows.len(),
        explicit,
        implicit,
        actors_with_rows,
        actors_found,
        confusion,
        exempt,
        rows,
    }
}

/// Scores over a whole gold file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Articles scored.
    pub articles: usize,
    /// Gold rows.
    pub gold_rows: usize,
    /// Pooled counts.
    pub counts: Counts,
    /// Micro precision, recall and F1 over (actor, topic, stance) triples.
    pub micro_precision: f64,
    /// See `micro_precision`.
    pub micro_recall: f64,
    /// See `micro_precision`.
    pub micro_f1: f64,
    /// Mean of the favor, against and neutral F1.
    pub macro_f1: f64,
    /// F1 per label: favor, against, neutral.
    pub label_f1: [f64; 3],
    /// Pooled counts per label.
    pub by_label: [Counts; 3],
    /// Right explicit rows / explicit rows.
    pub explicit_recall: f64,
    /// Right implicit rows / implicit rows.
    pub implicit_recall: f64,
    /// Gold actors with rows that got any predicted row / gold actors with rows.
    pub actor_recall: f64,
    /// Gold actors some system actor matched / gold actors.
    pub actors_found: f64,
    /// `confusion[gold][predicted]`, index 3 = none.
    pub confusion: [[usize; 4]; 4],
    /// Neutral low-confidence predictions exempted.
    pub exempt: usize,
}

/// Pool article scores.
pub fn summarise(scores: &[ArticleScore]) -> Summary {
    let mut counts = Counts::default();
    let mut by_label = [Counts::default(); 3];
    let mut confusion = [[0usize; 4]; 4];
    let (mut explicit, mut implicit, mut with_rows, mut found) = ((0, 0), (0, 0), (0, 0), (0, 0));
    let mut exempt = 0;
    let mut gold_rows = 0;
    for score in scores {
        counts.add(score.counts);
        for (total, part) in by_label.iter_mut().zip(score.by_label) {
            total.add(part);
        }
        for (row, part) in confusion.iter_mut().zip(score.confusion) {
            for (cell, n) in row.iter_mut().zip(part) {
                *cell += n;
            }
        }
        for (total, part) in [(&mut explicit, score.explicit), (&mut implicit, score.implicit), (&mut with_rows, score.actors_with_rows), (&mut found, score.actors_found)] {
            total.0 += part.0;
            total.1 += part.1;
        }
        exempt += score.exempt;
        gold_rows += score.gold_rows;
    }
    let label_f1 = [by_label[0].f1(), by_label[1].f1(), by_label[2].f1()];
    Summary {
        articles: scores.len(),
        gold_rows,
        counts,
        micro_precision: counts.precision(),
        micro_recall: counts.recall(),
        micro_f1: counts.f1(),
        macro_f1: label_f1.iter().sum::<f64>() / 3.0,
        label_f1,
        by_label,
        explicit_recall: ratio(explicit.1, explicit.0),
        implicit_recall: ratio(implicit.1, implicit.0),
        actor_recall: ratio(with_rows.1, with_rows.0),
        actors_found: ratio(found.1, found.0),
        confusion,
        exempt,
    }
}

/// The label names in matrix order, with "none" last.
pub fn label_names() -> [&'static str; 4] {
    [LABELS[0].as_str(), LABELS[1].as_str(), LABELS[2].as_str(), "none"]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::gold::parse;

    fn gold() -> GoldArticle {
        let line = r#"{"id": "a1", "text": "Paris backs the tax. Berlin fights the tax and the levy. Rome is quiet.",
            "topics": [{"id": "tax", "label": "the tax", "aliases": ["tax"]}, {"id": "levy", "label": "the levy", "aliases": ["levy"]}],
            "actors": [{"id": "france", "name": "France", "aliases": ["France", "Paris"]},
                       {"id": "germany", "name": "Germany", "aliases": ["Germany", "Berlin"]},
                       {"id": "italy", "name": "Italy", "aliases": ["Italy", "Rome"]}],
            "gold": [{"actor": "france", "topic": "tax", "stance": "favor", "evidence": [], "explicit": true},
                     {"actor": "germany", "topic": "tax", "stance": "against", "evidence": [], "explicit": true},
                     {"actor": "germany", "topic": "levy", "stance": "against", "evidence": [], "explicit": false}]}"#;
        parse(&line.replace('\n', " ")).unwrap().remove(0)
    }

    fn predict(name: &str, aliases: &[&str], topic: &str, label: StanceLabel, confidence: f32) -> Prediction {
        Prediction { actor_name: name.into(), actor_aliases: aliases.iter().map(|a| a.to_string()).collect(), topic: topic.into(), label, confidence }
    }

    #[test]
    fn counts_follow_the_conventions() {
        let predictions = vec![
            predict("the Paris", &[], "tax", StanceLabel::Favor, 0.9),                 // TP ("the" dropped, alias match)
            predict("Germany", &["Berlin"], "tax", StanceLabel::Favor, 0.8),           // wrong: FP + FN
            predict("Italy", &[], "tax", StanceLabel::Neutral, 0.3),                   // exempt
            predict("Italy", &[], "levy", StanceLabel::Neutral, 0.7),                  // FP: confident neutral
            predict("Spain", &["Madrid"], "tax", StanceLabel::Against, 0.9),           // FP: unknown actor
        ];
        let found = vec![("France".to_string(), vec![]), ("Rome".to_string(), vec![])];
        let score = score_article(&gold(), &predictions, &found);
        assert_eq!(score.counts, Counts { tp: 1, fp: 3, r#fn: 2 });
        assert_eq!(score.exempt, 1);
        assert_eq!(score.explicit, (2, 1));
        assert_eq!(score.implicit, (1, 0));
        assert_eq!(score.actors_with_rows, (2, 2));
        assert_eq!(score.actors_found, (3, 2));
        assert_eq!(score.confusion[1][0], 1, "gold against, predicted favor");
        assert_eq!(score.confusion[1][3], 1, "gold against, no prediction");
        assert_eq!(score.confusion[3][1], 1);
        let summary = summarise(&[score]);
        assert!((summary.micro_f1 - 2.0 * 0.25 * (1.0 / 3.0) / (0.25 + 1.0 / 3.0)).abs() < 1e-9);
        // favor: tp 1, fp 1 -> F1 2/3; against: tp 0; neutral: fp 1 -> 0.
        assert!((summary.macro_f1 - (2.0 / 3.0) / 3.0).abs() < 1e-9, "{}", summary.macro_f1);
    }

    #[test]
    fn duplicate_system_actors_keep_their_strongest_answer() {
        let predictions = vec![
            predict("Paris", &[], "tax", StanceLabel::Neutral, 0.9),
            predict("France", &[], "tax", StanceLabel::Favor, 0.6),
        ];
        let score = score_article(&gold(), &predictions, &[]);
        assert_eq!(score.counts.tp, 1);
        assert_eq!(score.counts.fp, 0);
    }
}
