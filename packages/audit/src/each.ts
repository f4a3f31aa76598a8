/**
 * The items of a sync or an async iterable, as one async iterable of `T`. A `for await` straight
 * over the union `AsyncIterable<T> | Iterable<T>` is typed `T` by the compiler only sometimes: a
 * whole-repository type-aware lint once read it as `any` (no-unsafe-argument) where linting the
 * file alone did not. Narrowing first leaves no union to iterate.
 */
export async function* each<T>(items: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  if (Symbol.asyncIterator in items) for await (const item of items) yield item;
  else for (const item of items) yield item;
}
