//! Fuzz targets of the study-folder parser (`study.toml`, `items.csv`, `panel.csv`) and the
//! consensus-rule parser: no input may panic, abort or overflow the stack, and whatever is
//! accepted keeps the limits the parsers promise. See `fuzz/harness.rs`.

use crate::definition::{StudyDefinition, MAX_ITEMS, MAX_PANELLISTS};
use crate::fuzz_harness::fuzz;
use crate::rule::{ConsensusRule, RuleInput, MAX_RULE_CHARS};
use crate::text::{self, TextKind};
use delphi_stats::{Histogram, QuantileType};

const STUDY: &str = include_str!("../../../examples/splw-leadership/study.toml");
const ITEMS: &str = include_str!("../../../examples/splw-leadership/items.csv");
const PANEL: &str = include_str!("../../../examples/splw-leadership/panel.csv");

const CSV_TOKENS: &[&str] = &[
    ",",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    " ",
    "P1",
    "X9",
    "Patient level",
    "Nowhere",
    "code,section,text",
    "email,name,group",
    "ann@example.org",
    "a@b",
    "link_workers",
    "astronauts",
    "\u{202e}",
    "\u{2066}",
    "\u{0}",
    "\u{7f}",
    "\t",
    "e\u{301}",
    "ÿ",
    "🙂",
    "x",
];

const TOML_TOKENS: &[&str] = &[
    "\n",
    "=",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "[settings.scale]",
    "[settings.consensus]",
    "[[groups]]",
    "min = -2147483648",
    "max = 2147483647",
    "min = 1",
    "max = 9",
    "max = 101",
    "labels = []",
    "agree = [7, 9]",
    "consensus_in = \"",
    "consensus_out = \"",
    "every_group(",
    "pct(7, 9)",
    "((((((((",
    "))))))))",
    "9999999999999999999",
    "1e400",
    "inf",
    "nan",
    "-0",
    "\\u0000",
    "\\u202e",
    "slug = \"x\"",
    "title = \"",
    "code = \"a\"",
    "name = \"",
    "quantile_type = 6",
    "max_rounds = 0",
    "distance = nan",
    "true",
    "\u{0}",
];

const RULE_TOKENS: &[&str] = &[
    "(",
    ")",
    "pct(",
    "every_group(",
    "any_group(",
    "n",
    "median",
    "q1",
    "q3",
    "iqr",
    "mean",
    "sd",
    " ",
    ">=",
    "<=",
    "<",
    ">",
    "==",
    "!=",
    "&&",
    "||",
    "!",
    "-",
    "+",
    "*",
    "/",
    "%",
    "^",
    ",",
    "7",
    "9",
    "70",
    "0",
    "1.5",
    "1e308",
    "-9223372036854775808",
    "9223372036854775807",
    "=",
    ";",
    "\"",
    "true",
    "false",
    "x",
    "a = 1",
    "if",
    "()",
    "(,)",
    "\u{0}",
];

/// What the parser promises about an accepted study: every text clean and within its limit,
/// counts within the limits, the rules parse again.
fn check_accepted(study: &StudyDefinition) -> Result<(), String> {
    let clean = |kind: TextKind, value: &str| match text::clean(kind, value) {
        Ok(cleaned) if cleaned == value => Ok(()),
        Ok(cleaned) => Err(format!(
            "{kind:?} {value:?} was stored uncleaned ({cleaned:?})"
        )),
        Err(e) => Err(format!("{kind:?} accepted although {e}")),
    };
    clean(TextKind::Title, &study.title)?;
    clean(TextKind::Description, &study.description)?;
    clean(TextKind::ConsentText, &study.consent_text)?;
    for section in &study.sections {
        clean(TextKind::Section, section)?;
    }
    for group in &study.groups {
        clean(TextKind::GroupName, &group.name)?;
    }
    for item in &study.items {
        clean(TextKind::ItemText, &item.text)?;
        clean(TextKind::Section, &item.section)?;
    }
    for panellist in &study.panel {
        if let Some(name) = &panellist.name {
            clean(TextKind::Name, name)?;
        }
    }
    if study.items.is_empty() || study.items.len() > MAX_ITEMS {
        return Err(format!("{} items accepted", study.items.len()));
    }
    if study.panel.len() > MAX_PANELLISTS {
        return Err(format!("{} panellists accepted", study.panel.len()));
    }
    let scale = &study.settings.scale;
    crate::values::Scale::new(scale.min, scale.max).map_err(|e| format!("scale accepted: {e}"))?;
    crate::rule::Classifier::new(&study.settings.consensus)
        .map_err(|e| format!("rules accepted that do not parse again: {e}"))?;
    Ok(())
}

fn parse_then_check(study: &str, items: &str, panel: &str) -> Result<(), String> {
    match StudyDefinition::parse(study, items, panel) {
        Ok(definition) => check_accepted(&definition),
        Err(errors) if errors.0.is_empty() => Err("refused without saying why".to_owned()),
        Err(_) => Ok(()),
    }
}

#[test]
fn fuzz_study_toml() {
    fuzz("study_toml", TOML_TOKENS, |input| {
        parse_then_check(input, ITEMS, PANEL)
    });
}

#[test]
fn fuzz_items_csv() {
    fuzz("items_csv", CSV_TOKENS, |input| {
        parse_then_check(STUDY, input, PANEL)
    });
}

#[test]
fn fuzz_panel_csv() {
    fuzz("panel_csv", CSV_TOKENS, |input| {
        parse_then_check(STUDY, ITEMS, input)
    });
}

fn histogram(points: &[(i32, u64)]) -> Histogram {
    let mut h = Histogram::new(1, 9);
    for &(point, count) in points {
        for _ in 0..count {
            h.add(point);
        }
    }
    h
}

#[test]
fn fuzz_consensus_rule() {
    let inputs = [
        RuleInput {
            overall: histogram(&[(8, 14), (5, 6)]),
            groups: vec![
                ("a".into(), histogram(&[(8, 4)])),
                ("b".into(), histogram(&[])),
            ],
            quantile_type: QuantileType::Type7,
        },
        RuleInput {
            overall: histogram(&[]),
            groups: Vec::new(),
            quantile_type: QuantileType::Type6,
        },
        RuleInput {
            overall: histogram(&[(1, 1)]),
            groups: vec![("a".into(), histogram(&[(1, 1)]))],
            quantile_type: QuantileType::Type7,
        },
    ];
    fuzz("consensus_rule", RULE_TOKENS, |input| {
        let Ok(rule) = ConsensusRule::parse(input) else {
            return Ok(());
        };
        if input.chars().count() > MAX_RULE_CHARS {
            return Err(format!(
                "a rule of {} characters accepted",
                input.chars().count()
            ));
        }
        for ratings in &inputs {
            // Either answer is fine; neither may panic.
            let _ = rule.evaluate(ratings);
        }
        Ok(())
    });
}
