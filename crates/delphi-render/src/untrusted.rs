//! Bounds on templates written by people we do not trust with the server (a researcher's own
//! email wording): what they may use, how deep they may nest and how much they may write.
//!
//! Handlebars can be made to recurse until the stack overflows (inline partials that include
//! each other) and to multiply a few hundred bytes into hundreds of megabytes (partials that
//! include a partial ten times, nested). An edited email needs none of that: its variables are
//! plain values. So, before anything renders, the source is scanned for its nesting depth
//! (the parser itself recurses), then the parsed template may hold only:
//!
//! - text, comments and variables (`{{name}}`, `{{{name}}}`, `{{../name}}`);
//! - `{{#if}}` / `{{#unless}}` blocks with `{{else}}` and `{{else if}}`;
//! - the comparison helpers (`eq`, `ne`, `gt`, `gte`, `lt`, `lte`, `and`, `or`, `not`,
//!   `len`), e.g. `{{#if (eq round_number 1)}}`;
//! - the shipped partials of the same format by name (`{{> greeting}}`, `{{> signoff}}`),
//!   without arguments.
//!
//! Everything else (inline partials, partial blocks, dynamic partials, decorators, `each`,
//! `with`, `lookup`, `log`, `raw`, block parameters) is refused with its position. Without
//! loops and self-made partials the work is linear in the source; the output still goes
//! through [`LimitedOutput`], which stops at [`MAX_OUTPUT`] bytes.

use std::collections::BTreeSet;

use handlebars::template::{
    DecoratorTemplate, HelperTemplate, Parameter, Template, TemplateElement,
};

/// Most bytes an untrusted template's source may have.
pub const MAX_SOURCE: usize = 100_000;
/// Deepest nesting of blocks and parentheses in an untrusted template.
pub const MAX_DEPTH: usize = 32;
/// Most bytes an untrusted template may write when rendered.
pub const MAX_OUTPUT: usize = 100_000;

/// Block helpers an untrusted template may open.
const BLOCK_HELPERS: [&str; 2] = ["if", "unless"];
/// Helpers that compute one value from their arguments in constant time.
const VALUE_HELPERS: [&str; 10] = [
    "eq", "ne", "gt", "gte", "lt", "lte", "and", "or", "not", "len",
];
/// The other helpers handlebars registers: an untrusted template may not call them (`each`
/// and `with` loop or change the context, `lookup` reaches into data, `log` writes to the
/// server's log, `raw` opens raw blocks).
const OTHER_HELPERS: [&str; 7] = ["each", "with", "lookup", "log", "raw", "if", "unless"];

/// Refuses a source that is too long, or nests deeper than [`MAX_DEPTH`], before the parser
/// and the renderer (which both recurse) see it. The depth counts every open block
/// (`{{#x}}`, `{{^x}}`), every link of an `{{else if}}` chain (each nests inside the one before
/// it) and the brackets inside a tag (sub-expressions, array and object literals). The count
/// errs on the side of refusing: escaped tags (`\{{`) count as tags.
pub(crate) fn check_source(source: &str) -> Result<(), String> {
    if source.len() > MAX_SOURCE {
        return Err(format!(
            "the template has {} bytes; the limit is {MAX_SOURCE}",
            source.len()
        ));
    }
    // One entry per open block: how many levels it holds (1, plus one per `else if`).
    let mut blocks: Vec<usize> = Vec::new();
    let mut offset = 0;
    while let Some(open) = source[offset..].find("{{") {
        let start = offset + open;
        let tag = &source[start..];
        let close = tag.find("}}").map_or(tag.len(), |c| c + 2);
        let body = tag[2..close.max(2)].trim_end_matches('}');
        let inner = body.trim_start_matches(['{', '~']).trim_start();
        if inner.starts_with('#') || (inner.starts_with('^') && !is_bare_else(&inner[1..])) {
            blocks.push(1);
        } else if inner.starts_with('/') {
            blocks.pop();
        } else if let Some(rest) = inner.strip_prefix("else") {
            if !is_bare_else(rest) {
                if let Some(levels) = blocks.last_mut() {
                    *levels += 1;
                }
            }
        }
        let depth = blocks.iter().sum::<usize>() + deepest_brackets(inner);
        if depth > MAX_DEPTH {
            let (line, column) = line_and_column(source, start);
            return Err(format!(
                "line {line}, column {column}: the template nests blocks and parentheses \
                 more than {MAX_DEPTH} deep; the limit is {MAX_DEPTH}"
            ));
        }
        offset = start + close.max(2);
    }
    Ok(())
}

/// Whether what follows `else` or `^` in a tag is nothing (a plain `{{else}}`), not a chained
/// helper (`{{else if x}}`).
fn is_bare_else(rest: &str) -> bool {
    rest.trim_end_matches('~').trim().is_empty()
}

/// The deepest nesting of `(`, `[` and `{` inside one tag, string literals skipped.
fn deepest_brackets(tag: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote = None;
    for c in tag.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn line_and_column(source: &str, byte: usize) -> (usize, usize) {
    let before = &source[..byte];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit_once('\n')
        .map_or(before, |(_, last)| last)
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Refuses every element an untrusted template may not use (see the module's documentation).
/// `partials` are the shipped partials it may include by name.
pub(crate) fn check_template(
    template: &Template,
    partials: &BTreeSet<String>,
) -> Result<(), String> {
    for (index, element) in template.elements.iter().enumerate() {
        let at = template
            .mapping
            .get(index)
            .map_or_else(String::new, |m| format!("line {}, column {}: ", m.0, m.1));
        check_element(element, partials).map_err(|reason| format!("{at}{reason}"))?;
    }
    Ok(())
}

fn check_element(element: &TemplateElement, partials: &BTreeSet<String>) -> Result<(), String> {
    match element {
        TemplateElement::RawString(_) | TemplateElement::Comment(_) => Ok(()),
        TemplateElement::Expression(helper) | TemplateElement::HtmlExpression(helper) => {
            check_expression(helper)
        }
        TemplateElement::HelperBlock(helper) => check_block(helper, partials),
        TemplateElement::PartialExpression(partial) => check_partial(partial, partials),
        TemplateElement::PartialBlock(partial) => Err(format!(
            "{{{{#> {}}}}} is a partial block; an edited email may include a shipped partial \
             only as {{{{> name}}}}",
            name_of(&partial.name)
        )),
        TemplateElement::DecoratorExpression(decorator) => Err(refused_decorator(decorator, "")),
        TemplateElement::DecoratorBlock(decorator) => Err(refused_decorator(decorator, "#")),
        // `TemplateElement` is non-exhaustive: whatever a later handlebars adds is refused
        // until someone checks it is harmless.
        _ => Err("this kind of handlebars tag is not available in an edited email".to_owned()),
    }
}

/// A value (`{{name}}`) or a value helper (`{{eq a b}}`).
fn check_expression(helper: &HelperTemplate) -> Result<(), String> {
    let name = name_of(&helper.name);
    if let Parameter::Subexpression(_) = helper.name {
        return check_parameter(&helper.name);
    }
    if VALUE_HELPERS.contains(&name.as_str()) {
        return check_arguments(helper);
    }
    if OTHER_HELPERS.contains(&name.as_str()) {
        return Err(refused_helper(&name, ""));
    }
    if !helper.params.is_empty() || !helper.hash.is_empty() {
        return Err(format!(
            "{{{{{name} ...}}}} calls a helper; an edited email can use variables, \
             {{{{#if}}}}, {{{{#unless}}}} and the comparisons {}",
            VALUE_HELPERS.join(", ")
        ));
    }
    Ok(())
}

/// `{{#if x}}...{{else}}...{{/if}}` or `{{#unless x}}`.
fn check_block(helper: &HelperTemplate, partials: &BTreeSet<String>) -> Result<(), String> {
    let name = name_of(&helper.name);
    if !BLOCK_HELPERS.contains(&name.as_str()) {
        return Err(refused_helper(&name, "#"));
    }
    if helper.block_param.is_some() {
        return Err(format!(
            "{{{{#{name}}}}} cannot take block parameters (as |x|)"
        ));
    }
    check_arguments(helper)?;
    for part in [&helper.template, &helper.inverse].into_iter().flatten() {
        check_template(part, partials)?;
    }
    Ok(())
}

fn check_arguments(helper: &HelperTemplate) -> Result<(), String> {
    helper
        .params
        .iter()
        .chain(helper.hash.values())
        .try_for_each(check_parameter)
}

fn check_parameter(parameter: &Parameter) -> Result<(), String> {
    match parameter {
        Parameter::Subexpression(sub) => match sub.as_element() {
            TemplateElement::Expression(helper) => check_expression(helper),
            _ => Err("a sub-expression must be a comparison, e.g. (eq round_number 1)".to_owned()),
        },
        _ => Ok(()),
    }
}

/// `{{> greeting}}`: a shipped partial by name, nothing else.
fn check_partial(partial: &DecoratorTemplate, partials: &BTreeSet<String>) -> Result<(), String> {
    let Parameter::Name(name) = &partial.name else {
        return Err(
            "a partial must be named as written, e.g. {{> greeting}}, not computed".to_owned(),
        );
    };
    if !partials.contains(name) {
        let known: Vec<&str> = partials.iter().map(String::as_str).collect();
        return Err(format!(
            "there is no partial {name:?}; the ones an edited email can use are {}",
            known.join(", ")
        ));
    }
    if !partial.params.is_empty() || !partial.hash.is_empty() || partial.template.is_some() {
        return Err(format!("{{{{> {name}}}}} takes no arguments here"));
    }
    Ok(())
}

fn refused_decorator(decorator: &DecoratorTemplate, block: &str) -> String {
    format!(
        "{{{{{block}*{}}}}} is a decorator or an inline partial; an edited email cannot \
         define partials or use decorators",
        name_of(&decorator.name)
    )
}

fn refused_helper(name: &str, block: &str) -> String {
    format!(
        "{{{{{block}{name}}}}} is not available in an edited email; it can use variables, \
         {{{{#if}}}}, {{{{#unless}}}} and the comparisons {}",
        VALUE_HELPERS.join(", ")
    )
}

fn name_of(parameter: &Parameter) -> String {
    match parameter {
        Parameter::Literal(value) => value.to_string(),
        Parameter::Subexpression(_) => "(...)".to_owned(),
        other => other.as_name().unwrap_or("?").to_owned(),
    }
}

/// A writer that keeps at most [`MAX_OUTPUT`] bytes and then fails, so rendering stops.
#[derive(Default)]
pub(crate) struct LimitedOutput {
    pub(crate) bytes: Vec<u8>,
    pub(crate) overflowed: bool,
}

impl std::io::Write for LimitedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT {
            self.overflowed = true;
            return Err(std::io::Error::other("output limit reached"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
