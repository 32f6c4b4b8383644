/** Every tensor op in one namespace (`ops.add`, `ops.conv2d` …): elementwise, reductions, conv and pooling. */
export * from './ops.js';
export * from './ops-conv.js';
