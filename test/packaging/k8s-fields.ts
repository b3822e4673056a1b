// Unknown fields: the OpenAPI schemas of Kubernetes allow additional properties, so the validators of kubernetes-models
// accept a misspelt or mis-indented field (`readinessprobe`, `resources` one level too high) that `kubectl apply` (field
// validation Strict) and `helm install` refuse with "unknown field". The model packages also ship the schemas as
// TypeScript declarations (generated from the same OpenAPI documents); this walks an object along them with the
// TypeScript type checker and reports every property its type does not declare.
import * as path from 'node:path';
import ts from 'typescript';
import type { Finding } from './k8s-validate';
import { ROOT, type K8sObject } from './render';

const CRD_PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'keda.sh': '@kubernetes-models/keda',
};

/** The module whose declarations hold `I<Kind>` for an apiVersion. */
function moduleOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const crd = CRD_PACKAGES[group!];
  if (crd) return `${crd}/${group}/${version}`;
  return group === '' ? `kubernetes-models/v1/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

const VIRTUAL = path.join(ROOT, 'test/packaging/__kubernetes_fields__.ts');

/** A type checker over a virtual file importing I<Kind> of each apiVersion/kind, and the type of each. */
function checkerFor(pairs: string[]): { checker: ts.TypeChecker; types: Map<string, ts.Type> } {
  const lines = pairs.map((pair, i) => {
    const [apiVersion, kind] = pair.split(' ') as [string, string];
    return `import type { I${kind} as T${i} } from '${moduleOf(apiVersion, kind)}';\nexport declare const v${i}: T${i};`;
  });
  const text = `${lines.join('\n')}\nexport {};\n`;
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
    path.resolve(fileName) === VIRTUAL
      ? ts.createSourceFile(fileName, text, languageVersion)
      : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => path.resolve(fileName) === VIRTUAL || fileExists(fileName);
  const program = ts.createProgram([VIRTUAL], options, host);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(VIRTUAL)!;
  const types = new Map<string, ts.Type>();
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!);
  pairs.forEach((pair, i) => {
    const symbol = exports.find((s) => s.name === `v${i}`);
    if (!symbol) return;
    const type = checker.getTypeOfSymbol(symbol);
    // An unresolved import is the error type (any): such a kind is left to the schema validation's "unknown kind".
    if ((type.flags & ts.TypeFlags.Any) === 0) types.set(pair, type);
  });
  return { checker, types };
}

/** The object members of a (union) type: the types a JSON object value may be checked against. */
function objectMembers(checker: ts.TypeChecker, type: ts.Type): ts.Type[] {
  const t = checker.getNonNullableType(type);
  const members = t.isUnion() ? t.types : [t];
  return members.filter(
    (m) => (m.flags & ts.TypeFlags.Object) !== 0 || (m.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive)) !== 0,
  );
}

function walk(checker: ts.TypeChecker, value: unknown, type: ts.Type, where: string, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  const members = objectMembers(checker, type);
  // any, unknown, object, or a type with no object member: free-form here.
  if (members.length === 0 || members.some((m) => (m.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive)) !== 0))
    return;
  if (Array.isArray(value)) {
    const element = members.map((m) => checker.getIndexTypeOfType(m, ts.IndexKind.Number)).find((e) => e !== undefined);
    if (element) value.forEach((item, i) => walk(checker, item, element, `${where}.${i}`, out));
    return;
  }
  const index = members.map((m) => checker.getIndexTypeOfType(m, ts.IndexKind.String)).find((e) => e !== undefined);
  for (const [key, child] of Object.entries(value)) {
    const owner = members.find((m) => checker.getPropertyOfType(m, key) !== undefined);
    if (owner) walk(checker, child, checker.getTypeOfSymbol(checker.getPropertyOfType(owner, key)!), where ? `${where}.${key}` : key, out);
    else if (index) walk(checker, child, index, where ? `${where}.${key}` : key, out);
    // A declared type with no properties and no index signature ({}) is free-form too.
    else if (members.every((m) => checker.getPropertiesOfType(m).length === 0)) return;
    else out.push(where ? `${where}.${key}` : key);
  }
}

let cached: { pairs: Set<string>; checker: ts.TypeChecker; types: Map<string, ts.Type> } | undefined;

/** Properties of the objects that their kind's schema does not declare ("unknown field" to kubectl and helm). */
export function unknownFields(objects: K8sObject[]): Finding[] {
  const pairs = [...new Set(objects.filter((o) => o?.apiVersion && o?.kind).map((o) => `${o.apiVersion} ${o.kind}`))];
  if (pairs.length === 0) return [];
  // One program for every kind seen so far (building one takes seconds): rebuilt only when a new kind comes.
  if (!cached || pairs.some((p) => !cached!.pairs.has(p))) {
    const all = [...new Set([...(cached?.pairs ?? []), ...pairs])].sort();
    cached = { pairs: new Set(all), ...checkerFor(all) };
  }
  const { checker, types } = cached;
  const findings: Finding[] = [];
  for (const o of objects) {
    const type = types.get(`${o?.apiVersion} ${o?.kind}`);
    if (!type) continue;
    const out: string[] = [];
    walk(checker, o, type, '', out);
    for (const p of out)
      findings.push({ object: `${o.kind}/${o.metadata?.name}`, path: p, message: 'unknown field (not in the schema of its kind)' });
  }
  return findings;
}
