// The demo pages use the widget libraries real admin pages ship (select2, datepickers, Tom Select,
// flatpickr), installed from the npm registry: served from node_modules under /demo/vendor/, in
// development mode only, and only the files listed here.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const root = (pkg: string) => dirname(require.resolve(`${pkg}/package.json`));

/** URL name → file inside a package. */
export const VENDOR_FILES: Record<string, [pkg: string, file: string, type: string]> = {
  'jquery.js': ['jquery', 'dist/jquery.min.js', 'text/javascript'],
  'select2.js': ['select2', 'dist/js/select2.full.min.js', 'text/javascript'],
  'select2.css': ['select2', 'dist/css/select2.min.css', 'text/css'],
  'bootstrap-datepicker.js': ['bootstrap-datepicker', 'dist/js/bootstrap-datepicker.min.js', 'text/javascript'],
  'bootstrap-datepicker.css': ['bootstrap-datepicker', 'dist/css/bootstrap-datepicker3.standalone.min.css', 'text/css'],
  'jquery-ui.js': ['jquery-ui', 'dist/jquery-ui.min.js', 'text/javascript'],
  'jquery-ui.css': ['jquery-ui', 'dist/themes/base/jquery-ui.min.css', 'text/css'],
  'flatpickr.js': ['flatpickr', 'dist/flatpickr.min.js', 'text/javascript'],
  'flatpickr.css': ['flatpickr', 'dist/flatpickr.min.css', 'text/css'],
  'tom-select.js': ['tom-select', 'dist/js/tom-select.complete.min.js', 'text/javascript'],
  'tom-select.css': ['tom-select', 'dist/css/tom-select.min.css', 'text/css'],
};

export default async function widgetRoutes(app: FastifyInstance) {
  app.get<{ Params: { name: string } }>('/demo/vendor/:name', { schema: { hide: true } }, async (req, reply) => {
    const entry = VENDOR_FILES[req.params.name];
    if (!entry) return reply.code(404).send({ error: { code: 'not_found', message: 'No such demo asset' } });
    const [pkg, file, type] = entry;
    const body = await readFile(join(root(pkg), file));
    return reply.type(`${type}; charset=utf-8`).header('cache-control', 'public, max-age=3600').send(body);
  });
  // jquery-ui.css asks for its icon sprites relative to itself.
  app.get<{ Params: { name: string } }>('/demo/vendor/images/:name', { schema: { hide: true } }, async (req, reply) => {
    if (!/^ui-icons_[0-9a-f]{6}_256x240\.png$/.test(req.params.name)) return reply.code(404).send({ error: { code: 'not_found', message: 'No such demo asset' } });
    const body = await readFile(join(root('jquery-ui'), 'dist/themes/base/images', req.params.name)).catch(() => null);
    if (!body) return reply.code(404).send({ error: { code: 'not_found', message: 'No such demo asset' } });
    return reply.type('image/png').header('cache-control', 'public, max-age=3600').send(body);
  });
}
