/**
 * The import rules of src/: no cycle, and a one-way stack: each folder imports only from the folders
 * below it in STACK (docs/ARCHITECTURE.md explains the order). `npm run check:imports` runs it; so does
 * `npm test` (test/architecture.test.ts), so an upward arrow or a cycle fails the build.
 */
const STACK = [
  'util', 'activations', 'backend', 'wasm', 'runtime', 'tensor', 'autograd', 'ops', 'io', 'data', 'optim', 'nn',
  'monitors', 'onnx', 'report', 'lab', 'cli',
];

const upward = STACK.map((folder, i) => ({
  name: `${folder}-imports-only-below`,
  comment: `src/${folder} may import only from folders below it: ${STACK.slice(0, i).join(', ') || 'none'}`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: `^src/(${STACK.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle between modules makes the order of loading matter and the stack meaningless.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'only-the-entry-imports-the-entry',
      comment: 'src/index.ts is the package entry; nothing inside src imports it.',
      severity: 'error',
      from: { path: '^src/.+/' },
      to: { path: '^src/index\\.ts$' },
    },
    ...upward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/wasm/assembly/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { conditionNames: ['source', 'import', 'default'] },
  },
};
