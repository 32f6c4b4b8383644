import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCsv, parseCsv } from '../src/data/node.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rectifier-csv-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

test('loadCsv: header, string labels mapped in order of first appearance', async () => {
  const p = file(
    'iris.csv',
    '\ufeffsepal_length,sepal_width,species\n5.1,3.5,setosa\n7.0,3.2,versicolor\n\n6.3,3.3,virginica\n4.9,3.0,setosa\n',
  );
  const ds = await loadCsv(p);
  assert.equal(ds.name, 'iris');
  assert.equal(ds.length, 4);
  assert.deepEqual(ds.sampleShape, [2]);
  assert.equal(ds.numClasses, 3);
  assert.deepEqual(ds.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual([...ds.y], [0, 1, 2, 0]);
  assert.deepEqual([...ds.x], [5.1, 3.5, 7.0, 3.2, 6.3, 3.3, 4.9, 3.0].map(Math.fround));
});

test('loadCsv: integer labels in the first column, no header, custom delimiter, quotes', async () => {
  const p = file('digits.tsv', '2;0.5;"1e-3"\n0;-1;+2.5\n1;.25;3.\n');
  const ds = await loadCsv(p, { labelColumn: 0, delimiter: ';' });
  assert.deepEqual([...ds.y], [2, 0, 1]);
  assert.equal(ds.numClasses, 3);
  assert.deepEqual(ds.classNames, ['0', '1', '2']);
  assert.deepEqual([...ds.x], [0.5, 0.001, -1, 2.5, 0.25, 3].map(Math.fround));
  const wider = await loadCsv(p, { labelColumn: 0, delimiter: ';', numClasses: 10 });
  assert.equal(wider.numClasses, 10);
  assert.equal(wider.classNames.length, 10);
});

test('parseCsv: label column by name, by negative index, explicit header and label modes', () => {
  const text = 'a,label,b\n1,1,2\n3,0,4\n';
  const byName = parseCsv(text, { labelColumn: 'label' });
  assert.deepEqual([...byName.y], [1, 0]);
  assert.deepEqual([...byName.x], [1, 2, 3, 4]);
  const byIndex = parseCsv(text, { labelColumn: -2, header: true });
  assert.deepEqual([...byIndex.y], [1, 0]);
  const asNames = parseCsv(text, { labelColumn: 'label', labels: 'name' });
  assert.deepEqual(asNames.classNames, ['1', '0']);
  assert.deepEqual([...asNames.y], [0, 1]);
  const pm = parseCsv('1,-1\n2,1\n3,-1\n', { labels: 'name' });
  assert.deepEqual(pm.classNames, ['-1', '1']);
  assert.deepEqual([...pm.y], [0, 1, 0]);
  const quoted = parseCsv('x,y,name\n1,"2",\"a, b\"\n', {});
  assert.deepEqual(quoted.classNames, ['a, b']);
  assert.equal(parseCsv('1,2,0\n', { name: 'mine' }).name, 'mine');
});

test('loadCsv: ragged rows name the row and both counts', async () => {
  const p = file('ragged.csv', 'a,b,c\n1,2,0\n3,4,1\n5,6\n');
  await assert.rejects(loadCsv(p), /^Error: loadCsv: row 4 has 2 columns, expected 3$/);
  const wide = Array.from({ length: 785 }, (_, i) => String(i % 7)).join(',');
  const p2 = file('wide.csv', `${wide}\n`.repeat(16) + '1,2,3,4,5\n');
  await assert.rejects(loadCsv(p2, { labelColumn: 0 }), /loadCsv: row 17 has 5 columns, expected 785/);
});

test('loadCsv: NaN, Infinity, empty and non-numeric features are errors', () => {
  assert.throws(() => parseCsv('x,y,label\n1,NaN,0\n'), /parseCsv: row 2, "y" \(column 2\) holds "NaN"; expected a finite number/);
  assert.throws(() => parseCsv('1,Infinity,0\n2,3,1\n', { header: false }), /row 1, column 2 holds "Infinity"; expected a finite number/);
  assert.throws(() => parseCsv('1,1e999,0\n'), /row 1, column 2 holds "1e999"; expected a finite number/);
  assert.throws(() => parseCsv('x,y,label\n1,,0\n'), /row 2, "y" \(column 2\) is empty; expected a finite number/);
  assert.throws(() => parseCsv('x,y,label\n1,0x10,0\n'), /row 2, "y" \(column 2\) holds "0x10"/);
  assert.throws(() => parseCsv('x,y,label\n1,2,\n'), /parseCsv: row 2, label "label" \(column 3\) is empty/);
});

test('loadCsv: labels out of range or ambiguous are errors', () => {
  assert.throws(() => parseCsv('1,2,5\n', { numClasses: 3 }), /label column 3 at row 1 must be in \[0, 2\] \(numClasses 3\), got 5/);
  assert.throws(() => parseCsv('1,2,0\n1,2,-1\n'), /label column 3 at row 2 must be a class id \(an integer >= 0\), got "-1"; pass labels: 'name'/);
  assert.throws(() => parseCsv('1,2,0.5\n'), /at row 1 must be a class id \(an integer >= 0\), got "0.5"/);
  assert.throws(() => parseCsv('1,2,1\n1,2,cat\n'), /label column 3 mixes class ids \("1" at row 1\) and names \("cat" at row 2\)/);
  assert.throws(() => parseCsv('1,2,cat\n', { labels: 'id' }), /at row 1 must be a class id \(an integer >= 0\), got "cat"/);
  assert.throws(() => parseCsv('1,2,a\n1,2,b\n1,2,c\n', { numClasses: 2 }), /numClasses must be at least the 3 distinct labels found, got 2/);
});

test('loadCsv: empty tables, header problems and bad options are errors', async () => {
  await assert.rejects(loadCsv(file('empty.csv', '')), /^Error: loadCsv: the table has no data rows$/);
  await assert.rejects(loadCsv(file('header-only.csv', 'a,b,label\n')), /loadCsv: the table has no data rows/);
  assert.throws(() => parseCsv('a,2,label\n1,2,0\n'), /parseCsv: cannot tell whether row 1 is a header \(1 of 2 feature cells are numbers\); pass header: true or false/);
  assert.throws(() => parseCsv('1\n2\n'), /parseCsv: row 1 has 1 column, expected at least 2/);
  assert.throws(() => parseCsv('a,b\n1,0\n', { labelColumn: 'y' }), /parseCsv: labelColumn "y" is not a column; the header has "a", "b"/);
  assert.throws(() => parseCsv('1,0\n', { labelColumn: 2 }), /parseCsv: labelColumn must be an index in \[-2, 1\] for 2 columns, got 2/);
  assert.throws(() => parseCsv('1,0\n', { labelColumn: 'y', header: false }), /labelColumn "y" is a name, which needs header: true/);
  assert.throws(() => parseCsv('1,0\n', { labelColumn: 1.5 }), /parseCsv: labelColumn must be an integer column index or a column name, got 1.5/);
  assert.throws(() => parseCsv('1,0\n', { delimiter: '' }), /parseCsv: delimiter must be a non-empty string without quotes or newlines, got ""/);
  assert.throws(() => parseCsv('1,0\n', { labels: 'auto2' as 'auto' }), /parseCsv: labels must be 'auto', 'id' or 'name', got "auto2"/);
  assert.throws(() => parseCsv('1,0\n', { numClasses: 0 }), /parseCsv: numClasses must be a positive integer, got 0/);
  assert.throws(() => parseCsv('1,"0\n'), /parseCsv: malformed CSV: Quote Not Closed/);
  assert.throws(() => parseCsv(42 as unknown as string), /parseCsv: text must be a string or Uint8Array, got 42/);
  await assert.rejects(loadCsv(path.join(tmp, 'nope.csv')), /loadCsv: cannot read .*nope\.csv: no such file \(ENOENT\)/);
  await assert.rejects(loadCsv(''), /loadCsv: source must be a path, URL, File, Blob or bytes, got ""/);
  await assert.rejects(loadCsv(file('x.csv', '1,0\n'), { label: 0 } as object), /loadCsv: unknown option "label"/);
});

test('loadCsv: a larger table grows its buffers correctly', () => {
  const rows: string[] = [];
  for (let i = 0; i < 5000; i++) rows.push(`${i},${i * 2},${-i},${i % 4}`);
  const ds = parseCsv(rows.join('\n'));
  assert.equal(ds.length, 5000);
  assert.equal(ds.numClasses, 4);
  assert.deepEqual([...ds.x.subarray(3 * 4999, 3 * 5000)], [4999, 9998, -4999]);
  assert.equal(ds.x.length, 15000);
});

test('loadCsv bounds the class count: a stray class id is an error naming its row, not a model of a billion classes', async () => {
  const rows = (label: string) => ['a,b,label', ...Array.from({ length: 20 }, (_, i) => `${i},${-i},${i === 7 ? label : i % 3}`)].join('\n');
  // 3000000000 used to allocate until the heap ran out; 4294967296 threw a bare "Invalid array length".
  // 999999 in a 20-row file used to train a 1,000,000-class model without a word.
  for (const label of ['3000000000', '4294967296', '99999999', '999999']) {
    await assert.rejects(loadCsv(file(`big-${label}.csv`, rows(label))), new RegExp(`loadCsv: label "label" \\(column 3\\) at row 9 is "${label}", beyond the largest class id 65535 \\(at most 65536 classes\\); pass labels: 'name'`));
  }
  // Below that bound, a label that leaves most ids without a sample is taken as a mistake.
  await assert.rejects(
    loadCsv(file('stray.csv', rows('50000'))),
    /loadCsv: label "label" \(column 3\) at row 9 is 50000, which would make 50001 classes for the 4 distinct labels in 20 rows .*pass numClasses if the ids are right, or labels: 'name'/,
  );
  // Ids with classes missing from a small file are fine while the gap is plausible; numClasses can widen it.
  assert.equal((await loadCsv(file('gap.csv', rows('500')))).numClasses, 501);
  assert.equal((await loadCsv(file('wide.csv', rows('60000')), { numClasses: 60001 })).numClasses, 60001);
  await assert.rejects(loadCsv(file('opt.csv', rows('1')), { numClasses: 3e9 }), /loadCsv: numClasses must be at most 65536, got 3000000000/);
  assert.throws(() => parseCsv('1,2,4294967296\n', { numClasses: 3 }), /at row 1 must be in \[0, 2\] \(numClasses 3\), got 4294967296/);
});

test('loadCsv rejects a cell beyond the float32 range at load, naming its row and column', async () => {
  // 1e39 used to become Infinity and fail later in fit, at a sample index that was not the CSV row.
  await assert.rejects(loadCsv(file('huge.csv', 'a,b,label\n1,2,0\n3,1e39,1\n')), /loadCsv: row 3, "b" \(column 2\) holds "1e39", beyond the float32 range/);
  assert.throws(() => parseCsv('1,-4e38,0\n'), /parseCsv: row 1, column 2 holds "-4e38", beyond the float32 range/);
  // The largest float32 and values that round to it are kept.
  const ds = parseCsv('3.4028234e38,1e-50,0\n');
  assert.deepEqual([...ds.x], [Math.fround(3.4028234e38), 0]);
});

test('loadCsv refuses a directory, a named pipe and a device without waiting on them', async () => {
  await assert.rejects(loadCsv(tmp), /loadCsv: cannot read .*: it is a directory, not a regular file/);
  await assert.rejects(loadCsv('/dev/zero'), /loadCsv: cannot read \/dev\/zero: it is a character device, not a regular file/);
  const fifo = path.join(tmp, 'pipe.csv');
  try {
    (await import('node:child_process')).execFileSync('mkfifo', [fifo]);
  } catch {
    return; // no mkfifo on this system
  }
  await assert.rejects(loadCsv(fifo), /loadCsv: cannot read .*pipe\.csv: it is a named pipe, not a regular file/);
});

test('loadCsv messages cut what they quote from the input: a long column name, option or field', () => {
  const long = 'é'.repeat(10_000);
  assert.throws(() => parseCsv('a,b\n1,0\n', { labelColumn: long }), (e: Error) => e.message.length < 300 && /labelColumn "é{57}\.\.\." is not a column/.test(e.message));
  assert.throws(() => parseCsv(`x,${'y'.repeat(5000)},label\n1,oops,0\n`), (e: Error) => e.message.length < 300 && /row 2, "y{57}\.\.\." \(column 2\) holds "oops"/.test(e.message));
  // csv-parse quotes the offending field whole.
  assert.throws(() => parseCsv(`a,b\n1,${'a'.repeat(30_000)}"x\n`), (e: Error) => e.message.length < 500 && /^parseCsv: malformed CSV: .*… \(\d+ characters\)$/.test(e.message));
});
