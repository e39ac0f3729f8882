//! Step-by-step reference of the `physical` fold timing: every multiply-accumulate of every
//! processing element (PE) of an R×C array is placed at the earliest cycle its inputs, its
//! stationary operand and its output register allow. It is slow (O(folds·T·R·C)) and exists to
//! check that the one-event-per-fold timing of [`super::physical`] is exact; a test runs both.
//!
//! Conventions (a cycle is the unit of the array clock, counted from 0 at the op's start; an op
//! takes `1 + last busy cycle` cycles):
//! - Streamed operands enter at the array edge one vector per cycle per port and move one PE
//!   per cycle (activations rightwards, partial sums or the second operand downwards), so the
//!   skew comes out of the data dependencies rather than being written in.
//! - WS/IS: PE `(i, j)` holds an active and a shadow stationary operand. Fold `f`'s tile enters
//!   column `j` from the top in `R` cycles, starting in the cycle PE `(0, j)` switched to fold
//!   `f − 1` (register double buffering: the switch and the next write share a cycle); the first
//!   fold's tile loads in cycles `0..R`. A MAC of fold `f` may run once the tile has arrived. A
//!   finished column result is written out in the cycle of its last MAC (bottom row).
//! - OS: PE `(i, j)` accumulates over the `T` steps of a fold, then moves its result into an
//!   output register; each column writes one result per cycle, in row order, no earlier than
//!   the cycle the result was finished. A PE cannot finish fold `f` before its fold `f − 1`
//!   result has left its output register.

use super::mapping::Dataflow;

/// Cycles for `folds` back-to-back folds of `t` streamed vectors each on an `r × c` array,
/// with every operand available at once (no memory stall).
pub fn simulate(df: Dataflow, r: usize, c: usize, t: usize, folds: usize) -> u64 {
    match df {
        Dataflow::Os => os(r, c, t, folds),
        Dataflow::Ws | Dataflow::Is => stationary(r, c, t, folds),
    }
}

/// WS/IS: `mac[i][j]` holds the cycle of the latest MAC of PE `(i, j)`.
#[allow(clippy::needless_range_loop)] // PE grids read best with explicit (i, j) indices
fn stationary(r: usize, c: usize, t: usize, folds: usize) -> u64 {
    let mut last = vec![vec![-1i64; c]; r]; // last MAC cycle per PE
    let mut first_of_fold = vec![0i64; c]; // cycle PE(0, j) ran the previous fold's first MAC
    let mut inject = vec![-1i64; r]; // last injection cycle per row port
    let mut end = 0i64;
    let mut cur = vec![vec![0i64; c]; r];
    for f in 0..folds {
        let ready: Vec<i64> = (0..c)
            .map(|j| {
                if f == 0 {
                    r as i64
                } else {
                    first_of_fold[j] + r as i64
                }
            })
            .collect();
        for v in 0..t {
            for i in 0..r {
                for j in 0..c {
                    // Activation from the left (or the row port), partial sum from above.
                    let left = if j == 0 {
                        inject[i] + 1
                    } else {
                        cur[i][j - 1] + 1
                    };
                    let up = if i == 0 { 0 } else { cur[i - 1][j] + 1 };
                    let cyc = left.max(up).max(ready[j]).max(last[i][j] + 1);
                    cur[i][j] = cyc;
                    last[i][j] = cyc;
                    if j == 0 {
                        inject[i] = cyc;
                    }
                }
            }
            if v == 0 {
                first_of_fold.copy_from_slice(&cur[0]);
            }
            end = cur[r - 1].iter().fold(end, |e, &x| e.max(x));
        }
    }
    (end + 1) as u64
}

/// OS: per PE accumulation, per column output writes.
#[allow(clippy::needless_range_loop)] // PE grids read best with explicit (i, j) indices
fn os(r: usize, c: usize, t: usize, folds: usize) -> u64 {
    let mut last = vec![vec![-1i64; c]; r];
    let mut inject_row = vec![-1i64; r];
    let mut inject_col = vec![-1i64; c];
    let mut out_free = vec![vec![0i64; c]; r]; // cycle the PE's output register is free again
    let mut port = vec![-1i64; c]; // last write cycle per column
    let mut end = 0i64;
    for _f in 0..folds {
        let mut cur = vec![vec![0i64; c]; r];
        for v in 0..t {
            for i in 0..r {
                for j in 0..c {
                    let a = if j == 0 {
                        inject_row[i] + 1
                    } else {
                        cur[i][j - 1] + 1
                    };
                    let b = if i == 0 {
                        inject_col[j] + 1
                    } else {
                        cur[i - 1][j] + 1
                    };
                    let mut cyc = a.max(b).max(last[i][j] + 1);
                    if v == t - 1 {
                        // The result moves to the output register when it finishes.
                        cyc = cyc.max(out_free[i][j]);
                    }
                    cur[i][j] = cyc;
                    last[i][j] = cyc;
                    if j == 0 {
                        inject_row[i] = cyc;
                    }
                    if i == 0 {
                        inject_col[j] = cyc;
                    }
                }
            }
        }
        // Write the fold's results column by column, one per cycle, in row order.
        for j in 0..c {
            for i in 0..r {
                let w = cur[i][j].max(port[j] + 1);
                port[j] = w;
                out_free[i][j] = w + 1;
                end = end.max(w);
            }
        }
    }
    (end + 1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_fold_matches_scalesim_fold_length() {
        // Hand-derived: OS T + R + C − 2, WS/IS T + 2R + C − 2.
        assert_eq!(simulate(Dataflow::Os, 4, 3, 5, 1), 5 + 4 + 3 - 2);
        assert_eq!(simulate(Dataflow::Ws, 4, 3, 5, 1), 5 + 8 + 3 - 2);
    }

    #[test]
    fn folds_overlap_to_max_t_r() {
        // 3 folds: R + 2·max(T, R) + (T + R + C − 2) for WS.
        assert_eq!(
            simulate(Dataflow::Ws, 4, 3, 6, 3),
            4 + 2 * 6 + (6 + 4 + 3 - 2)
        );
        assert_eq!(
            simulate(Dataflow::Ws, 4, 3, 2, 3),
            4 + 2 * 4 + (2 + 4 + 3 - 2)
        );
        assert_eq!(simulate(Dataflow::Os, 4, 3, 6, 3), 2 * 6 + (6 + 4 + 3 - 2));
    }
}
