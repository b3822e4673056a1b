import { toFraiseqlError, type FraiseqlError } from '@fraiseql/errors';
import type { OperationPlan } from './plan-types';

function errorJson(key: string, error: FraiseqlError): string {
  return JSON.stringify({ message: error.message, path: [key], extensions: error.toExtensions() });
}

/**
 * The response body `{"data":{...},"errors":[...]}`, splicing each statement's JSON text
 * as PostgreSQL produced it (never parsed). `results[i]` belongs to `plan.steps[i]`: for a 'native' step or a
 * 'sql' step the JSON text, null (no row: the field is null) or the Error the statement
 * failed with. A failed field is null with an error whose path is [key]; errors that are
 * not FraiseqlErrors are reported as FRAISEQL_INTERNAL without their message.
 */
export function assembleResponse(plan: OperationPlan, results: Array<string | null | Error>): string {
  let data = '';
  const errors: string[] = [];
  plan.steps.forEach((step, i) => {
    let value: string;
    if (step.kind === 'json') {
      value = step.json;
    } else if (step.kind === 'error') {
      value = 'null';
      errors.push(errorJson(step.responseKey, step.error));
    } else {
      const result = results[i];
      if (result instanceof Error) {
        value = 'null';
        errors.push(errorJson(step.responseKey, toFraiseqlError(result)));
      } else {
        value = result ?? 'null';
      }
    }
    data += `${i === 0 ? '' : ','}${JSON.stringify(step.responseKey)}:${value}`;
  });
  return errors.length === 0 ? `{"data":{${data}}}` : `{"data":{${data}},"errors":[${errors.join(',')}]}`;
}
