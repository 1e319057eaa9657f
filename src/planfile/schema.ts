/**
 * The plan format's JSON Schema (schemas/pgindex.schema.json, the same file editors use) compiled with
 * ajv. Errors come back raw; schema-errors.ts turns them into messages.
 *
 * The build compiles it ahead of time (scripts/compile-plan-schema.ts) into COMPILED_VALIDATOR_FILE
 * beside this module; without that file (a build that did not run the step) it is compiled here, on
 * first use, with the same options.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, SchemaObject, ValidateFunction } from 'ajv/dist/2020.js';

// ajv itself is loaded only when it is needed (the build step, or a build without its output): its
// modules cost every command's start-up some 50 ms.
const require = createRequire(import.meta.url);

const SCHEMA_URL = new URL('../../../schemas/pgindex.schema.json', import.meta.url);

/** The generated validator's file name, in the directory of this module once built. */
export const COMPILED_VALIDATOR_FILE = 'plan-schema.validate.cjs';

let schema: SchemaObject | undefined;
let validator: ValidateFunction | undefined;

export function planSchema(): SchemaObject {
  schema ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as SchemaObject;
  return schema;
}

/**
 * The one ajv configuration of the plan schema. allErrors and verbose: every problem, with the failing
 * schemas attached (the messages read them). strict: a mistake in the schema itself must fail loudly,
 * not validate less than it says. `source` keeps the generated code, for the build step.
 */
export function newPlanSchemaAjv(opts: { source?: boolean } = {}): Ajv2020 {
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  return new Ajv({ allErrors: true, verbose: true, strict: true, ...(opts.source ? { code: { source: true } } : {}) });
}

function loadValidator(): ValidateFunction {
  try {
    return require(`./${COMPILED_VALIDATOR_FILE}`) as ValidateFunction;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    return newPlanSchemaAjv().compile(planSchema());
  }
}

/** Every schema violation in `data` (allErrors), with the failing schemas attached (verbose). */
export function schemaErrors(data: unknown): ErrorObject[] {
  validator ??= loadValidator();
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

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
