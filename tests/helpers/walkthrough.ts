/**
 * Reads the walk-throughs of the documentation as commands: the fenced `sh` blocks of a Markdown
 * file, split into shell words, and `pulumi config set` sequences turned into the stack file
 * Pulumi would write (`Pulumi.<stack>.yaml`), so a test can run what a reader would type.
 */

/** The commands of every fenced `sh` block, in order: comments dropped, one string per line. */
export function shellBlocks(markdown: string): string[][] {
  const blocks: string[][] = [];
  for (const match of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    blocks.push(
      match[1]!
        .split("\n")
        .map(withoutComment)
        .map((line) => line.trim())
        .filter(Boolean),
    );
  }
  return blocks;
}

/** A line without its trailing `# comment` (a `#` outside quotes, at the start or after a space). */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** Shell words of one command line (single and double quotes; no expansion). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = undefined;
      else word = (word ?? "") + c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? "") + c;
  }
  if (quote) throw new Error(`unterminated quote in: ${line}`);
  if (word !== undefined) words.push(word);
  return words;
}

/** `a.b[0].c` as keys and indexes. */
function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const part of path.split(".")) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`not a config path: ${path}`);
    segments.push(m[1]!, ...[...m[2]!.matchAll(/\[(\d+)\]/g)].map((i) => Number(i[1])));
  }
  return segments;
}

type Tree = Record<string, unknown> | unknown[];

function setAt(root: Record<string, unknown>, segments: readonly (string | number)[], value: unknown): void {
  let node: Tree = root;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    const slot = node as Record<string | number, unknown>;
    if (last) slot[segment] = value;
    else {
      slot[segment] ??= typeof segments[i + 1] === "number" ? [] : {};
      node = slot[segment] as Tree;
    }
  });
}

/**
 * The `config` map Pulumi writes for a sequence of `pulumi config set [--secret] [--path] key value`
 * commands of project `project`: a `--secret` value becomes ciphertext (`{secure: ...}`) where
 * it is set, as Pulumi stores it. Other commands are returned untouched, for the caller to judge.
 */
export function pulumiConfigOf(
  commands: readonly string[],
  project: string,
): { config: Record<string, unknown>; others: string[] } {
  const config: Record<string, unknown> = {};
  const others: string[] = [];
  for (const command of commands) {
    const words = shellWords(command);
    if (words[0] !== "pulumi" || words[1] !== "config" || words[2] !== "set") {
      others.push(command);
      continue;
    }
    const flags = words.slice(3).filter((w) => w.startsWith("--"));
    const [key, value, ...rest] = words.slice(3).filter((w) => !w.startsWith("--"));
    const unknown = flags.filter((f) => f !== "--secret" && f !== "--path");
    if (!key || value === undefined || rest.length > 0 || unknown.length > 0)
      throw new Error(`cannot read this config command: ${command}`);
    const stored = flags.includes("--secret") ? { secure: "v1:walkthrough-ciphertext" } : value;
    const segments = flags.includes("--path") ? pathSegments(key) : [key];
    const [top, ...inner] = segments;
    const qualified = `${project}:${String(top)}`;
    if (inner.length === 0) config[qualified] = stored;
    else {
      const holder: Record<string, unknown> = { [qualified]: config[qualified] };
      setAt(holder, [qualified, ...inner], stored);
      config[qualified] = holder[qualified];
    }
  }
  return { config, others };
}
