//! The web page in a real headless browser (Debian's chromium + chromedriver, driven over the
//! WebDriver protocol): paste the example article, analyse, click a heatmap cell, and check
//! the evidence is highlighted, then take a screenshot and check its pixels. The screenshot is
//! kept at target/browser-screenshot.png for people to look at.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A minimal HTTP/1.1 client: enough for chromedriver and our own /ready. Reads exactly
/// Content-Length bytes (chromedriver keeps connections open).
fn http(method: &str, port: u16, path: &str, body: Option<&Value>) -> std::io::Result<(u16, String)> {
    use std::io::BufRead;
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}", payload.len())?;
    let mut reader = std::io::BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body)?;
        }
        None => {
            reader.read_to_end(&mut body)?;
        }
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn wait_until(what: &str, mut ok: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn webdriver(port: u16, method: &str, path: &str, body: Value) -> Value {
    let (status, text) = http(method, port, path, if matches!(method, "GET" | "DELETE") { None } else { Some(&body) }).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"));
    assert_eq!(status, 200, "{method} {path}: {value}");
    value["value"].clone()
}

#[test]
fn page_renders_heatmap_and_highlights_evidence() {
    let driver_path = std::path::Path::new("/usr/bin/chromedriver");
    let Some(_) = common::require(driver_path.exists().then_some(()), "chromium-driver") else { return };

    let server_port = free_port();
    let _server = Killed(
        Command::new(env!("CARGO_BIN_EXE_standpoint"))
            .args(["serve", "--port", &server_port.to_string(), "--model", &common::fixture("tiny-bert").display().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until("the server", || http("GET", server_port, "/ready", None).is_ok_and(|(s, _)| s == 200));

    let driver_port = free_port();
    let _driver = Killed(Command::new(driver_path).arg(format!("--port={driver_port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap());
    wait_until("chromedriver", || http("GET", driver_port, "/status", None).is_ok_and(|(s, _)| s == 200));

    let profile = tempfile::tempdir().unwrap();
    let session = webdriver(driver_port, "POST", "/session", json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
        "binary": "/usr/bin/chromium",
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1200,1400",
                 format!("--user-data-dir={}", profile.path().display())]
    }}}}));
    let id = session["sessionId"].as_str().unwrap().to_string();
    let at = |path: &str| format!("/session/{id}{path}");
    let script = |source: &str, args: Value| webdriver(driver_port, "POST", &at("/execute/sync"), json!({"script": source, "args": args}));

    webdriver(driver_port, "POST", &at("/url"), json!({"url": format!("http://127.0.0.1:{server_port}/")}));
    let text = std::fs::read_to_string(common::root().join("examples/trade-summit.txt")).unwrap();
    script("document.getElementById('text').value = arguments[0];", json!([text]));
    script("document.getElementById('go').click();", json!([]));
    wait_until("the heatmap", || script("return document.querySelectorAll('td.cell').length;", json!([])).as_u64().unwrap_or(0) > 0);

    let cells = script("return document.querySelectorAll('td.cell').length;", json!([])).as_u64().unwrap();
    let rows = script("return document.querySelectorAll('table.heat tr').length - 1;", json!([])).as_u64().unwrap();
    assert!(cells >= 5 && rows >= 3, "{cells} cells in {rows} rows");
    script("document.querySelector('td.cell').click();", json!([]));
    let marks = script("return [...document.querySelectorAll('#article mark')].map(m => m.textContent);", json!([]));
    let marks: Vec<String> = serde_json::from_value(marks).unwrap();
    assert!(!marks.is_empty(), "no evidence highlighted");
    assert!(marks.iter().all(|m| text.contains(m.as_str())), "highlight is not article text: {marks:?}");
    let evidence = script("return document.querySelectorAll('#evidence li').length;", json!([])).as_u64().unwrap();
    assert!(evidence >= 1);

    let shot = webdriver(driver_port, "GET", &at("/screenshot"), Value::Null);
    let png = base64::engine::general_purpose::STANDARD.decode(shot.as_str().unwrap()).unwrap();
    std::fs::write(common::root().join("target/browser-screenshot.png"), &png).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(&png));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    let (mut highlight, mut coloured) = (0usize, 0usize);
    for p in pixels[..frame.buffer_size()].chunks(channels) {
        let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
        if (r - 255).abs() < 4 && (g - 229).abs() < 6 && (b - 138).abs() < 8 {
            highlight += 1; // <mark> background
        } else if (r - g).abs() > 25 || (g - b).abs() > 25 {
            coloured += 1; // heatmap cells and legend
        }
    }
    eprintln!("screenshot {}x{}: {highlight} highlight pixels, {coloured} coloured pixels", frame.width, frame.height);
    assert!(highlight > 500, "evidence highlight not visible ({highlight} pixels)");
    assert!(coloured > 2000, "heatmap not visible ({coloured} pixels)");
    webdriver(driver_port, "DELETE", &at(""), Value::Null);
}
