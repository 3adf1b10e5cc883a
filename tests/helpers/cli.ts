import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `tandem` CLI (src/cli/main.ts) as its own process, like `npm run tandem -- …`. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // Bounds a hung run only: the embedded database's cold start took over 30 s on a loaded machine.
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A new tenant and an API key for it, made with the CLI against `databaseUrl`, as an operator would; returns the key. */
export async function tenantWithKey(databaseUrl: string, tenant: string, name: string, keyName: string): Promise<string> {
  const cli = async (args: string[]) => {
    const r = await runCli([...args, '--json'], { DATABASE_URL: databaseUrl });
    if (r.code !== 0) throw new Error(`tandem ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, string>;
  };
  await cli(['tenant', 'create', tenant, '--name', name]);
  return (await cli(['key', 'create', tenant, '--name', keyName])).key!;
}
