/**
 * The $n parameters of one statement, and the shape signature of the arguments that
 * produced them: two requests with the same signature get the same SQL text (only the
 * values differ), so the text is built once and cached.
 */
export class StatementParams {
  readonly values: unknown[] = [];
  private readonly shape: string[] = [];

  /** Binds a value; returns its $n number. */
  add(value: unknown): number {
    this.values.push(value);
    return this.values.length;
  }

  /** Records a part of the statement's shape. */
  mark(token: string): void {
    this.shape.push(token);
  }

  signature(): string {
    return this.shape.join(' ');
  }
}
