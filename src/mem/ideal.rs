//! Ideal memory: fixed latency plus one shared bandwidth pipe. (Being written.)
