//! stub
use super::context::Ctx;
pub fn reconcile(_ctx: &mut Ctx<'_>) {}
