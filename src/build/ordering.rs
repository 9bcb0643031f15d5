//! Output order: kustomize's legacy order (kind priority, then id string),
//! or `fifo` (load order).

use crate::load::kustomization::SortOptions;
use crate::model::kind_order::{ORDER_FIRST, ORDER_LAST};
use crate::model::resid::Gvk;
use crate::model::resource::Resource;
use crate::model::value::Str;
use hashbrown::HashMap;

/// Sorts as kustomize's SortOrderTransformer: no `sortOptions` means
/// legacy order; `sortOptions` must name `fifo` or `legacy`, may carry
/// `legacySortOptions` only with `legacy`, and those replace the default
/// kind lists entirely.
pub fn sort(resources: &mut [Resource], options: Option<&SortOptions>) -> Result<(), String> {
    let legacy = match options {
        None => None,
        Some(o) => match o.order.as_deref() {
            Some("fifo") if o.legacy_sort_options.is_some() => {
                return Err("the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'".into());
            }
            Some("fifo") => return Ok(()),
            Some("legacy") => o.legacy_sort_options.as_ref(),
            _ => return Err("the field 'sortOptions.order' must be one of [fifo, legacy]".into()),
        },
    };
    let first: Vec<&str> = match legacy {
        Some(l) => l.order_first.iter().map(String::as_str).collect(),
        None => ORDER_FIRST.to_vec(),
    };
    let last: Vec<&str> = match legacy {
        Some(l) => l.order_last.iter().map(String::as_str).collect(),
        None => ORDER_LAST.to_vec(),
    };
    let rank = |kind: &str| -> i64 {
        if let Some(i) = first.iter().position(|k| *k == kind) {
            i as i64 - first.len() as i64
        } else if let Some(i) = last.iter().position(|k| *k == kind) {
            1 + i as i64
        } else {
            0
        }
    };
    // kustomize compares (kind rank, GVK string, id string), and an id's
    // string is its GVK's string, then `|namespace|name`. So each distinct
    // GVK gets its rank and the place of its string among all of them, and
    // an object's key needs only that and its `namespace|name` (in place,
    // for most objects): no strings per object on a big build.
    let gvks: std::collections::HashSet<Gvk> = resources.iter().map(Resource::gvk).collect();
    let mut by_text: Vec<(String, Gvk)> = gvks.into_iter().map(|g| (g.sort_string(), g)).collect();
    by_text.sort_unstable();
    let mut places: HashMap<Gvk, (i64, u32)> = HashMap::new();
    let mut place = 0u32;
    for (i, (text, gvk)) in by_text.iter().enumerate() {
        // Equal strings (a group literally called `~G`) share a place.
        if i > 0 && by_text[i - 1].0 != *text {
            place += 1;
        }
        places.insert(gvk.clone(), (rank(&gvk.kind), place));
    }
    // Sort keys once per resource, then move resources into place (no clones).
    let keys: Vec<(i64, u32, Str)> = crate::model::resmap::map_each(resources, |r| {
        let id = r.id();
        let (rank, place) = places.get(&id.gvk).copied().unwrap_or_default();
        (rank, place, id.namespace_and_name_sort_text())
    });
    // kustomize sorts the objects in load order with Go's sort.Sort, which
    // is not stable: objects whose keys tie (an id text such as `a|b` +
    // `c` against `a` + `b|c`) come out as Go's algorithm leaves them.
    let mut order: Vec<usize> = (0..resources.len()).collect();
    let generation = crate::release::current().go_sort_generation();
    crate::model::go_sort::sort_by(&mut order, generation, |&a, &b| keys[a] < keys[b]);
    permute(resources, order);
    Ok(())
}

/// Reorders `items` in place so that position `i` holds what was at
/// `order[i]`: each cycle of the permutation is walked once with swaps, so
/// no second array of resources is ever held.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        // Positions already placed are marked by pointing at themselves.
        let mut hole = start;
        while order[hole] != start {
            let next = order[hole];
            items.swap(hole, next);
            order[hole] = hole;
            hole = next;
        }
        order[hole] = hole;
    }
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permute_places_every_item_once() {
        // Fixed points, a 2-cycle and a 4-cycle.
        let order = vec![3, 1, 0, 5, 4, 2, 7, 6];
        let mut items: Vec<usize> = (0..order.len()).map(|i| i * 10).collect();
        permute(&mut items, order.clone());
        let want: Vec<usize> = order.iter().map(|&i| i * 10).collect();
        assert_eq!(items, want);
    }
}
