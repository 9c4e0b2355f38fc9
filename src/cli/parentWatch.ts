/**
 * Under `npx` (and npm scripts that do not `exec`), npm passes SIGTERM and SIGINT to a shell that does not pass
 * them on, and this process would be left running without a parent. Started that way, it watches its parent and
 * stops as if signalled (SIGTERM) when the parent is gone. Started any other way (a service manager, nohup, a
 * terminal), nothing changes.
 */
export function stopWithNpmParent(intervalMs = 500): void {
  if (!process.env.npm_command && !process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, intervalMs);
  timer.unref();
}
