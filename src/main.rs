//! The `standpoint` command line: a thin shell over `standpoint::Pipeline`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use serde::Deserialize;
use standpoint::mentions::{Actor, ActorKind, Topic, TopicPack};
use standpoint::model::ModelOptions;
use standpoint::report::render::{Format, render};
use standpoint::{Article, Error, Options, Pipeline};

/// Who stands where, on what: actor x topic stance tables from news articles.
///
/// Standpoint splits an article into sentences, finds actors (people, countries, governments,
/// organisations) and topics, asks a cross-encoder whether each sentence says the actor
/// supports or opposes each topic, and aggregates the answers into a stance table with
/// evidence.
#[derive(Parser)]
#[command(name = "standpoint", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse one article and print its stance report.
    ///
    /// Examples:
    ///   standpoint analyze examples/trade-summit.txt --format md
    ///   standpoint analyze article.json --format csv
    ///   cat article.txt | standpoint analyze - --topic "a carbon tax=carbon tax,CO2 levy" --actor "Olaf Scholz=Scholz"
    #[command(verbatim_doc_comment)]
    Analyze(AnalyzeArgs),
    /// List the built-in topic packs and their topics.
    Packs,
    /// Serve the HTTP API (POST /v1/analyze, /v1/analyze/batch, GET /v1/packs, /v1/model,
    /// /health, /ready, /metrics, and a web page at /).
    ///
    /// Example:
    ///   standpoint serve --port 8080
    ///   curl -s localhost:8080/v1/analyze -H 'Content-Type: text/plain' --data-binary @examples/trade-summit.txt
    #[command(verbatim_doc_comment)]
    Serve(ServeArgs),
    /// Score whole archives into JSONL (and a SQLite store), exactly once, restartable.
    ///
    /// Examples:
    ///   standpoint batch --input archive.jsonl.gz --output results.jsonl.gz --db archive.sqlite
    ///   standpoint batch --input stories.csv --id-col story_id --text-col body --date-col published --output r.jsonl
    ///   standpoint batch --input texts/ --output r.jsonl --shard 3/16      # one of 16 workers
    ///   standpoint batch --input archive.jsonl --output r.jsonl --resume   # after a crash
    #[command(verbatim_doc_comment)]
    Batch(BatchArgs),
    /// Stance tables over time from one or more stores (shards are merged).
    ///
    /// Example:
    ///   standpoint tables --db archive.sqlite --by month --actor Russia --topic us-missile-shield-eastern-europe
    #[command(verbatim_doc_comment)]
    Tables(TablesArgs),
    /// Export the actor-topic network (stance-weighted edges) for DNA, visone or Gephi.
    Export(ExportArgs),
    /// Measure throughput (pairs/s at several batch sizes) and an article's end-to-end latency.
    Bench(BenchArgs),
    /// Score Standpoint against annotated articles (the actor-stance gold format).
    ///
    /// Each article is analysed with its gold topics; actors are found as usual, or given
    /// with --gold-actors. Prints micro/macro-F1, recall, a confusion table and one line per
    /// article.
    ///
    /// Examples:
    ///   standpoint eval ../shared/articles/actor-stance-dev.jsonl
    ///   standpoint eval gold.jsonl --gold-actors --format json > scores.json
    #[command(verbatim_doc_comment)]
    Eval(EvalArgs),
}

#[derive(Args)]
struct ModelArgs {
    /// Model directory, or a hub id (org/name) resolved through the local hub cache or download.
    /// Defaults to $STANDPOINT_MODEL, then models/standpoint-nli-minilm.
    #[arg(long, env = "STANDPOINT_MODEL")]
    model: Option<String>,
    /// Hub revision (branch, tag or commit) for hub ids.
    #[arg(long)]
    revision: Option<String>,
    /// Where a LoRA adapter's base model lives (default: models/base/<name> beside the model).
    #[arg(long, env = "STANDPOINT_BASE_DIR")]
    base_dir: Option<PathBuf>,
    /// cpu, or cuda (needs a build with `--features cuda`).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// f32, f16 or bf16: the precision the models run in (half precision is for GPUs; BERT,
    /// DistilBERT, ModernBERT and MPNet only).
    #[arg(long, env = "STANDPOINT_DTYPE", default_value = "f32")]
    dtype: String,
    /// int8: as fast, with Q, K, V and the intermediate layers in int8 on CPUs with AVX-512 VNNI,
    /// and the FFN output in bf16 where the CPU has AMX (elsewhere the same as fast; labels
    /// agree with f32 on 99.2% of the dev set's pairs).
    /// fast: BERT, DistilBERT and RoBERTa / XLM-R models run on the CPU in f32 with fused
    /// kernels over unpadded batches (other cases fall back to reference). reference: candle's
    /// stock ops everywhere.
    #[arg(long, env = "STANDPOINT_KERNELS", value_enum, default_value_t = standpoint::model::Kernels::Int8)]
    kernels: standpoint::model::Kernels,
    /// CPU threads for the model (default: all cores).
    #[arg(long, env = "STANDPOINT_THREADS")]
    threads: Option<usize>,
    /// Padded tokens per model batch at most (default 2048 on cpu, where larger batches are no
    /// faster and only hold more memory, 1024 for `serve`; 65536 on cuda, where large batches
    /// keep the GPU busy).
    #[arg(long, env = "STANDPOINT_MAX_BATCH_TOKENS")]
    max_batch_tokens: Option<usize>,
    /// Name tagger (directory or hub id) that finds people and organisations, or "none".
    /// Defaults to models/standpoint-ner-minilm when present.
    #[arg(long, env = "STANDPOINT_NER")]
    ner: Option<String>,
    /// Sentence embedder (directory or hub id) that links sentences to topics by meaning, or
    /// "none". Defaults to the base encoder, models/base/all-MiniLM-L6-v2, when present.
    #[arg(long, env = "STANDPOINT_EMBEDDER")]
    embedder: Option<String>,
    /// Where the embedder's topic-phrase vectors are kept between runs (a pack's labels and
    /// aliases are embedded once per embedder, not on every run), or "none". Default:
    /// $XDG_CACHE_HOME/standpoint, else ~/.cache/standpoint.
    #[arg(long, env = "STANDPOINT_CACHE_DIR")]
    cache_dir: Option<String>,
}

/// What to look for: shared by `analyze` and `batch`.
#[derive(Args)]
struct FindArgs {
    /// Topic pack: a built-in name (see `standpoint packs`) or a path to a pack .toml. Without
    /// --pack and --topic the world-affairs pack is used.
    #[arg(long)]
    pack: Option<String>,
    /// A topic to look for: "label=alias,alias" (repeatable). The label is what hypotheses say
    /// ("X supports <label>"); aliases mark sentences as being about it.
    #[arg(long = "topic", value_name = "LABEL=ALIASES")]
    topics: Vec<String>,
    /// An actor to look for: "Name=alias,alias" (repeatable). Named actors are trusted first.
    #[arg(long = "actor", value_name = "NAME=ALIASES")]
    actors: Vec<String>,
    /// Only the actors given with --actor: no gazetteer, no person names from the text.
    #[arg(long)]
    no_discover: bool,
    /// Skip sentiment toward actors (fewer model calls).
    #[arg(long)]
    no_sentiment: bool,
    /// Ask only "X supports T" per stance instead of also "X opposes T" (half the stance
    /// pairs, less accurate).
    #[arg(long)]
    one_phrasing: bool,
    /// Cosine similarity at which a sentence is about a topic it does not name (sentence
    /// embeddings); above 1 turns linking by meaning off.
    #[arg(long, default_value_t = standpoint::mentions::topics::MEANING_THRESHOLD)]
    topic_similarity: f32,
}

impl FindArgs {
    /// Options from the flags, on top of topics and actors already given (e.g. by a .json input).
    fn options(&self, topics: Vec<Topic>, actors: Vec<Actor>) -> Result<Options, Error> {
        let mut options = Options {
            pack: self.pack.clone(),
            topics,
            actors,
            discover_actors: !self.no_discover,
            sentiment: !self.no_sentiment,
            both_phrasings: !self.one_phrasing,
            topic_similarity: self.topic_similarity,
            ..Options::default()
        };
        for spec in &self.topics {
            options.topics.push(Topic::parse_spec(spec)?);
        }
        for spec in &self.actors {
            options.actors.push(Actor::parse_spec(spec)?);
        }
        options.resolve_topics()?; // a bad pack or topic fails before the model loads
        Ok(options)
    }
}

#[derive(Args)]
struct AnalyzeArgs {
    /// The article: a .txt file, a .json file ({text, id?, title?, date?, topics?, actors?}),
    /// or - for standard input (the default).
    #[arg(default_value = "-")]
    input: String,
    #[command(flatten)]
    find: FindArgs,
    /// Output: json (full report), md (table) or csv (table).
    #[arg(long, default_value = "json")]
    format: String,
    #[command(flatten)]
    model: ModelArgs,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to bind.
    #[arg(long, env = "STANDPOINT_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to bind.
    #[arg(long, env = "STANDPOINT_PORT", default_value_t = 8080)]
    port: u16,
    /// Requests in flight at once; more are answered 429 with Retry-After.
    #[arg(long, env = "STANDPOINT_MAX_CONCURRENT_REQUESTS", default_value_t = 64)]
    max_concurrent_requests: usize,
    /// Milliseconds a 429 is held before it is sent (and its Retry-After, rounded up to whole
    /// seconds): clients that retry at once without honouring Retry-After then cost little.
    #[arg(long, env = "STANDPOINT_OVERLOAD_DELAY_MS", default_value_t = 1000)]
    overload_delay_ms: u64,
    /// Largest request body in bytes; larger is answered 413.
    #[arg(long, env = "STANDPOINT_PAYLOAD_LIMIT", default_value_t = 2 * 1024 * 1024)]
    payload_limit: usize,
    /// Seconds a request may wait for the model; longer is answered 503 and its work dropped.
    #[arg(long, env = "STANDPOINT_REQUEST_TIMEOUT", default_value_t = 60)]
    request_timeout: u64,
    /// Most articles in one batch request.
    #[arg(long, env = "STANDPOINT_MAX_BATCH_ARTICLES", default_value_t = 64)]
    max_batch_articles: usize,
    /// HTTP worker threads (model work has its own thread).
    #[arg(long, env = "STANDPOINT_WORKERS", default_value_t = 2)]
    workers: usize,
    /// Persist every analysed article to this SQLite store and serve GET /v1/tables from it.
    #[arg(long, env = "STANDPOINT_DB")]
    db: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
}

#[derive(Args)]
struct BatchArgs {
    /// Inputs: .jsonl[.gz] ({id?, title?, date?, text}), .csv[.gz], a directory of .txt files,
    /// or - for JSONL on standard input.
    #[arg(long = "input", required = true, num_args = 1..)]
    inputs: Vec<String>,
    /// Output JSONL, one report per line; .gz writes gzip.
    #[arg(long)]
    output: PathBuf,
    /// Also store the tables in this SQLite database.
    #[arg(long)]
    db: Option<PathBuf>,
    #[command(flatten)]
    find: FindArgs,
    /// Continue a previous run into the same output (after a crash or a stop).
    #[arg(long)]
    resume: bool,
    /// Only this shard of the archive: i/n, split by a hash of the article id.
    #[arg(long)]
    shard: Option<String>,
    /// Stop at the first bad record.
    #[arg(long)]
    fail_fast: bool,
    /// CSV id column.
    #[arg(long, default_value = "id")]
    id_col: String,
    /// CSV text column.
    #[arg(long, default_value = "text")]
    text_col: String,
    /// CSV date column.
    #[arg(long, default_value = "date")]
    date_col: String,
    /// Articles scored together per chunk.
    #[arg(long, default_value_t = 32)]
    chunk: usize,
    #[command(flatten)]
    model: ModelArgs,
}

#[derive(Args)]
struct TablesArgs {
    /// Store(s) to read; several shard databases are merged.
    #[arg(long = "db", required = true, num_args = 1..)]
    dbs: Vec<PathBuf>,
    /// Window: day, week or month.
    #[arg(long, default_value = "month")]
    by: String,
    /// Only this actor (by name).
    #[arg(long)]
    actor: Option<String>,
    /// Only this topic id.
    #[arg(long)]
    topic: Option<String>,
    /// From this date (ISO).
    #[arg(long)]
    from: Option<String>,
    /// To this date (ISO), inclusive.
    #[arg(long)]
    to: Option<String>,
    /// csv, md or json.
    #[arg(long, default_value = "csv")]
    format: String,
}

#[derive(Args)]
struct ExportArgs {
    /// Store(s) to read; several shard databases are merged.
    #[arg(long = "db", required = true, num_args = 1..)]
    dbs: Vec<PathBuf>,
    /// graphml or csv.
    #[arg(long, default_value = "graphml")]
    format: String,
}

#[derive(Args)]
struct BenchArgs {
    /// Article for the end-to-end latency (default: the example article).
    #[arg(long)]
    article: Option<PathBuf>,
    /// Pairs per batch-size measurement.
    #[arg(long, default_value_t = 256)]
    pairs: usize,
    /// Batch sizes to measure.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    batch_sizes: Vec<usize>,
    /// Timed passes per batch size; the fastest is reported (the others absorb noise from
    /// whatever else the machine runs).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// End-to-end repetitions (the median is reported).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Also write the benchmark pairs as JSON lines ({premise, hypothesis}), so that
    /// scripts/bench-runtimes.py can time PyTorch and ONNX Runtime on exactly the same input.
    #[arg(long)]
    dump_pairs: Option<PathBuf>,
    /// Also write each pair's logits as JSON lines ({premise, hypothesis, logits}), scored in
    /// batches of 32, so that runs on two devices or dtypes can be compared (scripts/gpu-check).
    #[arg(long)]
    dump_logits: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
}

#[derive(Args)]
struct EvalArgs {
    /// Gold file: one annotated article per line ({id, text, topics, actors, gold}).
    gold: PathBuf,
    /// Give the gold actors (with their aliases) instead of finding actors.
    #[arg(long)]
    gold_actors: bool,
    /// Only these article ids (repeatable).
    #[arg(long = "article", value_name = "ID")]
    articles: Vec<String>,
    /// text or json.
    #[arg(long, default_value = "text")]
    format: String,
    /// In text output, list every gold row and false positive under its article.
    #[arg(long)]
    rows: bool,
    /// Also write every article's full report here (JSON lines), to read the errors.
    #[arg(long, value_name = "FILE")]
    reports: Option<PathBuf>,
    /// Ask only "X supports T" per stance.
    #[arg(long)]
    one_phrasing: bool,
    /// Cosine similarity at which a sentence is about a topic it does not name; above 1: off.
    #[arg(long, default_value_t = standpoint::mentions::topics::MEANING_THRESHOLD)]
    topic_similarity: f32,
    #[command(flatten)]
    model: ModelArgs,
}

/// An article file in JSON, optionally with the caller's topics and actors.
#[derive(Deserialize)]
struct ArticleFile {
    #[serde(flatten)]
    article: Article,
    #[serde(default)]
    topics: Vec<Topic>,
    #[serde(default)]
    actors: Vec<ActorEntry>,
}

#[derive(Deserialize)]
struct ActorEntry {
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    kind: Option<String>,
}

fn main() -> ExitCode {
    restore_sigpipe();
    tune_allocator();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze(args),
        Command::Packs => packs(),
        Command::Serve(args) => serve(args),
        Command::Batch(args) => batch(args),
        Command::Tables(args) => tables(args),
        Command::Export(args) => export(args),
        Command::Bench(args) => bench(args),
        Command::Eval(args) => eval(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error[{}]: {error}", error.code());
            if error.is_client_error() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`standpoint tables ... | head`) would
/// panic; the default action ends the process quietly, as other command-line tools do.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: resets one signal's disposition before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// glibc returns large freed blocks to the OS at once and maps new ones for every big tensor;
/// raising the thresholds keeps them in the heap (measured: see README, "Performance"). Two
/// arenas at most: every thread that allocates activations (the thread pool, the inference
/// thread, the HTTP handlers' blocking threads) would otherwise keep its own arena's high-water
/// mark (measured serving the seed article six times: peak RSS 353 MB with glibc's default
/// arena count, 287 MB with two, at the same latency).
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 * 1024 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Padded tokens per model batch on the CPU unless told otherwise: larger batches were no faster
/// on two cores and only hold more memory (README, "Memory").
const CPU_BATCH_TOKENS: usize = 2_048;
/// The same for `serve`, where peak memory under load matters more than the 2 to 3% of speed a
/// smaller batch costs.
const CPU_BATCH_TOKENS_SERVING: usize = 1_024;

fn load_pipeline(args: &ModelArgs) -> Result<Pipeline, Error> {
    load_pipeline_with(args, CPU_BATCH_TOKENS)
}

fn load_pipeline_with(args: &ModelArgs, cpu_batch_tokens: usize) -> Result<Pipeline, Error> {
    if let Some(threads) = args.threads {
        if threads == 0 {
            return Err(Error::InvalidInput("--threads must be at least 1".into()));
        }
        // candle's CPU kernels size their thread pool from this variable.
        // SAFETY: set before the model (and any thread pool) starts; no other thread runs yet.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", threads.to_string()) };
    }
    let options = ModelOptions {
        device: args.device.clone(),
        dtype: args.dtype.clone(),
        kernels: args.kernels,
        base_dir: args.base_dir.clone(),
        revision: args.revision.clone(),
        max_batch_tokens: args.max_batch_tokens.unwrap_or(if args.device == "cuda" { 65_536 } else { cpu_batch_tokens }).max(1),
        ..ModelOptions::default()
    };
    // The shipped models, from the working directory when it has them, else from the source tree.
    let root = if Path::new(standpoint::pipeline::SHIPPED_STANCE).is_dir() { PathBuf::from(".") } else { PathBuf::from(env!("CARGO_MANIFEST_DIR")) };
    let shipped = standpoint::pipeline::ModelSet::shipped(&root);
    let pick = |given: &Option<String>, default: Option<String>, what: &str| -> Option<String> {
        match given.as_deref() {
            Some("none") => None,
            Some(spec) => Some(spec.to_string()),
            None => {
                if default.is_none() {
                    eprintln!("note: no {what} (run scripts/fetch-base-model for the shipped one); continuing without it");
                }
                default
            }
        }
    };
    let set = standpoint::pipeline::ModelSet {
        stance: args.model.clone().unwrap_or(shipped.stance.clone()),
        tagger: pick(&args.ner, shipped.tagger.clone(), "name tagger"),
        embedder: pick(&args.embedder, shipped.embedder.clone(), "sentence embedder"),
    };
    let pipeline = Pipeline::load_set(&set, options)?;
    let cache_dir = match args.cache_dir.as_deref() {
        Some("none") => None,
        Some(dir) => Some(PathBuf::from(dir)),
        None => standpoint::model::phrase_cache::default_dir(),
    };
    Ok(match cache_dir {
        Some(dir) => pipeline.with_phrase_cache(&dir),
        None => pipeline,
    })
}

fn read_input(input: &str) -> Result<String, Error> {
    if input == "-" {
        let mut buffer = Vec::new();
        std::io::stdin().read_to_end(&mut buffer).map_err(|e| Error::io("<stdin>", e))?;
        return String::from_utf8(buffer).map_err(|e| Error::InvalidInput(format!("standard input is not UTF-8 (byte {})", e.utf8_error().valid_up_to())));
    }
    let bytes = std::fs::read(input).map_err(|e| Error::io(input, e))?;
    String::from_utf8(bytes).map_err(|e| Error::InvalidInput(format!("{input} is not UTF-8 (byte {})", e.utf8_error().valid_up_to())))
}

fn analyze(args: AnalyzeArgs) -> Result<(), Error> {
    let format: Format = args.format.parse()?;
    let raw = read_input(&args.input)?;
    let (article, options) = if args.input.ends_with(".json") {
        let file: ArticleFile = serde_json::from_str(&raw).map_err(|e| Error::InvalidInput(format!("{}: {e}", args.input)))?;
        let actors = file.actors.into_iter().map(|a| Actor::caller(&a.name, a.aliases, ActorKind::from_word(a.kind.as_deref()))).collect();
        (file.article, args.find.options(file.topics, actors)?)
    } else {
        (Article::from_text(raw), args.find.options(Vec::new(), Vec::new())?)
    };
    let pipeline = load_pipeline(&args.model)?;
    let report = pipeline.analyze(&article, &options)?;
    println!("{}", render(&report, format)?);
    Ok(())
}

fn serve(args: ServeArgs) -> Result<(), Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let pipeline = load_pipeline_with(&args.model, CPU_BATCH_TOKENS_SERVING)?;
    let config = standpoint::server::ServeConfig {
        host: args.host,
        port: args.port,
        max_concurrent_requests: args.max_concurrent_requests.max(1),
        overload_delay: std::time::Duration::from_millis(args.overload_delay_ms),
        payload_limit: args.payload_limit,
        request_timeout: std::time::Duration::from_secs(args.request_timeout.max(1)),
        max_batch_articles: args.max_batch_articles.max(1),
        workers: args.workers.max(1),
        db: args.db,
        ..standpoint::server::ServeConfig::default()
    };
    actix_web::rt::System::new()
        .block_on(standpoint::server::run(pipeline, config))
        .map_err(|e| Error::io("server", e))
}

fn batch(args: BatchArgs) -> Result<(), Error> {
    let options = args.find.options(Vec::new(), Vec::new())?;
    let shard = args.shard.as_deref().map(standpoint::batch::parse_shard).transpose()?;
    let pipeline = load_pipeline(&args.model)?;
    let config = standpoint::batch::BatchConfig {
        inputs: args.inputs,
        output: args.output,
        db: args.db,
        options,
        resume: args.resume,
        shard,
        fail_fast: args.fail_fast,
        chunk_articles: args.chunk.max(1),
        columns: standpoint::batch::CsvColumns { id: Some(args.id_col), text: args.text_col, date: Some(args.date_col), title: Some("title".into()) },
        progress: true,
    };
    let summary = standpoint::batch::run(&pipeline, &config)?;
    eprintln!("{}", summary.describe());
    println!("{}", serde_json::to_string(&summary).unwrap_or_default());
    Ok(())
}

fn open_stores(paths: &[PathBuf]) -> Result<Vec<standpoint::store::Store>, Error> {
    paths.iter().map(|p| standpoint::store::Store::open_existing(p)).collect()
}

fn tables(args: TablesArgs) -> Result<(), Error> {
    let query = standpoint::store::tables::TableQuery { by: args.by.parse()?, actor: args.actor, topic: args.topic, from: args.from, to: args.to };
    let rows = standpoint::store::tables::query(&open_stores(&args.dbs)?, &query)?;
    print!("{}", standpoint::store::tables::render(&rows, &args.format)?);
    Ok(())
}

fn export(args: ExportArgs) -> Result<(), Error> {
    let edges = standpoint::store::export::edges(&open_stores(&args.dbs)?)?;
    match args.format.as_str() {
        "graphml" => print!("{}", standpoint::store::export::graphml(&edges)),
        "csv" => print!("{}", standpoint::store::export::csv(&edges)?),
        other => return Err(Error::InvalidInput(format!("unknown export format {other:?}; use graphml or csv"))),
    }
    Ok(())
}

fn packs() -> Result<(), Error> {
    for pack in TopicPack::builtin()? {
        println!("{}: {}", pack.name, pack.description);
        for topic in &pack.topics {
            println!("  {:36} {}", topic.id, topic.label);
        }
    }
    Ok(())
}

fn bench(args: BenchArgs) -> Result<(), Error> {
    let load_started = Instant::now();
    let pipeline = load_pipeline(&args.model)?;
    let load_s = load_started.elapsed().as_secs_f64();
    let path = args.article.clone().unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/trade-summit.txt"));
    let text = read_input(&path.display().to_string())?;
    let article = Article::from_text(text);
    let options = Options::default();
    let warm = pipeline.analyze(&article, &options)?;
    println!("model: {} ({} weights), loaded in {:.2} s", pipeline.scorer().info().id, pipeline.scorer().info().weights, load_s);

    // Throughput on the article's own pairs, cycled to the requested count.
    let claims: Vec<(String, String)> = warm
        .stances
        .iter()
        .map(|s| {
            let premise = warm.sentences[s.sentence].text.clone();
            let actor = warm.mentions.actor(&s.actor).map_or(s.actor.clone(), |a| a.phrase.clone());
            let topic = warm.mentions.topics.iter().find(|t| t.id == s.topic).map_or(s.topic.clone(), |t| t.label.clone());
            (premise, pipeline.templates().stance(&actor, &topic))
        })
        .collect();
    if claims.is_empty() {
        return Err(Error::InvalidInput(format!("{} yields no stance pairs to benchmark", path.display())));
    }
    let pairs: Vec<(&str, &str)> = claims.iter().cycle().take(args.pairs).map(|(p, h)| (p.as_str(), h.as_str())).collect();
    let mean_tokens = pairs.iter().map(|(p, h)| pipeline.scorer().encode(p, h).map(|e| e.0.len())).sum::<Result<usize, Error>>()? as f64 / pairs.len() as f64;
    println!("pairs: {} (mean {:.1} tokens)", pairs.len(), mean_tokens);
    if let Some(path) = &args.dump_pairs {
        let lines: Vec<String> = pairs.iter().map(|(p, h)| serde_json::json!({"premise": p, "hypothesis": h}).to_string()).collect();
        std::fs::write(path, lines.join("\n") + "\n").map_err(|e| Error::io(path, e))?;
    }
    for &batch_size in &args.batch_sizes {
        let mut best = f64::INFINITY;
        for _ in 0..args.rounds.max(1) {
            let started = Instant::now();
            for chunk in pairs.chunks(batch_size.max(1)) {
                pipeline.scorer().logits(chunk)?;
            }
            best = best.min(started.elapsed().as_secs_f64());
        }
        println!("batch {batch_size:>3}: {:>7.1} pairs/s", pairs.len() as f64 / best);
    }
    if let Some(path) = &args.dump_logits {
        let mut lines = Vec::with_capacity(pairs.len());
        for chunk in pairs.chunks(32) {
            for ((premise, hypothesis), logits) in chunk.iter().zip(pipeline.scorer().logits(chunk)?) {
                lines.push(serde_json::json!({"premise": premise, "hypothesis": hypothesis, "logits": logits}).to_string());
            }
        }
        std::fs::write(path, lines.join("\n") + "\n").map_err(|e| Error::io(path, e))?;
    }
    let mut latencies = Vec::new();
    for _ in 0..args.repeats.max(1) {
        let started = Instant::now();
        pipeline.analyze(&article, &options)?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    println!(
        "end-to-end {}: median {:.0} ms over {} runs ({} pairs, {} unique)",
        path.display(),
        latencies[latencies.len() / 2],
        latencies.len(),
        warm.timings.pairs,
        warm.timings.unique_pairs
    );
    Ok(())
}

fn eval(args: EvalArgs) -> Result<(), Error> {
    if !matches!(args.format.as_str(), "text" | "json") {
        return Err(Error::InvalidInput(format!("unknown format {:?}; use text or json", args.format)));
    }
    let mut gold = standpoint::eval::gold::read(&args.gold)?;
    if !args.articles.is_empty() {
        if let Some(missing) = args.articles.iter().find(|id| !gold.iter().any(|a| &a.id == *id)) {
            return Err(Error::InvalidInput(format!("{}: no article has id {missing:?}", args.gold.display())));
        }
        gold.retain(|a| args.articles.contains(&a.id));
    }
    let mut dump = match &args.reports {
        Some(path) => Some(std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| Error::io(path, e))?)),
        None => None,
    };
    let pipeline = load_pipeline(&args.model)?;
    // Sentiment does not enter the table: skip its pairs.
    let base = Options { sentiment: false, both_phrasings: !args.one_phrasing, topic_similarity: args.topic_similarity, ..Options::default() };
    let config = standpoint::eval::EvalConfig { gold_actors: args.gold_actors };
    let progress = indicatif::ProgressBar::new(gold.len() as u64);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} articles  {elapsed} (eta {eta})").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut write_error = None;
    let report = standpoint::eval::run(&pipeline, &gold, &base, config, |_, report| {
        progress.inc(1);
        if let (Some(out), None) = (dump.as_mut(), &write_error) {
            use std::io::Write;
            let line = serde_json::to_string(report).unwrap_or_default();
            if let Err(e) = writeln!(out, "{line}") {
                write_error = Some(e);
            }
        }
    })?;
    progress.finish_and_clear();
    if let (Some(e), Some(path)) = (write_error, &args.reports) {
        return Err(Error::io(path, e));
    }
    if let (Some(mut out), Some(path)) = (dump, &args.reports) {
        use std::io::Write;
        out.flush().map_err(|e| Error::io(path, e))?;
    }
    match args.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
        _ => print!("{}", report.to_text(args.rows)),
    }
    Ok(())
}
