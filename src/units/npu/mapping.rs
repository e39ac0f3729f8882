//! How a GEMM is folded onto an R×C systolic array for each dataflow.
//!
//! A GEMM `C[M×N] = A[M×K]·B[K×N]` is mapped as in SCALE-Sim (Samajdar et al., "A Systematic
//! Methodology for Characterizing Scalability of DNN Accelerators using SCALE-Sim", ISPASS 2020,
//! §III and Table I): each dataflow pins two of the three GEMM dimensions to the array's rows and
//! columns (the *spatial* dimensions `Sr`, `Sc`) and streams the third one in time (`T`):
//!
//! | dataflow | rows ← `Sr` | cols ← `Sc` | streamed `T` | what stays in the PEs |
//! |---|---|---|---|---|
//! | OS (output stationary) | M | N | K | partial sums of C |
//! | WS (weight stationary) | K | N | M | a K×N tile of B |
//! | IS (input stationary) | K | M | N | a K×M tile of Aᵀ |
//!
//! When `Sr > R` or `Sc > C` the work is cut into `ceil(Sr/R)·ceil(Sc/C)` *folds*. SCALE-Sim
//! visits them column fold outer, row fold inner (`for fc: for fr:`), and so do we.

use serde::{Deserialize, Serialize};

/// The dataflow of a systolic array.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Dataflow {
    /// Output stationary: each PE accumulates one output; A streams from the left, B from the top.
    Os,
    /// Weight stationary: a tile of B is preloaded; A streams in, partial sums flow down.
    Ws,
    /// Input stationary: a tile of Aᵀ is preloaded; B streams in, partial sums flow down.
    Is,
}

impl Dataflow {
    /// Lower-case name as used in configs (`os`, `ws`, `is`).
    pub fn name(self) -> &'static str {
        match self {
            Dataflow::Os => "os",
            Dataflow::Ws => "ws",
            Dataflow::Is => "is",
        }
    }

    /// Parse `os`, `ws` or `is` (case-insensitive).
    pub fn parse(s: &str) -> Option<Dataflow> {
        match s.trim().to_ascii_lowercase().as_str() {
            "os" => Some(Dataflow::Os),
            "ws" => Some(Dataflow::Ws),
            "is" => Some(Dataflow::Is),
            _ => None,
        }
    }
}

/// The fold geometry of one GEMM on one R×C array.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Dataflow.
    pub dataflow: Dataflow,
    /// Array rows R.
    pub rows: u64,
    /// Array columns C.
    pub cols: u64,
    /// GEMM M.
    pub m: u64,
    /// GEMM N.
    pub n: u64,
    /// GEMM K.
    pub k: u64,
    /// Spatial extent mapped on the rows.
    pub sr: u64,
    /// Spatial extent mapped on the columns.
    pub sc: u64,
    /// Temporal extent (vectors streamed per fold).
    pub t: u64,
    /// `ceil(Sr / R)`.
    pub row_folds: u64,
    /// `ceil(Sc / C)`.
    pub col_folds: u64,
}

/// One fold: which slice of `Sr × Sc` sits on the array.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    /// Row-fold index.
    pub fr: u64,
    /// Column-fold index.
    pub fc: u64,
    /// Array rows holding real work (`min(R, Sr − fr·R)`).
    pub used_r: u64,
    /// Array columns holding real work (`min(C, Sc − fc·C)`).
    pub used_c: u64,
}

impl Mapping {
    /// Map `C[m×n] = A[m×k]·B[k×n]` on an `rows × cols` array. All sizes must be at least 1.
    pub fn new(dataflow: Dataflow, rows: u64, cols: u64, m: u64, n: u64, k: u64) -> Mapping {
        let (sr, sc, t) = match dataflow {
            Dataflow::Os => (m, n, k),
            Dataflow::Ws => (k, n, m),
            Dataflow::Is => (k, m, n),
        };
        Mapping {
            dataflow,
            rows,
            cols,
            m,
            n,
            k,
            sr,
            sc,
            t,
            row_folds: sr.div_ceil(rows),
            col_folds: sc.div_ceil(cols),
        }
    }

    /// Number of folds.
    pub fn folds(&self) -> u64 {
        self.row_folds * self.col_folds
    }

    /// Fold number `idx` in SCALE-Sim's order (column fold outer, row fold inner).
    pub fn fold(&self, idx: u64) -> Fold {
        let fc = idx / self.row_folds;
        let fr = idx % self.row_folds;
        Fold {
            fr,
            fc,
            used_r: self.rows.min(self.sr - fr * self.rows),
            used_c: self.cols.min(self.sc - fc * self.cols),
        }
    }

    /// Cycles of one fold when folds are serialised (SCALE-Sim's demand-matrix rows per fold):
    /// OS `T + R + C − 2` (skewed operands enter over `R`/`C` cycles, `T` accumulation steps, the
    /// last output leaves the array); WS/IS `T + 2R + C − 2` (`R` cycles to load the stationary
    /// tile, then the streamed operand's `T` vectors with `R + C − 2` cycles of skew and drain).
    pub fn serial_fold_cycles(&self) -> u64 {
        let (r, c, t) = (self.rows, self.cols, self.t);
        match self.dataflow {
            Dataflow::Os => t + r + c - 2,
            Dataflow::Ws | Dataflow::Is => t + 2 * r + c - 2,
        }
    }

    /// MACs on real data: `M·N·K`.
    pub fn macs(&self) -> u64 {
        self.m * self.n * self.k
    }

    /// Sum over folds of the PEs holding real work, divided by `folds · R · C`.
    pub fn mapping_efficiency(&self) -> f64 {
        (self.sr * self.sc) as f64
            / ((self.row_folds * self.rows) * (self.col_folds * self.cols)) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_order_is_column_outer_row_inner() {
        let m = Mapping::new(Dataflow::Os, 8, 8, 20, 30, 40);
        assert_eq!((m.row_folds, m.col_folds), (3, 4));
        let f: Vec<(u64, u64, u64, u64)> = (0..m.folds())
            .map(|i| {
                let f = m.fold(i);
                (f.fc, f.fr, f.used_r, f.used_c)
            })
            .collect();
        assert_eq!(f[0], (0, 0, 8, 8));
        assert_eq!(f[2], (0, 2, 4, 8));
        assert_eq!(f[3], (1, 0, 8, 8));
        assert_eq!(f[11], (3, 2, 4, 6));
        // Hand count: 3·4 folds of 40 + 8 + 8 − 2 = 54 cycles.
        assert_eq!(m.folds() * m.serial_fold_cycles(), 648);
    }

    #[test]
    fn spatial_dimensions_per_dataflow() {
        let ws = Mapping::new(Dataflow::Ws, 4, 4, 5, 6, 7);
        assert_eq!((ws.sr, ws.sc, ws.t), (7, 6, 5));
        let is = Mapping::new(Dataflow::Is, 4, 4, 5, 6, 7);
        assert_eq!((is.sr, is.sc, is.t), (7, 5, 6));
        assert_eq!(is.serial_fold_cycles(), 6 + 8 + 4 - 2);
    }
}
