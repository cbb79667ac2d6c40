// The few Node built-ins the `node --test` files use, typed for `npm run check` without
// pulling in @types/node.
declare module "node:test" {
  export function test(name: string, fn: () => void | Promise<void>): void;
}
declare module "node:assert/strict" {
  const assert: {
    (value: unknown, message?: string): asserts value;
    ok(value: unknown, message?: string): asserts value;
    equal(actual: unknown, expected: unknown, message?: string): void;
    deepEqual(actual: unknown, expected: unknown, message?: string): void;
    match(actual: string, expected: RegExp, message?: string): void;
    doesNotMatch(actual: string, expected: RegExp, message?: string): void;
  };
  export default assert;
}
declare module "node:fs" {
  export function readFileSync(path: URL | string, encoding: string): string;
  export function copyFileSync(from: URL | string, to: URL | string): void;
  export function existsSync(path: URL | string): boolean;
  export function mkdirSync(path: URL | string, options?: { recursive?: boolean }): void;
}
