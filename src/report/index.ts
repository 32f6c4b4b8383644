/**
 * report/ — turning results into something to read: terminal tables now; JSON and the HTML report with
 * charts as the lab grows.
 */
export { formatTable, formatNumber } from './table.js';
