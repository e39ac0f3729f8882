//! The dequantise-then-multiply path: what a MAC tensor core must do on the SIMT lanes
//! before it can multiply operands that are not in its type.
//!
//! Weight format of an op: integer when the trace gives `wbits` narrower than the dtype,
//! or when the dtype itself is an integer type; otherwise the weights are in the dtype
//! (floating point for fp8/fp16/bf16/fp32). A MAC tensor core of type T runs natively on
//! T x T. Any other weight format costs `dequant_ops_per_weight` SIMT ops per weight
//! element each time an SM loads it (once per output-tile row block), and any other
//! activation type costs `convert_ops_per_activation` per activation element each time an
//! SM loads it (once per output-tile column block). The SIMT lanes run
//! `simt_ops_per_cycle` ops per cycle per SM, beside the tensor cores or in turn with them
//! (`convert_overlap`). This is the path GPU mpGEMM kernels take today (weights unpacked in
//! registers, then HMMA/IMMA), the baseline LUT Tensor Core is compared against.

use super::config::MacDtype;
use crate::workload::{DType, Op};

/// How an op's weights are represented.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum WeightFormat {
    /// Integers of this many bits (bit-serial on a LUT array).
    Int(u64),
    /// Floating point of this type.
    Float(DType),
}

/// The weight format of `op`.
pub fn weight_format(op: &Op) -> WeightFormat {
    let db = op.dtype.bits() as u64;
    match op.wbits {
        Some(w) if (w as u64) < db || !op.dtype.is_float() => WeightFormat::Int(w as u64),
        _ if !op.dtype.is_float() => WeightFormat::Int(db),
        _ => WeightFormat::Float(op.dtype),
    }
}

/// Whether weights of format `f` run natively on a `mac` tensor core.
pub fn weights_native(f: WeightFormat, mac: MacDtype) -> bool {
    matches!(
        (f, mac),
        (WeightFormat::Float(DType::Fp16), MacDtype::Fp16) | (WeightFormat::Int(8), MacDtype::Int8)
    )
}

/// Whether activations of `dtype` run natively on a `mac` tensor core.
pub fn activations_native(dtype: DType, mac: MacDtype) -> bool {
    matches!(
        (dtype, mac),
        (DType::Fp16, MacDtype::Fp16) | (DType::Int8, MacDtype::Int8)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(dtype: DType, wbits: Option<u8>) -> Op {
        Op {
            id: "x".into(),
            kind: crate::workload::OpKind::Gemv { n: 1, k: 1 },
            dtype,
            wbits,
            batch: 1,
            deps: vec![],
            unit: None,
            layer: None,
            addrs: Default::default(),
            line: 0,
        }
    }

    #[test]
    fn formats() {
        assert_eq!(
            weight_format(&op(DType::Int8, Some(2))),
            WeightFormat::Int(2)
        );
        assert_eq!(weight_format(&op(DType::Int8, None)), WeightFormat::Int(8));
        assert_eq!(
            weight_format(&op(DType::Fp16, None)),
            WeightFormat::Float(DType::Fp16)
        );
        assert_eq!(
            weight_format(&op(DType::Fp16, Some(16))),
            WeightFormat::Float(DType::Fp16)
        );
        assert_eq!(
            weight_format(&op(DType::Fp16, Some(4))),
            WeightFormat::Int(4)
        );
        assert!(weights_native(WeightFormat::Int(8), MacDtype::Int8));
        assert!(!weights_native(WeightFormat::Int(2), MacDtype::Int8));
        assert!(!weights_native(WeightFormat::Int(2), MacDtype::Fp16));
    }
}
