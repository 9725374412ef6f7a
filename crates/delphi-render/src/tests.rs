use serde_json::json;

use super::*;
use crate::fuzz_harness::passes_in_a_child_process;

fn templates() -> Templates {
    Templates::load().expect("every embedded template parses")
}

#[test]
fn loads_every_email_template_and_leaves_partials_out_of_names() {
    let t = templates();
    let names = t.names();
    for kind in [
        "invitation",
        "round_opened",
        "reminder",
        "thank_you",
        "withdrawal",
    ] {
        for part in ["subject.txt", "body.txt", "body.html"] {
            let name = format!("emails/{kind}/{part}");
            assert!(names.contains(&name), "{name} missing from {names:?}");
            assert!(t.has(&name));
        }
    }
    assert!(!names.iter().any(|n| n.contains("layout")), "{names:?}");
    assert!(!t.has("email_layout"));
}

#[test]
fn html_is_escaped_and_text_is_not() {
    let t = templates();
    let data = json!({"x": "<b>Tom & \"Jerry\"</b>"});
    assert_eq!(
        t.render_str("{{x}}", Format::Html, &data).unwrap(),
        "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;"
    );
    assert_eq!(
        t.render_str("{{x}}", Format::Text, &data).unwrap(),
        "<b>Tom & \"Jerry\"</b>"
    );
    assert_eq!(Format::of_name("emails/x/subject.txt"), Format::Text);
    assert_eq!(Format::of_name("round.html"), Format::Html);
    assert_eq!(Format::of_name("chart.svg"), Format::Html);
}

#[test]
fn strict_mode_refuses_an_unknown_variable_and_names_it() {
    let t = templates();
    let err = t
        .render_str("Hello {{nmae}}", Format::Text, &json!({"name": "Ann"}))
        .unwrap_err();
    assert!(matches!(err, RenderError::Render { .. }), "{err:?}");
    assert!(err.to_string().contains("nmae"), "{err}");
    let err = t
        .render("emails/invitation/subject.txt", &json!({}))
        .unwrap_err();
    assert!(err.to_string().contains("study_title"), "{err}");
}

#[test]
fn bad_syntax_is_refused_with_its_position() {
    let t = templates();
    let err = t
        .render_str(
            "Hello {{#if name}}{{name}}",
            Format::Text,
            &json!({"name": "Ann"}),
        )
        .unwrap_err();
    assert!(matches!(err, RenderError::Syntax { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("line"), "{message}");
}

#[test]
fn unknown_template_is_an_error() {
    let err = templates()
        .render("emails/nothing/body.txt", &json!({}))
        .unwrap_err();
    assert!(matches!(err, RenderError::UnknownTemplate(_)), "{err:?}");
}

#[test]
fn null_optional_values_are_allowed_in_conditions() {
    let t = templates();
    let out = t
        .render_str(
            "{{#if deadline}}by {{deadline}}{{else}}no deadline{{/if}}",
            Format::Text,
            &json!({"deadline": null}),
        )
        .unwrap();
    assert_eq!(out, "no deadline");
}

#[test]
fn shipped_partials_blocks_and_hash_parameters_work() {
    let t = templates();
    let data = json!({
        "study_title": "A & B", "name": null, "round_number": 1, "deadline": null,
        "changes_summary": null, "link": "https://x/p/t", "withdraw_link": "https://x/p/t/withdraw",
        "team_name": "", "team_institution": "", "team_contact": ""
    });
    // `{{#> email_layout signed=true}}` around `{{> link_button label="Start now"}}`.
    let out = t.render("emails/invitation/body.html", &data).unwrap();
    assert!(out.contains("<strong>A &amp; B</strong>"), "{out}");
    assert!(out.contains("href=\"https://x/p/t/withdraw\""), "{out}");
    assert!(out.contains(">Start now</a>"), "{out}");
    assert!(out.contains("href=\"https://x/p/t\""), "{out}");
}

#[test]
fn an_edited_template_may_use_the_shipped_text_partials() {
    let out = templates()
        .render_str(
            "{{> greeting}}\n{{#if (eq round_number 1)}}first{{else if deadline}}x{{/if}}\n{{> signoff}}",
            Format::Text,
            &json!({"name": "Ann", "round_number": 1, "deadline": null, "study_title": "S",
                    "team_name": "", "team_institution": "", "team_contact": ""}),
        )
        .unwrap();
    assert!(out.starts_with("Dear Ann,\nfirst\nWith thanks"), "{out}");
}

/// The first attack of issue 12: inline partials that include each other recurse until the
/// stack overflows, which aborts the whole process.
const RECURSIVE_INLINE_PARTIALS: &str =
    r#"{{#*inline "a"}}{{> b}}{{/inline}}{{#*inline "b"}}{{> a}}{{/inline}}{{> a}}"#;

/// The second: partials that include a partial ten times, seven deep: about 600 bytes that
/// write 100 MB.
fn amplifying_partials() -> String {
    let names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    let mut source = r#"{{#*inline "a"}}xxxxxxxxxx{{/inline}}"#.to_owned();
    for pair in names.windows(2) {
        let calls = format!("{{{{>{}}}}}", pair[0]).repeat(10);
        source.push_str(&format!(
            r#"{{{{#*inline "{}"}}}}{calls}{{{{/inline}}}}"#,
            pair[1]
        ));
    }
    source.push_str("{{>h}}");
    source
}

/// The error of a render that must be refused; a rendered text is reported by its length only
/// (an attack that gets through writes megabytes).
fn refusal(result: Result<String, RenderError>) -> String {
    match result {
        Ok(text) => panic!("rendered {} bytes instead of refusing", text.len()),
        Err(err) => err.to_string(),
    }
}

#[test]
fn recursive_inline_partials_are_refused_before_rendering() {
    passes_in_a_child_process("tests::child_recursive_inline_partials");
}

#[test]
#[ignore = "run in a child process by recursive_inline_partials_are_refused_before_rendering"]
fn child_recursive_inline_partials() {
    let message =
        refusal(templates().render_str(RECURSIVE_INLINE_PARTIALS, Format::Text, &json!({})));
    assert!(
        message.contains("{{#*inline}} is a decorator or an inline partial"),
        "{message}"
    );
    assert!(message.contains("line 1, column 1"), "{message}");
}

#[test]
fn amplifying_partials_are_refused_before_rendering() {
    passes_in_a_child_process("tests::child_amplifying_partials");
}

#[test]
#[ignore = "run in a child process by amplifying_partials_are_refused_before_rendering"]
fn child_amplifying_partials() {
    let source = amplifying_partials();
    assert!(source.len() < 700, "{} bytes", source.len());
    let err = refusal(templates().render_str(&source, Format::Text, &json!({})));
    assert!(err.contains("inline partial"), "{err}");
}

#[test]
fn loops_lookups_partial_blocks_and_unknown_partials_are_refused() {
    let t = templates();
    let data = json!({"name": "Ann", "link": "https://x"});
    for (source, says) in [
        (
            "{{#each this}}{{#each ../this}}x{{/each}}{{/each}}",
            "{{#each}} is not available",
        ),
        (
            "{{#with name}}{{this}}{{/with}}",
            "{{#with}} is not available",
        ),
        ("{{lookup this \"name\"}}", "{{lookup}} is not available"),
        ("{{log name}}", "{{log}} is not available"),
        ("{{#> greeting}}x{{/greeting}}", "partial block"),
        ("{{> (lookup this \"name\")}}", "not computed"),
        ("{{> email_layout}}", "no partial \"email_layout\""),
        ("{{> greeting name=\"x\"}}", "takes no arguments"),
        ("{{*inline}}", "{{*inline}} is a decorator"),
        (
            "{{#if name}}\n  {{#each this}}x{{/each}}{{/if}}",
            "line 2, column 3: {{#each}}",
        ),
        (
            "{{#if (lookup this \"name\")}}x{{/if}}",
            "{{lookup}} is not available",
        ),
        ("{{shout name}}", "calls a helper"),
    ] {
        let err = refusal(t.render_str(source, Format::Text, &data));
        assert!(err.contains(says), "{source}: {err}");
    }
}

#[test]
fn deep_nesting_is_refused_before_parsing_with_the_limit() {
    let t = templates();
    let data = json!({"a": true});
    let blocks = format!("{}x{}", "{{#if a}}".repeat(5_000), "{{/if}}".repeat(5_000));
    let err = refusal(t.render_str(&blocks, Format::Text, &data));
    assert!(err.contains("more than 32 deep"), "{err}");
    let parens = format!(
        "{{{{#if {}a{}}}}}x{{{{/if}}}}",
        "(not ".repeat(5_000),
        ")".repeat(5_000)
    );
    let err = refusal(t.render_str(&parens, Format::Text, &data));
    assert!(err.contains("more than 32 deep"), "{err}");
    let fine = format!("{}x{}", "{{#if a}}".repeat(30), "{{/if}}".repeat(30));
    assert_eq!(t.render_str(&fine, Format::Text, &data).unwrap(), "x");
}

#[test]
fn output_stops_at_the_limit_and_the_refusal_names_it() {
    let t = templates();
    let data = json!({"study_title": "t".repeat(10_000)});
    let source = "{{study_title}}".repeat(20);
    let err = refusal(t.render_str(&source, Format::Text, &data));
    assert!(err.contains("100000 bytes"), "{err}");
    let out = t
        .render_str(&"{{study_title}}".repeat(9), Format::Text, &data)
        .unwrap();
    assert_eq!(out.len(), 90_000);
}

#[test]
fn templates_are_shared_cheaply() {
    let t = templates();
    let u = t.clone();
    assert!(Arc::ptr_eq(&t.inner, &u.inner));
}

#[test]
fn strict_mode_refuses_a_misspelt_condition_too() {
    let t = templates();
    let err = t
        .render_str(
            "{{#if deadlne}}x{{/if}}",
            Format::Text,
            &json!({"deadline": null}),
        )
        .unwrap_err();
    assert!(err.to_string().contains("deadlne"), "{err}");
}

#[test]
fn sources_are_kept_for_editing() {
    let t = templates();
    let subject = t.source("emails/invitation/subject.txt").unwrap();
    assert!(subject.contains("{{study_title}}"), "{subject}");
    assert!(t.source("email_layout").is_none());
}

#[test]
fn else_if_chains_literals_and_escapes_count_towards_the_depth() {
    passes_in_a_child_process("tests::child_else_if_chains_literals_and_escapes");
}

#[test]
#[ignore = "run in a child process by else_if_chains_literals_and_escapes_count_towards_the_depth"]
fn child_else_if_chains_literals_and_escapes() {
    let t = templates();
    let data = json!({"a": false, "x": 1});
    let deep = |source: String| {
        let err = refusal(t.render_str(&source, Format::Text, &data));
        assert!(err.contains("more than 32 deep"), "{err}");
    };
    deep(format!(
        "{{{{#if a}}}}{}x{{{{/if}}}}",
        "{{else if a}}".repeat(5_000)
    ));
    deep(format!(
        "{{{{eq x {}1{}}}}}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    ));
    deep(format!(
        "{{{{eq x {}1{}}}}}",
        "{\"a\":".repeat(5_000),
        "}".repeat(5_000)
    ));
    deep(format!(
        "{}x{}",
        "\\\\{{#if a}}".repeat(5_000),
        "{{/if}}".repeat(5_000)
    ));
    let chain = format!("{{{{#if a}}}}{}y{{{{/if}}}}", "{{else if a}}".repeat(20));
    assert_eq!(t.render_str(&chain, Format::Text, &data).unwrap(), "");
    let after = format!("{chain}{}z{}", "{{#if x}}".repeat(20), "{{/if}}".repeat(20));
    assert_eq!(t.render_str(&after, Format::Text, &data).unwrap(), "z");
    // `{{^}}` and `{{else}}` are not blocks: 40 of them do not count as 40 levels.
    for bare in ["{{^}}", "{{else}}", "{{~else~}}"] {
        let elses = format!("{}{{{{#if x}}}}1{bare}2{{{{/if}}}}", "{{#if x}}".repeat(30));
        let elses = format!("{elses}{}", "{{/if}}".repeat(30)).repeat(40);
        assert_eq!(
            t.render_str(&elses, Format::Text, &data).unwrap(),
            "1".repeat(40),
            "{bare}"
        );
    }
}
