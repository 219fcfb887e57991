// Builds Kino's web client: one ES module per page (src/pages/*.js) bundled by esbuild into
// static/build/, with content-hashed names, and a manifest the server reads:
//   { "scripts": { "watch": "/static/build/watch-HASH.js", ... },
//     "styleHashes": ["sha256-...", ...] }
// styleHashes are the CSP hashes of the <style> blocks media-chrome and hls-video-element
// put in their shadow roots, so the pages' Content-Security-Policy allows exactly those and
// no other inline style.
// Each script also gets a Brotli (.br) and a gzip (.gz) copy, which the server sends to the
// browsers that accept them (kino/http/web/built.py).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const pages = join(here, 'src', 'pages');
const out = join(here, 'static', 'build');

async function bundle() {
  const entries = (await readdir(pages)).filter((name) => name.endsWith('.js'));
  const result = await esbuild.build({
    entryPoints: entries.map((name) => join(pages, name)),
    outdir: out,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    sourcemap: false,
    target: ['chrome110', 'firefox110', 'safari16'],
    metafile: true,
    logLevel: 'warning',
    legalComments: 'linked',
  });
  const scripts = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (!meta.entryPoint) continue;
    scripts[basename(meta.entryPoint, '.js')] = '/static/build/' + relative(out, join(process.cwd(), file));
  }
  return scripts;
}

async function shadowStyleHashes() {
  const modules = [await import('media-chrome'), await import('media-chrome/menu'),
                   await import('hls-video-element')];
  const hashes = new Set();
  for (const module of modules) {
    for (const element of Object.values(module)) {
      if (typeof element?.getTemplateHTML !== 'function') continue;
      const html = element.getTemplateHTML({});
      for (const match of html.matchAll(/<style(?:\s[^>]*)?>([\s\S]*?)<\/style>/g)) {
        hashes.add('sha256-' + createHash('sha256').update(match[1]).digest('base64'));
      }
    }
  }
  return [...hashes].sort();
}

async function precompress() {
  const brotli = promisify(brotliCompress);
  const deflate = promisify(gzip);
  const scripts = (await readdir(out)).filter((name) => name.endsWith('.js'));
  await Promise.all(scripts.map(async (name) => {
    const source = await readFile(join(out, name));
    const params = { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length };
    await writeFile(join(out, `${name}.br`), await brotli(source, { params }));
    await writeFile(join(out, `${name}.gz`), await deflate(source, { level: 9 }));
  }));
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const manifest = { scripts: await bundle(), styleHashes: await shadowStyleHashes() };
await precompress();
await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`web client built: ${Object.keys(manifest.scripts).length} pages, ` +
            `${manifest.styleHashes.length} shadow-root style hashes`);
