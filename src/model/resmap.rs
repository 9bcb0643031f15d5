//! The ordered collection of resources a kustomization accumulates.

use crate::model::ModelError;
use crate::model::heap::{self, Exceeded};

type Result<T> = std::result::Result<T, ModelError>;
use crate::model::resid::{IdRef, ResId};
use crate::model::resource::Resource;
use crate::model::value::Value;
use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;
use std::sync::LazyLock;

/// Resources in load order. `index` holds the position of every resource,
/// found by the hash of its current id (namespace normalised), so duplicate
/// checks stay O(1) on big trees without copying any id; `hashes` keeps
/// each position's hash so the table grows without reading objects again.
/// Both are rebuilt lazily after transformers rename things.
#[derive(Debug, Default, Clone)]
pub struct ResMap {
    pub resources: Vec<Resource>,
    index: HashTable<usize>,
    hashes: Vec<u64>,
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

fn hash_of(r: &Resource) -> u64 {
    hash_key(&id_key(&r.value))
}

/// What adding a resource charges to the build's budget: its size, kept
/// so a resource carried up through several levels is measured once.
fn charged_bytes(r: &Resource) -> u64 {
    r.charged_bytes
        .map_or_else(|| crate::model::limits::measure(&r.value).bytes, u64::from)
}

/// Indexes position `i` (the next one: `hashes` holds those before it)
/// under `hash`, unless an indexed position has the same id: that
/// position is returned and nothing is indexed. Ids are read only on a
/// hash match, which is rare unless it is a duplicate.
fn index_new(
    index: &mut HashTable<usize>,
    hashes: &mut Vec<u64>,
    resources: &[Resource],
    i: usize,
    hash: u64,
) -> Option<usize> {
    let same = |&j: &usize| id_key(&resources[j].value) == id_key(&resources[i].value);
    if let Some(&j) = index.find(hash, same) {
        return Some(j);
    }
    index.insert_unique(hash, i, |&j| hashes[j]);
    hashes.push(hash);
    None
}

/// The error for adding `resource` when `existing` has its id.
fn duplicate(resource: &Resource, existing: &Resource) -> ModelError {
    ModelError::invalid(
        resource.source.to_path_buf(),
        format!(
            "line {}: may not add resource with an already registered id: {} (first loaded from {}:{})",
            resource.line,
            resource.id(),
            existing.source.display(),
            existing.line
        ),
    )
}

impl ResMap {
    /// Adds a resource, refusing a second one with the same current id.
    pub fn append(&mut self, resource: Resource) -> Result<()> {
        let (hash, bytes) = (hash_of(&resource), charged_bytes(&resource));
        self.refresh_index();
        self.add(resource, hash, bytes)
    }

    /// Adds a resource whose id hash and size are known, after charging
    /// the budget and checking that its id is new.
    fn add(&mut self, mut resource: Resource, hash: u64, bytes: u64) -> Result<()> {
        heap::check()?;
        resource.charged_bytes = std::num::NonZeroU64::new(bytes);
        // Every object added anywhere counts towards the build's budget.
        crate::model::limits::charge_object(bytes, &resource.source)?;
        self.resources.push(resource);
        let last = self.resources.len() - 1;
        match index_new(
            &mut self.index,
            &mut self.hashes,
            &self.resources,
            last,
            hash,
        ) {
            None => Ok(()),
            Some(existing) => {
                let resource = self.resources.pop().expect("pushed above");
                Err(duplicate(&resource, &self.resources[existing]))
            }
        }
    }

    /// Takes over `other`'s resources when this map is empty (a
    /// kustomization's first directory entry): the same charges and
    /// duplicate checks as adding them one by one, without moving them.
    fn adopt(&mut self, other: ResMap) -> Result<()> {
        let measured = map_each(&other.resources, |r| (hash_of(r), charged_bytes(r)));
        let mut staged = ResMap {
            resources: other.resources,
            index: HashTable::with_capacity(measured.len()),
            hashes: Vec::with_capacity(measured.len()),
        };
        for (i, &(hash, bytes)) in measured.iter().enumerate() {
            let r = &mut staged.resources[i];
            r.charged_bytes = std::num::NonZeroU64::new(bytes);
            crate::model::limits::charge_object(bytes, &r.source)?;
            let resources = &staged.resources;
            if let Some(j) = index_new(&mut staged.index, &mut staged.hashes, resources, i, hash) {
                return Err(duplicate(&resources[i], &resources[j]));
            }
        }
        *self = staged;
        Ok(())
    }

    /// Re-indexes when resources were renamed, removed or reordered since the
    /// last append (any mutable access invalidates the index).
    fn refresh_index(&mut self) {
        if self.hashes.len() == self.resources.len() && self.index.len() == self.resources.len() {
            return;
        }
        // Reading every id is the cost (cold objects): on every core.
        self.hashes = map_each(&self.resources, hash_of);
        self.index.clear();
        let hashes = &self.hashes;
        self.index
            .reserve(self.resources.capacity(), |&i| hashes[i]);
        for (i, &hash) in hashes.iter().enumerate() {
            self.index.insert_unique(hash, i, |&i| hashes[i]);
        }
    }

    /// Room for this many more resources without growing.
    pub fn spare(&self) -> usize {
        self.resources.capacity() - self.resources.len()
    }

    /// Makes room for `n` more resources, exactly.
    pub fn reserve_exact(&mut self, n: usize) {
        self.resources.reserve_exact(n);
    }

    pub fn append_all(&mut self, other: ResMap) -> Result<()> {
        if self.resources.is_empty() {
            return self.adopt(other);
        }
        let measured = map_each(&other.resources, |r| (hash_of(r), charged_bytes(r)));
        self.resources.reserve(other.resources.len());
        self.hashes.reserve(other.resources.len());
        self.refresh_index();
        let hashes = &self.hashes;
        self.index.reserve(other.resources.len(), |&i| hashes[i]);
        for (r, (hash, bytes)) in other.resources.into_iter().zip(measured) {
            self.add(r, hash, bytes)?;
        }
        Ok(())
    }

    /// The first resource (in order) whose current id an earlier one
    /// already has.
    pub fn first_duplicate(&self) -> Option<&Resource> {
        let all = map_each(&self.resources, hash_of);
        let (mut seen, mut hashes) = (HashTable::with_capacity(all.len()), Vec::new());
        all.iter().enumerate().find_map(|(i, &hash)| {
            index_new(&mut seen, &mut hashes, &self.resources, i, hash).map(|_| &self.resources[i])
        })
    }

    /// kustomize's refusal when it makes a collection anew from objects two
    /// of which share a current id.
    pub fn check_unique_ids(&self) -> std::result::Result<(), String> {
        match self.first_duplicate() {
            Some(twin) => Err(format!(
                "may not add resource with an already registered id: {}",
                twin.id()
            )),
            None => Ok(()),
        }
    }

    /// Indices of resources any of whose ids (current or earlier) equals `id`.
    pub fn matching_any_id(&self, id: &ResId) -> Vec<usize> {
        // Cheap name test first: most resources never had this name.
        self.positions(|r| r.ever_named(&id.name) && r.ids().any(|x| x.same_as(id)))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter()
    }

    /// Runs `step` on every resource, on every core when there are many,
    /// and returns the error of the first resource (in order) that failed.
    /// Steps touch only their own resource, so the objects come out as a
    /// loop in order leaves them; after a failure the build stops, and
    /// later resources may or may not have been changed.
    pub fn try_for_each_mut<E: Send + From<Exceeded>>(
        &mut self,
        step: impl Fn(&mut Resource) -> std::result::Result<(), E> + Sync,
    ) -> std::result::Result<(), E> {
        self.invalidate();
        each_mut(&mut self.resources, step)
    }

    /// Returns the memory the passes so far freed, for a big collection
    /// (see `memory`).
    pub fn give_back_freed(&self) {
        if self.resources.len() >= PARALLEL_FROM {
            super::memory::give_back_freed();
        }
    }

    /// Runs `f` with every object's value moved out of its resource: `f`
    /// can keep borrowing the resources' histories and affixes while it
    /// changes values. The values go back in place afterwards, whatever `f`
    /// returns; within `f` the resources' own values read as null.
    pub fn with_values_apart<R>(&mut self, f: impl FnOnce(&[Resource], &mut [Value]) -> R) -> R {
        self.invalidate();
        let mut values: Vec<Value> = self
            .resources
            .iter_mut()
            .map(|r| std::mem::take(&mut r.value))
            .collect();
        let out = f(&self.resources, &mut values);
        for (r, v) in self.resources.iter_mut().zip(values) {
            r.value = v;
        }
        out
    }

    /// [`ResMap::try_for_each_mut`] for a step that cannot fail.
    pub fn for_each_mut(&mut self, step: impl Fn(&mut Resource) + Sync) {
        let _ = self.try_for_each_mut(|r| {
            step(r);
            Ok::<(), Exceeded>(())
        });
    }

    /// Runs `step` on the resources at `indices` (ascending, each once), on
    /// every core when there are many; a resource for which it returns
    /// false is removed. The first failure in order is returned.
    pub fn try_update_at<E: Send + From<Exceeded>>(
        &mut self,
        indices: &[usize],
        step: impl Fn(&mut Resource) -> std::result::Result<bool, E> + Sync,
    ) -> std::result::Result<(), E> {
        use rayon::prelude::*;
        // Each update is a safe point for the memory budget.
        let step = |r: &mut Resource| -> std::result::Result<bool, E> {
            heap::check()?;
            step(r)
        };
        self.invalidate();
        let mut keep = Vec::new();
        if indices.len() < PARALLEL_FROM {
            for &i in indices {
                if !step(&mut self.resources[i])? {
                    keep.resize(self.resources.len(), true);
                    keep[i] = false;
                }
            }
        } else {
            let mut chosen = vec![false; self.resources.len()];
            indices.iter().for_each(|&i| chosen[i] = true);
            let outcomes: Vec<std::result::Result<bool, E>> = self
                .resources
                .par_iter_mut()
                .zip(chosen.par_iter())
                .with_min_len(PARALLEL_GRAIN)
                .map(|(r, &chosen)| if chosen { step(r) } else { Ok(true) })
                .collect();
            super::memory::give_back_freed();
            keep = outcomes
                .into_iter()
                .collect::<std::result::Result<_, E>>()?;
        }
        if !keep.is_empty() {
            let mut kept = keep.into_iter();
            self.resources.retain(|_| kept.next().unwrap_or(true));
        }
        Ok(())
    }

    /// Positions of the resources `pick` selects, in order.
    pub fn positions(&self, pick: impl Fn(&Resource) -> bool + Sync) -> Vec<usize> {
        use rayon::prelude::*;
        if self.resources.len() < PARALLEL_FROM {
            return (0..self.resources.len())
                .filter(|&i| pick(&self.resources[i]))
                .collect();
        }
        (0..self.resources.len())
            .into_par_iter()
            .with_min_len(PARALLEL_GRAIN)
            .filter(|&i| pick(&self.resources[i]))
            .collect()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Resource> {
        self.invalidate();
        self.resources.iter_mut()
    }

    /// Call after changing resources in place (ids may have changed).
    pub fn invalidate(&mut self) {
        self.index.clear();
        self.hashes.clear();
    }
}

/// Below this many items, a loop costs less than waking threads.
pub const PARALLEL_FROM: usize = 1024;

/// Items per parallel task: enough work to amortise the hand-off.
const PARALLEL_GRAIN: usize = 128;

/// `step` on every item, in parallel past [`PARALLEL_FROM`] items; the
/// first failure in order is returned.
fn each_mut<T: Send, E: Send + From<Exceeded>>(
    items: &mut [T],
    step: impl Fn(&mut T) -> std::result::Result<(), E> + Sync,
) -> std::result::Result<(), E> {
    try_each_indexed_mut(items, |_, item| step(item))
}

/// `step` on every item and its position, in parallel past
/// [`PARALLEL_FROM`] items; the first failure in order is returned. Each
/// item is a safe point for the memory budget: a pass that grows every
/// object (a value copied into thousands of them) stops once the run holds
/// more than its budget.
pub fn try_each_indexed_mut<T: Send, E: Send + From<Exceeded>>(
    items: &mut [T],
    step: impl Fn(usize, &mut T) -> std::result::Result<(), E> + Sync,
) -> std::result::Result<(), E> {
    use rayon::prelude::*;
    let step = |i: usize, item: &mut T| -> std::result::Result<(), E> {
        heap::check()?;
        step(i, item)
    };
    if items.len() < PARALLEL_FROM {
        return items
            .iter_mut()
            .enumerate()
            .try_for_each(|(i, item)| step(i, item));
    }
    let failed = items
        .par_iter_mut()
        .enumerate()
        .with_min_len(PARALLEL_GRAIN)
        .map(|(i, item)| step(i, item))
        .find_first(|r| r.is_err());
    // A pass over every object of a big build (a transformer growing each
    // one) leaves their smaller blocks behind.
    super::memory::give_back_freed();
    match failed {
        Some(Err(e)) => Err(e),
        _ => Ok(()),
    }
}

/// `f` of every position below `len`, in order; in parallel past
/// [`PARALLEL_FROM`] positions.
pub fn map_indexed<R: Send>(len: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    use rayon::prelude::*;
    if len < PARALLEL_FROM {
        return (0..len).map(f).collect();
    }
    (0..len)
        .into_par_iter()
        .with_min_len(PARALLEL_GRAIN)
        .map(&f)
        .collect()
}

/// `f` of every item, in order; in parallel past [`PARALLEL_FROM`] items.
pub fn map_each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use rayon::prelude::*;
    if items.len() < PARALLEL_FROM {
        return items.iter().map(f).collect();
    }
    items
        .par_iter()
        .with_min_len(PARALLEL_GRAIN)
        .map(&f)
        .collect()
}
