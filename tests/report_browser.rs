//! The demo workspace's report opened in a real browser: headless Chromium, with the
//! network cut off (every host name resolves to nothing) and the page's own
//! Content-Security-Policy. The page must log no console message (a blocked request or
//! script is logged as a CSP violation), make no request (Chromium's network log is read
//! for requests the page started), and hold every chart's SVG, drawn. A screenshot (light
//! and dark) and an A4 PDF are kept under `target/tmp/report-browser/` as CI artifacts.
//!
//! Without Chromium the test skips and says why, unless `CI` is set (as `.ci/run` runs it,
//! after installing Debian's `chromium`): then it fails. `HYPERSEG_CHROMIUM` names the
//! browser; `HYPERSEG_REPORT_SCREENSHOT=docs/report.png` also copies the light screenshot
//! there (the README's picture).

mod common;

use common::{path_arg, run_in};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The browser to drive, if one is installed.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("HYPERSEG_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| names.iter().map(move |n| dir.join(n))).find(|p| p.is_file())
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// What one browser run left: its stderr (with console messages) and the network log.
struct Visit {
    stdout: String,
    stderr: String,
    netlog: String,
}

/// Opens `page` in headless Chromium with `action` (`--dump-dom`, `--screenshot=…`,
/// `--print-to-pdf=…`), the network off and logging on.
fn visit(browser: &Path, work: &Path, page: &Path, action: &[String]) -> Visit {
    let profile = tempfile::tempdir_in(work).unwrap();
    let netlog = profile.path().join("netlog.json");
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ])
    .arg(format!("--user-data-dir={}", path_arg(profile.path())))
    .arg(format!("--log-net-log={}", path_arg(&netlog)))
    .args(action)
    .arg(format!("file://{}", path_arg(&page.canonicalize().unwrap())))
    // Files, not pipes: the DOM and the log may be larger than a pipe holds.
    .stdout(Stdio::from(std::fs::File::create(profile.path().join("stdout")).unwrap()))
    .stderr(Stdio::from(std::fs::File::create(profile.path().join("stderr")).unwrap()));
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{} did not finish in 120 s", browser.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let read = |name: &str| {
        String::from_utf8_lossy(&std::fs::read(profile.path().join(name)).unwrap_or_default()).into_owned()
    };
    Visit { stdout: read("stdout"), stderr: read("stderr"), netlog: read("netlog.json") }
}

/// The console messages Chromium logged for the page (any: the report runs no script, so
/// each one is an error or a blocked request).
fn console_messages(v: &Visit) -> Vec<String> {
    v.stderr.lines().filter(|l| l.contains(":CONSOLE")).map(str::to_owned).collect()
}

/// URLs the page itself asked for (Chromium's own background requests have another
/// network isolation key than `file://`), other than `file:` and `data:` ones.
fn page_requests(v: &Visit) -> Vec<String> {
    let Ok(log) = serde_json::from_str::<serde_json::Value>(&v.netlog) else { return Vec::new() };
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let p = &e["params"];
            let from_page = p["network_isolation_key"].as_str()?.starts_with("file://");
            let url = p["url"].as_str()?;
            (from_page && !url.starts_with("file:") && !url.starts_with("data:")).then(|| url.to_owned())
        })
        .collect();
    urls.dedup();
    urls
}

/// Every `<svg …>…</svg>` of a DOM, in order.
fn svgs(dom: &str) -> Vec<&str> {
    dom.match_indices("<svg")
        .map(|(i, _)| &dom[i..i + dom[i..].find("</svg>").map_or(0, |e| e + 6)])
        .collect()
}

/// Panics unless the browser is there, or says why the test is skipped.
#[allow(clippy::print_stderr)]
fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(b) => Some(b),
        None if ci() => panic!(
            "CI is set but no Chromium was found (install Debian's `chromium`, or set HYPERSEG_CHROMIUM)"
        ),
        None => {
            eprintln!(
                "skipped: no Chromium found (install `chromium` or set HYPERSEG_CHROMIUM); CI=true makes this a failure"
            );
            None
        }
    }
}

#[test]
fn the_demo_report_renders_offline_in_chromium_with_every_chart_and_no_request() {
    let Some(browser) = browser_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    run_in(tmp.path(), &["demo", "--out", &path_arg(&demo)]).ok();
    let page = demo.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-browser");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::copy(&page, artifacts.join("demo-report.html")).unwrap();

    let dom = visit(&browser, tmp.path(), &page, &["--dump-dom".into()]);
    assert_eq!(console_messages(&dom), Vec::<String>::new(), "console messages");
    assert_eq!(page_requests(&dom), Vec::<String>::new(), "the page made requests");
    let drawn = svgs(&dom.stdout);
    assert_eq!(drawn.len(), svgs(&html).len(), "every chart of the file is in the rendered page");
    assert_eq!(drawn.len(), html.matches("<figure").count(), "one SVG per chart");
    assert!(drawn.len() >= 10, "the demo report has its charts ({})", drawn.len());
    for svg in &drawn {
        assert!(svg.contains("<title>") && svg.contains("viewBox=\"0 0 640 "), "{svg:.200}");
        let shapes = ["<rect", "<polyline", "<circle"].iter().map(|s| svg.matches(s).count()).sum::<usize>();
        assert!(shapes > 0, "an empty chart: {svg:.300}");
    }

    let light = artifacts.join("demo-report.png");
    let shot = visit(
        &browser,
        tmp.path(),
        &page,
        &[format!("--screenshot={}", path_arg(&light)), "--window-size=1100,2400".into()],
    );
    let dark = artifacts.join("demo-report-dark.png");
    let shot_dark = visit(
        &browser,
        tmp.path(),
        &page,
        &[
            format!("--screenshot={}", path_arg(&dark)),
            "--window-size=1100,1400".into(),
            "--force-dark-mode".into(),
        ],
    );
    let pdf = artifacts.join("demo-report-a4.pdf");
    let printed = visit(
        &browser,
        tmp.path(),
        &page,
        &[format!("--print-to-pdf={}", path_arg(&pdf)), "--no-pdf-header-footer".into()],
    );
    for v in [&shot, &shot_dark, &printed] {
        assert_eq!(console_messages(v), Vec::<String>::new());
        assert_eq!(page_requests(v), Vec::<String>::new());
    }
    for f in [&light, &dark, &pdf] {
        let len = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "{} is missing or nearly empty ({len} bytes)", f.display());
    }
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    if let Some(copy) = std::env::var_os("HYPERSEG_REPORT_SCREENSHOT") {
        std::fs::copy(&light, Path::new(env!("CARGO_MANIFEST_DIR")).join(copy)).unwrap();
    }
}

/// The checks above can fail: a remote image is caught by the page's policy (a console
/// message), and without the policy by the network log.
#[test]
fn a_page_that_reaches_out_is_caught() {
    let Some(browser) = browser_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    run_in(tmp.path(), &["demo", "--out", &path_arg(&demo)]).ok();
    let html = std::fs::read_to_string(demo.join("report.html")).unwrap();
    let remote = "<img src=\"http://example.com/pixel.png\" alt=\"\">";
    let with_policy = tmp.path().join("reaching.html");
    std::fs::write(&with_policy, html.replacen("<main>", &format!("<main>{remote}"), 1)).unwrap();
    let v = visit(&browser, tmp.path(), &with_policy, &["--dump-dom".into()]);
    let messages = console_messages(&v);
    assert!(messages.iter().any(|m| m.contains("example.com")), "{messages:?}");
    assert_eq!(page_requests(&v), Vec::<String>::new(), "the policy blocks the request");

    let start = html.find("<meta http-equiv=\"Content-Security-Policy\"").unwrap();
    let end = start + html[start..].find('>').unwrap() + 1;
    let without_policy = tmp.path().join("reaching-no-policy.html");
    let open = format!("{}{}", &html[..start], &html[end..]);
    std::fs::write(&without_policy, open.replacen("<main>", &format!("<main>{remote}"), 1)).unwrap();
    let v = visit(&browser, tmp.path(), &without_policy, &["--dump-dom".into()]);
    assert_eq!(page_requests(&v), ["http://example.com/pixel.png"]);
}
