//! The ordered collection of resources a kustomization accumulates.

use crate::error::{BuildError, Result};
use crate::model::resid::ResId;
use crate::model::resource::Resource;
use std::collections::HashMap;

/// Resources in load order. `index` maps each current id (namespace
/// normalised) to its position, so duplicate checks stay O(1) on big trees;
/// it is rebuilt lazily after transformers rename things.
#[derive(Debug, Default, Clone)]
pub struct ResMap {
    pub resources: Vec<Resource>,
    index: HashMap<ResId, usize>,
    index_len: usize,
}

fn index_key(id: &ResId) -> ResId {
    ResId {
        gvk: id.gvk.clone(),
        namespace: id.effective_namespace().to_string(),
        name: id.name.clone(),
    }
}

impl ResMap {
    /// Adds a resource, refusing a second one with the same current id.
    pub fn append(&mut self, mut resource: Resource) -> Result<()> {
        // Every object added anywhere counts towards the build's budget.
        let bytes = *resource
            .charged_bytes
            .get_or_insert_with(|| crate::load::limits::measure(&resource.value).bytes);
        crate::load::limits::charge_object(bytes, &resource.source)?;
        self.refresh_index();
        let id = resource.id();
        let key = index_key(&id);
        if let Some(existing) = self.index.get(&key).map(|&i| &self.resources[i]) {
            return Err(BuildError::invalid(
                &resource.source,
                format!(
                    "line {}: may not add resource with an already registered id: {id} (first loaded from {}:{})",
                    resource.line,
                    existing.source.display(),
                    existing.line
                ),
            ));
        }
        self.index.insert(key, self.resources.len());
        self.resources.push(resource);
        self.index_len = self.resources.len();
        Ok(())
    }

    /// Re-indexes when resources were renamed, removed or reordered since the
    /// last append (any mutable access invalidates the index).
    fn refresh_index(&mut self) {
        if self.index_len == self.resources.len() && self.index.len() == self.resources.len() {
            return;
        }
        self.index = self
            .resources
            .iter()
            .enumerate()
            .map(|(i, r)| (index_key(&r.id()), i))
            .collect();
        self.index_len = self.resources.len();
    }

    pub fn append_all(&mut self, other: ResMap) -> Result<()> {
        self.resources.reserve(other.resources.len());
        for r in other.resources {
            self.append(r)?;
        }
        Ok(())
    }

    /// Indices of resources any of whose ids (current or earlier) equals `id`.
    pub fn matching_any_id(&self, id: &ResId) -> Vec<usize> {
        (0..self.resources.len())
            .filter(|&i| {
                let r = &self.resources[i];
                // Cheap name test first: most resources never had this name.
                r.ever_named(&id.name) && r.all_ids().iter().any(|x| x.same_as(id))
            })
            .collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Resource> {
        self.invalidate();
        self.resources.iter_mut()
    }

    /// Call after changing resources in place (ids may have changed).
    pub fn invalidate(&mut self) {
        self.index.clear();
        self.index_len = usize::MAX;
    }
}
