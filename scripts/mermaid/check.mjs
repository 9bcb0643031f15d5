#!/usr/bin/env node
// Checks Mermaid text with the real Mermaid parser (mermaid.parse, the
// grammar GitHub's renderer uses), headless under jsdom: no browser.
// Usage: node check.mjs FILE... (or stdin when no file is given).
// Exit 0 when every input parses, 1 on a parse error (the file and the
// parser's message on stderr), 2 when an input cannot be read.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const files = process.argv.slice(2);
const inputs = [];
for (const file of files.length ? files : ['-']) {
  try {
    inputs.push([file, readFileSync(file === '-' ? 0 : file, 'utf8')]);
  } catch (e) {
    console.error(`check.mjs: cannot read ${file}: ${e.message}`);
    process.exit(2);
  }
}

// Mermaid cleans labels with DOMPurify, which needs a window when mermaid
// is imported: the DOM globals go first, then mermaid is imported.
const { window } = new JSDOM('<!doctype html><html><body></body></html>');
for (const name of ['window', 'document', 'DOMParser', 'Element', 'HTMLElement', 'Node']) {
  globalThis[name] = name === 'window' ? window : window[name];
}
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
for (const [file, text] of inputs) {
  try {
    const parsed = await mermaid.parse(text);
    console.log(`${file}: ok (${parsed.diagramType})`);
  } catch (e) {
    console.error(`${file}: ${e?.message ?? String(e)}`);
    process.exit(1);
  }
}
