//! The ordered collection of resources a kustomization accumulates.

use crate::error::{BuildError, Result};
use crate::resid::ResId;
use crate::resource::Resource;

#[derive(Debug, Default, Clone)]
pub struct ResMap {
    pub resources: Vec<Resource>,
}

/// kustomize's `ResId.Equals`: same GVK and name, "" and "default" the same namespace.
pub fn same_id(a: &ResId, b: &ResId) -> bool {
    a.gvk == b.gvk && a.name == b.name && a.effective_namespace() == b.effective_namespace()
}

impl ResMap {
    /// Adds a resource, refusing a second one with the same current id.
    pub fn append(&mut self, resource: Resource) -> Result<()> {
        let id = resource.id();
        if let Some(existing) = self.resources.iter().find(|r| same_id(&r.id(), &id)) {
            return Err(BuildError::invalid(
                &resource.source,
                format!(
                    "may not add resource with an already registered id: {id} (first loaded from {})",
                    existing.source.display()
                ),
            ));
        }
        self.resources.push(resource);
        Ok(())
    }

    pub fn append_all(&mut self, other: ResMap) -> Result<()> {
        for r in other.resources {
            self.append(r)?;
        }
        Ok(())
    }

    /// Indices of resources any of whose ids (current or earlier) equals `id`.
    pub fn matching_any_id(&self, id: &ResId) -> Vec<usize> {
        (0..self.resources.len()).filter(|&i| self.resources[i].all_ids().iter().any(|x| same_id(x, id))).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Resource> {
        self.resources.iter_mut()
    }
}
