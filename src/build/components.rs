//! The component phase (kustomize's `accumulateComponents`): each entry of
//! `components:`, local or remote, is built on this kustomization's
//! objects and transformer configuration as they stand after its
//! generators (kustomize's shared accumulator), in listed order.

use super::target::{Accumulator, Builder, Ctx};
use super::with_context;
use crate::error::{BuildError, Result};
use crate::load::kustomization::Kustomization;
use crate::load::transformer_config::TransformerConfig;

impl Builder {
    /// Applies every component of `k` to the accumulator.
    pub(super) fn accumulate_components(
        &mut self,
        k: &Kustomization,
        ctx: &Ctx,
        acc: &mut Accumulator,
    ) -> Result<()> {
        let Accumulator {
            resmap,
            config,
            vars,
        } = acc;
        // kustomize's order: resources, this kustomization's generators,
        // then components (which may merge into those), then transformers.
        for entry in &k.components {
            let remote = crate::load::remote::resolve_component(
                entry,
                &ctx.loader.dir,
                &self.options.remote,
            )
            .map_err(|e| with_context(e, ctx.kfile, "components"))?;
            let (path, repo) = match remote {
                Some(root) => (root.dir.clone(), Some(root)),
                None => (
                    ctx.loader
                        .resolve_root(entry)
                        .map_err(|e| with_context(e, ctx.kfile, "components"))?,
                    self.repo.clone(),
                ),
            };
            super::resources::check_unambiguous(entry, ctx.kfile)?;
            let remote = repo.is_some() && repo != self.repo;
            let outer = std::mem::replace(&mut self.repo, repo);
            let accumulated = self.accumulate_below(
                k,
                &path,
                std::mem::take(resmap),
                std::mem::take(config),
                true,
            );
            self.repo = outer;
            let (component, _) = accumulated.map_err(|e| match remote {
                true => crate::load::remote::in_remote(entry, e),
                false => e,
            })?;
            *resmap = component.resmap;
            // kustomize hands the component's accumulator over to a fresh
            // one, so its config is merged once more into an empty config
            // (which can drop a spec that a narrower one sorted first absorbs).
            *config = TransformerConfig::default();
            config
                .merge(&component.config)
                .map_err(|e| BuildError::invalid(ctx.kfile, e))?;
            crate::refs::vars::merge(vars, &component.vars, ctx.kfile)?;
        }
        Ok(())
    }
}
