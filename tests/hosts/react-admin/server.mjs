// The react-admin host's backend: its page, its bundle (app.jsx built by esbuild, cached by
// content), a second front end in Vue 3 (/vue/posts/<id>), a REST API for ra-data-simple-rest that keeps posts in memory and remembers every
// write (tests read what react-admin saved), and /tandem-token, which asks Tandem for the
// logged-in user's token with the host's API key, as a real host does. Users are a `user` cookie.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const CACHE = join(ROOT, 'node_modules/.cache/tandem-react-admin');

/** Builds app.jsx once per content of the app and the installed versions (package-lock.json). */
export async function buildApp() {
  const key = createHash('sha256')
    .update(readFileSync(join(HERE, 'app.jsx')))
    .update(readFileSync(join(ROOT, 'package-lock.json')))
    .digest('hex')
    .slice(0, 16);
  const out = join(CACHE, `app-${key}.js`);
  if (!existsSync(out)) {
    mkdirSync(CACHE, { recursive: true });
    const r = await build({
      entryPoints: [join(HERE, 'app.jsx')],
      bundle: true,
      format: 'iife',
      target: ['es2020'],
      jsx: 'automatic',
      minify: true,
      define: { 'process.env.NODE_ENV': '"production"' },
      write: false,
      logLevel: 'warning',
    });
    writeFileSync(out, r.outputFiles[0].contents);
  }
  return out;
}

export const seedPosts = () => [
  { id: 1, title: 'Hello world', body: 'First post.\nSecond line.', status: 'draft', featured: false, published_on: '2024-07-01', review_on: '2024-08-01', category: 'tech' },
  { id: 2, title: 'Second post', body: 'Another body.', status: 'review', featured: true, published_on: '2024-07-02', review_on: null, category: 'life' },
  { id: 3, title: 'Third post', body: '', status: 'draft', featured: false, published_on: null, review_on: '2024-10-01', category: 'news' },
  { id: 4, title: 'Fourth post', body: 'Short.', status: 'review', featured: false, published_on: null, review_on: null, category: 'life' },
];

const page = (tandemUrl) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Posts admin</title><link rel="icon" href="data:,">
<script src="${tandemUrl}/tandem.js" data-server="${tandemUrl}" data-token-url="/tandem-token" defer></script>
</head><body><div id="root"></div><script src="/app.js"></script></body></html>`;

/** The same backend's second front end: a Vue 3 page (v-model inputs) editing one post, saved with fetch. */
const vuePage = (tandemUrl) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Post (Vue)</title><link rel="icon" href="data:,">
<script src="${tandemUrl}/tandem.js" data-server="${tandemUrl}" data-token-url="/tandem-token" defer></script>
</head><body><div id="app"></div><script src="/vendor/vue.js"></script><script>
const id = location.pathname.split('/').pop();
Vue.createApp({
  data: () => ({ post: null, saved: false }),
  async mounted() { this.post = await (await fetch('/api/posts/' + id)).json(); },
  methods: {
    async save() {
      const r = await fetch('/api/posts/' + id, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.post) });
      this.saved = r.ok;
    },
  },
  template: \`<form v-if="post" @submit.prevent="save">
    <label>Title <input name="title" v-model="post.title"></label>
    <label>Body <textarea name="body" v-model="post.body"></textarea></label>
    <label>Status <select name="status" v-model="post.status"><option value="draft">Draft</option><option value="review">In review</option><option value="published">Published</option><option value="archived">Archived</option></select></label>
    <label><input type="checkbox" name="featured" v-model="post.featured"> Featured</label>
    <button type="submit">Save</button> <span v-if="saved">Saved</span>
  </form>\`,
}).mount('#app');
</script></body></html>`;

/**
 * Starts the host on `port` (0: any). `tandemUrl` and `apiKey`: the Tandem it asks for tokens.
 * Returns { url, posts (the live records by id), writes (every PUT: { id, body, user }), stop }.
 */
export async function startHost({ tandemUrl, apiKey, port = 0 }) {
  const bundle = readFileSync(await buildApp());
  const vue = readFileSync(join(ROOT, 'node_modules/vue/dist/vue.global.prod.js'));
  const posts = new Map(seedPosts().map((p) => [p.id, p]));
  const writes = [];
  const userOf = (req) => /(?:^|;\s*)user=([a-z]+)/.exec(req.headers.cookie ?? '')?.[1] ?? null;
  const send = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };
  const readBody = (req) =>
    new Promise((ok, fail) => {
      let s = '';
      req.on('data', (d) => (s += d));
      req.on('end', () => {
        try {
          ok(s ? JSON.parse(s) : {});
        } catch (e) {
          fail(e);
        }
      });
    });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://host.invalid');
    const rec = /^\/api\/posts\/(\d+)$/.exec(url.pathname);
    try {
      if (url.pathname === '/app.js') return send(res, 200, bundle, { 'content-type': 'text/javascript' });
      if (url.pathname === '/vendor/vue.js') return send(res, 200, vue, { 'content-type': 'text/javascript' });
      if (url.pathname === '/tandem-token') {
        const user = userOf(req);
        if (!user) return send(res, 401, { error: 'not logged in' });
        const r = await fetch(`${tandemUrl}/api/v1/auth/token`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sub: user, name: user[0].toUpperCase() + user.slice(1), roles: ['editor'], perms: { '*': ['read', 'write', 'comment'] } }),
        });
        const body = await r.json();
        return r.ok ? send(res, 200, { token: body.token }) : send(res, 502, { error: 'Tandem did not issue a token', detail: body });
      }
      if (url.pathname === '/api/posts' && req.method === 'GET') {
        const all = [...posts.values()];
        return send(res, 200, all, { 'content-range': `posts 0-${Math.max(0, all.length - 1)}/${all.length}`, 'access-control-expose-headers': 'Content-Range' });
      }
      if (rec && req.method === 'GET') {
        const p = posts.get(Number(rec[1]));
        return p ? send(res, 200, p) : send(res, 404, { error: 'no such post' });
      }
      if (rec && req.method === 'PUT') {
        const id = Number(rec[1]);
        if (!posts.has(id)) return send(res, 404, { error: 'no such post' });
        const body = await readBody(req);
        const saved = { ...body, id };
        posts.set(id, saved);
        writes.push({ id, body, user: userOf(req) });
        return send(res, 200, saved);
      }
      if (url.pathname.startsWith('/api/')) return send(res, 404, { error: 'not found' });
      // The app's page for every other path: hash routes live under /, history routes under /app/, the Vue page under /vue/posts/<id>.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(url.pathname.startsWith('/vue/') ? vuePage(tandemUrl) : page(tandemUrl));
    } catch (err) {
      send(res, 500, { error: String(err) });
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    posts,
    writes,
    stop: () => new Promise((ok) => (server.closeAllConnections(), server.close(() => ok()))),
  };
}

// `node tests/hosts/react-admin/server.mjs`: run it by hand next to `npm start` (dev mode's API key).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tandemUrl = process.env.TANDEM_URL ?? 'http://localhost:3000';
  const apiKey = process.env.TANDEM_API_KEY ?? 'tdm_dev_local_only_do_not_use_in_production';
  const h = await startHost({ tandemUrl, apiKey, port: Number(process.env.PORT ?? 5173) });
  console.log(`react-admin host on ${h.url} (hash routes: /#/posts, history routes: /app/posts); log in with document.cookie = "user=alice"`);
}
