// How long each function is on its own: the lines of its body less those of the functions nested in it
// (a callback, a method of a returned object), which are counted for themselves. A long function hides
// behind a short file; this finds it. `node --require ./harness/testing/swc-register.js
// harness/testing/function-lines.ts [limit]` lists the product's functions above the limit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export interface FunctionLength {
  file: string;
  /** The function's name, or where it is assigned (`const x = () => ...`, `{ key() {...} }`). */
  name: string;
  /** 1-based line of its first token. */
  line: number;
  /** Its lines less the lines of functions nested in it (a nested function's first line stays the parent's). */
  own: number;
}

function isFunction(n: ts.Node): n is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isFunctionExpression(n) ||
    ts.isArrowFunction(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n)
  );
}

function nameOf(n: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(n)) return 'constructor';
  if (n.name) return n.name.getText(sf);
  const p = n.parent;
  if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p))
    return p.name.getText(sf);
  if (ts.isCallExpression(p)) return `(callback of ${p.expression.getText(sf).slice(0, 40)})`;
  return '(anonymous)';
}

/** Every function of one source text with its own length. */
export function functionLengths(file: string, text: string): FunctionLength[] {
  const kind = file.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node, owner: { lines: Set<number> } | undefined): void => {
    if (isFunction(node) && node.body) {
      const first = lineOf(node.getStart(sf));
      const last = lineOf(node.getEnd());
      // The nested function's lines after its first belong to it, not to the function that holds it.
      if (owner) for (let l = first + 1; l <= last; l++) owner.lines.delete(l);
      const own = { lines: new Set<number>() };
      for (let l = first; l <= last; l++) own.lines.add(l);
      ts.forEachChild(node, (c) => visit(c, own));
      out.push({ file, name: nameOf(node, sf), line: first + 1, own: own.lines.size });
      return;
    }
    ts.forEachChild(node, (c) => visit(c, owner));
  };
  visit(sf, undefined);
  return out.sort((a, b) => a.line - b.line);
}

/** Product sources under the given folders: .ts and .js files that are not tests, test helpers or fixtures. */
export function productFiles(root: string, folders: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!['node_modules', 'dist', 'testing', 'fixtures'].includes(e.name)) walk(p);
      } else if (/\.(ts|js)$/.test(e.name) && !/\.test\.ts$|\.d\.ts$|\.min\.js$/.test(e.name)) out.push(p);
    }
  };
  for (const f of folders) walk(path.join(root, f));
  return out.sort();
}

/** Functions of the product (harness/, clusters/, scenarios/) longer than `limit` lines of their own, longest first. */
export function longFunctions(root: string, limit: number): FunctionLength[] {
  return productFiles(root, ['harness', 'clusters', 'scenarios'])
    .flatMap((f) => functionLengths(path.relative(root, f), fs.readFileSync(f, 'utf8')))
    .filter((f) => f.own > limit)
    .sort((a, b) => b.own - a.own);
}

if (require.main === module) {
  const limit = Number(process.argv[2] ?? 80);
  const root = path.resolve(__dirname, '../..');
  const long = longFunctions(root, limit);
  for (const f of long) process.stdout.write(`${String(f.own).padStart(4)}  ${f.file}:${f.line}  ${f.name}\n`);
  process.stdout.write(`${long.length} function(s) over ${limit} lines of their own\n`);
}
