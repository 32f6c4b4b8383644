/**
 * The layer classes by name, filled by each class's `registerLayer` call beside its definition:
 * `layerFromConfig` (loading a saved model, importing one) looks classes up here and nowhere else.
 */
import { describe } from '../../util/describe.js';
import type { Layer, LayerConfig } from '../layer.js';

/** Builds a layer from its saved config (the object `getConfig()` returned, plus `name`). */
export type LayerMaker = (config: Record<string, unknown>) => Layer;

// A Map, not an object: a class named "__proto__" or "toString" in a file is just an unknown name.
const makers = new Map<string, LayerMaker>();

/** Makes `className` known to `layerFromConfig`; called once per class, beside its definition. */
export function registerLayer(className: string, make: LayerMaker): void {
  if (makers.has(className)) throw new Error(`registerLayer: a layer class named "${className}" is already registered`);
  makers.set(className, make);
}

/** Every registered class name, in registration order. */
export function layerClassNames(): string[] {
  return [...makers.keys()];
}

/** Rebuilds a layer from its toJSON() form. */
export function layerFromConfig(json: LayerConfig): Layer {
  if (!json || typeof json !== 'object' || typeof json.className !== 'string') throw new TypeError(`layerFromConfig: expected { className, config }, got ${describe(json)}`);
  const make = makers.get(json.className);
  if (!make) throw new Error(`layerFromConfig: unknown layer class ${describe(json.className)}; known: ${layerClassNames().join(', ')}`);
  const config = json.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new TypeError(`layerFromConfig: ${json.className}.config must be an object, got ${describe(config)}`);
  return make(config);
}
