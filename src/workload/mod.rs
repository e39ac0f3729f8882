//! Workloads: the ops a trace describes, their dependency DAG, and the trace readers.
//!
//! A [`Workload`] is a list of [`Op`]s in file order; each op lists the ops it depends on
//! (by index, always validated: no unknown ids, no cycles). Readers for the two trace forms
//! (TOML and compact lines) live in [`trace`]; the format is specified in
//! `docs/TRACE_FORMAT.md`.

pub mod llm;
pub mod sparse;
pub mod trace;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Current trace format version.
pub const TRACE_VERSION: u32 = 1;

/// Alignment of operand regions in the flat address space, in bytes.
pub const REGION_ALIGN: u64 = 4096;

/// Element data type of activations (and of weights unless `wbits` says otherwise).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DType {
    /// 4-bit integer.
    Int4,
    /// 8-bit integer.
    Int8,
    /// 8-bit float (E4M3/E5M2).
    Fp8,
    /// IEEE half precision.
    #[default]
    Fp16,
    /// bfloat16.
    Bf16,
    /// IEEE single precision.
    Fp32,
}

impl DType {
    /// All types, in documentation order.
    pub const ALL: [DType; 6] = [
        DType::Int4,
        DType::Int8,
        DType::Fp8,
        DType::Fp16,
        DType::Bf16,
        DType::Fp32,
    ];

    /// Width in bits.
    pub fn bits(self) -> u32 {
        match self {
            DType::Int4 => 4,
            DType::Int8 | DType::Fp8 => 8,
            DType::Fp16 | DType::Bf16 => 16,
            DType::Fp32 => 32,
        }
    }

    /// Name as written in traces.
    pub fn name(self) -> &'static str {
        match self {
            DType::Int4 => "int4",
            DType::Int8 => "int8",
            DType::Fp8 => "fp8",
            DType::Fp16 => "fp16",
            DType::Bf16 => "bf16",
            DType::Fp32 => "fp32",
        }
    }

    /// Whether it is a floating-point type.
    pub fn is_float(self) -> bool {
        matches!(self, DType::Fp8 | DType::Fp16 | DType::Bf16 | DType::Fp32)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Element-wise and reduction functions run by the vector unit.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EwFunc {
    /// Row-wise softmax: max, exp, sum, divide.
    Softmax,
    /// Row-wise layer normalisation: mean, variance, normalise, scale and shift.
    Layernorm,
    /// Row-wise RMS normalisation (LLaMA).
    Rmsnorm,
    /// GELU activation (tanh approximation).
    Gelu,
    /// SiLU activation (LLaMA's SwiGLU gate).
    Silu,
    /// ReLU activation.
    Relu,
    /// Element-wise sum of two tensors.
    Add,
    /// Element-wise product of two tensors.
    Mul,
    /// Row-wise sum reduction.
    Reduce,
}

impl EwFunc {
    /// All functions, in documentation order.
    pub const ALL: [EwFunc; 9] = [
        EwFunc::Softmax,
        EwFunc::Layernorm,
        EwFunc::Rmsnorm,
        EwFunc::Gelu,
        EwFunc::Silu,
        EwFunc::Relu,
        EwFunc::Add,
        EwFunc::Mul,
        EwFunc::Reduce,
    ];

    /// Name as written in traces.
    pub fn name(self) -> &'static str {
        match self {
            EwFunc::Softmax => "softmax",
            EwFunc::Layernorm => "layernorm",
            EwFunc::Rmsnorm => "rmsnorm",
            EwFunc::Gelu => "gelu",
            EwFunc::Silu => "silu",
            EwFunc::Relu => "relu",
            EwFunc::Add => "add",
            EwFunc::Mul => "mul",
            EwFunc::Reduce => "reduce",
        }
    }

    /// Number of input tensors of `elems` elements.
    pub fn inputs(self) -> u64 {
        match self {
            EwFunc::Add | EwFunc::Mul => 2,
            _ => 1,
        }
    }

    /// Whether the function works on rows (needs a reduction per row).
    pub fn is_row_wise(self) -> bool {
        matches!(
            self,
            EwFunc::Softmax | EwFunc::Layernorm | EwFunc::Rmsnorm | EwFunc::Reduce
        )
    }
}

/// What an op computes.
#[derive(Clone, Debug, PartialEq)]
pub enum OpKind {
    /// `C[m x n] = A[m x k] * B[k x n]`.
    Gemm {
        /// Rows of A and C.
        m: u64,
        /// Columns of B and C.
        n: u64,
        /// Reduction dimension.
        k: u64,
    },
    /// `y[1 x n] = x[1 x k] * W[k x n]`.
    Gemv {
        /// Output length.
        n: u64,
        /// Input length.
        k: u64,
    },
    /// Sparse `C = A * B` on matrices named by spec strings (see `docs/TRACE_FORMAT.md`).
    SpGemm {
        /// Spec of A, e.g. `mtx:traces/spgemm/west0067.mtx`.
        a: String,
        /// Spec of B.
        b: String,
        /// Kernel to run (unit-specific, e.g. `smash`), or the unit's default.
        kernel: Option<String>,
    },
    /// An element-wise or row-wise function over `elems` elements.
    Elementwise {
        /// The function.
        func: EwFunc,
        /// Elements per input tensor.
        elems: u64,
        /// Row length for row-wise functions (default: one row of `elems`).
        row_len: Option<u64>,
    },
    /// A memory-to-memory copy of `bytes` bytes.
    Transfer {
        /// Bytes copied.
        bytes: u64,
    },
}

impl OpKind {
    /// Name as written in traces.
    pub fn name(&self) -> &'static str {
        match self {
            OpKind::Gemm { .. } => "gemm",
            OpKind::Gemv { .. } => "gemv",
            OpKind::SpGemm { .. } => "spgemm",
            OpKind::Elementwise { .. } => "elementwise",
            OpKind::Transfer { .. } => "transfer",
        }
    }
}

/// Base byte addresses of an op's operands in the flat physical address space.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct OperandAddrs {
    /// Input (A, x, or the source of a transfer).
    pub a: u64,
    /// Weights (B, W) or the second input of a binary element-wise op.
    pub b: u64,
    /// Output (C, y, or the destination of a transfer).
    pub c: u64,
}

/// Bytes of an op's operands.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct OperandBytes {
    /// Bytes of A.
    pub a: u64,
    /// Bytes of B.
    pub b: u64,
    /// Bytes of C.
    pub c: u64,
}

impl OperandBytes {
    /// Total bytes.
    pub fn total(&self) -> u64 {
        self.a + self.b + self.c
    }
}

/// One op of a workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// User id, unique in the workload.
    pub id: String,
    /// What it computes.
    pub kind: OpKind,
    /// Activation / element type.
    pub dtype: DType,
    /// Weight bit width for mixed-precision GEMM/GEMV (`None`: the dtype's width).
    pub wbits: Option<u8>,
    /// Independent instances of the op, each with its own operands (e.g. one attention
    /// GEMV per sequence and head). MACs and bytes scale with it. Always 1 except for
    /// gemm and gemv.
    pub batch: u64,
    /// Indices of the ops this one waits for.
    pub deps: Vec<u32>,
    /// Unit hint: a unit kind or instance name.
    pub unit: Option<String>,
    /// Optional label for reports (e.g. a layer name).
    pub layer: Option<String>,
    /// Where its operands live.
    pub addrs: OperandAddrs,
    /// 1-based line of the op in its trace file (0 if generated).
    pub line: usize,
}

impl Op {
    /// Weight width in bits.
    pub fn weight_bits(&self) -> u32 {
        self.wbits.map(u32::from).unwrap_or(self.dtype.bits())
    }

    /// Useful multiply-accumulates (0 for non-GEMM ops; SpGEMM's depend on the data).
    pub fn macs(&self) -> u64 {
        self.batch
            * match self.kind {
                OpKind::Gemm { m, n, k } => m * n * k,
                OpKind::Gemv { n, k } => n * k,
                _ => 0,
            }
    }

    /// Bytes of each operand over all `batch` instances (0 for SpGEMM, whose sizes
    /// depend on the data: see [`Workload::region_bytes`]).
    pub fn operand_bytes(&self) -> OperandBytes {
        let one = self.instance_bytes();
        OperandBytes {
            a: one.a * self.batch,
            b: one.b * self.batch,
            c: one.c * self.batch,
        }
    }

    /// Bytes of each operand of one instance.
    pub fn instance_bytes(&self) -> OperandBytes {
        let act = |elems: u64| (elems * self.dtype.bits() as u64).div_ceil(8);
        let wgt = |elems: u64| (elems * self.weight_bits() as u64).div_ceil(8);
        match &self.kind {
            OpKind::Gemm { m, n, k } => OperandBytes {
                a: act(m * k),
                b: wgt(k * n),
                c: act(m * n),
            },
            OpKind::Gemv { n, k } => OperandBytes {
                a: act(*k),
                b: wgt(k * n),
                c: act(*n),
            },
            OpKind::Elementwise {
                func,
                elems,
                row_len,
            } => {
                let rows = row_len.map(|r| elems.div_ceil(r.max(1))).unwrap_or(1);
                let out = if *func == EwFunc::Reduce {
                    rows
                } else {
                    *elems
                };
                OperandBytes {
                    a: act(*elems),
                    b: if func.inputs() == 2 { act(*elems) } else { 0 },
                    c: act(out),
                }
            }
            OpKind::Transfer { bytes } => OperandBytes {
                a: *bytes,
                b: 0,
                c: *bytes,
            },
            OpKind::SpGemm { .. } => OperandBytes::default(),
        }
    }
}

/// A validated workload: ops in file order with an acyclic dependency relation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workload {
    /// Where it came from (file path or generator description).
    pub source: String,
    /// The ops.
    pub ops: Vec<Op>,
    /// `users[i]`: ops that depend on op `i`, ascending.
    pub users: Vec<Vec<u32>>,
    /// The matrices of the `spgemm` ops, read or generated when the workload was built.
    pub sparse: sparse::SparseInputs,
    /// First byte after every operand region (4 KiB aligned); units may keep private
    /// scratch (e.g. SpGEMM partial products) from here on.
    pub addr_end: u64,
}

impl Workload {
    /// Build from ops whose `deps` are already indices; loads the matrices of `spgemm` ops
    /// (see [`sparse::SparseInputs::load`]), assigns operand addresses and checks the DAG.
    /// `source` names the input in errors.
    pub fn new(source: &str, mut ops: Vec<Op>) -> Result<Self, WorkloadError> {
        check_acyclic(source, &ops)?;
        let sparse = sparse::SparseInputs::load(source, &ops)?;
        let mut users = vec![Vec::new(); ops.len()];
        for (i, op) in ops.iter().enumerate() {
            for &d in &op.deps {
                users[d as usize].push(i as u32);
            }
        }
        let mut next = 0u64;
        let mut alloc = |bytes: u64| {
            let base = next;
            next = (next + bytes).div_ceil(REGION_ALIGN) * REGION_ALIGN;
            base
        };
        for op in ops.iter_mut() {
            let b = sparse
                .operand_bytes(op)
                .unwrap_or_else(|| op.operand_bytes());
            op.addrs = OperandAddrs {
                a: alloc(b.a),
                b: alloc(b.b),
                c: alloc(b.c),
            };
        }
        Ok(Workload {
            source: source.to_string(),
            ops,
            users,
            sparse,
            addr_end: next,
        })
    }

    /// Bytes of the operand regions of op `i` (for `spgemm`, sized from its matrices).
    pub fn region_bytes(&self, i: usize) -> OperandBytes {
        let op = &self.ops[i];
        self.sparse
            .operand_bytes(op)
            .unwrap_or_else(|| op.operand_bytes())
    }

    /// Summary statistics for `xpusim trace stats`.
    pub fn stats(&self) -> WorkloadStats {
        let mut s = WorkloadStats::default();
        for op in &self.ops {
            let idx = match op.kind {
                OpKind::Gemm { .. } => 0,
                OpKind::Gemv { .. } => 1,
                OpKind::SpGemm { .. } => 2,
                OpKind::Elementwise { .. } => 3,
                OpKind::Transfer { .. } => 4,
            };
            s.counts[idx] += 1;
            s.macs += op.macs();
            s.bytes += op.operand_bytes().total();
        }
        s.ops = self.ops.len();
        s.critical_path_ops = self.critical_path_len();
        s
    }

    /// Number of ops on the longest dependency chain.
    pub fn critical_path_len(&self) -> usize {
        let mut depth = vec![0usize; self.ops.len()];
        // Ops are acyclic and deps may point forward or backward in file order, so
        // process in a topological order.
        for i in topo_order(&self.ops) {
            let d = self.ops[i]
                .deps
                .iter()
                .map(|&p| depth[p as usize])
                .max()
                .unwrap_or(0);
            depth[i] = d + 1;
        }
        depth.into_iter().max().unwrap_or(0)
    }
}

/// Statistics of a workload.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WorkloadStats {
    /// Number of ops.
    pub ops: usize,
    /// Ops per kind: gemm, gemv, spgemm, elementwise, transfer.
    pub counts: [usize; 5],
    /// Total useful MACs of dense ops.
    pub macs: u64,
    /// Total operand bytes of dense ops.
    pub bytes: u64,
    /// Ops on the longest dependency chain.
    pub critical_path_ops: usize,
}

/// Errors in a workload.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WorkloadError {
    /// A problem at a location of a trace file.
    #[error("{file}:{line}: {msg}")]
    At {
        /// File.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong and what was expected.
        msg: String,
    },
    /// A dependency cycle.
    #[error("{file}: dependency cycle: {}", cycle.join(" -> "))]
    Cycle {
        /// File.
        file: String,
        /// Op ids around the cycle, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// The file could not be read.
    #[error("{file}: {msg}")]
    Io {
        /// File.
        file: String,
        /// The OS error.
        msg: String,
    },
}

/// Ops in a topological order (dependencies first, ties by index). Assumes no cycle.
fn topo_order(ops: &[Op]) -> Vec<usize> {
    let mut indeg: Vec<usize> = ops.iter().map(|o| o.deps.len()).collect();
    let mut users = vec![Vec::new(); ops.len()];
    for (i, op) in ops.iter().enumerate() {
        for &d in &op.deps {
            users[d as usize].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..ops.len()).filter(|&i| indeg[i] == 0).collect();
    let mut out = Vec::with_capacity(ops.len());
    while let Some(i) = ready.pop_first() {
        out.push(i);
        for &u in &users[i] {
            indeg[u] -= 1;
            if indeg[u] == 0 {
                ready.insert(u);
            }
        }
    }
    out
}

fn check_acyclic(source: &str, ops: &[Op]) -> Result<(), WorkloadError> {
    use petgraph::graph::{DiGraph, NodeIndex};
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(ops.len(), 0);
    for _ in ops {
        g.add_node(());
    }
    for (i, op) in ops.iter().enumerate() {
        for &d in &op.deps {
            g.add_edge(NodeIndex::new(d as usize), NodeIndex::new(i), ());
        }
    }
    if !petgraph::algo::is_cyclic_directed(&g) {
        return Ok(());
    }
    // Name one cycle: take the strongly connected component with the smallest op index
    // among those with a cycle, and walk it from that op.
    let sccs = petgraph::algo::tarjan_scc(&g);
    let mut best: Option<Vec<usize>> = None;
    for scc in sccs {
        let mut idx: Vec<usize> = scc.iter().map(|n| n.index()).collect();
        idx.sort_unstable();
        let cyclic = idx.len() > 1 || ops[idx[0]].deps.contains(&(idx[0] as u32));
        if cyclic && best.as_ref().is_none_or(|b| idx[0] < b[0]) {
            best = Some(idx);
        }
    }
    let comp = best.unwrap_or_default();
    let start = comp[0];
    // Follow dependencies inside the component until we come back to `start`: a DFS
    // along dep edges restricted to the component.
    let in_comp = |i: usize| comp.binary_search(&i).is_ok();
    let mut path = vec![start];
    let mut seen = vec![false; ops.len()];
    fn dfs(
        ops: &[Op],
        cur: usize,
        start: usize,
        path: &mut Vec<usize>,
        seen: &mut [bool],
        in_comp: &dyn Fn(usize) -> bool,
    ) -> bool {
        let mut users: Vec<usize> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            if in_comp(i) && op.deps.contains(&(cur as u32)) {
                users.push(i);
            }
        }
        for u in users {
            if u == start {
                return true;
            }
            if !seen[u] {
                seen[u] = true;
                path.push(u);
                if dfs(ops, u, start, path, seen, in_comp) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    seen[start] = true;
    dfs(ops, start, start, &mut path, &mut seen, &in_comp);
    let mut cycle: Vec<String> = path.iter().map(|&i| ops[i].id.clone()).collect();
    cycle.push(ops[start].id.clone());
    Err(WorkloadError::Cycle {
        file: source.to_string(),
        cycle,
    })
}
