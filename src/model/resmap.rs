//! The ordered collection of resources a kustomization accumulates.

use crate::error::{BuildError, Result};
use crate::model::resid::{IdRef, ResId};
use crate::model::resource::Resource;
use crate::model::value::Value;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;
use std::sync::LazyLock;

/// Resources in load order. `index` holds the position of every resource,
/// found by the hash of its current id (namespace normalised), so duplicate
/// checks stay O(1) on big trees without copying any id; it is rebuilt
/// lazily after transformers rename things.
#[derive(Debug, Default, Clone)]
pub struct ResMap {
    pub resources: Vec<Resource>,
    index: HashTable<usize>,
    index_len: usize,
}

static HASHER: LazyLock<DefaultHashBuilder> = LazyLock::new(DefaultHashBuilder::default);

/// A current id as duplicate checks compare it (kustomize's `ResId.Equals`):
/// the namespace is the effective one.
fn id_key(value: &Value) -> IdRef<'_> {
    let id = IdRef::of(value);
    IdRef {
        namespace: id.effective_namespace(),
        ..id
    }
}

fn hash_key(id: &IdRef) -> u64 {
    HASHER.hash_one(id)
}

/// The hasher the index needs to grow: a position's key, hashed again.
fn rehash(resources: &[Resource]) -> impl Fn(&usize) -> u64 + '_ {
    move |&i| hash_key(&id_key(&resources[i].value))
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
        let key = id_key(&resource.value);
        let hash = hash_key(&key);
        let resources = &self.resources;
        if let Some(existing) = self
            .index
            .find(hash, |&i| id_key(&resources[i].value) == key)
            .map(|&i| &resources[i])
        {
            return Err(BuildError::invalid(
                resource.source.to_path_buf(),
                format!(
                    "line {}: may not add resource with an already registered id: {} (first loaded from {}:{})",
                    resource.line,
                    resource.id(),
                    existing.source.display(),
                    existing.line
                ),
            ));
        }
        self.index
            .insert_unique(hash, resources.len(), rehash(resources));
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
        self.index.clear();
        self.index
            .reserve(self.resources.capacity(), rehash(&self.resources));
        for (i, r) in self.resources.iter().enumerate() {
            let hash = hash_key(&id_key(&r.value));
            self.index.insert_unique(hash, i, rehash(&self.resources));
        }
        self.index_len = self.resources.len();
    }

    pub fn append_all(&mut self, other: ResMap) -> Result<()> {
        self.resources.reserve(other.resources.len());
        self.refresh_index();
        self.index
            .reserve(other.resources.len(), rehash(&self.resources));
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
                r.ever_named(&id.name) && r.ids().any(|x| x.same_as(id))
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
