/** `rectifier activations`: the table, as text or JSON. */
import { listActivations, resolveParams } from '../../activations/index.js';
import { formatTable } from '../../report/index.js';

export function activationRows() {
  return listActivations().map((spec) => {
    const p = resolveParams(spec);
    return {
      id: spec.id,
      aliases: spec.aliases,
      params: Object.fromEntries(spec.params.map((q) => [q.name, p[q.name]])),
      formula: spec.latex,
      kinks: spec.kinks.map((k) => ({ x: k.x(p), derivative: k.derivative(p) })),
      backwardFrom: spec.backwardFrom,
      defaultInit: spec.defaultInit,
      gain: spec.gain(p),
      onnx: spec.onnx.description,
      summary: spec.summary,
      paper: spec.paper,
    };
  });
}

export function printActivations(json: boolean): void {
  const rows = activationRows();
  if (json) {
    console.log(JSON.stringify(rows));
    return;
  }
  console.log(
    formatTable(
      ['id', 'parameters (defaults)', "f' at kinks", 'init', 'onnx'],
      rows.map((r) => [
        r.id,
        Object.entries(r.params).map(([k, v]) => `${k}=${+v.toPrecision(6)}`).join(' ') || '-',
        r.kinks.map((k) => `f'(${+k.x.toPrecision(4)})=${+k.derivative.toPrecision(4)}`).join(' ') || '-',
        r.defaultInit,
        r.onnx,
      ]),
    ),
  );
}
