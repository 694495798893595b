//! The actor-topic network for DNA, visone and Gephi: actors and topics as nodes, one edge per
//! (actor, topic) weighted by the mean stance score over all stored articles.

use rusqlite::params;

use super::Store;
use crate::error::{Error, Result};

/// One actor -> topic edge.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Normalised actor key.
    pub actor_key: String,
    /// Actor display name.
    pub actor: String,
    /// Topic id.
    pub topic: String,
    /// Topic label.
    pub topic_label: String,
    /// Articles.
    pub articles: usize,
    /// Mean net score in [-1, 1].
    pub weight: f64,
    /// Articles labelled favor / against / neutral.
    pub favor: usize,
    /// See `favor`.
    pub against: usize,
    /// See `favor`.
    pub neutral: usize,
}

/// Every edge, merged across stores.
pub fn edges(stores: &[Store]) -> Result<Vec<Edge>> {
    let mut merged: std::collections::BTreeMap<(String, String), Edge> = std::collections::BTreeMap::new();
    for store in stores {
        let fail = |e: rusqlite::Error| Error::InvalidInput(format!("export query: {e}"));
        let mut statement = store
            .connection()
            .prepare(
                "SELECT actor_norm, MAX(actor_name), topic_id, MAX(topic_label), COUNT(*), SUM(score),
                        SUM(label = 'favor'), SUM(label = 'against'), SUM(label = 'neutral')
                 FROM stances GROUP BY actor_norm, topic_id",
            )
            .map_err(fail)?;
        let rows = statement
            .query_map(params![], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, i64>(4)?, r.get::<_, f64>(5)?, r.get::<_, i64>(6)?, r.get::<_, i64>(7)?, r.get::<_, i64>(8)?))
            })
            .map_err(fail)?;
        for row in rows {
            let (key, actor, topic, label, n, score, favor, against, neutral) = row.map_err(fail)?;
            let edge = merged.entry((key.clone(), topic.clone())).or_insert(Edge {
                actor_key: key,
                actor,
                topic,
                topic_label: label,
                articles: 0,
                weight: 0.0,
                favor: 0,
                against: 0,
                neutral: 0,
            });
            edge.articles += n as usize;
            edge.weight += score; // a sum until the end
            edge.favor += favor as usize;
            edge.against += against as usize;
            edge.neutral += neutral as usize;
        }
    }
    Ok(merged
        .into_values()
        .map(|mut e| {
            e.weight /= e.articles.max(1) as f64;
            e
        })
        .collect())
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// GraphML with node attributes `label`, `kind` and edge attributes `weight`, `articles`,
/// `favor`, `against`, `neutral`.
pub fn graphml(edges: &[Edge]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n\
         <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n\
         <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n\
         <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n\
         <key id=\"articles\" for=\"edge\" attr.name=\"articles\" attr.type=\"int\"/>\n\
         <key id=\"favor\" for=\"edge\" attr.name=\"favor\" attr.type=\"int\"/>\n\
         <key id=\"against\" for=\"edge\" attr.name=\"against\" attr.type=\"int\"/>\n\
         <key id=\"neutral\" for=\"edge\" attr.name=\"neutral\" attr.type=\"int\"/>\n\
         <graph id=\"stances\" edgedefault=\"directed\">\n",
    );
    let mut seen = std::collections::BTreeSet::new();
    for e in edges {
        if seen.insert(format!("actor:{}", e.actor_key)) {
            out.push_str(&format!("  <node id=\"actor:{}\"><data key=\"label\">{}</data><data key=\"kind\">actor</data></node>\n", xml(&e.actor_key), xml(&e.actor)));
        }
        if seen.insert(format!("topic:{}", e.topic)) {
            out.push_str(&format!("  <node id=\"topic:{}\"><data key=\"label\">{}</data><data key=\"kind\">topic</data></node>\n", xml(&e.topic), xml(&e.topic_label)));
        }
    }
    for (i, e) in edges.iter().enumerate() {
        out.push_str(&format!(
            "  <edge id=\"e{i}\" source=\"actor:{}\" target=\"topic:{}\"><data key=\"weight\">{:.4}</data><data key=\"articles\">{}</data><data key=\"favor\">{}</data><data key=\"against\">{}</data><data key=\"neutral\">{}</data></edge>\n",
            xml(&e.actor_key), xml(&e.topic), e.weight, e.articles, e.favor, e.against, e.neutral
        ));
    }
    out.push_str("</graph>\n</graphml>\n");
    out
}

/// The edge list as CSV (Gephi's spreadsheet import reads `source,target,weight`).
pub fn csv(edges: &[Edge]) -> Result<String> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let fail = |e: ::csv::Error| Error::InvalidInput(format!("CSV: {e}"));
    writer.write_record(["source", "target", "weight", "articles", "favor", "against", "neutral", "source_label", "target_label"]).map_err(fail)?;
    for e in edges {
        writer
            .write_record([
                e.actor_key.as_str(),
                &e.topic,
                &format!("{:.4}", e.weight),
                &e.articles.to_string(),
                &e.favor.to_string(),
                &e.against.to_string(),
                &e.neutral.to_string(),
                &e.actor,
                &e.topic_label,
            ])
            .map_err(fail)?;
    }
    let bytes = writer.into_inner().map_err(|e| Error::InvalidInput(format!("CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::InvalidInput(e.to_string()))
}
