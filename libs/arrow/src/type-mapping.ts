import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  FixedSizeBinary,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  List,
  TimeUnit,
  Timestamp,
  Utf8,
  type DataType,
} from 'apache-arrow';
import { FraiseqlError } from '@fraiseql/errors';
import { BoolColumnBuilder } from './bool-column-builder';
import type { BufferPool } from './buffer-pool';
import type { ColumnBuilder } from './column-builder';
import { DecimalColumnBuilder } from './decimal-column-builder';
import { FixedWidthColumnBuilder, type FixedWidthEncoding } from './fixed-width-column-builder';
import { ListColumnBuilder } from './list-column-builder';
import { PG_ARRAY_ELEMENT, PG_TYPE } from './pg-type-oids';
import { VariableWidthColumnBuilder, type VariableWidthEncoding } from './variable-width-column-builder';

/** A result column as PostgreSQL describes it (pg's `FieldDef`: dataTypeID, dataTypeModifier). */
export interface PostgresColumn {
  name: string;
  typeOid: number;
  /** atttypmod: −1 when none; for numeric ((precision << 16) | scale) + 4. */
  typeModifier: number;
}

/** The Arrow field a column becomes, and how to build its buffers from COPY BINARY values. */
export interface ColumnMapping {
  field: Field;
  /** With a pool, the builder takes each next batch's buffers from it (see BufferPool). */
  createBuilder(capacity: number, pool?: BufferPool): ColumnBuilder;
}

/** Largest precision Decimal128 holds. */
const DECIMAL128_MAX_PRECISION = 38;
const EXTENSION_NAME = 'ARROW:extension:name';
const EXTENSION_METADATA = 'ARROW:extension:metadata';

interface ScalarMapping {
  type: DataType;
  metadata?: Map<string, string>;
  createBuilder(name: string, capacity: number, pool?: BufferPool): ColumnBuilder;
}

/**
 * Maps one PostgreSQL result column to its Arrow field and column builder (see the table
 * in README.md). Unsupported types raise FRAISEQL_OPERATION_NOT_SUPPORTED naming the column.
 */
export function mapPostgresColumn(column: PostgresColumn): ColumnMapping {
  const elementOid = PG_ARRAY_ELEMENT.get(column.typeOid);
  if (elementOid !== undefined) {
    const element = mapScalar(column.name, elementOid, column.typeModifier);
    const childField = new Field('item', element.type, true, element.metadata);
    return {
      field: new Field(column.name, new List(childField), true),
      createBuilder: (capacity, pool) =>
        new ListColumnBuilder(childField, element.createBuilder(column.name, capacity, pool), column.name, capacity, pool),
    };
  }
  const scalar = mapScalar(column.name, column.typeOid, column.typeModifier);
  return {
    field: new Field(column.name, scalar.type, true, scalar.metadata),
    createBuilder: (capacity, pool) => scalar.createBuilder(column.name, capacity, pool),
  };
}

function mapScalar(column: string, oid: number, typeModifier: number): ScalarMapping {
  switch (oid) {
    case PG_TYPE.int2:
      return fixed(new Int16(), 2, 'swap');
    case PG_TYPE.int4:
      return fixed(new Int32(), 4, 'swap');
    case PG_TYPE.int8:
      return fixed(new Int64(), 8, 'swap');
    case PG_TYPE.float4:
      return fixed(new Float32(), 4, 'swap');
    case PG_TYPE.float8:
      return fixed(new Float64(), 8, 'swap');
    case PG_TYPE.date:
      return fixed(new DateDay(), 4, 'date');
    case PG_TYPE.timestamp:
      return fixed(new Timestamp(TimeUnit.MICROSECOND), 8, 'timestamp');
    case PG_TYPE.timestamptz:
      return fixed(new Timestamp(TimeUnit.MICROSECOND, 'UTC'), 8, 'timestamp');
    case PG_TYPE.uuid:
      return { ...fixed(new FixedSizeBinary(16), 16, 'copy'), metadata: extension('arrow.uuid') };
    case PG_TYPE.bool:
      return { type: new Bool(), createBuilder: (_name, capacity, pool) => new BoolColumnBuilder(capacity, pool) };
    case PG_TYPE.text:
    case PG_TYPE.varchar:
    case PG_TYPE.bpchar:
    case PG_TYPE.name:
      return variable(new Utf8(), 'copy');
    case PG_TYPE.bytea:
      return variable(new Binary(), 'copy');
    case PG_TYPE.json:
      return { ...variable(new Utf8(), 'copy'), metadata: extension('arrow.json') };
    case PG_TYPE.jsonb:
      return { ...variable(new Utf8(), 'jsonb'), metadata: extension('arrow.json') };
    case PG_TYPE.numeric: {
      const precision = typeModifier >= 4 ? ((typeModifier - 4) >> 16) & 0xffff : 0;
      const scale = typeModifier >= 4 ? (typeModifier - 4) & 0xffff : 0;
      // Negative scales (PostgreSQL 15+) arrive as 0x0400..0x07ff in the low 11 bits; keep them as text.
      if (precision > 0 && precision <= DECIMAL128_MAX_PRECISION && scale <= precision) {
        const type = new Decimal(scale, precision, 128);
        return { type, createBuilder: (name, capacity, pool) => new DecimalColumnBuilder(type, name, capacity, pool) };
      }
      return variable(new Utf8(), 'numeric-text');
    }
    default:
      throw new FraiseqlError(
        'FRAISEQL_OPERATION_NOT_SUPPORTED',
        `Column "${column}" has PostgreSQL type OID ${oid}, which has no Arrow mapping; cast it in the query (for example to text)`,
        { details: { column, typeOid: oid } },
      );
  }
}

function fixed(type: DataType, width: number, encoding: FixedWidthEncoding): ScalarMapping {
  return { type, createBuilder: (name, capacity, pool) => new FixedWidthColumnBuilder(type, width, encoding, name, capacity, pool) };
}

function variable(type: DataType, encoding: VariableWidthEncoding): ScalarMapping {
  return { type, createBuilder: (name, capacity, pool) => new VariableWidthColumnBuilder(type, encoding, name, capacity, pool) };
}

function extension(name: string): Map<string, string> {
  return new Map([
    [EXTENSION_NAME, name],
    [EXTENSION_METADATA, ''],
  ]);
}
