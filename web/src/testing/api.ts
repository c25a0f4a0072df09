//! Stubbed server answers, typed by the OpenAPI document (src/lib/api-schema.d.ts): a stub can
//! only use a status the operation documents, with that status's body. A problem body must be a
//! whole `Problem` whose `code` is an `ErrorCode` the server has, so a stub the server could not
//! send fails `tsc` instead of passing a test.
import type { components, operations } from '@/lib/api-schema';

export type Problem = components['schemas']['Problem'];
export type ErrorCode = components['schemas']['ErrorCode'];

type Responses<Op extends keyof operations> = operations[Op]['responses'];

/** What operation `Op` sends with status `S` (`null` for a status without a body, like 204). */
export type ResponseBody<Op extends keyof operations, S extends keyof Responses<Op>> =
  Responses<Op>[S] extends { content: infer C } ? C[keyof C] : null;

declare const typed: unique symbol;

/** A stubbed answer; only `reply` makes one, so every stub goes through the schema's types. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly [typed]: true;
}

/** The answer of operation `op` (its OpenAPI operationId) with `status` and `body`. */
export function reply<Op extends keyof operations, S extends keyof Responses<Op> & number>(
  op: Op,
  status: S,
  body: NoInfer<ResponseBody<Op, S>>,
): Reply {
  void op; // only typed: it picks the schema the body is checked against
  return { status, body } as unknown as Reply;
}

/** A problem body as the server renders it: `type` is always about:blank. */
export function problem(status: number, code: ErrorCode, title: string, more: Pick<Problem, 'detail' | 'errors'> = {}): Problem {
  return { type: 'about:blank', title, status, code, ...more };
}
