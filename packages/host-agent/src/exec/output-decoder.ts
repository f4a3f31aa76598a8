// C0 controls except tab, newline and carriage return; DEL; C1 controls.
// eslint-disable-next-line no-control-regex -- these are exactly the characters being looked for
const ANY_UNSAFE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/;

function isUnsafe(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0x7f && code <= 0x9f);
}

/**
 * Turns a process's raw output bytes into text that is safe to show and to replay in a terminal: UTF-8
 * decoded across chunk boundaries, invalid bytes replaced by U+FFFD, and control characters (including ESC,
 * so no escape sequence from a hostile file can drive the viewer's terminal) written as visible `\xHH`.
 */
export class OutputDecoder {
  readonly #decoder = new TextDecoder('utf-8', { fatal: false });
  #binary = false;

  /** True once any byte was not valid UTF-8 text or was a NUL. */
  get binary(): boolean {
    return this.#binary;
  }

  push(bytes: Uint8Array): string {
    if (!this.#binary && bytes.includes(0)) this.#binary = true;
    return this.#clean(this.#decoder.decode(bytes, { stream: true }));
  }

  end(): string {
    return this.#clean(this.#decoder.decode());
  }

  #clean(text: string): string {
    if (!this.#binary && text.includes('\uFFFD')) this.#binary = true;
    if (!ANY_UNSAFE.test(text)) return text;
    let out = '';
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (!isUnsafe(code)) continue;
      out += `${text.slice(from, i)}\\x${code.toString(16).padStart(2, '0')}`;
      from = i + 1;
    }
    return from === 0 ? text : out + text.slice(from);
  }
}
