/**
 * A result as a plain value: a failure (`Left`) or a success (`Right`). It is
 * fp-ts's `Either`, shape for shape (the project uses fp-ts inside), declared
 * here so that the library's public types need no fp-ts: a user narrows on
 * `_tag`, and an fp-ts user passes it to fp-ts's functions as it is.
 */
export interface Left<E> {
  readonly _tag: 'Left';
  readonly left: E;
}

export interface Right<A> {
  readonly _tag: 'Right';
  readonly right: A;
}

export type Either<E, A> = Left<E> | Right<A>;
