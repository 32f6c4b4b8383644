/**
 * The results schema: the example file passes, and every kind of mistake is reported at its JSON path with
 * what was expected and what was found.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  orderedExperimentIds,
  ResultsValidationError,
  validateChart,
  validateResults,
  type LabResults,
} from '../src/report/index.js';
import { exampleResults } from './helpers/report-example.js';

/** A deep copy that tests may break freely. */
function example(): any {
  return structuredClone(exampleResults());
}

function validationMessage(value: unknown): string {
  try {
    validateResults(value);
  } catch (error) {
    assert.ok(error instanceof ResultsValidationError, `expected a ResultsValidationError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected validation to fail');
}

test('the example results, plain or interrupted or with a failure, are valid', () => {
  for (const options of [{}, { interrupted: true }, { withFailure: true }]) {
    const results = exampleResults(options);
    assert.equal(validateResults(results), results);
  }
  // A JSON round trip changes nothing the validator cares about.
  validateResults(JSON.parse(JSON.stringify(exampleResults())));
});

test('a bad line series names its path, what was expected and what was given', () => {
  const results = example();
  results.experiments.dying.charts[0].series[0].points = 'oops';
  assert.equal(
    validationMessage(results),
    'results.experiments.dying.charts[0].series[0].points: expected an array of [x, y] pairs, got "oops"',
  );
  results.experiments.dying.charts[0].series[0].points = [[1, 2], [3]];
  assert.match(validationMessage(results), /results\.experiments\.dying\.charts\[0\]\.series\[0\]\.points\[1\]: expected an \[x, y\] pair of finite numbers, y may be null, got array \[3\]/);
});

test('missing and mistyped fields are each reported, all at once', () => {
  const results = example();
  delete results.version;
  results.complete = 'yes';
  results.experiments.sparsity.verdict = 'maybe';
  results.machine.cpus = Number.NaN;
  const message = validationMessage(results);
  assert.match(message, /4 problems/);
  assert.match(message, /results\.version: expected a non-empty string, got nothing/);
  assert.match(message, /results\.complete: expected true or false, got "yes"/);
  assert.match(message, /results\.experiments\.sparsity\.verdict: expected one of "agrees", "partly", "disagrees", "inconclusive", got "maybe"/);
  assert.match(message, /results\.machine\.cpus: expected a finite number, got NaN/);
});

test('lengths that must agree are checked: table rows, bar values, heatmap rows, boundary grid', () => {
  const results = example();
  results.experiments.convergence.tables[0].rows[1].pop();
  results.experiments.sparsity.charts[0].series[0].values.push(1);
  results.experiments.depth.charts[0].values.pop();
  results.experiments.nonlinearity.charts[0].grid.pop();
  const message = validationMessage(results);
  assert.match(message, /results\.experiments\.convergence\.tables\[0\]\.rows\[1\]: expected 4 cells \(one per column\), got 3/);
  assert.match(message, /results\.experiments\.sparsity\.charts\[0\]\.series\[0\]\.values: expected 3 values \(one per group\), got 4/);
  assert.match(message, /results\.experiments\.depth\.charts\[0\]\.values: expected 3 rows \(one per y label\), got 2/);
  assert.match(message, /results\.experiments\.nonlinearity\.charts\[0\]\.grid: expected 3600 cells \(resolution × resolution\), got 3599/);
});

test('ranges and ids are checked', () => {
  const results = example();
  results.experiments['Bad Id'] = results.experiments.cost;
  results.experiments.nonlinearity.charts[0].extent = [1, -1, 0, 1];
  results.experiments.depth.charts[0].scale = [5, 1];
  results.experiments.cost.seconds = -1;
  results.settings.seeds = 0;
  results.createdAt = 'yesterday';
  const message = validationMessage(results);
  assert.match(message, /results\.experiments\.Bad Id: expected an id of lower-case letters/);
  assert.match(message, /charts\[0\]\.extent: expected xMin < xMax and yMin < yMax, got array \[1,-1,0,1\]/);
  assert.match(message, /charts\[0\]\.scale: expected low < high/);
  assert.match(message, /results\.experiments\.cost\.seconds: expected a number of seconds ≥ 0, got -1/);
  assert.match(message, /results\.settings\.seeds: expected a whole number ≥ 1, got 0/);
  assert.match(message, /results\.createdAt: expected an ISO 8601 timestamp, got "yesterday"/);
});

test('the error keeps every issue with its path; long lists are cut in the message only', () => {
  const results = example();
  for (const id of Object.keys(results.experiments)) {
    results.experiments[id].title = 1;
    results.experiments[id].claim = 2;
  }
  try {
    validateResults(results);
    assert.fail('expected validation to fail');
  } catch (error) {
    assert.ok(error instanceof ResultsValidationError);
    assert.equal(error.issues.length, 16);
    assert.equal(error.issues[0]!.path, 'results.experiments.convergence.title');
    assert.match(error.message, /… and 4 more/);
  }
});

test('non-objects are rejected at the root, with the root named', () => {
  assert.equal(validationMessage(null), 'results: expected an object, got null');
  assert.equal(validationMessage([]), 'results: expected an object, got array []');
  assert.throws(() => validateChart({ kind: 'pie', title: 'x' }), /chart\.kind: expected one of "line", "bar", "scatter", "heatmap", "boundary", got "pie"/);
});

test('experiments are presented in lab order, unknown ones after, as they appear', () => {
  const results = exampleResults();
  const shuffled: LabResults = {
    ...results,
    experiments: {
      extra: results.experiments.cost!,
      nonlinearity: results.experiments.nonlinearity!,
      convergence: results.experiments.convergence!,
    },
  };
  assert.deepEqual(orderedExperimentIds(shuffled), ['convergence', 'nonlinearity', 'extra']);
});
