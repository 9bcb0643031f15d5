//! The order kustomize prints map keys in: go-yaml v2's "natural" key
//! comparison (letters after other characters, runs of digits by value),
//! applied by Go's `sort.Sort`. Every stage that lists fields as they will
//! print (the emitter, `explain`, `diff`, `create`) sorts with [`sort_keys`].
//!
//! The comparison is not a total order once digits are involved (`x010`,
//! `f001`, `v1`, ... can form cycles), so the order depends on the sort
//! algorithm and on the order the keys arrive in: go-yaml gets them from a
//! Go map, whose iteration order changes from run to run, so kustomize's
//! own output varies between runs for such key sets. nest-kz feeds Go's
//! sort the keys in byte order, which gives one of the orders kustomize
//! prints, always the same one, and never panics (Rust's own sort refuses
//! a comparison that is not a total order). Where the comparison is a total
//! order, every input order gives kustomize's one order.

use super::go_sort;
use super::go_unicode::{DIGIT, LETTER};
use std::cmp::Ordering;

/// Sorts `items` by their keys as go-yaml prints map keys.
pub fn sort_keys<T>(items: &mut [T], key: impl Fn(&T) -> &str) {
    // Without digits the comparison is a lexicographic order over a total
    // order of characters: any sort gives kustomize's one order.
    let digits = |k: &str| !k.is_ascii() || k.bytes().any(|b| b.is_ascii_digit());
    if !items.iter().any(|i| digits(key(i))) {
        items.sort_by(|a, b| natural_key_order(key(a), key(b)));
        return;
    }
    items.sort_by(|a, b| key(a).cmp(key(b)));
    let generation = crate::release::current().go_sort_generation();
    go_sort::sort_by(items, generation, |a, b| {
        natural_key_order(key(a), key(b)) == Ordering::Less
    });
}

/// Go's `unicode.IsLetter`.
fn go_is_letter(c: char) -> bool {
    in_table(LETTER, c as u32)
}

/// Go's `unicode.IsDigit`.
fn go_is_digit(c: char) -> bool {
    in_table(DIGIT, c as u32)
}

fn in_table(table: &[(u32, u32, u32)], r: u32) -> bool {
    // Runs are sorted and disjoint: the last one starting at or below r.
    let idx = table.partition_point(|&(lo, _, _)| lo <= r);
    if idx == 0 {
        return false;
    }
    let (lo, hi, stride) = table[idx - 1];
    r <= hi && (r - lo).is_multiple_of(stride)
}

/// go-yaml v2's `keyList.Less` for string keys: letters after non-letters,
/// runs of digits compared by numeric value ("a9" < "a10").
pub fn natural_key_order(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        // Kubernetes keys are ASCII: compare bytes without allocating.
        return natural_order_of(
            a.as_bytes(),
            b.as_bytes(),
            |c| c.is_ascii_alphabetic(),
            |c| c.is_ascii_digit(),
            |c| *c as i64 - '0' as i64,
        );
    }
    // Go compares runes with unicode.IsLetter and unicode.IsDigit, and
    // takes any digit's value as its distance from '0'.
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    natural_order_of(
        &ar,
        &br,
        |c| go_is_letter(*c),
        |c| go_is_digit(*c),
        |c| *c as i64 - '0' as i64,
    )
}

fn natural_order_of<T: Ord + Copy>(
    ar: &[T],
    br: &[T],
    is_letter: impl Fn(&T) -> bool,
    is_digit: impl Fn(&T) -> bool,
    digit: impl Fn(&T) -> i64,
) -> Ordering {
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let al = is_letter(&ar[i]);
        let bl = is_letter(&br[i]);
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if digit(&ar[i]) == 0 && is_digit(&ar[i]) || digit(&br[i]) == 0 && is_digit(&br[i]) {
            let mut j = i;
            while j > 0 && is_digit(&ar[j - 1]) {
                j -= 1;
                if digit(&ar[j]) != 0 {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(&ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(digit(&ar[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(&br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(digit(&br[bi]));
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_letters_and_digits_are_gos() {
        // Roman numerals are alphabetic to Rust, not letters to Go.
        assert!(!go_is_letter('Ⅻ') && 'Ⅻ'.is_alphabetic());
        assert!(go_is_letter('é') && go_is_letter('ж'));
        assert!(go_is_digit('٣') && go_is_digit('０') && !go_is_digit('Ⅻ'));
    }

    #[test]
    fn cycles_sort_without_panicking_and_the_same_every_time() {
        // Keys whose natural comparison has cycles (Rust's sort refuses
        // such comparisons with a panic).
        let keys = [
            "x010", "f001", "v001", "v1", "x007", "v010", "f1", "x1", "f010", "v007", "x001",
            "f007", "a1", "a01", "a001", "b10", "b010", "b1", "c007", "c7", "c07",
        ];
        let mut first: Vec<&str> = keys.to_vec();
        sort_keys(&mut first, |k| k);
        let mut again: Vec<&str> = keys.iter().rev().copied().collect();
        sort_keys(&mut again, |k| k);
        assert_eq!(first, again);
        assert_eq!(first.len(), keys.len());
    }

    #[test]
    fn keys_without_digits_sort_naturally() {
        let mut keys = vec!["b", "_x", "A", "a", "-", "Z"];
        sort_keys(&mut keys, |k| k);
        assert_eq!(keys, ["-", "_x", "A", "Z", "a", "b"]);
    }
}
