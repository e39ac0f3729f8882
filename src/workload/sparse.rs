//! Sparse matrix inputs for `spgemm` ops: Matrix Market files and seeded generators.
//!
//! A matrix is named by a *spec string* (the `a` and `b` fields of an `spgemm` op):
//!
//! | spec | meaning |
//! |---|---|
//! | `mtx:<path>` | a Matrix Market coordinate file (real, integer or pattern; general, symmetric or skew-symmetric) |
//! | `rmat:scale=S,edge_factor=E,seed=N[,a=..,b=..,c=..][,symmetric=B][,permute=B]` | R-MAT / Graph500 Kronecker graph with `2^S` vertices and `E * 2^S` generated edges |
//! | `uniform:n=N,nnz_per_row=D,seed=S[,cols=M]` | `N x M` (default `M = N`), exactly `D` distinct uniformly chosen columns per row |
//! | `banded:n=N,bandwidth=W[,density=Q,seed=S]` | `N x N`, row `i` keeps columns `i-W ..= i+W`, each with probability `Q` (default 1) |
//!
//! Matrix Market files are read line by line here so that every problem is reported with
//! its file and line; the entries are assembled into CSR by `sprs` (`TriMatI::to_csr`,
//! which sums duplicate entries), and the result is held in [`SparseMatrix`] (CSR, columns
//! sorted within each row). Symmetric files store one triangle; the other is mirrored
//! (negated for skew-symmetric) with the diagonal counted once. Pattern files get the value
//! 1.0 for every entry.
//!
//! Generators follow `shared/research/anchors-lut-piuma.md` section 7 and draw from one
//! seeded `ChaCha8Rng` stream each, so the same spec always gives the same matrix.
//! R-MAT uses the Graph500 initiator `a = 0.57, b = 0.19, c = 0.19, d = 0.05` by default,
//! draws the row bit with probability `c + d` and the column bit conditioned on it (as the
//! Graph500 reference generator does), applies a random vertex permutation (default on),
//! optionally symmetrises, and drops self-loops and duplicate edges; how many were dropped
//! is kept in [`SparseMatrix::dropped`].
//!
//! # When matrices are read, and where they live
//! The matrices of every `spgemm` op are read (or generated) when the workload is built,
//! i.e. when the trace is read ([`SparseInputs::load`]): a bad spec, a file that cannot be
//! read or parsed, a kernel name no unit knows, or A and B of mismatched shapes is an error
//! naming the trace file, the op's line and the operand, before any system is built.
//! The loaded matrices are kept in the workload (one copy per distinct spec string) and the
//! unit that runs the op takes them from there.
//!
//! They also size the op's operand regions in the flat address space
//! ([`spgemm_operand_bytes`]), so that two `spgemm` ops never share addresses:
//!
//! | region | holds | bytes |
//! |---|---|---|
//! | A | A in CSR, then A in CSC | [`compressed_bytes`]`(rows, nnz) + compressed_bytes(cols, nnz)` |
//! | B | B in CSR, then B in CSC | the same for B |
//! | C | C as 16-byte `(row, column, value)` entries | `16 *` [`output_bound`] |
//!
//! A compressed matrix is a pointer array (4 bytes per entry), an index array (4 bytes per
//! entry) and a value array (8 bytes per entry), each starting on a 4 KiB boundary. Both
//! orientations are reserved because the baselines read A's columns (outer product) or B's
//! columns (inner product). The C region holds at most [`output_bound`] entries, an upper
//! bound on nnz(C) that needs no symbolic product. Kernel scratch (partial products,
//! spilled lists) is not an operand: units place it above every operand region
//! (`Workload::addr_end`).

use super::{Op, OpKind, OperandBytes, REGION_ALIGN, WorkloadError};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Errors from parsing a matrix spec, reading a file or generating a matrix.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SparseError {
    /// A malformed spec string.
    #[error("matrix spec `{spec}`: {msg}")]
    Spec {
        /// The spec as given.
        spec: String,
        /// What is wrong and what was expected.
        msg: String,
    },
    /// A file could not be read.
    #[error("{path}: cannot read Matrix Market file: {msg}")]
    Io {
        /// File path.
        path: String,
        /// The operating system's message (and any other path tried).
        msg: String,
    },
    /// A malformed Matrix Market file.
    #[error("{path}:{line}: {msg}")]
    Parse {
        /// File path.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong and what was expected.
        msg: String,
    },
}

/// A sparse matrix in CSR form with sorted column indices and no duplicate entries.
#[derive(Clone, Debug, PartialEq)]
pub struct SparseMatrix {
    /// Number of rows.
    pub nrows: usize,
    /// Number of columns.
    pub ncols: usize,
    /// Row pointers (`nrows + 1` entries).
    pub indptr: Vec<usize>,
    /// Column index of each stored entry.
    pub indices: Vec<u32>,
    /// Value of each stored entry.
    pub values: Vec<f64>,
    /// Entries a generator drew but dropped (self-loops and duplicates); 0 for files.
    pub dropped: u64,
}

impl SparseMatrix {
    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// The column indices of row `i`.
    #[inline]
    pub fn row_cols(&self, i: usize) -> &[u32] {
        &self.indices[self.indptr[i]..self.indptr[i + 1]]
    }

    /// The values of row `i`.
    #[inline]
    pub fn row_vals(&self, i: usize) -> &[f64] {
        &self.values[self.indptr[i]..self.indptr[i + 1]]
    }

    /// Number of entries in row `i`.
    #[inline]
    pub fn row_len(&self, i: usize) -> usize {
        self.indptr[i + 1] - self.indptr[i]
    }

    /// Build from `(row, col, value)` triplets via `sprs` (duplicates are summed).
    pub fn from_triplets(nrows: usize, ncols: usize, t: &[(u32, u32, f64)]) -> Self {
        let mut tri = sprs::TriMatI::<f64, u32>::with_capacity((nrows, ncols), t.len());
        for &(r, c, v) in t {
            tri.add_triplet(r as usize, c as usize, v);
        }
        Self::from_sprs(&tri.to_csr::<usize>())
    }

    /// Convert from an `sprs` CSR matrix (columns are sorted by `sprs`).
    pub fn from_sprs(m: &sprs::CsMatI<f64, u32, usize>) -> Self {
        let m = if m.is_csr() { m.clone() } else { m.to_csr() };
        SparseMatrix {
            nrows: m.rows(),
            ncols: m.cols(),
            indptr: m.indptr().to_proper().to_vec(),
            indices: m.indices().to_vec(),
            values: m.data().to_vec(),
            dropped: 0,
        }
    }

    /// Convert to an `sprs` CSR matrix.
    pub fn to_sprs(&self) -> sprs::CsMatI<f64, u32, usize> {
        sprs::CsMatI::new(
            (self.nrows, self.ncols),
            self.indptr.clone(),
            self.indices.clone(),
            self.values.clone(),
        )
    }

    /// The transpose (equivalently, this matrix in CSC form read as CSR).
    pub fn transpose(&self) -> SparseMatrix {
        let mut count = vec![0usize; self.ncols + 1];
        for &c in &self.indices {
            count[c as usize + 1] += 1;
        }
        for i in 0..self.ncols {
            count[i + 1] += count[i];
        }
        let indptr = count.clone();
        let mut next = count;
        let mut indices = vec![0u32; self.nnz()];
        let mut values = vec![0f64; self.nnz()];
        for r in 0..self.nrows {
            for p in self.indptr[r]..self.indptr[r + 1] {
                let c = self.indices[p] as usize;
                let q = next[c];
                next[c] += 1;
                indices[q] = r as u32;
                values[q] = self.values[p];
            }
        }
        SparseMatrix {
            nrows: self.ncols,
            ncols: self.nrows,
            indptr,
            indices,
            values,
            dropped: 0,
        }
    }

    /// Scalar multiplications Gustavson's algorithm performs for `self * b`: the sum over
    /// stored `A(i,k)` of the length of row `k` of `b`.
    pub fn gustavson_products(&self, b: &SparseMatrix) -> u64 {
        self.indices
            .iter()
            .map(|&k| b.row_len(k as usize) as u64)
            .sum()
    }
}

/// A parsed matrix spec.
#[derive(Clone, Debug, PartialEq)]
pub enum MatrixSpec {
    /// A Matrix Market file.
    Mtx {
        /// Path as written in the spec.
        path: PathBuf,
    },
    /// An R-MAT / Graph500 graph.
    Rmat(RmatParams),
    /// Uniform random rows with a fixed number of entries.
    Uniform {
        /// Rows.
        n: usize,
        /// Columns.
        cols: usize,
        /// Distinct entries per row.
        nnz_per_row: usize,
        /// Seed.
        seed: u64,
    },
    /// A banded matrix.
    Banded {
        /// Rows and columns.
        n: usize,
        /// Half bandwidth `w`: row `i` may hold columns `i-w ..= i+w`.
        bandwidth: usize,
        /// Probability of keeping each in-band entry.
        density: f64,
        /// Seed (used when `density < 1`).
        seed: u64,
    },
}

/// Parameters of the R-MAT generator.
#[derive(Clone, Debug, PartialEq)]
pub struct RmatParams {
    /// `log2` of the vertex count.
    pub scale: u32,
    /// Generated edges per vertex (Graph500: 16).
    pub edge_factor: u32,
    /// Seed.
    pub seed: u64,
    /// Initiator probability of the top-left quadrant (Graph500: 0.57).
    pub a: f64,
    /// Top-right (Graph500: 0.19).
    pub b: f64,
    /// Bottom-left (Graph500: 0.19).
    pub c: f64,
    /// Mirror every edge (undirected graph).
    pub symmetric: bool,
    /// Apply a random vertex permutation (Graph500 does).
    pub permute: bool,
}

impl fmt::Display for MatrixSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatrixSpec::Mtx { path } => write!(f, "mtx:{}", path.display()),
            MatrixSpec::Rmat(p) => write!(
                f,
                "rmat:scale={},edge_factor={},seed={},a={},b={},c={},symmetric={},permute={}",
                p.scale, p.edge_factor, p.seed, p.a, p.b, p.c, p.symmetric, p.permute
            ),
            MatrixSpec::Uniform {
                n,
                cols,
                nnz_per_row,
                seed,
            } => write!(
                f,
                "uniform:n={n},cols={cols},nnz_per_row={nnz_per_row},seed={seed}"
            ),
            MatrixSpec::Banded {
                n,
                bandwidth,
                density,
                seed,
            } => write!(
                f,
                "banded:n={n},bandwidth={bandwidth},density={density},seed={seed}"
            ),
        }
    }
}

/// Key/value pairs of a generator spec, consumed as they are read so that unknown keys
/// can be reported.
struct Kv<'a> {
    spec: &'a str,
    pairs: Vec<(&'a str, &'a str, bool)>,
}

impl<'a> Kv<'a> {
    fn new(spec: &'a str, body: &'a str) -> Result<Self, SparseError> {
        let mut pairs = Vec::new();
        for part in body.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((k, v)) = part.split_once('=') else {
                return Err(spec_err(
                    spec,
                    format!("`{part}` is not of the form key=value"),
                ));
            };
            let k = k.trim();
            if pairs.iter().any(|(pk, _, _)| *pk == k) {
                return Err(spec_err(spec, format!("key `{k}` is given twice")));
            }
            pairs.push((k, v.trim(), false));
        }
        Ok(Kv { spec, pairs })
    }

    fn raw(&mut self, key: &str) -> Option<&'a str> {
        self.pairs.iter_mut().find(|(k, _, _)| *k == key).map(|p| {
            p.2 = true;
            p.1
        })
    }

    fn num<T: std::str::FromStr>(
        &mut self,
        key: &str,
        default: Option<T>,
        what: &str,
    ) -> Result<T, SparseError> {
        match self.raw(key) {
            Some(v) => v
                .parse::<T>()
                .map_err(|_| spec_err(self.spec, format!("`{key}={v}`: expected {what}"))),
            None => {
                default.ok_or_else(|| spec_err(self.spec, format!("missing key `{key}` ({what})")))
            }
        }
    }

    fn finish(self, known: &str) -> Result<(), SparseError> {
        if let Some((k, _, _)) = self.pairs.iter().find(|p| !p.2) {
            return Err(spec_err(
                self.spec,
                format!("unknown key `{k}` (expected one of: {known})"),
            ));
        }
        Ok(())
    }
}

fn spec_err(spec: &str, msg: String) -> SparseError {
    SparseError::Spec {
        spec: spec.to_string(),
        msg,
    }
}

impl MatrixSpec {
    /// Parse a spec string such as `mtx:traces/spgemm/west0067.mtx` or
    /// `rmat:scale=16,edge_factor=16,seed=1`.
    pub fn parse(spec: &str) -> Result<MatrixSpec, SparseError> {
        let s = spec.trim();
        let Some((kind, body)) = s.split_once(':') else {
            return Err(spec_err(
                spec,
                "expected `<kind>:<arguments>` with kind one of mtx, rmat, uniform, banded".into(),
            ));
        };
        match kind.trim() {
            "mtx" => {
                let p = body.trim();
                if p.is_empty() {
                    return Err(spec_err(spec, "expected a file path after `mtx:`".into()));
                }
                Ok(MatrixSpec::Mtx { path: p.into() })
            }
            "rmat" => {
                let mut kv = Kv::new(spec, body)?;
                let scale: u32 = kv.num("scale", None, "an integer in 1..=30")?;
                let edge_factor: u32 = kv.num("edge_factor", Some(16), "a positive integer")?;
                let seed: u64 = kv.num("seed", Some(1), "an unsigned integer")?;
                let a: f64 = kv.num("a", Some(0.57), "a probability")?;
                let b: f64 = kv.num("b", Some(0.19), "a probability")?;
                let c: f64 = kv.num("c", Some(0.19), "a probability")?;
                let symmetric: bool = kv.num("symmetric", Some(false), "true or false")?;
                let permute: bool = kv.num("permute", Some(true), "true or false")?;
                kv.finish("scale, edge_factor, seed, a, b, c, symmetric, permute")?;
                if !(1..=30).contains(&scale) {
                    return Err(spec_err(spec, format!("scale={scale}: expected 1..=30")));
                }
                if edge_factor == 0 {
                    return Err(spec_err(spec, "edge_factor must be at least 1".into()));
                }
                let ok = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
                if !(ok(a) && ok(b) && ok(c) && a + b + c <= 1.0 + 1e-12) {
                    return Err(spec_err(
                        spec,
                        format!("a={a}, b={b}, c={c}: expected probabilities with a+b+c <= 1"),
                    ));
                }
                Ok(MatrixSpec::Rmat(RmatParams {
                    scale,
                    edge_factor,
                    seed,
                    a,
                    b,
                    c,
                    symmetric,
                    permute,
                }))
            }
            "uniform" => {
                let mut kv = Kv::new(spec, body)?;
                let n: usize = kv.num("n", None, "a positive integer (rows)")?;
                let cols: usize = kv.num("cols", Some(n), "a positive integer")?;
                let nnz_per_row: usize = kv.num("nnz_per_row", None, "a positive integer")?;
                let seed: u64 = kv.num("seed", Some(1), "an unsigned integer")?;
                kv.finish("n, cols, nnz_per_row, seed")?;
                if n == 0 || cols == 0 || cols > u32::MAX as usize {
                    return Err(spec_err(spec, "n and cols must be in 1..=2^32-1".into()));
                }
                if nnz_per_row > cols {
                    return Err(spec_err(
                        spec,
                        format!("nnz_per_row={nnz_per_row} exceeds cols={cols}"),
                    ));
                }
                Ok(MatrixSpec::Uniform {
                    n,
                    cols,
                    nnz_per_row,
                    seed,
                })
            }
            "banded" => {
                let mut kv = Kv::new(spec, body)?;
                let n: usize = kv.num("n", None, "a positive integer")?;
                let bandwidth: usize = kv.num("bandwidth", None, "a non-negative integer")?;
                let density: f64 = kv.num("density", Some(1.0), "a probability in (0, 1]")?;
                let seed: u64 = kv.num("seed", Some(1), "an unsigned integer")?;
                kv.finish("n, bandwidth, density, seed")?;
                if n == 0 || n > u32::MAX as usize {
                    return Err(spec_err(spec, "n must be in 1..=2^32-1".into()));
                }
                if !(density.is_finite() && density > 0.0 && density <= 1.0) {
                    return Err(spec_err(
                        spec,
                        format!("density={density}: expected a probability in (0, 1]"),
                    ));
                }
                Ok(MatrixSpec::Banded {
                    n,
                    bandwidth,
                    density,
                    seed,
                })
            }
            other => Err(spec_err(
                spec,
                format!("unknown kind `{other}` (expected one of mtx, rmat, uniform, banded)"),
            )),
        }
    }

    /// Read or generate the matrix. Relative `mtx:` paths are tried as given (relative to
    /// the working directory) and then relative to `base` (e.g. the trace's folder).
    pub fn load(&self, base: Option<&Path>) -> Result<SparseMatrix, SparseError> {
        match self {
            MatrixSpec::Mtx { path } => {
                let mut also = None;
                let p = if path.is_relative() && !path.exists() {
                    match base {
                        Some(b) if b.join(path).exists() => b.join(path),
                        Some(b) if !b.as_os_str().is_empty() => {
                            also = Some(b.join(path));
                            path.clone()
                        }
                        _ => path.clone(),
                    }
                } else {
                    path.clone()
                };
                read_matrix_market(&p).map_err(|e| match (e, also) {
                    (SparseError::Io { path, msg }, Some(a)) => SparseError::Io {
                        path,
                        msg: format!("{msg} (also tried {})", a.display()),
                    },
                    (e, _) => e,
                })
            }
            MatrixSpec::Rmat(p) => Ok(rmat(p)),
            MatrixSpec::Uniform {
                n,
                cols,
                nnz_per_row,
                seed,
            } => Ok(uniform(*n, *cols, *nnz_per_row, *seed)),
            MatrixSpec::Banded {
                n,
                bandwidth,
                density,
                seed,
            } => Ok(banded(*n, *bandwidth, *density, *seed)),
        }
    }
}

/// Parse and load a spec in one step.
pub fn load_spec(spec: &str, base: Option<&Path>) -> Result<SparseMatrix, SparseError> {
    MatrixSpec::parse(spec)?.load(base)
}

/// Kernel names an `spgemm` op may ask for with `kernel` (the PIUMA unit's kernels; see
/// `docs/PIUMA.md`). Checked when the trace is read.
pub const SPGEMM_KERNELS: &[&str] = &[
    "smash",
    "smash-v1",
    "smash-v2",
    "smash-v3",
    "inner",
    "inner-allpairs",
    "outer",
];

fn align_region(x: u64) -> u64 {
    x.div_ceil(REGION_ALIGN) * REGION_ALIGN
}

/// Bytes of one compressed (CSR or CSC) matrix with `major` rows (CSR) or columns (CSC) and
/// `nnz` entries: pointer array (4 bytes per entry, `major + 1` entries), index array (4
/// bytes per entry) and value array (8 bytes per entry), each rounded up to 4 KiB.
pub fn compressed_bytes(major: usize, nnz: usize) -> u64 {
    align_region(4 * (major as u64 + 1))
        + align_region(4 * nnz as u64)
        + align_region(8 * nnz as u64)
}

/// Upper bound on nnz(A B) without a symbolic product: the sum over rows `i` of
/// `min(partial products of row i, cols(B))`, where row `i` makes
/// `sum over A(i,k) of nnz(B(k,:))` partial products.
pub fn output_bound(a: &SparseMatrix, b: &SparseMatrix) -> u64 {
    output_bound_rows(a, b).sum()
}

/// The per-row terms of [`output_bound`], in row order.
pub fn output_bound_rows<'a>(
    a: &'a SparseMatrix,
    b: &'a SparseMatrix,
) -> impl Iterator<Item = u64> + 'a {
    (0..a.nrows).map(move |i| {
        let p: u64 = a
            .row_cols(i)
            .iter()
            .map(|&k| b.row_len(k as usize) as u64)
            .sum();
        p.min(b.ncols as u64)
    })
}

/// Bytes of the operand regions of `C = A * B` (see the module documentation): A and B in
/// both orientations, C as `16 * output_bound` bytes of `(row, column, value)` entries.
pub fn spgemm_operand_bytes(a: &SparseMatrix, b: &SparseMatrix) -> OperandBytes {
    OperandBytes {
        a: compressed_bytes(a.nrows, a.nnz()) + compressed_bytes(a.ncols, a.nnz()),
        b: compressed_bytes(b.nrows, b.nnz()) + compressed_bytes(b.ncols, b.nnz()),
        c: 16 * output_bound(a, b),
    }
}

/// What went wrong with a spec, for a message that already names the spec.
fn describe(e: &SparseError) -> String {
    match e {
        SparseError::Spec { msg, .. } => msg.clone(),
        SparseError::Io { path, msg } => format!("cannot read {path}: {msg}"),
        SparseError::Parse { path, line, msg } => format!("{path}:{line}: {msg}"),
    }
}

/// The matrices of a workload's `spgemm` ops, read or generated when the workload is built.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SparseInputs {
    /// Matrices by spec string as written in the trace.
    matrices: BTreeMap<String, Arc<SparseMatrix>>,
}

impl SparseInputs {
    /// Load every matrix named by an `spgemm` op of `ops` (each distinct spec once) and
    /// check each op: its specs parse and load, its `kernel` is one of
    /// [`SPGEMM_KERNELS`], and A's columns equal B's rows. Relative `mtx:` paths are tried
    /// from the working directory, then from the folder of `source` (the trace file).
    /// Errors name `source`, the op's line, the op and the operand.
    pub fn load(source: &str, ops: &[Op]) -> Result<SparseInputs, WorkloadError> {
        let base = Path::new(source).parent();
        let mut me = SparseInputs::default();
        for op in ops {
            let OpKind::SpGemm { a, b, kernel } = &op.kind else {
                continue;
            };
            let at = |msg: String| WorkloadError::At {
                file: source.to_string(),
                line: op.line,
                msg: format!("op `{}`: {msg}", op.id),
            };
            if let Some(k) = kernel
                && !SPGEMM_KERNELS.contains(&k.as_str())
            {
                return Err(at(format!(
                    "kernel = \"{k}\": expected one of {}",
                    SPGEMM_KERNELS.join(", ")
                )));
            }
            for (key, spec) in [("a", a), ("b", b)] {
                if me.matrices.contains_key(spec) {
                    continue;
                }
                let m = MatrixSpec::parse(spec)
                    .and_then(|s| s.load(base))
                    .map_err(|e| at(format!("{key} = \"{spec}\": {}", describe(&e))))?;
                me.matrices.insert(spec.clone(), Arc::new(m));
            }
            let (ma, mb) = (&me.matrices[a], &me.matrices[b]);
            if ma.ncols != mb.nrows {
                return Err(at(format!(
                    "A is {} x {} but B is {} x {}: the columns of A must equal the rows of B",
                    ma.nrows, ma.ncols, mb.nrows, mb.ncols
                )));
            }
        }
        Ok(me)
    }

    /// The matrix of a spec string, as written in the trace.
    pub fn get(&self, spec: &str) -> Option<&Arc<SparseMatrix>> {
        self.matrices.get(spec)
    }

    /// Number of distinct matrices.
    pub fn len(&self) -> usize {
        self.matrices.len()
    }

    /// Whether no matrix was loaded.
    pub fn is_empty(&self) -> bool {
        self.matrices.is_empty()
    }

    /// The operand region sizes of `op` if it is an `spgemm` op whose matrices are loaded
    /// ([`spgemm_operand_bytes`]); `None` otherwise.
    pub fn operand_bytes(&self, op: &Op) -> Option<OperandBytes> {
        let OpKind::SpGemm { a, b, .. } = &op.kind else {
            return None;
        };
        Some(spgemm_operand_bytes(self.get(a)?, self.get(b)?))
    }
}

#[derive(Copy, Clone, PartialEq)]
enum Field {
    Real,
    Integer,
    Pattern,
}

#[derive(Copy, Clone, PartialEq)]
enum Symmetry {
    General,
    Symmetric,
    Skew,
}

/// Read a Matrix Market coordinate file.
pub fn read_matrix_market(path: &Path) -> Result<SparseMatrix, SparseError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| SparseError::Io {
        path: name.clone(),
        msg: e.to_string(),
    })?;
    parse_matrix_market(&name, &text)
}

/// Parse Matrix Market text; `name` is used in error messages.
pub fn parse_matrix_market(name: &str, text: &str) -> Result<SparseMatrix, SparseError> {
    let err = |line: usize, msg: String| SparseError::Parse {
        path: name.to_string(),
        line,
        msg,
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let (ln, header) = lines
        .next()
        .ok_or_else(|| err(1, "empty file: expected a `%%MatrixMarket` header".into()))?;
    let h: Vec<String> = header
        .split_whitespace()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    if h.len() != 5 || h[0] != "%%matrixmarket" || h[1] != "matrix" {
        return Err(err(
            ln,
            "expected header `%%MatrixMarket matrix coordinate <field> <symmetry>`".into(),
        ));
    }
    if h[2] != "coordinate" {
        return Err(err(
            ln,
            format!("format `{}` is not supported (expected `coordinate`)", h[2]),
        ));
    }
    let field = match h[3].as_str() {
        "real" | "double" => Field::Real,
        "integer" => Field::Integer,
        "pattern" => Field::Pattern,
        f => {
            return Err(err(
                ln,
                format!("field `{f}` is not supported (expected real, integer or pattern)"),
            ));
        }
    };
    let sym = match h[4].as_str() {
        "general" => Symmetry::General,
        "symmetric" => Symmetry::Symmetric,
        "skew-symmetric" => Symmetry::Skew,
        s => {
            return Err(err(
                ln,
                format!(
                    "symmetry `{s}` is not supported (expected general, symmetric or skew-symmetric)"
                ),
            ));
        }
    };
    // Size line: the first line that is neither a comment nor blank.
    let mut size = None;
    for (ln, l) in lines.by_ref() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('%') {
            continue;
        }
        let f: Vec<&str> = t.split_whitespace().collect();
        let parsed: Option<Vec<usize>> = f.iter().map(|x| x.parse().ok()).collect();
        match parsed {
            Some(v) if v.len() == 3 => size = Some((ln, v[0], v[1], v[2])),
            _ => {
                return Err(err(
                    ln,
                    format!("expected the size line `<rows> <cols> <entries>`, found `{t}`"),
                ));
            }
        }
        break;
    }
    let (size_ln, nrows, ncols, stored) =
        size.ok_or_else(|| err(ln, "missing the size line `<rows> <cols> <entries>`".into()))?;
    if nrows > u32::MAX as usize || ncols > u32::MAX as usize {
        return Err(err(
            size_ln,
            "dimensions above 2^32-1 are not supported".into(),
        ));
    }
    if sym != Symmetry::General && nrows != ncols {
        return Err(err(
            size_ln,
            format!("a symmetric matrix must be square, found {nrows} x {ncols}"),
        ));
    }
    let want = if field == Field::Pattern { 2 } else { 3 };
    let mut trip: Vec<(u32, u32, f64)> = Vec::with_capacity(stored * 2);
    let mut seen = 0usize;
    let mut last_ln = size_ln;
    for (ln, l) in lines {
        let t = l.trim();
        if t.is_empty() || t.starts_with('%') {
            continue;
        }
        last_ln = ln;
        if seen == stored {
            return Err(err(
                ln,
                format!("more entries than the {stored} announced on line {size_ln}"),
            ));
        }
        let mut it = t.split_whitespace();
        let mut idx = |what: &str, lim: usize| -> Result<u32, SparseError> {
            let s = it.next().ok_or_else(|| {
                err(
                    ln,
                    format!("expected {want} fields per entry, missing {what}"),
                )
            })?;
            let v: usize = s
                .parse()
                .map_err(|_| err(ln, format!("{what} `{s}`: expected a positive integer")))?;
            if v == 0 || v > lim {
                return Err(err(ln, format!("{what} {v} is outside 1..={lim}")));
            }
            Ok((v - 1) as u32)
        };
        let r = idx("row index", nrows)?;
        let c = idx("column index", ncols)?;
        let v = match field {
            Field::Pattern => 1.0,
            Field::Real | Field::Integer => {
                let s = it.next().ok_or_else(|| {
                    err(ln, "expected 3 fields per entry, missing the value".into())
                })?;
                let v: f64 = if field == Field::Integer {
                    s.parse::<i64>()
                        .map_err(|_| err(ln, format!("value `{s}`: expected an integer")))?
                        as f64
                } else {
                    s.parse::<f64>()
                        .map_err(|_| err(ln, format!("value `{s}`: expected a real number")))?
                };
                if !v.is_finite() {
                    return Err(err(ln, format!("value `{s}` is not finite")));
                }
                v
            }
        };
        if let Some(extra) = it.next() {
            return Err(err(
                ln,
                format!("unexpected extra field `{extra}` (expected {want} fields per entry)"),
            ));
        }
        match sym {
            Symmetry::General => trip.push((r, c, v)),
            Symmetry::Symmetric | Symmetry::Skew => {
                if r < c {
                    return Err(err(
                        ln,
                        format!(
                            "entry ({}, {}) is above the diagonal; a symmetric file stores the lower triangle only",
                            r + 1,
                            c + 1
                        ),
                    ));
                }
                if sym == Symmetry::Skew && r == c {
                    return Err(err(
                        ln,
                        "a skew-symmetric matrix has no diagonal entries".into(),
                    ));
                }
                trip.push((r, c, v));
                if r != c {
                    let m = if sym == Symmetry::Skew { -v } else { v };
                    trip.push((c, r, m));
                }
            }
        }
        seen += 1;
    }
    if seen != stored {
        return Err(err(
            last_ln,
            format!("found {seen} entries, but line {size_ln} announces {stored}"),
        ));
    }
    Ok(SparseMatrix::from_triplets(nrows, ncols, &trip))
}

/// Build CSR from edges, dropping self-loops (if `no_loops`) and duplicates; returns the
/// matrix with `dropped` set.
fn from_edges(
    n: usize,
    ncols: usize,
    mut edges: Vec<(u32, u32)>,
    no_loops: bool,
    drawn: u64,
) -> SparseMatrix {
    if no_loops {
        edges.retain(|&(r, c)| r != c);
    }
    edges.sort_unstable();
    edges.dedup();
    let mut indptr = vec![0usize; n + 1];
    for &(r, _) in &edges {
        indptr[r as usize + 1] += 1;
    }
    for i in 0..n {
        indptr[i + 1] += indptr[i];
    }
    let indices: Vec<u32> = edges.iter().map(|e| e.1).collect();
    let values = vec![1.0; indices.len()];
    let kept = indices.len() as u64;
    SparseMatrix {
        nrows: n,
        ncols,
        indptr,
        indices,
        values,
        dropped: drawn.saturating_sub(kept),
    }
}

/// Generate an R-MAT / Graph500 Kronecker graph (values 1.0).
pub fn rmat(p: &RmatParams) -> SparseMatrix {
    let n = 1usize << p.scale;
    let m = (p.edge_factor as u64) << p.scale;
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let ab = p.a + p.b;
    let c_norm = p.c / (1.0 - ab);
    let a_norm = p.a / ab;
    let mut edges: Vec<(u32, u32)> =
        Vec::with_capacity(if p.symmetric { 2 * m } else { m } as usize);
    for _ in 0..m {
        let (mut r, mut c) = (0u32, 0u32);
        for bit in 0..p.scale {
            // Graph500: row bit set with probability c + d; column bit conditioned on it.
            let ii = rng.random::<f64>() > ab;
            let jj = rng.random::<f64>() > if ii { c_norm } else { a_norm };
            r |= (ii as u32) << bit;
            c |= (jj as u32) << bit;
        }
        edges.push((r, c));
    }
    if p.permute {
        let mut perm: Vec<u32> = (0..n as u32).collect();
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            perm.swap(i, j);
        }
        for e in edges.iter_mut() {
            *e = (perm[e.0 as usize], perm[e.1 as usize]);
        }
    }
    let drawn = if p.symmetric {
        let k = edges.len();
        for i in 0..k {
            let (r, c) = edges[i];
            edges.push((c, r));
        }
        2 * m
    } else {
        m
    };
    from_edges(n, n, edges, true, drawn)
}

/// Generate an `n x cols` matrix with exactly `d` distinct uniformly chosen columns per row
/// (values 1.0).
pub fn uniform(n: usize, cols: usize, d: usize, seed: u64) -> SparseMatrix {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut edges = Vec::with_capacity(n * d);
    let mut row: Vec<u32> = Vec::with_capacity(d);
    for r in 0..n {
        row.clear();
        if 2 * d > cols {
            // Dense rows: a partial Fisher-Yates shuffle over all columns.
            let mut all: Vec<u32> = (0..cols as u32).collect();
            for i in 0..d {
                let j = rng.random_range(i..cols);
                all.swap(i, j);
            }
            row.extend_from_slice(&all[..d]);
        } else {
            while row.len() < d {
                let c = rng.random_range(0..cols as u32);
                if !row.contains(&c) {
                    row.push(c);
                }
            }
        }
        edges.extend(row.iter().map(|&c| (r as u32, c)));
    }
    from_edges(n, cols, edges, false, (n * d) as u64)
}

/// Generate an `n x n` banded matrix with half bandwidth `w`; each in-band entry is kept
/// with probability `q` (values 1.0).
pub fn banded(n: usize, w: usize, q: f64, seed: u64) -> SparseMatrix {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut edges = Vec::new();
    for i in 0..n {
        let lo = i.saturating_sub(w);
        let hi = (i + w).min(n - 1);
        for j in lo..=hi {
            if q >= 1.0 || rng.random::<f64>() < q {
                edges.push((i as u32, j as u32));
            }
        }
    }
    let drawn = edges.len() as u64;
    from_edges(n, n, edges, false, drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs_and_reports_bad_keys() {
        let s = MatrixSpec::parse("rmat:scale=10,edge_factor=8,seed=3").unwrap();
        match s {
            MatrixSpec::Rmat(p) => {
                assert_eq!((p.scale, p.edge_factor, p.seed), (10, 8, 3));
                assert_eq!((p.a, p.b, p.c), (0.57, 0.19, 0.19));
            }
            _ => panic!(),
        }
        let e = MatrixSpec::parse("rmat:scale=10,edgefactor=8").unwrap_err();
        assert!(e.to_string().contains("unknown key `edgefactor`"), "{e}");
        let e = MatrixSpec::parse("uniform:n=10,nnz_per_row=x").unwrap_err();
        assert!(e.to_string().contains("expected a positive integer"), "{e}");
        let e = MatrixSpec::parse("dense:n=3").unwrap_err();
        assert!(e.to_string().contains("unknown kind `dense`"), "{e}");
        assert!(MatrixSpec::parse("nocolon").is_err());
        assert!(MatrixSpec::parse("mtx:").is_err());
    }

    #[test]
    fn matrix_market_symmetric_pattern_mirrors_and_counts_diagonal_once() {
        let t = "%%MatrixMarket matrix coordinate pattern symmetric\n% c\n3 3 3\n1 1\n2 1\n3 2\n";
        let m = parse_matrix_market("t.mtx", t).unwrap();
        assert_eq!(m.nnz(), 5);
        assert_eq!(m.row_cols(0), &[0, 1]);
        assert_eq!(m.row_cols(1), &[0, 2]);
        assert_eq!(m.row_cols(2), &[1]);
    }

    #[test]
    fn matrix_market_errors_name_the_line() {
        let t = "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.0\n3 1 2.0\n";
        let e = parse_matrix_market("x.mtx", t).unwrap_err();
        assert_eq!(e.to_string(), "x.mtx:4: row index 3 is outside 1..=2");
        let t = "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.0\n";
        let e = parse_matrix_market("x.mtx", t).unwrap_err();
        assert!(e.to_string().starts_with("x.mtx:3: found 1 entries"), "{e}");
        let t = "%%MatrixMarket matrix array real general\n2 2\n";
        assert!(
            parse_matrix_market("x.mtx", t)
                .unwrap_err()
                .to_string()
                .contains("x.mtx:1:")
        );
        let t = "%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1.5\n";
        let e = parse_matrix_market("x.mtx", t).unwrap_err();
        assert!(
            e.to_string()
                .contains("x.mtx:3: value `1.5`: expected an integer"),
            "{e}"
        );
    }

    #[test]
    fn skew_symmetric_negates_the_mirror() {
        let t = "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 3.0\n";
        let m = parse_matrix_market("s.mtx", t).unwrap();
        assert_eq!(m.row_vals(0), &[-3.0]);
        assert_eq!(m.row_vals(1), &[3.0]);
    }

    #[test]
    fn generators_are_deterministic_and_well_formed() {
        let p = match MatrixSpec::parse("rmat:scale=8,edge_factor=4,seed=7").unwrap() {
            MatrixSpec::Rmat(p) => p,
            _ => unreachable!(),
        };
        let a = rmat(&p);
        let b = rmat(&p);
        assert_eq!(a, b);
        assert_eq!(a.nrows, 256);
        // Every generated edge is either kept or counted as dropped.
        assert_eq!(a.nnz() as u64 + a.dropped, 4 * 256);
        for i in 0..a.nrows {
            let r = a.row_cols(i);
            assert!(r.windows(2).all(|w| w[0] < w[1]));
            assert!(!r.contains(&(i as u32)), "self-loop kept");
        }
        let u = uniform(100, 50, 7, 1);
        assert!((0..100).all(|i| u.row_len(i) == 7));
        let d = uniform(10, 8, 6, 1);
        assert!((0..10).all(|i| d.row_len(i) == 6));
        let bnd = banded(10, 2, 1.0, 0);
        // Full band: 5 per interior row, 3 and 4 at the ends.
        assert_eq!(bnd.nnz(), 10 * 5 - 2 * (2 + 1));
    }

    #[test]
    fn rmat_degrees_are_skewed_like_graph500() {
        // With a = 0.57 the vertex with the most zero bits gets far more than the mean
        // degree; with a uniform initiator (a = b = c = 0.25) it does not.
        let skew = rmat(&RmatParams {
            scale: 12,
            edge_factor: 8,
            seed: 1,
            a: 0.57,
            b: 0.19,
            c: 0.19,
            symmetric: false,
            permute: false,
        });
        let flat = rmat(&RmatParams {
            a: 0.25,
            b: 0.25,
            c: 0.25,
            ..match MatrixSpec::parse("rmat:scale=12,edge_factor=8,seed=1,permute=false").unwrap() {
                MatrixSpec::Rmat(p) => p,
                _ => unreachable!(),
            }
        });
        // Expected out-degree of vertex 0 before de-duplication: 8 * 4096 * 0.76^12 = 1,210.
        assert!(skew.row_len(0) > 400, "{}", skew.row_len(0));
        assert!(flat.row_len(0) < 30, "{}", flat.row_len(0));
    }

    #[test]
    fn transpose_round_trips() {
        let u = uniform(30, 20, 4, 9);
        let t = u.transpose();
        assert_eq!(t.nrows, 20);
        assert_eq!(t.transpose(), u);
    }
}
