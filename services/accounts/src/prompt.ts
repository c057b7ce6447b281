import { spawnSync } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';

/**
 * Asks for one line at a time on the terminal (or a pipe). Lines that arrive before they are
 * asked for wait in order, so a script can pipe every answer in at once. Answers are never
 * printed back or logged: a PIN or an app secret typed here goes only where it is needed, and a
 * secret typed at a terminal is not shown as it is typed (the terminal's echo is off meanwhile).
 */
export class Prompt {
  private rl: Interface | null = null;
  private readonly lines: string[] = [];
  private readonly waiting: Array<(line: string | null) => void> = [];
  private ended = false;
  private readonly input: NodeJS.ReadableStream;
  private readonly output: NodeJS.WritableStream;

  constructor(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stderr) {
    this.input = input;
    this.output = output;
  }

  private open(): void {
    if (this.rl) return;
    this.rl = createInterface({ input: this.input, terminal: false });
    this.rl.on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w(line.trim());
      else this.lines.push(line.trim());
    });
    this.rl.on('close', () => {
      this.ended = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /**
   * One answer; `what` names it in the error when the input ended first. A `secret` typed at a
   * terminal is read with the terminal's echo off, so it lands in no scrollback or screen recording.
   */
  async ask(question: string, what: string, secret = false): Promise<string> {
    this.open();
    this.output.write(question);
    const hide = secret && this.lines.length === 0 && this.isTerminal();
    if (hide) this.echo(false);
    try {
      const line =
        this.lines.shift() ??
        (this.ended ? null : await new Promise<string | null>((r) => this.waiting.push(r)));
      if (!line) throw new Error(`${what}: no answer was given`);
      return line;
    } finally {
      if (hide) {
        this.echo(true);
        this.output.write('\n');
      }
    }
  }

  private isTerminal(): boolean {
    return this.input === process.stdin && process.stdin.isTTY === true;
  }

  /** `stty` on the terminal itself: readline's own muting needs terminal mode, which breaks piped answers. */
  private echo(on: boolean): void {
    spawnSync('stty', [on ? 'echo' : '-echo'], { stdio: ['inherit', 'ignore', 'ignore'] });
  }

  close(): void {
    this.rl?.close();
  }
}
