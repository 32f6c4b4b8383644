/**
 * report/ — turning lab results into something to read: the results schema and its validator, terminal
 * tables, charts as inline SVG, one self-contained HTML page, and atomic reading and writing of
 * results.json and index.html.
 */
export { formatTable, formatNumber } from './table.js';
export * from './schema.js';
export * from './format.js';
export * from './charts.js';
export * from './html.js';
export * from './terminal.js';
export * from './write.js';
