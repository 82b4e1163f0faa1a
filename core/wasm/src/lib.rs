//! wasm binding (being built)
