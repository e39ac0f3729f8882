//! Generated workloads: transformer blocks of real LLMs in prefill and decode.
//!
//! Shapes come from each model's published configuration (hidden size, heads, key/value
//! heads, FFN size, layers); the source of each is in [`MODELS`]. One block is, in order:
//! norm, QKV projection, attention scores (one GEMM/GEMV per sequence and head, as a
//! batched op), softmax, attention context, output projection, residual add, norm, FFN
//! (GELU MLP or SwiGLU), residual add. Decode reads a KV cache of `context` tokens.

use super::{DType, EwFunc, Op, OpKind, Workload, WorkloadError};

/// The shape parameters of a decoder-only transformer.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelShape {
    /// Name used on the command line.
    pub name: &'static str,
    /// Hidden size d.
    pub d_model: u64,
    /// Attention heads.
    pub heads: u64,
    /// Key/value heads (equal to `heads` without grouped-query attention).
    pub kv_heads: u64,
    /// FFN inner size.
    pub d_ffn: u64,
    /// Decoder blocks.
    pub layers: u64,
    /// SwiGLU FFN with RMSNorm (LLaMA family) instead of GELU MLP with LayerNorm.
    pub swiglu: bool,
    /// Where the numbers come from.
    pub source: &'static str,
}

/// Models the generator knows.
pub const MODELS: &[ModelShape] = &[
    ModelShape {
        name: "gpt2",
        d_model: 768,
        heads: 12,
        kv_heads: 12,
        d_ffn: 3072,
        layers: 12,
        swiglu: false,
        source: "GPT-2 small, Radford et al. 2019; Hugging Face gpt2 config.json",
    },
    ModelShape {
        name: "gpt2-medium",
        d_model: 1024,
        heads: 16,
        kv_heads: 16,
        d_ffn: 4096,
        layers: 24,
        swiglu: false,
        source: "Hugging Face gpt2-medium config.json",
    },
    ModelShape {
        name: "gpt2-large",
        d_model: 1280,
        heads: 20,
        kv_heads: 20,
        d_ffn: 5120,
        layers: 36,
        swiglu: false,
        source: "Hugging Face gpt2-large config.json",
    },
    ModelShape {
        name: "gpt2-xl",
        d_model: 1600,
        heads: 25,
        kv_heads: 25,
        d_ffn: 6400,
        layers: 48,
        swiglu: false,
        source: "Hugging Face gpt2-xl config.json",
    },
    ModelShape {
        name: "gpt3-175b",
        d_model: 12288,
        heads: 96,
        kv_heads: 96,
        d_ffn: 49152,
        layers: 96,
        swiglu: false,
        source: "Brown et al. 2020, Table 2.1 (GPT-3 175B)",
    },
    ModelShape {
        name: "opt-6.7b",
        d_model: 4096,
        heads: 32,
        kv_heads: 32,
        d_ffn: 16384,
        layers: 32,
        swiglu: false,
        source: "Zhang et al. 2022, Table 1 (OPT-6.7B)",
    },
    ModelShape {
        name: "llama-7b",
        d_model: 4096,
        heads: 32,
        kv_heads: 32,
        d_ffn: 11008,
        layers: 32,
        swiglu: true,
        source: "Touvron et al. 2023, Table 2; Hugging Face llama-7b config.json",
    },
    ModelShape {
        name: "llama2-7b",
        d_model: 4096,
        heads: 32,
        kv_heads: 32,
        d_ffn: 11008,
        layers: 32,
        swiglu: true,
        source: "Hugging Face meta-llama/Llama-2-7b-hf config.json",
    },
    ModelShape {
        name: "llama2-13b",
        d_model: 5120,
        heads: 40,
        kv_heads: 40,
        d_ffn: 13824,
        layers: 40,
        swiglu: true,
        source: "Hugging Face meta-llama/Llama-2-13b-hf config.json",
    },
    ModelShape {
        name: "llama2-70b",
        d_model: 8192,
        heads: 64,
        kv_heads: 8,
        d_ffn: 28672,
        layers: 80,
        swiglu: true,
        source: "Hugging Face meta-llama/Llama-2-70b-hf config.json (grouped-query attention, 8 KV heads)",
    },
    ModelShape {
        name: "bitnet-3b",
        d_model: 3200,
        heads: 32,
        kv_heads: 32,
        d_ffn: 8640,
        layers: 26,
        swiglu: true,
        source: "Hugging Face 1bitLLM/bitnet_b1_58-3B config.json (LLaMA-style, ternary weights)",
    },
];

/// Look a model up by name.
pub fn model(name: &str) -> Option<&'static ModelShape> {
    MODELS.iter().find(|m| m.name == name)
}

/// Inference phase.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Process a prompt of `seq` tokens per sequence.
    Prefill {
        /// Prompt length.
        seq: u64,
    },
    /// Generate one token per sequence with `context` tokens already in the KV cache.
    Decode {
        /// KV-cache length.
        context: u64,
    },
}

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmSpec {
    /// Model shape.
    pub model: ModelShape,
    /// Phase.
    pub phase: Phase,
    /// Sequences in the batch.
    pub batch: u64,
    /// Blocks to generate (at most the model's layer count).
    pub layers: u64,
    /// Activation type.
    pub dtype: DType,
    /// Weight bits of the linear layers (None: dtype width). Attention GEMMs use dtype.
    pub wbits: Option<u8>,
}

struct Builder {
    ops: Vec<Op>,
    dtype: DType,
}

impl Builder {
    fn push(
        &mut self,
        id: String,
        kind: OpKind,
        batch: u64,
        deps: &[usize],
        layer: &str,
        wbits: Option<u8>,
    ) -> usize {
        self.ops.push(Op {
            id,
            kind,
            dtype: self.dtype,
            wbits,
            batch,
            deps: deps.iter().map(|&d| d as u32).collect(),
            unit: None,
            layer: Some(layer.to_string()),
            addrs: Default::default(),
            line: 0,
        });
        self.ops.len() - 1
    }
}

/// Generate the ops of `spec`.
pub fn llm(spec: &LlmSpec) -> Result<Workload, WorkloadError> {
    let m = &spec.model;
    let bad = |msg: String| WorkloadError::At {
        file: format!("generator {}", m.name),
        line: 0,
        msg,
    };
    if spec.batch == 0 || spec.layers == 0 || spec.layers > m.layers {
        return Err(bad(format!(
            "batch must be >= 1 and layers from 1 to {}",
            m.layers
        )));
    }
    let (d, h, dh) = (m.d_model, m.heads, m.d_model / m.heads);
    let kv = m.kv_heads * dh;
    let (tokens, q_len, kv_len) = match spec.phase {
        Phase::Prefill { seq } if seq > 0 => (spec.batch * seq, seq, seq),
        Phase::Decode { context } if context > 0 => (spec.batch, 1, context + 1),
        _ => return Err(bad("sequence/context length must be >= 1".into())),
    };
    let norm = if m.swiglu {
        EwFunc::Rmsnorm
    } else {
        EwFunc::Layernorm
    };
    let mut b = Builder {
        ops: Vec::new(),
        dtype: spec.dtype,
    };
    let w = spec.wbits;
    // A linear layer: GEMV when there is one token, GEMM otherwise.
    let linear = |n: u64, k: u64| {
        if tokens == 1 {
            OpKind::Gemv { n, k }
        } else {
            OpKind::Gemm { m: tokens, n, k }
        }
    };
    // Attention per (sequence, head): GEMV in decode, GEMM in prefill.
    let attn = |n: u64, k: u64| {
        if q_len == 1 {
            OpKind::Gemv { n, k }
        } else {
            OpKind::Gemm { m: q_len, n, k }
        }
    };
    let ew = |func: EwFunc, elems: u64, row: Option<u64>| OpKind::Elementwise {
        func,
        elems,
        row_len: row,
    };
    let mut prev: Vec<usize> = Vec::new();
    for l in 0..spec.layers {
        let layer = format!("block{l}");
        let id = |s: &str| format!("L{l}.{s}");
        let ln1 = b.push(
            id("ln1"),
            ew(norm, tokens * d, Some(d)),
            1,
            &prev,
            &layer,
            None,
        );
        let qkv = b.push(id("qkv"), linear(d + 2 * kv, d), 1, &[ln1], &layer, w);
        let score = b.push(
            id("score"),
            attn(kv_len, dh),
            spec.batch * h,
            &[qkv],
            &layer,
            None,
        );
        let sm = b.push(
            id("softmax"),
            ew(
                EwFunc::Softmax,
                spec.batch * h * q_len * kv_len,
                Some(kv_len),
            ),
            1,
            &[score],
            &layer,
            None,
        );
        let ctx = b.push(
            id("context"),
            attn(dh, kv_len),
            spec.batch * h,
            &[sm],
            &layer,
            None,
        );
        let proj = b.push(id("proj"), linear(d, d), 1, &[ctx], &layer, w);
        let add1 = b.push(
            id("add1"),
            ew(EwFunc::Add, tokens * d, None),
            1,
            &[proj],
            &layer,
            None,
        );
        let ln2 = b.push(
            id("ln2"),
            ew(norm, tokens * d, Some(d)),
            1,
            &[add1],
            &layer,
            None,
        );
        let down = if m.swiglu {
            let gate = b.push(id("gate"), linear(m.d_ffn, d), 1, &[ln2], &layer, w);
            let up = b.push(id("up"), linear(m.d_ffn, d), 1, &[ln2], &layer, w);
            let act = b.push(
                id("silu"),
                ew(EwFunc::Silu, tokens * m.d_ffn, None),
                1,
                &[gate],
                &layer,
                None,
            );
            let mul = b.push(
                id("mul"),
                ew(EwFunc::Mul, tokens * m.d_ffn, None),
                1,
                &[act, up],
                &layer,
                None,
            );
            b.push(id("down"), linear(d, m.d_ffn), 1, &[mul], &layer, w)
        } else {
            let fc1 = b.push(id("fc1"), linear(m.d_ffn, d), 1, &[ln2], &layer, w);
            let act = b.push(
                id("gelu"),
                ew(EwFunc::Gelu, tokens * m.d_ffn, None),
                1,
                &[fc1],
                &layer,
                None,
            );
            b.push(id("fc2"), linear(d, m.d_ffn), 1, &[act], &layer, w)
        };
        let add2 = b.push(
            id("add2"),
            ew(EwFunc::Add, tokens * d, None),
            1,
            &[down, add1],
            &layer,
            None,
        );
        prev = vec![add2];
    }
    let phase = match spec.phase {
        Phase::Prefill { seq } => format!("prefill seq={seq}"),
        Phase::Decode { context } => format!("decode context={context}"),
    };
    Workload::new(
        &format!(
            "generated {} {phase} batch={} layers={}",
            m.name, spec.batch, spec.layers
        ),
        b.ops,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The MACs of one GPT-2 block at batch 1, prefill of S tokens, computed by hand:
    /// QKV 3d^2 S, proj d^2 S, FFN 2*4d^2 S = 12 d^2 S for the linear layers, plus
    /// attention 2 * S^2 * d (scores and context over all heads).
    #[test]
    fn gpt2_prefill_macs_match_hand_count() {
        let spec = LlmSpec {
            model: model("gpt2").unwrap().clone(),
            phase: Phase::Prefill { seq: 128 },
            batch: 1,
            layers: 1,
            dtype: DType::Fp16,
            wbits: None,
        };
        let w = llm(&spec).unwrap();
        let (d, s) = (768u64, 128u64);
        assert_eq!(w.stats().macs, 12 * d * d * s + 2 * s * s * d);
    }

    /// LLaMA decode at batch 1: the linear layers are GEMVs over 4d^2 + 3 d f weights, and
    /// attention reads 2 * (context+1) * d of KV cache per token.
    #[test]
    fn llama_decode_macs_match_hand_count() {
        let spec = LlmSpec {
            model: model("llama-7b").unwrap().clone(),
            phase: Phase::Decode { context: 1023 },
            batch: 1,
            layers: 2,
            dtype: DType::Fp16,
            wbits: None,
        };
        let w = llm(&spec).unwrap();
        let (d, f, l) = (4096u64, 11008u64, 1024u64);
        assert_eq!(w.stats().macs, 2 * (4 * d * d + 3 * d * f + 2 * l * d));
        assert!(w.ops.iter().all(|o| !matches!(o.kind, OpKind::Gemm { .. })));
        assert_eq!(w.critical_path_len(), 2 * 13);
    }
}
