import { Bool, Field, makeData, RecordBatch, Schema, Struct, type Data, type DataType } from 'apache-arrow';
import type { ArrowColumnNode } from '@fraiseql/query-planner';

/**
 * The same columns under another schema (names, nullability, metadata as declared), without
 * copying a buffer: the batch's column Data are reused as the children of a new struct.
 */
export function withSchema(batch: RecordBatch, schema: Schema): RecordBatch {
  const children = batch.data.children.map((child, i) => retype(child, schema.fields[i]!.type));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children }));
}

function retype(data: Data, type: DataType): Data {
  return data.type === type ? data : data.clone(type);
}

/**
 * A graphql ticket's rows arrive flat (c0, c1, … as planned); this rebuilds the shape of the
 * selection: each `value`/`json` node is its column renamed, each `struct` node a Struct whose
 * children are its nodes' columns and whose validity is its `presentColumn` (the Bool buffer
 * becomes the validity bitmap). No value is copied.
 */
export function assembleSelection(batch: RecordBatch, nodes: readonly ArrowColumnNode[]): RecordBatch {
  const index = new Map(batch.schema.fields.map((f, i) => [f.name, i] as const));
  const column = (name: string): { field: Field; data: Data } => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`planned column ${name} missing from the result`);
    return { field: batch.schema.fields[i]!, data: batch.data.children[i]! };
  };
  const build = (node: ArrowColumnNode): { field: Field; data: Data } => {
    if (node.kind !== 'struct') {
      const { field, data } = column(node.sqlColumn);
      return { field: new Field(node.name, field.type, true, field.metadata), data };
    }
    const present = column(node.presentColumn).data as Data<Bool>;
    const children = node.children.map(build);
    const type = new Struct(children.map((c) => c.field));
    const { bitmap, nullCount } = presentBitmap(present);
    const data = makeData({ type, length: present.length, nullCount, nullBitmap: bitmap, children: children.map((c) => c.data) });
    return { field: new Field(node.name, type, true), data };
  };
  const built = nodes.map(build);
  const schema = new Schema(built.map((b) => b.field));
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children: built.map((b) => b.data) }),
  );
}

/** A Bool column's values as a validity bitmap (a null or false present flag = a null struct). */
function presentBitmap(present: Data<Bool>): { bitmap: Uint8Array; nullCount: number } {
  const length = present.length;
  const bitmap = new Uint8Array(Math.ceil(length / 8));
  let valid = 0;
  const values = present.values as Uint8Array;
  const validity = present.nullBitmap;
  for (let i = 0; i < length; i++) {
    const bit = present.offset + i;
    const isSet = (values[bit >> 3]! >> (bit & 7)) & 1;
    const notNull = !validity || validity.length === 0 || (validity[bit >> 3]! >> (bit & 7)) & 1;
    if (isSet && notNull) {
      bitmap[i >> 3]! |= 1 << (i & 7);
      valid += 1;
    }
  }
  return { bitmap, nullCount: length - valid };
}
