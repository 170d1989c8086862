import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "out/", "coverage/", "tests/__snapshots__/", ".scratch/", "policy/dist/"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // The package index registers every Cloudflare resource on load: the programs import the
      // ones they use from their own modules (components/edge/cloudflare.ts).
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@pulumi/cloudflare",
              message: "Import Cloudflare resources through components/edge/cloudflare.ts.",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    // CommonJS by necessity: a --require hook runs before any loader, TypeScript's included.
    files: ["**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Thin constructors and small steps: a long function is split into named builders (tests and
    // benchmarks, which read as scripts, are exempt).
    files: ["**/*.ts"],
    ignores: ["tests/**", "bench/**"],
    rules: {
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
);
