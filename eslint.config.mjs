// Lint gates: typescript-eslint with type information, Pulumi's rules, complexity at 10.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: [
            "node_modules/",
            "out/",
            "build/",
            "coverage/",
            ".clusters-invalid-*/",
            ".stryker-tmp/",
            "reports/",
            // Generated from Lambda's OpenAPI document by `npm run lambda:types`.
            "clusters/lambda/api.d.ts",
            "policies/node_modules/",
            "**/*.mjs",
            "**/*.cjs",
            "**/*.js",
        ],
    },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            complexity: ["error", 10],
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        // Tests read recorded, untyped resource inputs; chai's property assertions (`.to.be.true`) are expressions by design.
        files: ["test/**/*.ts", "**/*.test.ts"],
        rules: {
            "@typescript-eslint/no-unused-expressions": "off",
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/no-non-null-assertion": "off",
        },
    },
);
