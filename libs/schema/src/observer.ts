import type { ObserverDefinition, ObserverOptions } from './schema-definition';

/**
 * An observer rule declared with the schema (issue 9, docs/observers.md): compiled into
 * `schema.compiled.json` as `observers`, for every org (rules of one org come from the admin API).
 * The compiler validates it with @fraiseql/observer-rules against the compiled entity, so a rule that
 * could never fire (unknown field, bad template, type error) fails `fraiseql compile`.
 */
export function observer(name: string, options: ObserverOptions): ObserverDefinition {
  return Object.freeze({ kind: 'observer' as const, name, options: { ...options, on: [...options.on], actions: [...options.actions] } });
}
