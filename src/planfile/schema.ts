/**
 * The plan format's JSON Schema (schemas/pgindex.schema.json, the same file editors use) compiled with
 * ajv. Errors come back raw; schema-errors.ts turns them into messages.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv/dist/2020.js';

const SCHEMA_URL = new URL('../../../schemas/pgindex.schema.json', import.meta.url);

let schema: SchemaObject | undefined;
let validator: ValidateFunction | undefined;

export function planSchema(): SchemaObject {
  schema ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as SchemaObject;
  return schema;
}

/** Every schema violation in `data` (allErrors), with the failing schemas attached (verbose). */
export function schemaErrors(data: unknown): ErrorObject[] {
  if (!validator) {
    // strict: a mistake in the schema itself must fail loudly, not validate less than it says.
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
    validator = ajv.compile(planSchema());
  }
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

/** The keys allowed at each kind of place in a plan, read from the schema, for hints. */
export function keysByPlace(): { place: string; keys: string[] }[] {
  const s = planSchema();
  const props = (o: unknown): string[] => Object.keys(((o ?? {}) as { properties?: object }).properties ?? {});
  const table = (s.$defs as Record<string, SchemaObject>).table;
  const columnsAnyOf = ((table?.properties as Record<string, SchemaObject> | undefined)?.columns?.anyOf ?? []) as SchemaObject[];
  const index = (s.$defs as Record<string, SchemaObject>).index;
  const indexKey = (((index?.properties as Record<string, SchemaObject> | undefined)?.columns?.items as SchemaObject | undefined)?.anyOf as SchemaObject[] | undefined)?.[1];
  const columnObject = ((columnsAnyOf[1]?.items as SchemaObject | undefined)?.anyOf as SchemaObject[] | undefined)?.[1];
  return [
    { place: 'the top level of the plan', keys: props(s) },
    { place: 'rules', keys: props((s.properties as Record<string, unknown>).rules) },
    { place: 'an entry of tables', keys: props(table) },
    { place: 'a column entry ({name: …, method: …})', keys: props(columnObject) },
    // Last, so that a key both kinds of entry have is still said to belong in a column entry.
    { place: 'an entry of indexes ({columns: […], unique: …})', keys: props(index) },
    { place: 'a key of an entry of indexes ({name: …, order: desc})', keys: props(indexKey) },
    { place: "an index entry's with ({fillfactor: …})", keys: props((index?.properties as Record<string, SchemaObject> | undefined)?.with) },
  ];
}
