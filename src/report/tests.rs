use super::*;
use crate::identity::tests::workspace_with;

const EVIL: &str = "<script>alert(1)</script>";

fn evil_workspace() -> (tempfile::TempDir, Workspace) {
    let header = format!("telefone;email;cidade;idade;{EVIL}\n");
    let first = format!(
        "{header}11 91111-1111;ana@x.com;Santos;30;{EVIL}\n11 92222-2222;bia@x.com;Recife;41;b\n;x@y;Recife;1;c\n"
    );
    let second =
        format!("{header}11 93333-3333;ana@x.com;Santos;35;a\n11 94444-4444;not-an-email;Recife;52;{EVIL}\n");
    let (dir, mut ws) = workspace_with(&[&first, &second]);
    let lock = ws.lock().unwrap();
    for (name, filter) in [(EVIL, r#"cidade = "Santos""#), ("Recife", r#"cidade = "Recife""#)] {
        let expr = crate::segment::parse_filter(filter).unwrap();
        crate::audience::create(&mut ws, &lock, name, EVIL, &expr, "test", &crate::compute::CpuBackend)
            .unwrap();
    }
    (dir, ws)
}

#[test]
fn names_and_values_are_text_never_markup() {
    let (_dir, ws) = evil_workspace();
    let html = render(&ws, &ReportOptions::default()).unwrap();
    assert!(!html.to_lowercase().contains("<script"), "a script tag reached the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The field, the audience (heading, chart labels, tooltips) and its description.
    assert!(html.matches("alert(1)").count() >= 6);
}

#[test]
fn the_page_fetches_nothing() {
    let (_dir, ws) = evil_workspace();
    let html = render(&ws, &ReportOptions::default()).unwrap().to_lowercase();
    for needle in ["http:", "https:", "//", "url(", "@import", " src=", "<link", "<img", "<iframe", "<object"]
    {
        let outside_text = html.replace("&lt;", "").replace("<!doctype", "");
        assert!(!outside_text.contains(needle), "the page holds {needle:?}");
    }
    assert!(html.contains("content-security-policy"));
}

#[test]
fn every_chart_has_its_svg_title_and_table() {
    let (_dir, ws) = evil_workspace();
    let (_, sections) = sections(&ws, &ReportOptions::default()).unwrap();
    let ids: Vec<&str> = sections.iter().map(|s| s.id).collect();
    assert_eq!(ids, ["imports", "profiles", "fields", "audiences", "scores", "runs"]);
    for s in &sections[..4] {
        assert!(s.empty.is_none() && s.charts() > 0, "section {} has no chart", s.id);
    }
    assert!(sections[4].empty.is_some() && sections[5].empty.is_some());
    for c in sections.iter().flat_map(|s| &s.blocks).flat_map(|b| &b.charts) {
        assert!(c.svg.starts_with("<svg") && c.svg.contains("<title>"), "{}", c.title);
        assert!(!c.table.rows.is_empty(), "{} has no numbers", c.title);
        assert!(c.table.rows.iter().all(|r| r.len() == c.table.headers.len()), "{}", c.title);
    }
    let html = page::html("ws", "2026-11-30", &sections).unwrap();
    let charts: usize = sections.iter().map(Section::charts).sum();
    assert_eq!(html.matches("<svg").count(), charts);
    assert_eq!(html.matches("<table").count(), charts);
}

#[test]
fn profile_counts_and_audience_sizes_come_from_the_recorded_history() {
    let (_dir, ws) = evil_workspace();
    let history = ws.catalog().resolution_history().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history.iter().map(|h| h.import_id).collect::<Vec<_>>(), [Some(1), Some(2)]);
    let (_, sections) = sections(&ws, &ReportOptions::default()).unwrap();
    let profiles = &sections[1].blocks[0].charts[0];
    // Two resolutions: 2 profiles (the row without a phone is rejected), then 3 (one new
    // row shares Ana's e-mail).
    let counts: Vec<&str> = profiles.table.rows.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(counts, ["2", "3"]);
    let sizes = ws.catalog().audience_sizes().unwrap();
    assert_eq!(sizes.len(), 2, "one refresh each, when created");
    assert!(sizes.iter().all(|s| s.size == s.joined && s.size > 0));
}

#[test]
fn as_of_leaves_out_later_history_and_bad_dates_are_refused() {
    let (_dir, ws) = evil_workspace();
    let (_, sections) = sections(&ws, &ReportOptions { as_of: Some("2000-01-01".into()) }).unwrap();
    assert!(sections[0].empty.as_deref().unwrap().contains("2000-01-01"));
    assert!(sections[3].empty.is_some());
    let err = render(&ws, &ReportOptions { as_of: Some("30/11/2026".into()) }).unwrap_err();
    assert!(matches!(err, ReportError::BadDate(_)) && err.is_user_error());
}

#[test]
fn write_refuses_a_path_inside_the_workspace_and_writes_whole_pages() {
    let (dir, ws) = evil_workspace();
    let inside = ws.root().join("report.html");
    assert!(matches!(write(&ws, &inside, &ReportOptions::default()), Err(ReportError::Output(_))));
    let out = dir.path().join("report.html");
    let w = write(&ws, &out, &ReportOptions::default()).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(w.bytes, text.len() as u64);
    assert!(text.trim_end().ends_with("</html>"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_scoring_plan_shows_its_distribution_with_its_thresholds_marked() {
    let (dir, mut ws) = evil_workspace();
    let events = dir.path().join("events.csv");
    std::fs::write(
        &events,
        "contact,action,timestamp\n11 91111-1111,visit,2026-11-20\n11 91111-1111,visit,2026-11-21\n11 92222-2222,visit,2026-11-21\n",
    )
    .unwrap();
    let plan = "name = \"lead\"\n[[rule]]\naction = \"visit\"\npoints = 30\n\
                [[temperature]]\nname = \"hot\"\nmin = 50\n[[temperature]]\nname = \"warm\"\nmin = 20\n\
                [[temperature]]\nname = \"cold\"\n";
    let plan = crate::score::plan::parse("lead.toml", plan).unwrap();
    let lock = ws.lock().unwrap();
    crate::score::import_events(&mut ws, &lock, &events, None).unwrap();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap().and_hms_opt(23, 59, 59).unwrap();
    crate::score::apply(&mut ws, &lock, &plan, as_of.and_utc().timestamp()).unwrap();
    drop(lock);
    let (_, sections) = sections(&ws, &ReportOptions::default()).unwrap();
    let scores = &sections[4];
    assert!(scores.empty.is_none());
    let charts = &scores.blocks[0].charts;
    assert_eq!(charts.len(), 2, "the distribution and the temperatures");
    // Scores 60, 30 and 0 (the third profile has no event): the thresholds at 50 and 20 drawn.
    assert_eq!(charts[0].svg.matches("class=\"marker\"").count(), 2);
    assert!(charts[0].svg.contains("hot ≥ 50") && charts[0].svg.contains("warm ≥ 20"));
    let counted: u64 =
        charts[0].table.rows.iter().map(|r| r[2].replace(',', "").parse::<u64>().unwrap()).sum();
    assert_eq!(counted, 3);
    let temps: Vec<(&str, &str)> =
        charts[1].table.rows.iter().map(|r| (r[0].as_str(), r[2].as_str())).collect();
    assert_eq!(temps, [("hot", "1"), ("warm", "1"), ("cold", "1")]);
}

#[test]
fn automatic_audiences_show_their_characteristics_and_join_the_overlap() {
    let mut csv = Vec::new();
    let opts = crate::generate::GenerateOptions { rows: 400, seed: 7, ..Default::default() };
    crate::generate::generate(&opts, &mut csv, &mut Vec::new()).unwrap();
    let (_dir, mut ws) = workspace_with(&[std::str::from_utf8(&csv).unwrap()]);
    let lock = ws.lock().unwrap();
    let auto_opts = crate::segment::auto::AutoOptions {
        segment: crate::segment::auto::SegmentOptions {
            k: crate::segment::auto::KChoice::Fixed(3),
            ..Default::default()
        },
        lang: Default::default(),
        suggest_messages: false,
        messages_out: None,
        replace: true,
    };
    crate::segment::auto::run(&mut ws, &lock, &auto_opts, &crate::compute::CpuBackend, &mut |_| {}).unwrap();
    drop(lock);
    let (_, sections) = sections(&ws, &ReportOptions::default()).unwrap();
    let audiences = &sections[3];
    let overview = &audiences.blocks[0];
    assert_eq!(overview.charts.len(), 2, "sizes and the overlap");
    assert_eq!(overview.charts[1].table.rows.len(), 3);
    for b in &audiences.blocks[1..] {
        assert!(b.facts.iter().any(|(k, v)| k == "kind" && v == "automatic"));
        let chars = b.charts.iter().find(|c| c.title.ends_with("characteristics against everyone"));
        let chars = chars.expect("an automatic audience's characteristics");
        assert!(!chars.table.rows.is_empty());
        assert!(b.code.is_none(), "no filter");
    }
}
