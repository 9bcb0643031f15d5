//! The order kustomize prints map keys in: go-yaml v2's "natural" key
//! comparison (letters after other characters, runs of digits by value).
//! Every stage that lists fields as they will print (the emitter, `explain`,
//! `diff`, `create`) sorts with it.

use std::cmp::Ordering;

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
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    natural_order_of(
        &ar,
        &br,
        |c| c.is_alphabetic(),
        |c| c.is_ascii_digit(),
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
