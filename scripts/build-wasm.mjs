#!/usr/bin/env node
// Placeholder until the kernels exist.
console.log('no wasm kernels yet');
