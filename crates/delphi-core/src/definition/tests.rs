use super::*;

const STUDY: &str = include_str!("../../../../examples/splw-leadership/study.toml");
const ITEMS: &str = include_str!("../../../../examples/splw-leadership/items.csv");
const PANEL: &str = include_str!("../../../../examples/splw-leadership/panel.csv");

#[test]
fn the_real_example_is_valid() {
    let study = StudyDefinition::parse(STUDY, ITEMS, PANEL).unwrap_or_else(|e| panic!("{e}"));
    assert!(study.items.len() >= 30, "{} items", study.items.len());
    assert_eq!(study.panel.len(), 40);
    assert_eq!(study.groups.len(), 5);
    assert_eq!(study.sections.len(), 3);
    for group in &study.groups {
        assert!(
            study.panel.iter().any(|p| p.group == group.code),
            "{} has nobody",
            group.code
        );
    }
}

#[test]
fn every_bad_line_is_reported() {
    let items = "code,section,text\nP1,Patient level,Listens well\nP2,Patient level,\nP1,Patient level,Again\n,Nowhere,Text\nP5,Patient level\n";
    let panel = "email,name,group\nann@example.org,Ann,link_workers\nnot-an-email,Bob,link_workers\nann@example.org,Ann again,link_workers\ncat@example.org,Cat,astronauts\n";
    let errors = StudyDefinition::parse(STUDY, items, panel).unwrap_err();
    let lines: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
    assert!(
        lines.contains(&"items.csv line 3: empty text".to_owned()),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&"items.csv line 4: item code P1 appears twice".to_owned()),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("items.csv line 5: the item code is empty")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("items.csv line 5: unknown section")),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&"items.csv line 6: 2 fields where the header has 3".to_owned()),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("panel.csv line 3: \"not-an-email\"")),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&"panel.csv line 4: ann@example.org appears twice".to_owned()),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("panel.csv line 5: unknown group")),
        "{lines:#?}"
    );
}

#[test]
fn broken_files_are_refused_with_their_place() {
    let errors = StudyDefinition::parse("title = \"x\"\nslug = ", ITEMS, PANEL).unwrap_err();
    assert!(
        errors.0[0].to_string().starts_with("study.toml line 2"),
        "{errors}"
    );
    let errors = StudyDefinition::parse(STUDY, "", "email,group\n").unwrap_err();
    let text = errors.to_string();
    assert!(text.contains("items.csv: the file is empty"), "{text}");
    assert!(
        text.contains("panel.csv line 1: missing column \"name\""),
        "{text}"
    );
    let bad_rule = STUDY.replace(
        "consensus_out = \"every_group(pct(1, 3) >= 70 && pct(7, 9) < 15)\"",
        "consensus_out = \"medain > 1\"",
    );
    assert_ne!(bad_rule, STUDY);
    let errors = StudyDefinition::parse(&bad_rule, ITEMS, PANEL).unwrap_err();
    assert!(
        errors
            .to_string()
            .contains("unknown variable 'medain' at column 1"),
        "{errors}"
    );
}

#[test]
fn a_scale_too_wide_to_count_is_refused_at_import() {
    let study = STUDY
        .replace("min = 1\n", "min = -2147483648\n")
        .replace("max = 9\n", "max = 2147483647\n");
    assert_ne!(study, STUDY);
    let errors = StudyDefinition::parse(&study, ITEMS, PANEL).unwrap_err();
    assert!(
        errors.to_string().contains("settings.scale: ")
            && errors.to_string().contains("2 to 101 points"),
        "{errors}"
    );
}

fn problems(study: &str, items: &str, panel: &str) -> Vec<String> {
    match StudyDefinition::parse(study, items, panel) {
        Ok(_) => panic!("the definition was accepted"),
        Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn control_and_bidirectional_characters_are_refused_in_every_text_field() {
    let items = format!("{ITEMS}P99,Patient level,\"Listens\u{1}well\"\n");
    let lines = problems(STUDY, &items, PANEL);
    let line = ITEMS.lines().count() + 1;
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("items.csv line {line}: "))
                && l.contains(
                    "text: the item text has a control character (U+0001) at character 8"
                )),
        "{lines:#?}"
    );
    let panel = format!("{PANEL}eve@example.org,Eve \u{202e}evE,link_workers\n");
    let lines = problems(STUDY, ITEMS, &panel);
    assert!(
        lines.iter().any(|l| l.starts_with(
            "panel.csv line 42: name: the name has a \
             bidirectional embedding or override (U+202E) at character 5"
        )),
        "{lines:#?}"
    );
    let study = STUDY.replace("name = \"Link workers\"", "name = \"Link\u{2066}workers\"");
    let lines = problems(&study, ITEMS, PANEL);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("study.toml: groups[0].name: the group name has")),
        "{lines:#?}"
    );
    // TOML refuses a raw control character in a string, but not its escape.
    let study = STUDY.replace(
        "Taking part is voluntary.",
        "Taking part is\\u0007 voluntary.",
    );
    let lines = problems(&study, ITEMS, PANEL);
    assert!(
        lines.iter().any(|l| l.starts_with(
            "study.toml: consent_text: the consent text has a \
             control character (U+0007) at line 1, character 15"
        )),
        "{lines:#?}"
    );
}

#[test]
fn a_megabyte_title_is_refused_with_the_limit() {
    let title = "t".repeat(1 << 20);
    let study = STUDY.replace(
        "title = \"Leadership for social prescribing link workers\"",
        &format!("title = \"{title}\""),
    );
    let lines = problems(&study, ITEMS, PANEL);
    assert!(
        lines.contains(
            &"study.toml: title: the title has 1048576 characters; the limit is 200".to_owned()
        ),
        "{lines:#?}"
    );
}

#[test]
fn text_is_stored_normalised() {
    let items = ITEMS.replacen("Builds a trusting", "Builds a cafe\u{301} trusting", 1);
    let study = StudyDefinition::parse(STUDY, &items, PANEL).unwrap();
    assert!(
        study.items[0].text.starts_with("Builds a café trusting"),
        "{}",
        study.items[0].text
    );
}

#[test]
fn an_unclosed_quote_is_refused_with_the_file_and_line() {
    let items = format!("{ITEMS}P99,Patient level,\"Listens well\n");
    let lines = problems(STUDY, &items, PANEL);
    let line = ITEMS.lines().count() + 1;
    assert!(
        lines.contains(&format!(
            "items.csv line {line}: the quote that opens here is never closed (a field that starts with \" ends with \")"
        )),
        "{lines:#?}"
    );
    let panel = format!("{PANEL}\"eve@example.org,Eve,link_workers");
    let lines = problems(STUDY, ITEMS, &panel);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("panel.csv line 42: the quote")),
        "{lines:#?}"
    );
}

#[test]
fn files_and_row_counts_have_limits_named_in_the_refusal() {
    let big = format!("{ITEMS}{}", "x".repeat(MAX_FILE_BYTES));
    let lines = problems(STUDY, &big, PANEL);
    assert!(
        lines.contains(&format!(
            "items.csv: the file has {} bytes; the limit is {MAX_FILE_BYTES} (5 MiB)",
            big.len()
        )),
        "{lines:#?}"
    );
    let mut items = String::from("code,section,text\n");
    for i in 0..=MAX_ITEMS {
        items.push_str(&format!("X{i},Patient level,Statement {i}\n"));
    }
    let lines = problems(STUDY, &items, PANEL);
    assert!(
        lines.contains(&format!(
            "items.csv line {}: more than {MAX_ITEMS} items, the limit of a study",
            MAX_ITEMS + 2
        )),
        "{lines:#?}"
    );
    let mut panel = String::from("email,name,group\n");
    for i in 0..=MAX_PANELLISTS {
        panel.push_str(&format!("p{i}@example.org,,link_workers\n"));
    }
    let lines = problems(STUDY, ITEMS, &panel);
    assert!(
        lines.contains(&format!(
            "panel.csv line {}: more than {MAX_PANELLISTS} panellists, the limit of a study",
            MAX_PANELLISTS + 2
        )),
        "{lines:#?}"
    );
}

#[test]
fn deeply_nested_toml_is_refused_without_exhausting_the_stack() {
    crate::fuzz_harness::passes_in_a_child_process("definition::tests::child_deeply_nested_toml");
}

#[test]
#[ignore = "run in a child process by deeply_nested_toml_is_refused_without_exhausting_the_stack"]
fn child_deeply_nested_toml() {
    for (open, close) in [("[", "]"), ("{a=", "}")] {
        let study = format!(
            "x = {}1{}\n{STUDY}",
            open.repeat(100_000),
            close.repeat(100_000)
        );
        let lines = problems(&study, ITEMS, PANEL);
        assert!(lines[0].starts_with("study.toml line 1"), "{lines:?}");
    }
}
