/**
 * V8's tiering for a process that runs one program and exits: `--require`d first by the one-shot
 * npm scripts (synth, tenant, affected, policy:config, docs), the benchmark's subjects and the
 * tests' CLI processes
 * (ONE_SHOT_NODE_ARGS in lib/typescriptNode.ts says why, with the figures). TurboFan takes a
 * function once it has run 8 times V8's default interrupt budget of bytecode.
 *
 * Only on V8 11 (Node 20), where it was measured. V8 12 and later (Node 22, 24) have no
 * --interrupt-budget (node refuses to start when it is on the command line, which is why this is
 * a preload and not a flag) and tier through Maglev first: they keep their defaults until
 * measured there.
 */
"use strict";
if (process.versions.v8.startsWith("11.")) require("node:v8").setFlagsFromString("--interrupt-budget=540672");
