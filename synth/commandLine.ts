/**
 * What the command-line tools (`npm run synth`, `npm run tenant`, `npm run policy:config`) share:
 * commander programs that report usage errors as exit code 2 instead of exiting the process
 * (the scripts set process.exitCode so output still being written ends whole: see scripts/synth.ts),
 * option parsers, and reading a stack's YAML config as a usage error rather than a stack trace.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { YAMLError } from "yaml";
import { readStackConfig, type StackConfig } from "./stackConfig";

/** A command line that cannot be run as given (exit code 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Exit code of a command line that commander rejected. */
const USAGE_EXIT_CODE = 2;

/** Sets the exit code of the action that ran. */
export type Done = (code: number) => void;

/** A commander program that throws instead of exiting; subcommands made with `.command()` inherit this. */
export function program(name: string): Command {
  return new Command(name).exitOverride().showHelpAfterError("(add --help for usage)");
}

/**
 * Parses `argv` (the arguments after the script) and runs the chosen action. Returns the
 * action's exit code, 0 after `--help`, 2 for a command line commander rejected (it has
 * already printed the error). Errors of the action itself propagate.
 */
export async function runProgram(build: (done: Done) => Command, argv: readonly string[]): Promise<number> {
  let code = 0;
  const command = build((result) => {
    code = result;
  });
  try {
    await command.parseAsync([...argv], { from: "user" });
  } catch (error) {
    // Commander answers help requests with exit code 0, and a missing command (help on stderr) with 1.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    throw error;
  }
  return code;
}

/** An option parser for integers of at least `min` ("abc", "1.5" and "-3" are usage errors naming the option). */
export function integerAtLeast(min: number): (value: string) => number {
  return integerBetween(min, Number.MAX_SAFE_INTEGER);
}

/** An option parser for integers from `min` to `max` (a 20-digit number is a usage error, not a huge allocation). */
export function integerBetween(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^-?\d{1,16}$/.test(value) || Number(value) < min || Number(value) > max)
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `must be an integer of at least ${min}.`
          : `must be an integer from ${min} to ${max} (at most ${max}).`,
      );
    return Number(value);
  };
}

/** The most an input file (request, stack config, config JSON) may hold. */
export const MAX_INPUT_BYTES = 1024 * 1024;

/**
 * Reads an input file as UTF-8, bounded: only a regular file (not /dev/zero, a FIFO or a
 * terminal, which may never end), opened without blocking, at most MAX_INPUT_BYTES read.
 * Anything else is a usage error naming `what` (the option).
 */
export function readInputFile(file: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UsageError(
      `${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${what}: ${file} is not a regular file`);
    if (stat.size > MAX_INPUT_BYTES) throw new UsageError(`${what}: ${file} is larger than 1 MiB`);
    const buffer = Buffer.alloc(MAX_INPUT_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length <= MAX_INPUT_BYTES; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    // A file that grew while being read.
    if (length > MAX_INPUT_BYTES) throw new UsageError(`${what}: ${file} is larger than 1 MiB`);
    return buffer.toString("utf8", 0, length);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  } finally {
    closeSync(fd);
  }
}

/** Pulumi stack names: letters, digits, '_', '.', '-' (and not only dots, which would name a directory). */
const STACK_NAME = /^(?!\.+$)[A-Za-z0-9_.-]{1,100}$/;

export function stackName(value: string): string {
  if (!STACK_NAME.test(value))
    throw new InvalidArgumentError("must be a stack name (letters, digits, '_', '.', '-').");
  return value;
}

/**
 * Reads a stack's config file (`Pulumi.<stack>.yaml` in the working directory, or `file`).
 * A missing or unreadable file, malformed YAML or an alias bomb (yaml refuses more than 100
 * aliases with a ReferenceError) is a usage error naming the file.
 */
export function readStackFile(stack: string, project: string, file?: string): StackConfig {
  const path = resolve(file ?? `Pulumi.${stack}.yaml`);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`no stack config ${path}`);
  if (statSync(path).size > MAX_INPUT_BYTES) throw new UsageError(`${path} is larger than 1 MiB`);
  try {
    return readStackConfig(path, project);
  } catch (error) {
    if (error instanceof YAMLError || (error instanceof ReferenceError && /alias/i.test(error.message))) {
      throw new UsageError(`${path} is not valid YAML: ${error.message.split("\n")[0]}`);
    }
    if (error instanceof Error && "syscall" in error)
      throw new UsageError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
    throw error;
  }
}
