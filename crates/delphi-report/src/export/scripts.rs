//! An SPSS syntax file and an R script that read the responses CSV with the labels applied:
//! the scale's point labels on `rating`, the group names on the stakeholder group, yes/no on
//! the flags, and "unable to rate" as a missing value.

use std::fmt::Write as _;
use std::io::Write;

use super::{responses_columns, ColumnType, ExportError, ResponsesCsvOptions};
use crate::record::StudyRecord;

/// SPSS keeps value labels up to 120 bytes and variable labels up to 256.
const SPSS_VALUE_LABEL_MAX: usize = 120;
const SPSS_VARIABLE_LABEL_MAX: usize = 255;

/// `text` cut to at most `max` bytes at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// An SPSS string literal: single quotes doubled, one line, at most `max` bytes inside.
fn spss_str(text: &str, max: usize) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("'{}'", cut(&line, max).replace('\'', "''"))
}

/// An R string literal in pure ASCII: quotes and backslashes escaped, everything outside
/// printable ASCII written as `\U{...}`, so the script reads the same in any locale.
fn r_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            ' '..='~' => out.push(c),
            '\0' => {}
            c => {
                let _ = write!(out, "\\U{{{:x}}}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// The SPSS name of a column: `comment` would start a COMMENT command, so it is
/// `comment_text`; every other column keeps its CSV name.
fn spss_name(column: &str) -> &str {
    match column {
        "comment" => "comment_text",
        other => other,
    }
}

/// The code "unable to rate" gets in SPSS: 99, or 9999 on a scale that contains 99.
pub(crate) fn spss_utr_code(record: &StudyRecord) -> i32 {
    if record.points().contains(&99) {
        9999
    } else {
        99
    }
}

/// Longest value (in bytes, +1 for a neutralising `'`) of each text column, at least 1.
fn text_widths(record: &StudyRecord) -> impl Fn(&str) -> usize + '_ {
    let longest = |values: &mut dyn Iterator<Item = usize>| values.max().unwrap_or(0) + 1;
    let items = longest(&mut record.items.iter().map(|i| i.code.len()));
    let texts = longest(&mut record.items.iter().map(|i| i.text.len()));
    let sections = longest(&mut record.items.iter().map(|i| i.section.len()));
    let pseudonyms = longest(&mut record.panellists.iter().map(|p| p.pseudonym.len()));
    let groups = longest(&mut record.groups.iter().map(|g| g.code.len()));
    let comments = longest(
        &mut record
            .responses
            .iter()
            .map(|r| r.comment.as_ref().map_or(0, String::len)),
    );
    let reasons = longest(
        &mut record
            .responses
            .iter()
            .map(|r| r.outlier_reason.as_ref().map_or(0, String::len)),
    );
    move |name: &str| {
        match name {
            "item_id" => items,
            "item_text" => texts,
            "section" => sections,
            "panellist_id" => pseudonyms,
            "stakeholder_group" => groups,
            "comment" => comments,
            "outlier_reason" => reasons,
            _ => 20,
        }
        .min(32_767)
    }
}

/// Writes SPSS syntax (also run by GNU PSPP) that reads `csv_file` (the responses CSV written
/// with the same `opts`) with `GET DATA /TYPE=TXT`, then applies `VARIABLE LABELS`,
/// `VALUE LABELS` (scale points, groups, yes/no) and `MISSING VALUES` ("unable to rate" is
/// coded [99, or 9999 on a scale containing 99] and declared missing). The flags become
/// numeric 0/1 variables, the group names label a numeric `group`, and the `comment`
/// column is read as `comment_text` (`COMMENT` is an SPSS command).
pub fn write_spss_syntax(
    record: &StudyRecord,
    opts: &ResponsesCsvOptions,
    csv_file: &str,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let index = record.index()?;
    let columns = responses_columns(opts);
    let width = text_widths(record);
    let utr = spss_utr_code(record);
    let mut s = String::from("* Encoding: UTF-8.\n");
    s.push_str("* Reads the responses CSV of a Delphi study with the labels applied.\n");
    let _ = writeln!(
        s,
        "* Written by {} {}. Run it from the folder that holds the CSV, or edit /FILE.\n",
        spss_str(&record.software.name, 40).trim_matches('\''),
        spss_str(&record.software.version, 40).trim_matches('\'')
    );
    let _ = writeln!(
        s,
        "GET DATA\n  /TYPE=TXT\n  /FILE={}\n  /ENCODING='UTF8'\n  /ARRANGEMENT=DELIMITED\n  \
         /DELCASE=LINE\n  /FIRSTCASE=2\n  /DELIMITERS=\",\"\n  /QUALIFIER='\"'\n  /VARIABLES=",
        spss_str(csv_file, 4000)
    );
    for (k, c) in columns.iter().enumerate() {
        let (name, format) = match c.kind {
            ColumnType::Integer | ColumnType::Rating => (c.name.to_owned(), "F8.0".to_owned()),
            ColumnType::Boolean => (format!("{}_text", c.name), "A5".to_owned()),
            _ => (spss_name(c.name).to_owned(), format!("A{}", width(c.name))),
        };
        let end = if k + 1 == columns.len() { "." } else { "" };
        let _ = writeln!(s, "    {name} {format}{end}");
    }
    s.push_str("\nCOMPUTE unable_to_rate = (unable_to_rate_text = 'true').\n");
    s.push_str("COMPUTE counted = (counted_text = 'true').\n");
    s.push_str("FORMATS unable_to_rate counted (F1.0).\n");
    let _ = writeln!(s, "IF (unable_to_rate = 1) rating = {utr}.");
    s.push_str("RECODE stakeholder_group");
    for (k, &g) in index.group_order.iter().enumerate() {
        let _ = write!(s, " ({}={})", spss_str(&record.groups[g].code, 4000), k + 1);
    }
    s.push_str(" INTO group.\nFORMATS group (F4.0).\nEXECUTE.\n");
    s.push_str("DELETE VARIABLES unable_to_rate_text counted_text.\n\nVARIABLE LABELS\n");
    for c in &columns {
        let _ = writeln!(
            s,
            "  {} {}",
            spss_name(c.name),
            spss_str(c.description, SPSS_VARIABLE_LABEL_MAX)
        );
    }
    s.push_str("  group 'Stakeholder group (name)'.\n\nVALUE LABELS\n  rating");
    for point in record.points() {
        let _ = write!(
            s,
            "\n    {point} {}",
            spss_str(&record.point_label(point), SPSS_VALUE_LABEL_MAX)
        );
    }
    let _ = write!(s, "\n    {utr} 'Unable to rate'\n  /group");
    for (k, &g) in index.group_order.iter().enumerate() {
        let _ = write!(
            s,
            "\n    {} {}",
            k + 1,
            spss_str(&record.groups[g].name, SPSS_VALUE_LABEL_MAX)
        );
    }
    s.push_str("\n  /unable_to_rate counted 0 'No' 1 'Yes'.\n");
    let _ = writeln!(s, "MISSING VALUES rating ({utr}).");
    s.push_str("VARIABLE LEVEL rating (ORDINAL).\nEXECUTE.\n");
    out.write_all(s.as_bytes())?;
    Ok(())
}

/// Writes an R script (base R only) that reads `csv_file` (the responses CSV written with the
/// same `opts`) with `read.csv` into `responses`, with `rating` an ordered factor labelled
/// by the scale (unable to rate is `NA`), `stakeholder_group` a factor labelled by the group
/// names, `item_id` a factor in the study's item order, and the flags logical.
pub fn write_r_script(
    record: &StudyRecord,
    opts: &ResponsesCsvOptions,
    csv_file: &str,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let index = record.index()?;
    let list = |values: &mut dyn Iterator<Item = String>| -> String {
        values.collect::<Vec<_>>().join(", ")
    };
    let mut s =
        String::from("# Reads the responses CSV of a Delphi study with the labels applied.\n");
    let _ = writeln!(
        s,
        "# Written by {} {}. Run it from the folder that holds the CSV, or edit `path`.\n",
        r_str(&record.software.name).trim_matches('"'),
        r_str(&record.software.version).trim_matches('"')
    );
    let _ = writeln!(s, "path <- {}", r_str(csv_file));
    let classes = list(&mut responses_columns(opts).iter().map(|c| {
        let class = match c.kind {
            ColumnType::Integer | ColumnType::Rating => "integer",
            ColumnType::Boolean => "logical",
            _ => "character",
        };
        format!("{} = \"{class}\"", c.name)
    }));
    let _ = writeln!(
        s,
        "responses <- read.csv(path, fileEncoding = \"UTF-8-BOM\", na.strings = \"\",\n  \
         stringsAsFactors = FALSE, check.names = FALSE,\n  colClasses = c({classes}))"
    );
    let points = list(&mut record.points().map(|p| format!("{p}L")));
    let labels = list(&mut record.points().map(|p| r_str(&record.point_label(p))));
    let _ = writeln!(
        s,
        "responses$rating <- factor(responses$rating,\n  levels = c({points}),\n  \
         labels = c({labels}),\n  ordered = TRUE)"
    );
    let codes = list(
        &mut index
            .group_order
            .iter()
            .map(|&g| r_str(&record.groups[g].code)),
    );
    let names = list(
        &mut index
            .group_order
            .iter()
            .map(|&g| r_str(&record.groups[g].name)),
    );
    let _ = writeln!(
        s,
        "responses$stakeholder_group <- factor(responses$stakeholder_group,\n  \
         levels = c({codes}),\n  labels = c({names}))"
    );
    let items = list(&mut record.items.iter().map(|i| r_str(&i.code)));
    let _ = writeln!(
        s,
        "responses$item_id <- factor(responses$item_id, levels = c({items}))"
    );
    s.push_str(
        "# Only the answers the study's counting rule counted:\n\
         # counted <- responses[responses$counted, ]\n",
    );
    out.write_all(s.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{cut, r_str, spss_str};

    #[test]
    fn literals_are_escaped() {
        assert_eq!(spss_str("it's\nfine", 100), "'it''s fine'");
        assert_eq!(r_str("a \"b\" \\ é\n"), "\"a \\\"b\\\" \\\\ \\U{e9}\\n\"");
        assert_eq!(cut("éé", 3), "é");
    }
}
