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
