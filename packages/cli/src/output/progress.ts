// A one-line progress display on stderr, only when stderr is a terminal, redrawn at most
// ten times a second so it never costs real time.
export class Progress {
  readonly #enabled: boolean;
  #lastDraw = 0;
  #drawn = false;

  constructor(enabled: boolean = process.stderr.isTTY === true) {
    this.#enabled = enabled;
  }

  update(text: string): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const width = process.stderr.columns ?? 80;
    process.stderr.write(`\r\x1b[K${text.slice(0, width - 1)}`);
    this.#drawn = true;
  }

  done(): void {
    if (this.#drawn) process.stderr.write('\r\x1b[K');
    this.#drawn = false;
  }
}
