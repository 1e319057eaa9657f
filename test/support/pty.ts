/**
 * The built CLI on a pseudo-terminal, as a person at a terminal runs it: stdin, stdout and stderr are
 * all the terminal (isTTY, raw mode, Ctrl-C as a key). Node has no pty of its own, so Python's `pty`
 * module holds the other end: it starts the command, types `answer` (or sends `signal`) once the
 * question "Proceed? [y/N] " has appeared, and hands back everything the terminal showed and the
 * exit code.
 */
import { spawn } from 'node:child_process';
import { CLI_PATH } from './cli.js';

/** What the driver types when the question appears: the keys as a terminal sends them (Enter is \r). */
export const KEYS = { yes: 'y\r', no: 'n\r', enter: '\r', ctrlC: '\x03' } as const;

export interface PtyResult {
  code: number;
  /** Everything written to the terminal, stdout and stderr together, as the person saw it (with \r\n). */
  screen: string;
  /** Whether the question appeared (and `answer`, if any, was typed). */
  asked: boolean;
}

const DRIVER = String.raw`
import fcntl, os, pty, select, signal, struct, sys, termios, time
answer = os.environ.pop('PTY_ANSWER', None)
send = os.environ.pop('PTY_SIGNAL', None)
question = b'Proceed? [y/N] '
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
screen = b''
asked = False
# Not a timing of the test: a stuck child must not hang the suite forever.
give_up = time.monotonic() + 300
while time.monotonic() < give_up:
    ready, _, _ = select.select([fd], [], [], 1)
    if not ready:
        continue
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    screen += data
    if not asked and question in screen:
        asked = True
        if answer is not None:
            os.write(fd, answer.encode())
        if send is not None:
            os.kill(pid, getattr(signal, send))
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(b'ASKED\n' if asked else b'NOT ASKED\n')
sys.stdout.buffer.write(screen)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

/** `pgindex ARGS` in `cwd` on a terminal of 80×24; `answer` is typed, or `signal` sent, when the question appears. */
export function runOnTerminal(
  args: string[],
  opts: { cwd: string; answer?: string; signal?: 'SIGTERM' | 'SIGHUP'; env?: NodeJS.ProcessEnv },
): Promise<PtyResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, TERM: 'xterm', ...opts.env };
  if (opts.answer !== undefined) env.PTY_ANSWER = opts.answer;
  if (opts.signal !== undefined) env.PTY_SIGNAL = opts.signal;
  const child = spawn('python3', ['-c', DRIVER, process.execPath, CLI_PATH, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (err) return reject(new Error(`the terminal driver failed: ${err}`));
      const [first, ...rest] = out.split('\n');
      resolve({ code: code ?? -1, screen: rest.join('\n'), asked: first === 'ASKED' });
    });
  });
}
