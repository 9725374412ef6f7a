//! `if` and `unless` that honour strict mode: handlebars' own versions treat a variable the
//! data does not have as false, so `{{#if deadlnie}}` in a researcher's edit would silently
//! never show. Ours refuse it like any other unknown variable; `null` stays false.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonTruthy, Output, RenderContext,
    RenderErrorReason, Renderable,
};

/// `{{#if x}}` (`positive`) or `{{#unless x}}`.
#[derive(Clone, Copy)]
pub(crate) struct StrictIf {
    pub(crate) positive: bool,
}

impl HelperDef for StrictIf {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let name = if self.positive { "if" } else { "unless" };
        let param = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?;
        if param.is_value_missing() {
            return Err(RenderErrorReason::MissingVariable(param.relative_path().cloned()).into());
        }
        let include_zero = h
            .hash_get("includeZero")
            .and_then(|v| v.value().as_bool())
            .unwrap_or(false);
        let truthy = param.value().is_truthy(include_zero) == self.positive;
        match if truthy { h.template() } else { h.inverse() } {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}
